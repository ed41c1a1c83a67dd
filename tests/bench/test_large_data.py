"""The large data set (bench/large_data.py) at 0.2 %: its figures, and the rules the page benchmark relies on.

Built once for the module on top of the demo, in a transaction rolled back after the last test.
"""

import io
import itertools
from collections import defaultdict
from dataclasses import dataclass

import pytest
from django.db import connection, transaction
from django.db.models import Count, F
from django.test import override_settings
from django.utils import timezone

from bench.large_data import BIG_PARTNER_NAME, FIGURES, build, figure
from core.models import Notification
from demo import data as demo_data
from enrollment.models import SEAT_STATUSES, ApplicantProfile, Application, ApplicationStatus, ApplicationStatusChange
from enrollment.notifications import NOTIFICATION_KINDS
from enrollment.seats import allocations_with_usage, annotate_seats
from enrollment.services.transitions import MOVES
from partners.models import Partner, SeatAllocation
from programs.models import Programme, Session
from programs.selectors import programme_page

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the large data set is written with COPY"),
    pytest.mark.django_db,
    pytest.mark.xdist_group("large_data"),
]

SCALE = 0.002
Status = ApplicationStatus

# Every move an application may make: the status machine's, plus the waiting list's offers,
# the expiry sweep, and a partner's enrollment (straight in, or held until the person agrees).
MOVE_TARGETS = {
    "accept": Status.ACCEPTED,
    "waitlist": Status.WAITLISTED,
    "reject": Status.REJECTED,
    "enroll": Status.ENROLLED,
    "withdraw": Status.WITHDRAWN,
    "cancel": Status.CANCELLED,
    "offer_accept": Status.ACCEPTED,
    "offer_decline": Status.WITHDRAWN,
}
ALLOWED_MOVES = {(str(source), str(MOVE_TARGETS[move])) for move, sources in MOVES.items() for source in sources} | {
    ("", Status.SUBMITTED),
    ("", Status.ENROLLED),
    ("", Status.OFFERED),
    (Status.WAITLISTED, Status.OFFERED),
    (Status.OFFERED, Status.EXPIRED),
    (Status.OFFERED, Status.ENROLLED),
}
DEMO_REFERENCES = {item.reference for item in demo_data.APPLICATIONS}


def big_partner_enrollments() -> int:
    return Application.objects.filter(
        channel=Application.Channel.PARTNER, convention__partner__name=BIG_PARTNER_NAME
    ).count()


COUNTED = {
    "programs.Programme": Programme.objects.count,
    "programs.Session": Session.objects.count,
    "enrollment.ApplicantProfile": ApplicantProfile.objects.count,
    "enrollment.Application": Application.objects.count,
    "enrollment.ApplicationStatusChange": ApplicationStatusChange.objects.count,
    "core.Notification": Notification.objects.count,
    "partners.Partner": Partner.objects.count,
    "big_partner": big_partner_enrollments,
}


def counts() -> dict[str, int]:
    return {label: count() for label, count in COUNTED.items()}


@dataclass(frozen=True)
class Built:
    made: dict[str, int]
    before: dict[str, int]
    after: dict[str, int]

    def added(self, label: str) -> int:
        return self.after[label] - self.before[label]


@pytest.fixture(scope="module")
def _built_for_module(django_db_setup, django_db_blocker):
    from django.core.management import call_command

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(DEBUG=True):
                call_command("seed_demo", stdout=io.StringIO())
                before = counts()
                made = build(SCALE, stdout=io.StringIO())
                after = counts()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield Built(made=made, before=before, after=after)
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def built(_built_for_module, db) -> Built:
    return _built_for_module


def ours(queryset):
    """What the large data set wrote, without the demo's rows."""
    return queryset.exclude(reference__in=DEMO_REFERENCES) if queryset.model is Application else queryset


def test_figures_follow_the_scale(built):
    expected = {
        "programs.Programme": figure("programmes", SCALE),
        "programs.Session": figure("sessions", SCALE),
        "enrollment.ApplicantProfile": figure("applicants", SCALE),
        "enrollment.Application": figure("applications", SCALE),
        "partners.Partner": figure("partners", SCALE),
    }
    for label, wanted in expected.items():
        assert built.made[label] == wanted, label
        assert built.added(label) == wanted, label
    assert expected["enrollment.Application"] == round(FIGURES["applications"] * SCALE) == 400
    history, outbox = built.added("enrollment.ApplicationStatusChange"), built.added("core.Notification")
    assert history > expected["enrollment.Application"]  # every application has its submission, most a decision
    assert outbox > 0
    assert history + outbox == figure("history_and_outbox", SCALE) == 1000
    assert built.added("big_partner") == figure("big_partner_enrollments", SCALE) == 10


def test_no_session_holds_more_seats_than_its_capacity(built):
    sessions = list(annotate_seats(Session.objects.all()))
    assert len(sessions) >= figure("sessions", SCALE)
    for session in sessions:
        assert session.seats_taken + session.seats_reserved <= session.capacity, session.reference
    holding = dict(
        Application.objects.filter(status__in=SEAT_STATUSES)
        .values_list("session")
        .annotate(n=Count("pk"))
        .values_list("session", "n")
    )
    for session in sessions:
        assert holding.get(session.pk, 0) <= session.capacity, session.reference
    # Some sessions are full, some are not: the pages show both « places restantes » and « complet ».
    public = [s for s in sessions if s.reserved_for_id is None and s.state == Session.State.SCHEDULED]
    assert any(s.seats_free == 0 for s in public) and any(s.seats_free > 0 for s in public)


