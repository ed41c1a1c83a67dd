"""The SIRET validator (models.validate_siret) and how the PDF prints a SIRET."""

import pytest
from django.core.exceptions import ValidationError

from partners.documents import format_siret
from partners.models import Partner, validate_siret
from tests.factories import luhn_siret


@pytest.mark.parametrize(
    "value",
    [
        "73282932000074",  # passes the Luhn check
        luhn_siret(2197600000001),
        "35600000049837",  # La Poste: digit sum 45, a multiple of 5 (its Luhn check fails)
        "732 829 320 00074",  # typed as printed
    ],
)
def test_valid_siret(value):
    assert validate_siret(value) is None  # accepted: no ValidationError


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        ("73282932000075", "siret_checksum", "Ce numéro SIRET n'est pas valide (clé de contrôle)."),
        ("35600000049838", "siret_checksum", "Ce numéro SIRET n'est pas valide (clé de contrôle)."),
        ("7328293200007", "siret_format", "Le SIRET compte exactement 14 chiffres."),
        ("732829320000740", "siret_format", "Le SIRET compte exactement 14 chiffres."),
        ("7328293200007A", "siret_format", "Le SIRET compte exactement 14 chiffres."),
        # Digits outside ASCII: "²" used to crash the Luhn sum (int("²") raises) instead of being refused.
        ("7328293200007²", "siret_format", "Le SIRET compte exactement 14 chiffres."),
        ("", "siret_format", "Le SIRET compte exactement 14 chiffres."),
    ],
)
def test_invalid_siret(value, code, message):
    with pytest.raises(ValidationError) as refused:
        validate_siret(value)
    assert refused.value.code == code
    assert refused.value.messages == [message]


def test_la_poste_rule_applies_only_to_la_poste():
    """The digit-sum rule is La Poste's (SIREN 356 000 000) only; elsewhere Luhn decides."""
    digit_sum_ok_luhn_bad = "35600100049827"
    assert sum(map(int, digit_sum_ok_luhn_bad)) % 5 == 0
    with pytest.raises(ValidationError):
        validate_siret(digit_sum_ok_luhn_bad)


@pytest.mark.django_db
def test_partner_form_validation_reports_the_siret_in_french():
    partner = Partner(name="Commune de Sada", kind=Partner.Kind.COMMUNE, siret="73282932000075")
    with pytest.raises(ValidationError) as refused:
        partner.full_clean()
    assert refused.value.message_dict["siret"] == ["Ce numéro SIRET n'est pas valide (clé de contrôle)."]


@pytest.mark.parametrize(
    ("value", "printed"),
    [
        ("73282932000074", "732 829 320 00074"),
        ("732 829 320 00074", "732 829 320 00074"),
        ("", ""),
        ("123", "123"),  # not a SIRET: printed as typed rather than mangled
    ],
)
def test_format_siret(value, printed):
    assert format_siret(value) == printed
