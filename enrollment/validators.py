"""Validators for what applicants type: phone numbers and France Travail identifiers."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The portal's one phone reading; named here too, where the migrations look for validate_phone.
from core.phones import normalize_phone, validate_phone

__all__ = ["normalize_phone", "validate_france_travail_id", "validate_phone"]


FRANCE_TRAVAIL_ID = re.compile(r"^\d{7}[0-9A-Z]$")


def validate_france_travail_id(value: str) -> None:
    if not FRANCE_TRAVAIL_ID.fullmatch((value or "").upper()):
        raise ValidationError(
            _("L'identifiant France Travail compte 7 chiffres suivis d'un chiffre ou d'une lettre (ex. 1234567A)."),
            code="france_travail_id",
        )
