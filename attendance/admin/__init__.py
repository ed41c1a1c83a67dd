"""The staff pages of the course's follow-up (Django autodiscovers this package)."""

from . import sessions, slots, trainers  # noqa: F401  (registers the model admins)
