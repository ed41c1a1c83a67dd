"""Phone numbers as people type them in Mayotte, stored in E.164 by the portal's one normaliser."""

import pytest
from django.core.exceptions import ValidationError

from core.phones import normalize_phone

INVALID = "Numéro de téléphone invalide : indiquez par exemple 0639 12 34 56 ou +262 269 61 00 00."


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        # The ways a Mayotte mobile is written on a card, a form, a spreadsheet.
        ("+262 (0)639 12 34 56", "+262639123456"),
        ("+262(0)639123456", "+262639123456"),
        ("639 12 34 56", "+262639123456"),
        ("639123456", "+262639123456"),
        ("0639123456", "+262639123456"),
        ("0639 12 34 56", "+262639123456"),
        ("06.39.12.34.56", "+262639123456"),
        ("0639-12-34-56", "+262639123456"),
        ("0639/12/34/56", "+262639123456"),
        ("06\u00a039\u00a012\u00a034\u00a056", "+262639123456"),
        ("00262639123456", "+262639123456"),
        ("00 262 639 12 34 56", "+262639123456"),
        ("+262639123456", "+262639123456"),
        ("+262 639 12 34 56", "+262639123456"),
        ("262 639 12 34 56", "+262639123456"),
        ("+262 0639 12 34 56", "+262639123456"),
        # Mayotte fixed lines.
        ("0269 61 12 34", "+262269611234"),
        ("0269.61.12.34", "+262269611234"),
        ("+262 269 61 12 34", "+262269611234"),
        ("269 61 12 34", "+262269611234"),
        # La Réunion, the Antilles, Guyane and metropolitan France keep their own codes.
        ("0692 12 34 56", "+262692123456"),
        ("0690 12 34 56", "+590690123456"),
        ("0596 12 34 56", "+596596123456"),
        ("0694 12 34 56", "+594694123456"),
        ("01 44 55 66 77", "+33144556677"),
        ("+33 (0)1 44 55 66 77", "+33144556677"),
        ("0033 6 12 34 56 78", "+33612345678"),
    ],
)
def test_numbers_typed_as_people_do_are_stored_in_e164(typed, stored):
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "téléphone",
        "0639 12 34",  # too short
        "0639 12 34 56 78",  # too long
        "639 12 34",
        "123 45 67 89",  # nine digits that are no Mayotte or Réunion number
        "+262 123 45 67 89",
        "+33 639 12 34 56",  # a Mayotte mobile is not reachable as +33
        "+1 202 555 0143",
        "0639 12 34 56 poste 12",
        "06 39 12 34 5x",
        "+262 639 12+34 56",
    ],
)
def test_what_cannot_be_a_phone_number_is_refused_in_french(typed):
    with pytest.raises(ValidationError) as refused:
        normalize_phone(typed)
    assert refused.value.messages == [INVALID]
