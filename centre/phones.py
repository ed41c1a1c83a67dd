"""Phone numbers of the centre and its host: stored in E.164, shown as they are dialled at home."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from enrollment.validators import normalize_phone

E164 = re.compile(r"\+[1-9]\d{7,14}")
_SEPARATORS = re.compile(r"[\s.\-()]")
# Country codes whose numbers are dialled with a leading 0 within the French numbering plan.
FRENCH_PREFIXES = ("+262", "+33")


def validate_e164(value: str) -> None:
    if not E164.fullmatch(value or ""):
        raise ValidationError(
            _("Indiquez le numéro au format international, par exemple +262269612020."),
            code="e164",
        )


def to_e164(value: str) -> str:
    """``02 69 61 20 20``, ``0269612020`` or ``+262 269 61 20 20`` → ``+262269612020``.

    Numbers of other countries are accepted as typed in international form (``+353 1…``).
    """
    raw = _SEPARATORS.sub("", value or "")
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    if raw.startswith("+") and not raw.startswith(FRENCH_PREFIXES):
        validate_e164(raw)
        return raw
    return normalize_phone(raw)


def national(value: str) -> str:
    """``+262269612020`` → ``02 69 61 20 20``; other countries stay in international form."""
    for prefix in FRENCH_PREFIXES:
        if value.startswith(prefix) and len(value) - len(prefix) == 9:
            digits = "0" + value[len(prefix) :]
            return " ".join(digits[i : i + 2] for i in range(0, 10, 2))
    return value
