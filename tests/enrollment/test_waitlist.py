"""The waiting list: freed seats are offered in order, held 48 hours, then passed on."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.models import Notification
from enrollment.models import ApplicationStatus
from enrollment.seats import session_seat_count
from enrollment.services import applications, waitlist
from programs.models import Session
from tests.factories import ApplicationFactory, SessionFactory
from tests.helpers import MONTHS

pytestmark = pytest.mark.django_db
S = ApplicationStatus


@pytest.fixture
def full_session():
    """Two seats, both taken, three people waiting (in this order)."""
    session = SessionFactory(capacity=2)
    holders = ApplicationFactory.create_batch(2, session=session, status=S.ACCEPTED)
    base = timezone.now() - datetime.timedelta(days=3)
    waiting = [
        ApplicationFactory(session=session, status=S.WAITLISTED, waitlisted_at=base + datetime.timedelta(hours=i))
        for i in range(3)
    ]
    return session, holders, waiting


def refresh(*rows):
    for application in rows:
        application.refresh_from_db()


def test_withdrawal_offers_the_seat_to_the_first_waitlisted_for_48_hours(full_session, settings):
    session, holders, waiting = full_session
    before = timezone.now()
    applications.application_withdraw(application=holders[0], by=holders[0].applicant)
    refresh(*waiting)
    assert [w.status for w in waiting] == [S.OFFERED, S.WAITLISTED, S.WAITLISTED]
    offer = waiting[0]
    hold = datetime.timedelta(hours=settings.OFFER_HOLD_HOURS)
    assert settings.OFFER_HOLD_HOURS == 48
    assert before + hold <= offer.offer_expires_at <= timezone.now() + hold
    assert offer.offered_at is not None
    change = offer.history.get()
    assert (change.from_status, change.to_status, change.changed_by) == (S.WAITLISTED, S.OFFERED, holders[0].applicant)
    notification = Notification.objects.get(application=offer)
    assert notification.template == "seat_offered"
    assert session_seat_count(session_id=session.pk).taken == 2


def test_order_is_waitlisted_at_then_pk():
    session = SessionFactory(capacity=1)
    holder = ApplicationFactory(session=session, status=S.ACCEPTED)
    same_time = timezone.now() - datetime.timedelta(days=1)
    later = ApplicationFactory(session=session, status=S.WAITLISTED, waitlisted_at=same_time + datetime.timedelta(1))
    first = ApplicationFactory(session=session, status=S.WAITLISTED, waitlisted_at=same_time)
    second = ApplicationFactory(session=session, status=S.WAITLISTED, waitlisted_at=same_time)
    applications.application_withdraw(application=holder, by=holder.applicant)
    refresh(first, second, later)
    assert (first.status, second.status, later.status) == (S.OFFERED, S.WAITLISTED, S.WAITLISTED)


def test_offer_accept_before_deadline_takes_the_seat(full_session):
    _session, holders, waiting = full_session
    applications.application_withdraw(application=holders[0], by=holders[0].applicant)
    offer = waiting[0]
    offer.refresh_from_db()
    waitlist.offer_accept(application=offer, by=offer.applicant)
    assert offer.status == S.ACCEPTED
    assert Notification.objects.filter(application=offer, template="application_accepted").exists()


def test_offer_accept_after_deadline_is_refused_and_passes_the_seat_on(full_session):
    _session, holders, waiting = full_session
    applications.application_withdraw(application=holders[0], by=holders[0].applicant)
    offer = waiting[0]
    offer.refresh_from_db()
    offer.offer_expires_at = timezone.now() - datetime.timedelta(minutes=1)
    offer.save()
    with pytest.raises(ValidationError) as caught:
        waitlist.offer_accept(application=offer, by=offer.applicant)
    assert "Le délai pour accepter cette place est dépassé" in caught.value.messages[0]
    refresh(*waiting)
    assert [w.status for w in waiting] == [S.EXPIRED, S.OFFERED, S.WAITLISTED]


def test_offer_decline_after_deadline_is_refused_and_left_to_the_sweep(full_session):
    _session, holders, waiting = full_session
    applications.application_withdraw(application=holders[0], by=holders[0].applicant)
    offer = waiting[0]
    offer.refresh_from_db()
    offer.offer_expires_at = timezone.now() - datetime.timedelta(minutes=1)
    offer.save()
    with pytest.raises(ValidationError) as caught:
        waitlist.offer_decline(application=offer, by=offer.applicant)
    assert caught.value.code == "offer_expired"
    assert "Le délai pour répondre à cette offre a expiré le" in caught.value.messages[0]
    refresh(*waiting)
    # Nothing is written: the seat is no longer the applicant's to give back, the sweep passes it on.
    assert [w.status for w in waiting] == [S.OFFERED, S.WAITLISTED, S.WAITLISTED]
    assert not Notification.objects.filter(application=offer, template="application_withdrawn").exists()


def test_offer_answers_only_from_the_applicant(full_session):
    _session, holders, waiting = full_session
    applications.application_withdraw(application=holders[0], by=holders[0].applicant)
    offer = waiting[0]
    with pytest.raises(ValidationError, match="Seul le candidat"):
        waitlist.offer_accept(application=offer, by=waiting[1].applicant)
    with pytest.raises(ValidationError, match="Seul le candidat"):
        waitlist.offer_decline(application=offer, by=waiting[1].applicant)


def test_offer_moves_refused_without_an_offer():
    application = ApplicationFactory(status=S.WAITLISTED)
    with pytest.raises(ValidationError, match=r"Aucune place n'est proposée .* « Sur liste d'attente »"):
        waitlist.offer_accept(application=application, by=application.applicant)
    with pytest.raises(ValidationError, match="Aucune place n'est proposée"):
        waitlist.offer_decline(application=application, by=application.applicant)


def test_decline_passes_the_seat_to_the_next(full_session):
    _session, holders, waiting = full_session
    applications.application_withdraw(application=holders[0], by=holders[0].applicant)
    waiting[0].refresh_from_db()
    waitlist.offer_decline(application=waiting[0], by=waiting[0].applicant)
    refresh(*waiting)
    assert [w.status for w in waiting] == [S.WITHDRAWN, S.OFFERED, S.WAITLISTED]


def test_expiry_passes_the_seat_to_the_next(full_session):
    session, holders, waiting = full_session
    applications.application_withdraw(application=holders[0], by=holders[0].applicant)
    assert waitlist.offers_expire() == 0  # nothing is due yet
    later = timezone.now() + datetime.timedelta(hours=48, minutes=1)
    assert waitlist.offers_expire(now=later) == 1
    refresh(*waiting)
    assert [w.status for w in waiting] == [S.EXPIRED, S.OFFERED, S.WAITLISTED]
    assert waiting[0].closed_at == later
    assert waiting[1].offer_expires_at == later + datetime.timedelta(hours=48)
    assert Notification.objects.filter(application=waiting[0], template="offer_expired").exists()
    assert session_seat_count(session_id=session.pk).taken == 2
    # Running again changes nothing.
    assert waitlist.offers_expire(now=later) == 0


def test_expire_offers_task(full_session):
    from enrollment import tasks

    _session, holders, waiting = full_session
    applications.application_withdraw(application=holders[0], by=holders[0].applicant)
    offer = waiting[0]
    offer.refresh_from_db()
    offer.offer_expires_at = timezone.now() - datetime.timedelta(seconds=1)
    offer.save()
    assert tasks.expire_offers.delay().get() == 1
    refresh(*waiting)
    assert [w.status for w in waiting] == [S.EXPIRED, S.OFFERED, S.WAITLISTED]


def test_capacity_raise_offers_new_seats_in_order(full_session):
    session, _holders, waiting = full_session
    Session.objects.filter(pk=session.pk).update(capacity=4)
    offered = waitlist.waitlist_fill(session_id=session.pk)
    assert [a.pk for a in offered] == [waiting[0].pk, waiting[1].pk]
    refresh(*waiting)
    assert [w.status for w in waiting] == [S.OFFERED, S.OFFERED, S.WAITLISTED]
    # Called again with no new seat: nothing more is offered.
    assert waitlist.waitlist_fill(session_id=session.pk) == []


def test_fill_respects_seats_reserved_by_conventions(full_session):
    from tests.factories import SeatAllocationFactory

    session, _holders, waiting = full_session
    Session.objects.filter(pk=session.pk).update(capacity=4)
    SeatAllocationFactory(session=session, seats=1)
    offered = waitlist.waitlist_fill(session_id=session.pk)
    assert [a.pk for a in offered] == [waiting[0].pk]


def test_no_offers_on_a_cancelled_session(full_session):
    session, holders, waiting = full_session
    Session.objects.filter(pk=session.pk).update(state=Session.State.CANCELLED)
    applications.application_withdraw(application=holders[0], by=holders[0].applicant)
    refresh(*waiting)
    assert all(w.status == S.WAITLISTED for w in waiting)


def test_offer_email_shows_the_deadline_in_mayotte_time_and_a_link(full_session, django_capture_on_commit_callbacks):
    _session, holders, waiting = full_session
    with django_capture_on_commit_callbacks(execute=True):
        applications.application_withdraw(application=holders[0], by=holders[0].applicant)
    waiting[0].refresh_from_db()
    message = next(m for m in mail.outbox if m.to == [waiting[0].applicant.email])
    local = timezone.localtime(waiting[0].offer_expires_at)
    day = "1er" if local.day == 1 else str(local.day)
    expected = f"{day} {MONTHS[local.month - 1]} {local.year} à {local.hour} h {local:%M}"
    assert str(local.utcoffset()) == "3:00:00"
    assert expected in message.subject
    assert f"jusqu’au {expected} (heure de Mayotte)" in message.body
    assert "http://" in message.body and "/candidatures/" in message.body


def test_periodic_task_names_match_the_beat_schedule():
    from attendance import tasks as attendance_tasks
    from cnam_portal.celery import app
    from enrollment import tasks
    from partners import tasks as partner_tasks

    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert scheduled == {
        tasks.expire_offers.name,
        tasks.sweep_notifications.name,
        tasks.send_session_reminders.name,
        tasks.sweep_pending_uploads.name,
        tasks.apply_retention.name,
        tasks.retry_failed_certificates.name,
        partner_tasks.expire_conventions.name,
        partner_tasks.retry_failed_documents.name,
        attendance_tasks.retry_failed_sheets.name,
        attendance_tasks.request_monthly_statements.name,
        attendance_tasks.retry_funder_documents.name,
        attendance_tasks.send_absence_digest.name,
    }
    # Every scheduled name is a registered task: a typo would silently never run.
    assert scheduled <= set(app.tasks)
