"""The references of applications (``CAND-<year>-<6 digits>``) and VAE requests (``VAE-…``).

The digits are random (``core.references``): a reference is printed on certificates and
read out at the desk, and a random one neither reveals how many people applied nor lets
anyone guess a neighbour's. Callers retry the insert on the rare collision the check
cannot see (one in a million per draw, a few thousand applications a year).
"""

from core.references import draw_reference, free_reference, free_references

from .models import Application, VaeRequest

REFERENCE_PREFIX = "CAND"
VAE_REFERENCE_PREFIX = "VAE"


def draw_application_reference(*, year: int | None = None) -> str:
    return draw_reference(prefix=REFERENCE_PREFIX, year=year)


def free_application_reference(*, year: int | None = None) -> str:
    """A reference no stored application uses yet (the insert may still race; retry then)."""
    return free_reference(model=Application, draw=lambda: draw_application_reference(year=year))


def free_application_references(count: int) -> list[str]:
    """``count`` distinct references no stored application uses yet, for a batch of inserts."""
    return free_references(model=Application, draw=draw_application_reference, count=count)


def free_vae_reference() -> str:
    """A reference no stored VAE request uses yet (the insert may still race; retry then)."""
    return free_reference(model=VaeRequest, draw=lambda: draw_reference(prefix=VAE_REFERENCE_PREFIX))
