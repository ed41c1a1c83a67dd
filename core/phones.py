"""The one reading of a phone number as people type it, stored in E.164 (``+262639123456``).

Mayotte numbers are written many ways: ``0639 12 34 56`` at home, ``639 12 34 56`` without the
trunk zero, ``+262 (0)639 12 34 56`` on business cards, ``00262 639…`` from abroad, with spaces,
dots, dashes or slashes between the groups. Every phone field of the portal goes through
``normalize_phone``; a value that cannot be a French number is refused with one French message.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# What people put between digit groups (including the non-breaking spaces word processors insert).
_SEPARATORS = re.compile(r"[\s.\-/\u00a0\u202f]")
# The trunk zero some write after the country code: +262 (0)639…, +33 (0)1…
_TRUNK_ZERO = re.compile(r"\(0\)")

# Overseas departments dial like metropolitan France (0 + 9 digits) but have their own country
# code: the first three national digits tell which one.
OVERSEAS_PREFIXES = {
    # Mayotte: fixed 269, mobile 639. La Réunion: fixed 262 and 263, mobile 692 and 693.
    "262": "262",
    "263": "262",
    "269": "262",
    "639": "262",
    "692": "262",
    "693": "262",
    # Guadeloupe, Saint-Martin, Saint-Barthélemy.
    "590": "590",
    "690": "590",
    "691": "590",
    # Guyane.
    "594": "594",
    "694": "594",
    # Martinique.
    "596": "596",
    "696": "596",
    "697": "596",
}

INVALID_MESSAGE = _("Numéro de téléphone invalide : indiquez par exemple 0639 12 34 56 ou +262 269 61 00 00.")


def _international(country: str, national: str) -> str | None:
    """``+<country><national>`` when ``national`` (9 digits, no trunk zero) belongs to ``country``."""
    if not re.fullmatch(r"[1-9]\d{8}", national):
        return None
    overseas = OVERSEAS_PREFIXES.get(national[:3])
    if country == "33":
        # A Mayotte or Réunion number is not reachable as +33.
        return None if overseas else f"+33{national}"
    return f"+{country}{national}" if overseas == country else None


def normalize_phone(value: str) -> str:
    """The E.164 form of a French number (Mayotte, other overseas departments, metropolitan), or raise.

    ``+262 (0)639 12 34 56``, ``639 12 34 56``, ``0639123456``, ``00262639123456`` and
    ``+262639123456`` all give ``+262639123456``; ``01 44 55 66 77`` gives ``+33144556677``.
    """
    raw = _SEPARATORS.sub("", _TRUNK_ZERO.sub("", value or ""))
    raw = raw.replace("(", "").replace(")", "")
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    normalized = None
    if re.fullmatch(r"\+\d{8,15}", raw):
        digits = raw[1:]
        for country in ("262", "590", "594", "596", "33"):
            if digits.startswith(country):
                national = digits[len(country) :]
                # Some keep the trunk zero after the country code: +262 0639…
                if len(national) == 10 and national.startswith("0"):
                    national = national[1:]
                normalized = _international(country, national)
                break
    elif re.fullmatch(r"0\d{9}", raw):
        national = raw[1:]
        normalized = _international(OVERSEAS_PREFIXES.get(national[:3], "33"), national)
    elif re.fullmatch(r"\d{9}", raw) and OVERSEAS_PREFIXES.get(raw[:3]) == "262":
        # Mayotte and Réunion numbers written without their trunk zero: 639 12 34 56.
        normalized = _international("262", raw)
    elif re.fullmatch(r"262\d{9}", raw):
        # The country code typed without its "+".
        normalized = _international("262", raw[3:])
    if normalized is None:
        raise ValidationError(INVALID_MESSAGE, code="phone")
    return normalized


def validate_phone(value: str) -> None:
    normalize_phone(value)


# --- Any country, for the centre's own numbers (its host may be abroad) ----------------------------

E164 = re.compile(r"\+[1-9]\d{7,14}")
_INTERNATIONAL_SEPARATORS = re.compile(r"[\s.\-()]")
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
    raw = _INTERNATIONAL_SEPARATORS.sub("", value or "")
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
