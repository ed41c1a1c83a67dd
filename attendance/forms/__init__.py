"""The forms of the course's follow-up, one module per topic."""
