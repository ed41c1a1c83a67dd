"""The seat ledger's one locking rule: ``lock_sessions`` once per transaction, sessions by pk, short wait."""

import datetime
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import Notification
from enrollment import seats
from enrollment.models import Application, ApplicationStatus, ApplicationStatusChange
from enrollment.services import applications, partner_enrollment, waitlist
from partner_space import services as services_staff
from partner_space.imports import StaffRow
from partners import services as services_conventions
from partners.models import Convention, SeatAllocation
from programs.models import Session
from tests.concurrency import needs_row_locks
from tests.factories import (
    ApplicantFactory,
    ApplicationFactory,
    ConventionFactory,
    PartnerMemberFactory,
    SeatAllocationFactory,
    SessionFactory,
    StaffUserFactory,
)

S = ApplicationStatus
BUSY = "Cette session est en cours de mise à jour par une autre personne : réessayez dans quelques secondes."


# --- lock_sessions itself ---------------------------------------------------------------------


def test_lock_sessions_refuses_to_run_outside_a_transaction(transactional_db):
    session = SessionFactory()
    with pytest.raises(TransactionManagementError, match=r"inside transaction\.atomic"):
        seats.lock_sessions(session_ids=[session.pk])


@pytest.mark.django_db
def test_lock_sessions_returns_every_session_by_pk_and_refuses_a_missing_one():
    first, second = SessionFactory(), SessionFactory()
    with transaction.atomic():
        locked = seats.lock_sessions(session_ids=[second.pk, first.pk, second.pk])
    assert list(locked) == [first.pk, second.pk]
    assert locked[second.pk].reference == second.reference
    with transaction.atomic(), pytest.raises(Session.DoesNotExist):
        seats.lock_sessions(session_ids=[first.pk, second.pk + 1000])


@needs_row_locks
@pytest.mark.django_db
def test_lock_sessions_bounds_the_wait_then_locks_in_pk_order(settings):
    settings.SEAT_LOCK_TIMEOUT_MS = 1234
    sessions = [SessionFactory() for _ in range(3)]
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        seats.lock_sessions(session_ids=[sessions[2].pk, sessions[0].pk, sessions[1].pk])
    sql = [query["sql"] for query in queries.captured_queries]
    assert sql[0] == "SET LOCAL lock_timeout = '1234ms'"
    assert len(sql) == 2
    assert 'ORDER BY "programs_session"."id" ASC' in sql[1]
    assert sql[1].endswith("FOR UPDATE")


def _hold_session_lock(session_ids, *, locked: threading.Event, release: threading.Event):
    """In its own connection: lock the sessions until ``release`` is set (another person's change)."""
    try:
        with transaction.atomic():
            list(Session.objects.select_for_update().filter(pk__in=session_ids).order_by("pk"))
            locked.set()
            release.wait(timeout=30)
    finally:
        connections.close_all()


def _wait_for_lock_waiters(count: int) -> None:
    """Until ``count`` other backends of this database wait on a row lock (or 10 s)."""
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] >= count:
                return
            time.sleep(0.02)
    raise AssertionError("the other transaction never waited for the lock")


@needs_row_locks
def test_sessions_are_locked_by_pk_whatever_the_order_given(transactional_db, settings):
    """The lower pk is held while the higher one is awaited: the order that rules out cycles."""
    settings.SEAT_LOCK_TIMEOUT_MS = 10_000
    low, high = SessionFactory(), SessionFactory()
    locked, release = threading.Event(), threading.Event()
    holder = threading.Thread(
        target=_hold_session_lock, args=([high.pk],), kwargs={"locked": locked, "release": release}
    )
    holder.start()
    assert locked.wait(timeout=10)
    done = threading.Event()

    def move():
        try:
            with transaction.atomic():
                seats.lock_sessions(session_ids=[high.pk, low.pk])
        finally:
            done.set()
            connections.close_all()

    mover = threading.Thread(target=move)
    mover.start()
    try:
        _wait_for_lock_waiters(1)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM programs_session WHERE id IN (%s, %s) FOR UPDATE SKIP LOCKED", [low.pk, high.pk]
            )
            free = [row[0] for row in cursor.fetchall()]
        assert free == []  # low is the mover's, high the holder's
    finally:
        release.set()
        holder.join(timeout=30)
        mover.join(timeout=30)
    assert done.is_set()


