"""The shared reference machinery (``core.references``): random draws and numbered references."""

import re
from itertools import cycle

import pytest

from core import references
from programs.models import Session
from tests.factories import SessionFactory


def test_draw_reference_writes_prefix_year_and_zero_padded_digits(monkeypatch):
    monkeypatch.setattr(references.secrets, "randbelow", lambda bound: 42)
    assert references.draw_reference(prefix="CAND", year=2026) == "CAND-2026-000042"
    assert re.fullmatch(r"VAE-\d{4}-\d{6}", references.draw_reference(prefix="VAE"))


@pytest.mark.django_db
def test_free_references_skip_the_stored_ones():
    SessionFactory(reference="R-1")
    draws = iter(["R-1", "R-2", "R-2", "R-3"])
    assert sorted(references.free_references(model=Session, draw=lambda: next(draws), count=2)) == ["R-2", "R-3"]


@pytest.mark.django_db
def test_free_reference_gives_up_after_a_bounded_number_of_draws():
    SessionFactory(reference="R-1")
    calls = []

    def draw():
        calls.append(1)
        return next(taken)

    taken = cycle(["R-1"])
    with pytest.raises(RuntimeError, match="after 8 draws"):
        references.free_reference(model=Session, draw=draw)
    assert len(calls) == references.MAX_DRAWS


@pytest.mark.django_db
def test_numbers_after_counts_only_a_number_right_after_the_prefix():
    for reference in ["S-2027-001", "S-2027-001-02", "S-2027-001-07", "S-2027-001-03-bis", "S-2027-0010"]:
        SessionFactory(reference=reference)
    assert references.numbers_after(model=Session, prefix="S-2027-001-") == {2, 7}
