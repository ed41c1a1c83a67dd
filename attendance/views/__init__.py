"""The pages of the course's follow-up: the trainer's space and the trainees' signing pages."""