@needs_row_locks
def test_a_decision_on_a_session_being_changed_is_refused_quickly_and_writes_nothing(transactional_db, settings):
    settings.SEAT_LOCK_TIMEOUT_MS = 200
    staff = StaffUserFactory()
    session = SessionFactory(capacity=3)
    application = ApplicationFactory(session=session)
    locked, release = threading.Event(), threading.Event()
    holder = threading.Thread(
        target=_hold_session_lock, args=([session.pk],), kwargs={"locked": locked, "release": release}
    )
    holder.start()
    try:
        assert locked.wait(timeout=10)
        started = time.monotonic()
        with pytest.raises(ValidationError) as refused:
            applications.application_accept(application=application, by=staff)
        elapsed = time.monotonic() - started
    finally:
        release.set()
        holder.join(timeout=30)

    assert refused.value.messages == [BUSY]
    assert refused.value.error_list[0].code == "busy"
    assert elapsed < 3
    application.refresh_from_db()
    assert application.status == S.SUBMITTED
    assert not ApplicationStatusChange.objects.filter(application=application).exists()
    assert not Notification.objects.exists()
    # Once the other change is committed, trying again works.
    applications.application_accept(application=application, by=staff)
    application.refresh_from_db()
    assert application.status == S.ACCEPTED


@needs_row_locks
def test_a_partner_enrollment_on_a_session_being_changed_is_refused_and_writes_nothing(transactional_db, settings):
    settings.SEAT_LOCK_TIMEOUT_MS = 200
    referent = PartnerMemberFactory()
    first = SeatAllocationFactory(partner=referent.partner, seats=3)
    second = SeatAllocationFactory(convention=first.convention, seats=3)
    locked, release = threading.Event(), threading.Event()
    holder = threading.Thread(
        target=_hold_session_lock, args=([second.session_id],), kwargs={"locked": locked, "release": release}
    )
    holder.start()
    try:
        assert locked.wait(timeout=10)
        with pytest.raises(ValidationError) as refused:
            services_staff.staff_import_commit(
                member=referent,
                rows=[_row(0, first.session.reference), _row(1, second.session.reference)],
                all_or_nothing=False,
            )
    finally:
        release.set()
        holder.join(timeout=30)

    assert refused.value.messages == [BUSY]
    assert not Application.objects.exists()
    assert not Notification.objects.exists()


# --- Every seat move locks once ---------------------------------------------------------------


@pytest.fixture
def lock_calls(monkeypatch):
    """The session ids of each ``lock_sessions`` call, the real one still doing the locking."""
    calls = []
    real = seats.lock_sessions

    def spy(*, session_ids, **kwargs):
        ids = sorted(set(session_ids))
        calls.append(ids)
        return real(session_ids=ids, **kwargs)

    monkeypatch.setattr(seats, "lock_sessions", spy)
    return calls


def _row(n: int, reference: str) -> StaffRow:
    return StaffRow(
        line=n + 2,
        first_name=f"Prénom{n}",
        last_name=f"Nom{n}",
        email=f"agent{n}@tsingoni.yt",
        job_title="Agent",
        session_reference=reference.upper(),
    )


def _offered(session):
    return ApplicationFactory(session=session, status=S.OFFERED)


# Each builds a scene, runs one service call (one transaction) and returns the sessions it must lock.
def _accept(staff):
    application = ApplicationFactory()
    applications.application_accept(application=application, by=staff)
    return [application.session_id]


def _waitlist(staff):
    application = ApplicationFactory(status=S.ACCEPTED)
    ApplicationFactory(session=application.session, status=S.WAITLISTED)  # its freed seat is offered
    applications.application_waitlist(application=application, by=staff)
    return [application.session_id]


def _reject(staff):
    application = ApplicationFactory(status=S.ACCEPTED)
    applications.application_reject(application=application, by=staff, reason="Dossier incomplet.")
    return [application.session_id]


def _enroll(staff):
    application = ApplicationFactory()
    applications.application_enroll(application=application, by=staff)
    return [application.session_id]


def _withdraw(staff):
    application = ApplicationFactory(status=S.ACCEPTED)
    applications.application_withdraw(application=application, by=application.applicant)
    return [application.session_id]


def _cancel(staff):
    application = ApplicationFactory(status=S.ENROLLED)
    applications.application_cancel(application=application, by=staff, reason="Session reportée.")
    return [application.session_id]


def _offer_accept(staff):
    application = _offered(SessionFactory())
    waitlist.offer_accept(application=application, by=application.applicant)
    return [application.session_id]


def _offer_decline(staff):
    application = _offered(SessionFactory())
    waitlist.offer_decline(application=application, by=application.applicant)
    return [application.session_id]


def _waitlist_fill(staff):
    session = SessionFactory(capacity=2)
    ApplicationFactory(session=session, status=S.WAITLISTED)
    assert len(waitlist.waitlist_fill(session_id=session.pk)) == 1
    return [session.pk]


