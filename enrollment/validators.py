"""Validators for what applicants type: phone numbers and France Travail identifiers."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.phones import normalize_phone

__all__ = ["normalize_phone", "validate_france_travail_id", "validate_phone"]


def validate_phone(value: str) -> None:
    """The portal's one phone reading (``core.phones``); named here, where the migrations look for it."""
    normalize_phone(value)


FRANCE_TRAVAIL_ID = re.compile(r"^\d{7}[0-9A-Z]$")


def validate_france_travail_id(value: str) -> None:
    if not FRANCE_TRAVAIL_ID.fullmatch((value or "").upper()):
        raise ValidationError(
            _("L'identifiant France Travail compte 7 chiffres suivis d'un chiffre ou d'une lettre (ex. 1234567A)."),
            code="france_travail_id",
        )
