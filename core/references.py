"""References people read out at the desk and find printed on their papers.

Two kinds. Random ones, ``<PREFIX>-<year>-<digits>`` (applications, VAE requests): they reveal
no count and a neighbour's cannot be guessed. Numbered ones, a prefix and the next number
(conventions, the next run of a session): they are meant to be counted. Both are chosen before
the insert so that the row is written once; the unique index on the field stays the arbiter
and callers retry the insert on the rare race this check cannot see.
"""

import secrets
from collections.abc import Callable

from django.db import models
from django.utils import timezone

# A draw collides once in a million with six digits: eight draws in a row mean something is wrong.
MAX_DRAWS = 8


def draw_reference(*, prefix: str, year: int | None = None, digits: int = 6) -> str:
    """``CAND-2026-042817``: the prefix, the year (this one by default) and random digits."""
    year = year or timezone.localdate().year
    return f"{prefix}-{year}-{secrets.randbelow(10**digits):0{digits}d}"


def free_references(
    *, model: type[models.Model], draw: Callable[[], str], count: int = 1, field: str = "reference"
) -> list[str]:
    """``count`` distinct references from ``draw`` that no stored row of ``model`` holds, one query a round."""
    chosen: set[str] = set()
    for _round in range(MAX_DRAWS):
        drawn = {draw() for _ in range(count - len(chosen))} - chosen
        taken = set(model._default_manager.filter(**{f"{field}__in": drawn}).values_list(field, flat=True))
        chosen |= drawn - taken
        if len(chosen) == count:
            return list(chosen)
    raise RuntimeError(f"No free {model._meta.label} {field} after {MAX_DRAWS} draws.")


def free_reference(*, model: type[models.Model], draw: Callable[[], str], field: str = "reference") -> str:
    """A reference from ``draw`` that no stored row of ``model`` holds yet (the insert may still race)."""
    return free_references(model=model, draw=draw, field=field)[0]


def numbers_after(*, model: type[models.Model], prefix: str, field: str = "reference") -> set[int]:
    """The numbers that follow ``prefix`` in the stored references: ``CONV-2026-`` → ``{1, 2, 7}``.

    References with anything else after the prefix (``S-2027-001-02-bis``) are not counted.
    """
    values = model._default_manager.filter(**{f"{field}__startswith": prefix}).values_list(field, flat=True)
    return {int(rest) for value in values if (rest := value.removeprefix(prefix)).isascii() and rest.isdigit()}