def _capacity_changed(staff):
    session = SessionFactory(capacity=1, full=True)
    ApplicationFactory(session=session, status=S.WAITLISTED)
    Session.objects.filter(pk=session.pk).update(capacity=2)
    assert len(waitlist.waitlist_fill(session_id=session.pk, by=staff)) == 1
    return [session.pk]


def _allocation_set(staff):
    convention, session = ConventionFactory(), SessionFactory()
    services_conventions.allocation_set(convention=convention, session=session, seats=3, by=staff)
    return [session.pk]


def _allocation_remove(staff):
    allocation = SeatAllocationFactory(convention=ConventionFactory(), session=SessionFactory(), seats=3)
    services_conventions.allocation_remove(allocation=allocation, by=staff)
    assert not SeatAllocation.objects.filter(pk=allocation.pk).exists()
    return [allocation.session_id]


def _convention_to_sign(staff):
    convention = ConventionFactory(state=Convention.State.DRAFT, signed_on=None)
    sessions = [SessionFactory(), SessionFactory()]
    for session in sessions:
        SeatAllocationFactory(convention=convention, session=session, seats=2)
    services_conventions.convention_transition(convention=convention, to_state=Convention.State.TO_SIGN, by=staff)
    return [session.pk for session in sessions]


def _partner_enrollments(staff):
    referent = PartnerMemberFactory()
    first = SeatAllocationFactory(partner=referent.partner)
    second = SeatAllocationFactory(convention=first.convention)
    people = [ApplicantFactory(), ApplicantFactory()]
    partner_enrollment.applications_enroll_partner_staff(
        enrollments=[
            partner_enrollment.StaffEnrollment(convention=first.convention, session=first.session, user=people[0]),
            partner_enrollment.StaffEnrollment(convention=second.convention, session=second.session, user=people[1]),
        ],
        by=referent.user,
    )
    return [first.session_id, second.session_id]


def _staff_import(staff):
    referent = PartnerMemberFactory()
    first = SeatAllocationFactory(partner=referent.partner)
    second = SeatAllocationFactory(convention=first.convention)
    outcome = services_staff.staff_import_commit(
        member=referent,
        rows=[_row(0, second.session.reference), _row(1, first.session.reference)],
        all_or_nothing=True,
    )
    assert outcome.committed and len(outcome.applications) == 2
    return [first.session_id, second.session_id]


def _staff_enroll(staff):
    referent = PartnerMemberFactory()
    allocation = SeatAllocationFactory(partner=referent.partner)
    services_staff.staff_enroll(
        member=referent, allocation=allocation, first_name="Awa", last_name="Madi", email="awa@tsingoni.yt"
    )
    return [allocation.session_id]


SEAT_MOVES = [
    _accept,
    _waitlist,
    _reject,
    _enroll,
    _withdraw,
    _cancel,
    _offer_accept,
    _offer_decline,
    _waitlist_fill,
    _capacity_changed,
    _allocation_set,
    _allocation_remove,
    _convention_to_sign,
    _partner_enrollments,
    _staff_import,
    _staff_enroll,
]


@pytest.mark.django_db
@pytest.mark.parametrize("seat_move", SEAT_MOVES, ids=[move.__name__.strip("_") for move in SEAT_MOVES])
def test_every_seat_move_locks_its_sessions_once(seat_move, lock_calls):
    expected = seat_move(StaffUserFactory())
    assert lock_calls == [sorted(expected)]


@pytest.mark.django_db
def test_expiring_offers_locks_each_session_once_in_its_own_transaction(lock_calls):
    sessions = [SessionFactory(), SessionFactory()]
    past = timezone.now() - datetime.timedelta(hours=1)
    for session in sessions:
        ApplicationFactory(session=session, status=S.OFFERED, offer_expires_at=past)
    assert waitlist.offers_expire() == 2
    assert lock_calls == [[sessions[0].pk], [sessions[1].pk]]


@pytest.mark.django_db
def test_the_seat_count_is_whole_numbers_and_follows_each_session():
    """The count's SQL is compiled once: each session still gets its own figures, as integers."""
    small = SessionFactory(capacity=4)
    large = SessionFactory(capacity=30)
    ApplicationFactory(session=small, status=Application.Status.ENROLLED)
    SeatAllocationFactory(session=large, seats=6)
    counts = {session.pk: seats.session_seat_count(session_id=session.pk) for session in (small, large)}
    assert (counts[small.pk].capacity, counts[small.pk].taken, counts[small.pk].reserved) == (4, 1, 0)
    assert (counts[large.pk].capacity, counts[large.pk].taken, counts[large.pk].reserved) == (30, 0, 6)
    assert all(type(value) is int for count in counts.values() for value in (count.taken, count.reserved, count.free))
