"""The staff pages of the course's follow-up (Django autodiscovers this package).

One module per topic; each registers its model admins when imported here.
"""

from . import documents, followup, sessions, sheets, slots, trainers  # noqa: F401  (registers the model admins)
