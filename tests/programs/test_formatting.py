"""Prices read the French way, with spaces that never break a figure across two lines."""

from decimal import Decimal

import pytest

from programs.formatting import euros, programme_price, whole_number
from programs.models import Programme

NARROW = "\u202f"  # between thousands
NBSP = "\u00a0"  # before the euro sign


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (Decimal("1250"), f"1{NARROW}250{NBSP}€"),
        (Decimal("1250.00"), f"1{NARROW}250{NBSP}€"),
        (Decimal("1250.5"), f"1{NARROW}250,50{NBSP}€"),
        (Decimal("980.05"), f"980,05{NBSP}€"),
        (Decimal("0"), f"0{NBSP}€"),
        (Decimal("125000"), f"125{NARROW}000{NBSP}€"),
        (450, f"450{NBSP}€"),
        (None, ""),
    ],
)
def test_euros(amount, expected):
    assert euros(amount) == expected


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        (None, "Tarif sur demande"),
        (Decimal("0"), "Gratuit"),
        (Decimal("0.00"), "Gratuit"),
        (Decimal("2450"), f"2{NARROW}450{NBSP}€"),
    ],
)
def test_programme_price(price, expected):
    assert programme_price(Programme(price_eur=price)) == expected


def test_whole_number_groups_thousands():
    assert whole_number(1200) == f"1{NARROW}200"
    assert whole_number(120) == "120"
    assert whole_number(None) == ""
