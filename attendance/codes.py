"""The rotating codes of an attendance sheet, and the signatures of its lines.

Time is cut into steps of ``ATTENDANCE_CODE_STEP_SECONDS`` (30 s). For each step a sheet shows
a 6-digit code, HMAC-SHA256 of the step under the sheet's own secret with RFC 4226's dynamic
truncation (as TOTP, RFC 6238), and a QR code of a URL holding a token: the sheet's id, the
step and a MAC of both under the same secret. Only the current step and the one before it are
taken (a code typed, or a QR code scanned, just as it turns): an older code is stale, and a
code made with another sheet's secret never matches. Every comparison is constant-time.

The signature of a line (sheet, person, time) and the trainer's countersignature are HMACs
under a key derived from ``SECRET_KEY`` (``salted_hmac``): a line edited in the database by
hand no longer matches its signature.

Pure functions: no database, no clock of their own (the caller passes ``now``).
"""

import base64
import datetime
import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils.crypto import salted_hmac

CODE_DIGITS = 6
# How far back a code is still recognised, to tell a person it is stale rather than wrong.
STALE_LOOKBACK_STEPS = 20
# The steps taken: the current one and the one before it.
ACCEPTED_AGES = (0, 1)
_MAC_BYTES = 16
_TOKEN = re.compile(r"^(?P<sheet>[1-9]\d{0,18})-(?P<step>\d{1,12})-(?P<mac>[A-Za-z0-9_-]{22})$")
_SIGNATURE_SALT = "attendance.codes.signature"
_COUNTERSIGNATURE_SALT = "attendance.codes.countersignature"


def step_seconds() -> int:
    return int(settings.ATTENDANCE_CODE_STEP_SECONDS)


def step_at(now: datetime.datetime) -> int:
    """The step ``now`` falls in: floor(Unix time / step)."""
    return int(now.timestamp()) // step_seconds()


def seconds_left(now: datetime.datetime) -> int:
    """Seconds before the code shown at ``now`` changes (1 to the step's length)."""
    length = step_seconds()
    return length - int(now.timestamp()) % length


def _hmac(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def code_for(secret: str, step: int) -> str:
    """The 6-digit code of ``step`` for the sheet whose secret is ``secret``."""
    digest = _hmac(secret, step.to_bytes(8, "big"))
    offset = digest[-1] & 0x0F
    number = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return f"{number % 10**CODE_DIGITS:0{CODE_DIGITS}d}"


def normalise_code(typed: str) -> str | None:
    """The 6 digits of what a person typed (spaces and dashes left out), or None if it is not 6 digits."""
    digits = re.sub(r"[\s\-.]", "", typed or "")
    return digits if len(digits) == CODE_DIGITS and digits.isascii() and digits.isdigit() else None


def code_age(secret: str, code: str, now: datetime.datetime, *, lookback: int = STALE_LOOKBACK_STEPS) -> int | None:
    """How many steps ago ``code`` was this sheet's code (0: the current one), within ``lookback``; else None.

    Every step of the window is compared, in constant time, whichever matched: the time taken
    says nothing of the code.
    """
    current = step_at(now)
    found: int | None = None
    for age in range(lookback + 1):
        if hmac.compare_digest(code_for(secret, current - age), code) and found is None:
            found = age
    return found


def code_is_accepted(secret: str, code: str, now: datetime.datetime) -> bool:
    return code_age(secret, code, now, lookback=max(ACCEPTED_AGES)) in ACCEPTED_AGES


def _token_mac(secret: str, sheet_id: int, step: int) -> str:
    digest = _hmac(secret, f"qr:{sheet_id}:{step}".encode())[:_MAC_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_for(sheet_id: int, secret: str, step: int) -> str:
    """The URL-safe token the QR code of ``step`` carries: ``<sheet id>-<step>-<MAC>``."""
    return f"{sheet_id}-{step}-{_token_mac(secret, sheet_id, step)}"


@dataclass(frozen=True)
class Token:
    sheet_id: int
    step: int
    mac: str

    def is_genuine(self, secret: str) -> bool:
        """Whether the token was made with this secret (the sheet's): nobody else can make one."""
        return hmac.compare_digest(_token_mac(secret, self.sheet_id, self.step), self.mac)

    def age(self, now: datetime.datetime) -> int:
        """Steps since the token was shown (negative: a token from the future, never made by us)."""
        return step_at(now) - self.step


def token_parse(token: str) -> Token | None:
    """The parts of a token, or None when it has not the shape of one (nothing is checked yet)."""
    match = _TOKEN.match(token or "")
    if match is None:
        return None
    return Token(sheet_id=int(match["sheet"]), step=int(match["step"]), mac=match["mac"])


def signature_for(*, sheet_id: int, application_id: int, signed_at: datetime.datetime) -> str:
    """The server's HMAC of one signature: this person, on this sheet, at this time (64 hex digits)."""
    value = f"{sheet_id}:{application_id}:{signed_at.astimezone(datetime.UTC).isoformat()}"
    return salted_hmac(_SIGNATURE_SALT, value, algorithm="sha256").hexdigest()


def signature_is_valid(*, sheet_id: int, application_id: int, signed_at: datetime.datetime, signature: str) -> bool:
    expected = signature_for(sheet_id=sheet_id, application_id=application_id, signed_at=signed_at)
    return hmac.compare_digest(expected, signature or "")


def countersignature_for(
    *, sheet_id: int, user_id: int, closed_at: datetime.datetime, lines: Iterable[tuple[int, str]]
) -> str:
    """The HMAC of the trainer's countersignature: who closed the sheet, when, and each line's
    status then (``(application id, status)`` pairs, in any order)."""
    statuses = ",".join(f"{application_id}={status}" for application_id, status in sorted(lines))
    value = f"{sheet_id}:{user_id}:{closed_at.astimezone(datetime.UTC).isoformat()}:{statuses}"
    return salted_hmac(_COUNTERSIGNATURE_SALT, value, algorithm="sha256").hexdigest()
