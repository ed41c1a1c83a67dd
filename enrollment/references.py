"""Application references: ``CAND-<year>-<6 digits>``.

The six digits are random rather than the row id: a reference is printed on
certificates and read out at the desk, and a random one neither reveals how many
people applied nor lets anyone guess a neighbour's. It is known before the insert,
so the row is written once; the unique index on ``reference`` is the arbiter and
callers retry on the rare collision (one in a million per draw, a few thousand
applications a year).
"""

import secrets

from django.utils import timezone

from .models import Application

REFERENCE_PREFIX = "CAND"
MAX_DRAWS = 8


def draw_application_reference(*, year: int | None = None) -> str:
    year = year or timezone.localdate().year
    return f"{REFERENCE_PREFIX}-{year}-{secrets.randbelow(1_000_000):06d}"


def free_application_reference(*, year: int | None = None) -> str:
    """A reference no stored application uses yet (the insert may still race; retry then)."""
    for _attempt in range(MAX_DRAWS):
        reference = draw_application_reference(year=year)
        if not Application.objects.filter(reference=reference).exists():
            return reference
    raise RuntimeError("No free application reference after several draws.")