def test_a_waiting_list_only_where_no_public_seat_is_left(built):
    demo_sessions = {item.reference for item in demo_data.SESSIONS}
    waiting = annotate_seats(Session.objects.exclude(reference__in=demo_sessions)).filter(
        waitlist_length__gt=0, state=Session.State.SCHEDULED
    )
    assert all(session.seats_free == 0 for session in waiting)


def test_each_history_runs_along_allowed_moves_to_the_status(built):
    history = defaultdict(list)
    rows = ApplicationStatusChange.objects.order_by("application", "changed_at", "pk").values_list(
        "application", "from_status", "to_status", "changed_at"
    )
    for application, from_status, to_status, changed_at in rows:
        history[application].append((from_status, to_status, changed_at))
    now = timezone.now()
    applications = Application.objects.values_list("pk", "reference", "status", "submitted_at")
    for pk, reference, status, submitted_at in applications:
        moves = history[pk]
        assert moves, reference
        assert moves[-1][1] == status, reference
        assert moves[0][0] == "", reference
        if reference in DEMO_REFERENCES:
            continue
        assert moves[0][2] == submitted_at, reference
        for (_from, to, at), (following_from, _to, following_at) in itertools.pairwise(moves):
            assert following_from == to, reference
            assert at <= following_at <= now, reference
        for from_status, to_status, _at in moves:
            assert (from_status, to_status) in ALLOWED_MOVES, (reference, from_status, to_status)


def test_application_fields_agree_with_their_status(built):
    now = timezone.now()
    applications = ours(Application.objects.all())
    assert not applications.filter(status=Status.OFFERED, offer_expires_at__lte=now).exists()
    assert not applications.filter(status=Status.REJECTED, rejection_reason="").exists()
    assert not applications.filter(status=Status.ENROLLED, enrolled_at__isnull=True).exists()
    assert not applications.filter(
        status__in=[Status.REJECTED, Status.WITHDRAWN, Status.EXPIRED, Status.CANCELLED], closed_at__isnull=True
    ).exists()
    assert not applications.filter(session__reserved_for__isnull=False, channel=Application.Channel.ONLINE).exists()
    # A decided status somewhere, an open session somewhere: the figures are no uniform block.
    statuses = set(applications.values_list("status", flat=True))
    assert {Status.SUBMITTED, Status.ENROLLED, Status.REJECTED} <= statuses


def test_big_partner_enrollments_stay_within_its_allocations(built):
    partner = Partner.objects.get(name=BIG_PARTNER_NAME)
    allocations = list(allocations_with_usage(SeatAllocation.objects.filter(convention__partner=partner)))
    assert allocations
    for allocation in allocations:
        assert allocation.seats_used <= allocation.seats, allocation.pk
    staff = Application.objects.filter(channel=Application.Channel.PARTNER, convention__partner=partner)
    held = staff.filter(status__in=SEAT_STATUSES).count()
    assert held == sum(allocation.seats_used for allocation in allocations)
    assert not staff.exclude(session__allocations__convention=F("convention")).exists()
    assert not staff.filter(session__reserved_for__isnull=False).exclude(session__reserved_for=partner).exists()
    # The demo's held seats wait for people who have no employer on their profile yet.
    assert not ours(staff).exclude(applicant__applicant_profile__employer=partner).exists()
    assert not allocations_with_usage().filter(seats_used__gt=F("seats")).exists()


def test_outbox_rows_are_those_the_services_write(built):
    notifications = list(
        Notification.objects.filter(application__isnull=False)
        .exclude(application__reference__in=DEMO_REFERENCES)
        .select_related("application__applicant")
    )
    assert len(notifications) == built.added("core.Notification")
    changes = dict(ApplicationStatusChange.objects.values_list("pk", "application"))
    for notification in notifications:
        application = notification.application
        assert notification.template in NOTIFICATION_KINDS
        assert notification.idempotency_key.startswith(f"{notification.template}:{application.pk}")
        assert notification.recipient_email == application.applicant.email
        assert notification.user_id == application.applicant_id
        assert notification.subject.startswith("[CNAM Mayotte] ")
        parts = notification.idempotency_key.split(":")
        if notification.template not in ("session_reminder", "partner_staff_invitation", "partner_staff_consent"):
            assert changes[int(parts[2])] == application.pk, notification.idempotency_key
    states = {notification.state for notification in notifications}
    assert states <= {Notification.State.SENT, Notification.State.PENDING, Notification.State.FAILED}
    sent = [notification for notification in notifications if notification.state == Notification.State.SENT]
    assert len(sent) >= 0.9 * len(notifications)
    assert all(notification.sent_at and notification.message_id for notification in sent)


def test_catalogue_and_programme_pages_answer(built, client):
    response = client.get("/formations/")
    assert response.status_code == 200
    programmes = Programme.objects.exclude(slug__in=[item.slug for item in demo_data.PROGRAMMES])
    shown = [p for p in programme_page().filter(pk__in=programmes) if p.public_sessions]
    assert shown, "no programme of the data set has an upcoming public session"
    programme = shown[0]
    response = client.get(programme.get_absolute_url())
    assert response.status_code == 200
    session = programme.public_sessions[0]
    if session.seats_free == 1:
        expected = "1 place restante"
    elif session.seats_free:
        expected = f"{session.seats_free} places restantes"
    else:
        expected = "Complet — liste d'attente"
    assert expected in response.content.decode()


def test_refuses_a_second_run_and_a_database_without_debug(built):
    with override_settings(DEBUG=True), pytest.raises(RuntimeError, match="already holds"):
        build(SCALE)
    with override_settings(DEBUG=False), pytest.raises(RuntimeError, match="DEBUG is off"):
        build(SCALE)
