"""The rotating codes of a sheet and the signatures of its lines (attendance.codes), on a fixed clock."""

import datetime
import hashlib
import hmac
import zoneinfo

import pytest
from django.test import override_settings

from attendance import codes

MAYOTTE = zoneinfo.ZoneInfo("Indian/Mayotte")
SECRET = "a" * 64
OTHER_SECRET = "b" * 64
# 1er juin 2027, 17 h 35 in Mayotte: 30 s steps from the Unix epoch.
NOW = datetime.datetime(2027, 6, 1, 17, 35, 0, tzinfo=MAYOTTE)


def later(seconds: float) -> datetime.datetime:
    return NOW + datetime.timedelta(seconds=seconds)


def test_the_step_is_unix_time_over_thirty_seconds():
    assert codes.step_at(NOW) == int(NOW.timestamp()) // 30
    assert codes.step_at(later(29)) == codes.step_at(NOW)
    assert codes.step_at(later(30)) == codes.step_at(NOW) + 1


def test_seconds_left_count_down_to_the_turn():
    start = datetime.datetime.fromtimestamp(codes.step_at(NOW) * 30, tz=MAYOTTE)
    assert codes.seconds_left(start) == 30
    assert codes.seconds_left(start + datetime.timedelta(seconds=29)) == 1


def test_the_code_is_rfc_4226_dynamic_truncation_of_the_step_s_hmac():
    step = codes.step_at(NOW)
    digest = hmac.new(SECRET.encode(), step.to_bytes(8, "big"), hashlib.sha256).digest()
    offset = digest[-1] & 0x0F
    expected = (int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF) % 1_000_000
    assert codes.code_for(SECRET, step) == f"{expected:06d}"
    assert len(codes.code_for(SECRET, step)) == 6


def test_the_code_changes_every_step_and_differs_between_sheets():
    step = codes.step_at(NOW)
    rolled = {codes.code_for(SECRET, step + n) for n in range(10)}
    assert len(rolled) >= 9  # two equal codes in ten steps: one chance in 100,000 per pair
    assert codes.code_for(SECRET, step) != codes.code_for(OTHER_SECRET, step)


def test_the_current_and_the_previous_codes_are_taken_nothing_older_nor_newer():
    step = codes.step_at(NOW)
    assert codes.code_is_accepted(SECRET, codes.code_for(SECRET, step), NOW)
    assert codes.code_is_accepted(SECRET, codes.code_for(SECRET, step - 1), NOW)
    # A code two steps old is a replay, whatever it was worth then.
    assert not codes.code_is_accepted(SECRET, codes.code_for(SECRET, step - 2), NOW)
    assert codes.code_age(SECRET, codes.code_for(SECRET, step - 2), NOW) == 2
    assert not codes.code_is_accepted(SECRET, codes.code_for(SECRET, step + 1), NOW)
    # Another sheet's code never matches this one.
    assert codes.code_age(SECRET, codes.code_for(OTHER_SECRET, step), NOW) is None


def test_a_code_turns_into_a_stale_one_as_the_clock_moves():
    code = codes.code_for(SECRET, codes.step_at(NOW))
    assert codes.code_age(SECRET, code, later(30)) == 1
    assert codes.code_is_accepted(SECRET, code, later(30))
    assert codes.code_age(SECRET, code, later(60)) == 2
    assert not codes.code_is_accepted(SECRET, code, later(60))
    assert codes.code_age(SECRET, code, later(30 * (codes.STALE_LOOKBACK_STEPS + 1))) is None


@override_settings(ATTENDANCE_CODE_STEP_SECONDS=60)
def test_the_step_follows_the_setting():
    assert codes.step_at(NOW) == int(NOW.timestamp()) // 60
    assert codes.seconds_left(datetime.datetime.fromtimestamp(codes.step_at(NOW) * 60, tz=MAYOTTE)) == 60


@pytest.mark.parametrize(
    ("typed", "digits"),
    [
        ("123456", "123456"),
        (" 123 456 ", "123456"),
        ("123-456", "123456"),
        ("12345", None),
        ("12345a", None),
        ("١٢٣٤٥٦", None),
    ],
)
def test_typed_codes_are_six_ascii_digits_spaces_left_out(typed, digits):
    assert codes.normalise_code(typed) == digits


def test_a_token_carries_the_sheet_and_the_step_under_the_sheet_s_secret():
    step = codes.step_at(NOW)
    token = codes.token_for(42, SECRET, step)
    parsed = codes.token_parse(token)
    assert (parsed.sheet_id, parsed.step) == (42, step)
    assert parsed.is_genuine(SECRET)
    assert not parsed.is_genuine(OTHER_SECRET)
    assert parsed.age(NOW) == 0
    assert parsed.age(later(60)) == 2
    # URL-safe: it goes in a path as it is.
    assert all(character.isalnum() or character in "-_" for character in token)


def test_a_token_made_up_or_moved_to_another_sheet_is_not_genuine():
    step = codes.step_at(NOW)
    token = codes.token_for(42, SECRET, step)
    mac = token.split("-", 2)[2]  # the MAC may itself hold a dash: the id and the step never do
    assert not codes.token_parse(f"43-{step}-{mac}").is_genuine(SECRET)
    assert not codes.token_parse(f"42-{step + 1}-{mac}").is_genuine(SECRET)
    for malformed in ("", "42", f"42-{step}", f"0-{step}-{mac}", f"42-{step}-{mac}x", "../../etc"):
        assert codes.token_parse(malformed) is None


def test_the_signature_of_a_line_binds_the_sheet_the_person_and_the_time():
    signed_at = NOW
    signature = codes.signature_for(sheet_id=1, application_id=2, signed_at=signed_at)
    assert len(signature) == 64
    assert codes.signature_is_valid(sheet_id=1, application_id=2, signed_at=signed_at, signature=signature)
    # The same instant written in UTC signs the same.
    assert codes.signature_is_valid(
        sheet_id=1, application_id=2, signed_at=signed_at.astimezone(datetime.UTC), signature=signature
    )
    assert not codes.signature_is_valid(sheet_id=1, application_id=3, signed_at=signed_at, signature=signature)
    assert not codes.signature_is_valid(sheet_id=9, application_id=2, signed_at=signed_at, signature=signature)
    assert not codes.signature_is_valid(sheet_id=1, application_id=2, signed_at=later(1), signature=signature)


def test_the_signature_key_comes_from_secret_key():
    signature = codes.signature_for(sheet_id=1, application_id=2, signed_at=NOW)
    with override_settings(SECRET_KEY="another-secret-key-that-is-long-enough-0123456789"):
        assert codes.signature_for(sheet_id=1, application_id=2, signed_at=NOW) != signature


def test_the_countersignature_covers_each_line_s_status_in_any_order():
    first = codes.countersignature_for(sheet_id=1, user_id=5, closed_at=NOW, lines=[(2, "present"), (3, "absent")])
    assert first == codes.countersignature_for(
        sheet_id=1, user_id=5, closed_at=NOW, lines=[(3, "absent"), (2, "present")]
    )
    assert first != codes.countersignature_for(
        sheet_id=1, user_id=5, closed_at=NOW, lines=[(2, "present"), (3, "excuse")]
    )
    assert first != codes.countersignature_for(
        sheet_id=1, user_id=6, closed_at=NOW, lines=[(2, "present"), (3, "absent")]
    )
