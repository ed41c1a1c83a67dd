"""The pages of the course's follow-up: the trainer's space, the trainees' signing pages, the
person's follow-up and their documents."""
