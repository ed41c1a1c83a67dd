"""The staff pages of the course's follow-up (Django autodiscovers this package).

One module per topic; each registers its model admins when imported here.
"""

from . import sheets  # noqa: F401  (registers the model admins)
