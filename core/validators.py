"""Checks on identifiers people type: the Luhn key and the SIRET built on it."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# La Poste (SIREN 356 000 000) numbers its establishments with a digit-sum rule instead of Luhn.
LA_POSTE_SIREN = "356000000"


def luhn_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn check (the key of SIREN and SIRET numbers)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        number = int(char)
        if index % 2 == 1:
            number = number * 2 - 9 if number > 4 else number * 2
        total += number
    return total % 10 == 0


def luhn_complete(prefix: str) -> str:
    """``prefix`` followed by the one digit that makes it pass the Luhn check."""
    return next(prefix + last for last in "0123456789" if luhn_valid(prefix + last))


def validate_siret(value: str) -> None:
    """A SIRET is 14 digits passing the Luhn check (La Poste's establishments excepted)."""
    digits = value.replace(" ", "")
    if len(digits) != 14 or not digits.isascii() or not digits.isdigit():
        raise ValidationError(_("Le SIRET compte exactement 14 chiffres."), code="siret_format")
    la_poste = digits.startswith(LA_POSTE_SIREN)
    if not (sum(int(d) for d in digits) % 5 == 0 if la_poste else luhn_valid(digits)):
        raise ValidationError(_("Ce numéro SIRET n'est pas valide (clé de contrôle)."), code="siret_checksum")
