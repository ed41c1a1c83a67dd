"""The pages of the course's follow-up: the person's space and downloads."""
