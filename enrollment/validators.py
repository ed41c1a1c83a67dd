"""Validators for what applicants type: phone numbers and France Travail identifiers."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_SEPARATORS = re.compile(r"[\s.\-()]")


def normalize_phone(value: str) -> str:
    """Return a French or Mayotte number in E.164 form (+262639…, +33…), or raise.

    Accepted: 0269…/0639… (Mayotte fixed/mobile), other 0X… metropolitan or
    overseas numbers, and the same with +262 or +33 or 00 prefixes.
    """
    raw = _SEPARATORS.sub("", value or "")
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    if raw.startswith("+262") and len(raw) == 13:
        national = raw[4:]
        if national[:3] in {"269", "639"} or national[:3] in {"262", "692", "693"}:
            return raw
    elif raw.startswith("+33") and len(raw) == 12 and raw[3] in "123456789":
        return raw
    elif re.fullmatch(r"0[1-9]\d{8}", raw):
        # Mayotte and Réunion numbers dial as 0269/0639 (or 0262/0692/0693) at home.
        if raw[1:4] in {"269", "639", "262", "692", "693"}:
            return "+262" + raw[1:]
        return "+33" + raw[1:]
    raise ValidationError(
        _("Numéro de téléphone invalide : indiquez par exemple 0639 12 34 56 ou +262 269 61 00 00."),
        code="phone",
    )


def validate_phone(value: str) -> None:
    normalize_phone(value)


FRANCE_TRAVAIL_ID = re.compile(r"^\d{7}[0-9A-Z]$")


def validate_france_travail_id(value: str) -> None:
    if not FRANCE_TRAVAIL_ID.fullmatch((value or "").upper()):
        raise ValidationError(
            _("L'identifiant France Travail compte 7 chiffres suivis d'un chiffre ou d'une lettre (ex. 1234567A)."),
            code="france_travail_id",
        )
