"""40 people sign the same slot within 10 seconds, on PostgreSQL: each once, none waiting on another."""

import datetime
import time

import pytest
from django.core import serializers

from attendance import codes
from attendance.models import Attendance, AttendanceChange, AttendanceStatus
from attendance.services import sheets as services
from partners.models import Axis
from programs.models import Audience
from tests.attendance.conftest import DAY, NOW, PASSWORD, at
from tests.concurrency import needs_row_locks, run_in_threads
from tests.factories import ApplicationFactory, SessionFactory, SlotFactory, TrainerFactory

PEOPLE = 40

pytestmark = needs_row_locks


@pytest.fixture
def reference_data_kept(django_db_setup, django_db_blocker):
    """A transactional test's flush empties the rows data migrations seeded: put them back after."""
    with django_db_blocker.unblock():
        saved = serializers.serialize("json", [*Audience.objects.all(), *Axis.objects.all()])
    yield
    with django_db_blocker.unblock():
        for restored in serializers.deserialize("json", saved):
            restored.save()


@pytest.fixture
def crowd(reference_data_kept, transactional_db):
    session = SessionFactory(start_date=DAY, end_date=DAY + datetime.timedelta(days=30))
    slot = SlotFactory(session=session, date=DAY)
    trainer = TrainerFactory(sessions=[session])
    sheet = services.sheet_open(slot=slot, user=trainer.user, now=NOW)
    people = ApplicationFactory.create_batch(PEOPLE, session=session, enrolled=True)
    return sheet, people, trainer


def _moment(index: int) -> datetime.datetime:
    # Spread over 10 seconds, across a turn of the code for some.
    return NOW + datetime.timedelta(seconds=index * 10 / PEOPLE)


def test_forty_people_sign_the_same_slot_at_once_each_exactly_once(crowd):
    sheet, people, _trainer = crowd

    def signing(index: int, person):
        now = _moment(index)
        if index % 4 == 0:  # some type the code the trainer reads out
            return lambda: services.attendance_sign(
                user=person.applicant, code=codes.code_for(sheet.secret, codes.step_at(now)), now=now
            )
        return lambda: services.attendance_sign(
            user=person.applicant, token=codes.token_for(sheet.pk, sheet.secret, codes.step_at(now)), now=now
        )

    started = time.monotonic()
    results = run_in_threads([signing(index, person) for index, person in enumerate(people)])
    elapsed = time.monotonic() - started

    outcomes = [result[0] for result in results]
    print(f"\nsignatures: {PEOPLE} at once in {elapsed:.2f} s, ok={outcomes.count('ok')}")
    assert outcomes == ["ok"] * PEOPLE, [result for result in results if result[0] != "ok"]
    lines = Attendance.objects.filter(sheet=sheet)
    assert lines.count() == PEOPLE
    assert set(lines.values_list("application_id", flat=True)) == {person.pk for person in people}
    assert all(line.status == AttendanceStatus.PRESENT and line.signature for line in lines)
    assert AttendanceChange.objects.filter(sheet=sheet).count() == PEOPLE


def test_everyone_tapping_twice_at_once_still_signs_once(crowd):
    sheet, people, _trainer = crowd
    token = codes.token_for(sheet.pk, sheet.secret, codes.step_at(NOW))
    calls = [
        (lambda p=person: services.attendance_sign(user=p.applicant, token=token, now=NOW))
        for person in people[:20]
        for _ in range(2)
    ]

    results = run_in_threads(calls)

    assert [result[0] for result in results] == ["ok"] * 40, [result for result in results if result[0] != "ok"]
    assert Attendance.objects.filter(sheet=sheet).count() == 20
    assert AttendanceChange.objects.filter(sheet=sheet).count() == 20
    # Both taps of a person got the same line.
    by_person: dict[int, set[int]] = {}
    for call_index, result in enumerate(results):
        by_person.setdefault(call_index // 2, set()).add(result[1].pk)
    assert all(len(line_ids) == 1 for line_ids in by_person.values())


def test_signatures_racing_the_closing_are_either_kept_or_refused_never_lost(crowd):
    sheet, people, trainer = crowd
    closing = at(20, 45)
    calls = [
        (
            lambda p=person: services.attendance_sign(
                user=p.applicant, token=codes.token_for(sheet.pk, sheet.secret, codes.step_at(closing)), now=closing
            )
        )
        for person in people[:30]
    ]
    calls.append(lambda: services.sheet_close(sheet=sheet, user=trainer.user, password=PASSWORD, now=closing))

    results = run_in_threads(calls)

    assert [result for result in results if result[0] == "error"] == []
    assert results[-1][0] == "ok"
    signed = {index for index, result in enumerate(results[:-1]) if result[0] == "ok"}
    refused = [result[1] for result in results[:-1] if result[0] == "refused"]
    assert all("est close" in message for message in refused)
    lines = dict(Attendance.objects.filter(sheet=sheet).values_list("application_id", "status"))
    # Everyone enrolled has exactly one line: present if their signature committed first, else absent.
    assert len(lines) == PEOPLE
    for index, person in enumerate(people[:30]):
        assert lines[person.pk] == ("present" if index in signed else "absent")
