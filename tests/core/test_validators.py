"""The Luhn key shared by every SIREN and SIRET check (``core.validators``)."""

import pytest

from core.validators import luhn_complete, luhn_valid


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        ("73282932000074", True),
        ("73282932000075", False),
        ("732829320", True),  # the SIREN inside the SIRET above carries its own key
        ("79927398713", True),  # the textbook example
        ("79927398710", False),
        ("0", True),
    ],
)
def test_luhn_valid(digits, valid):
    assert luhn_valid(digits) is valid


@pytest.mark.parametrize("prefix", ["7328293200007", "21976017", "1300266100001", ""])
def test_luhn_complete_appends_the_one_key_that_passes(prefix):
    completed = luhn_complete(prefix)
    assert completed[:-1] == prefix
    assert luhn_valid(completed)
    assert [luhn_valid(prefix + d) for d in "0123456789"].count(True) == 1
