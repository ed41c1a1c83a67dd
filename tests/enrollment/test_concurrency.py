"""Seat safety under load: many staff clicks on the last seats, in parallel, on PostgreSQL."""

import pytest
from django.core import serializers

from enrollment.models import Application, ApplicationStatus
from enrollment.seats import session_seat_count
from enrollment.services import applications
from partners.models import Axis
from programs.models import Audience
from tests.concurrency import needs_row_locks, run_in_threads
from tests.factories import ApplicationFactory, SessionFactory, StaffUserFactory

SEATS = 5
APPLICATIONS = 40

pytestmark = needs_row_locks


@pytest.fixture
def reference_data_kept(django_db_setup, django_db_blocker):
    """A transactional test ends with a flush that also empties the rows data migrations
    seeded (audiences, axes); put them back so later tests, and --reuse-db runs, find them.

    Requested before ``transactional_db`` so that its teardown runs after the flush.
    """
    with django_db_blocker.unblock():
        saved = serializers.serialize("json", [*Audience.objects.all(), *Axis.objects.all()])
    yield
    with django_db_blocker.unblock():
        for restored in serializers.deserialize("json", saved):
            restored.save()


def test_parallel_accepts_never_exceed_free_seats(reference_data_kept, transactional_db):
    staff = StaffUserFactory()
    session = SessionFactory(capacity=SEATS)
    candidates = [ApplicationFactory(session=session) for _ in range(APPLICATIONS)]

    results = run_in_threads(
        [lambda a=application: applications.application_accept(application=a, by=staff) for application in candidates]
    )

    outcomes = [r[0] for r in results]
    succeeded = outcomes.count("ok")
    print(
        f"\nconcurrency: attempts={APPLICATIONS} seats={SEATS} succeeded={succeeded} "
        f"refused={outcomes.count('refused')} errors={outcomes.count('error')}"
    )
    assert outcomes.count("error") == 0, [r for r in results if r[0] == "error"]
    assert succeeded == SEATS
    assert outcomes.count("refused") == APPLICATIONS - SEATS
    assert all("Plus aucune place libre" in r[1] for r in results if r[0] == "refused")
    assert Application.objects.filter(session=session, status=ApplicationStatus.ACCEPTED).count() == SEATS
    assert session_seat_count(session_id=session.pk).taken == SEATS


def test_parallel_withdrawals_and_accepts_keep_the_count_exact(reference_data_kept, transactional_db):
    """Seat holders leave while staff accept others and the waiting list fills: never overbooked."""
    staff = StaffUserFactory()
    session = SessionFactory(capacity=SEATS)
    holders = ApplicationFactory.create_batch(SEATS, session=session, status=ApplicationStatus.ACCEPTED)
    waiting = [ApplicationFactory(session=session, status=ApplicationStatus.WAITLISTED) for _ in range(10)]
    submitted = [ApplicationFactory(session=session) for _ in range(20)]

    calls = [lambda a=h: applications.application_withdraw(application=a, by=a.applicant) for h in holders]
    calls += [lambda a=s: applications.application_accept(application=a, by=staff) for s in submitted]
    results = run_in_threads(calls)

    assert [r for r in results if r[0] == "error"] == []
    seats = session_seat_count(session_id=session.pk)
    print(f"\nmixed: withdrawals={len(holders)} accepts={len(submitted)} taken_after={seats.taken}")
    assert seats.taken == SEATS
    offered = Application.objects.filter(session=session, status=ApplicationStatus.OFFERED).count()
    accepted = Application.objects.filter(session=session, status=ApplicationStatus.ACCEPTED).count()
    assert offered + accepted == SEATS
    # Offers always go to the head of the queue.
    offered_ids = set(
        Application.objects.filter(session=session, status=ApplicationStatus.OFFERED).values_list("pk", flat=True)
    )
    assert offered_ids == {w.pk for w in waiting[: len(offered_ids)]}
