"""The staff pages of the course's follow-up (Django autodiscovers this package).

Each topic registers its model admins in its own module; the follow-up's and the funders'
documents' are here (course days, trainers and sheets have theirs beside them).
"""

from . import documents, followup  # noqa: F401  (registers the model admins)
