"""The email outbox: one email per event, sent once, retried after a failure, swept when lost."""

import datetime
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.utils import timezone

from core import outbox
from core.models import Notification
from enrollment import notifications, tasks
from enrollment.models import ApplicationStatus
from enrollment.services import applications, reminders
from tests.factories import ApplicantFactory, ApplicationFactory, SessionFactory, StaffUserFactory
from tests.helpers import MONTHS

pytestmark = pytest.mark.django_db
S = ApplicationStatus


@pytest.fixture
def staff():
    return StaffUserFactory()


def test_one_email_per_event_in_french_with_text_and_html(staff, settings, django_capture_on_commit_callbacks):
    user = ApplicantFactory(profile__first_name="Anli", profile__last_name="Madi")
    session = SessionFactory(capacity=1)
    with django_capture_on_commit_callbacks(execute=True):
        application = applications.application_submit(user=user, session=session, motivation="Motivé.")
    with django_capture_on_commit_callbacks(execute=True):
        applications.application_accept(application=application, by=staff)
    with django_capture_on_commit_callbacks(execute=True):
        applications.application_withdraw(application=application, by=user)

    assert [m.subject for m in mail.outbox] == [
        f"[CNAM Mayotte] Candidature {application.reference} bien reçue",
        f"[CNAM Mayotte] Votre candidature {application.reference} est acceptée",
        f"[CNAM Mayotte] Votre candidature {application.reference} est retirée",
    ]
    received = mail.outbox[0]
    assert received.body.startswith("Bonjour Anli Madi,")
    assert session.programme.title in received.body
    assert settings.SITE_URL + "/candidatures/" in received.body
    html, mimetype = received.alternatives[0]
    assert mimetype == "text/html"
    assert '<html lang="fr">' in html and f'href="{settings.SITE_URL}/candidatures/"' in html
    assert Notification.objects.filter(application=application, state=Notification.State.SENT).count() == 3


def test_text_part_is_not_html_escaped(staff, django_capture_on_commit_callbacks):
    application = ApplicationFactory(
        session=SessionFactory(), applicant=ApplicantFactory(profile__last_name="N'Guessan")
    )
    with django_capture_on_commit_callbacks(execute=True):
        applications.application_reject(
            application=application, by=staff, reason='Niveau < requis & dossier "incomplet"'
        )
    body = mail.outbox[0].body
    assert "N'Guessan" in body
    assert 'Motif : Niveau < requis & dossier "incomplet"' in body
    assert "Niveau &lt; requis &amp; dossier" in mail.outbox[0].alternatives[0][0]


def test_waitlisted_email_gives_the_position(staff, django_capture_on_commit_callbacks):
    session = SessionFactory(capacity=0)
    ApplicationFactory(session=session, status=S.WAITLISTED)
    application = ApplicationFactory(session=session)
    with django_capture_on_commit_callbacks(execute=True):
        applications.application_waitlist(application=application, by=staff)
    assert "Vous êtes en position 2 sur la liste d’attente." in mail.outbox[0].body


def test_enrolled_email_points_to_the_certificate(staff, settings, django_capture_on_commit_callbacks):
    application = ApplicationFactory(status=S.ACCEPTED)
    with django_capture_on_commit_callbacks(execute=True):
        applications.application_enroll(application=application, by=staff)
    message = next(m for m in mail.outbox if "Inscription confirmée" in m.subject)
    assert "attestation d’inscription" in message.body
    assert f"{settings.SITE_URL}/candidatures/{application.reference}/attestation.pdf" in message.body


def test_cancellation_email_gives_the_reason(staff, django_capture_on_commit_callbacks):
    application = ApplicationFactory()
    with django_capture_on_commit_callbacks(execute=True):
        applications.application_cancel(application=application, by=staff, reason="Session reportée à 2028.")
    assert "Motif : Session reportée à 2028." in mail.outbox[0].body


def test_running_send_twice_sends_once(staff, django_capture_on_commit_callbacks):
    application = ApplicationFactory()
    with django_capture_on_commit_callbacks(execute=True):
        applications.application_accept(application=application, by=staff)
    notification = Notification.objects.get(application=application)
    assert notification.state == Notification.State.SENT and notification.sent_at is not None
    assert tasks.send_notification.delay(notification.pk).get() is False
    assert notifications.deliver(notification_id=notification.pk) is False
    assert len(mail.outbox) == 1


def test_idempotency_key_is_deterministic_per_event(staff):
    application = ApplicationFactory()
    applications.application_accept(application=application, by=staff)
    change = application.history.get()
    notification = Notification.objects.get(application=application)
    assert notification.idempotency_key == f"application_accepted:{application.pk}:{change.pk}"


def test_failing_mailer_leaves_row_pending_then_sweep_sends(staff, monkeypatch, django_capture_on_commit_callbacks):
    original_send = locmem.EmailBackend.send_messages

    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPSenderRefused(451, b"4.3.0 Try again later", "ne-pas-repondre@cnam-mayotte.fr")

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", refuse)
    application = ApplicationFactory()
    with django_capture_on_commit_callbacks(execute=True):
        applications.application_accept(application=application, by=staff)
    notification = Notification.objects.get(application=application)
    assert notification.state == Notification.State.PENDING
    assert notification.attempts == 1
    assert "SMTPSenderRefused" in notification.last_error
    assert notification.next_attempt_at >= timezone.now() + outbox.RETRY_MIN_DELAY - datetime.timedelta(seconds=5)
    assert mail.outbox == []

    # The sweep leaves a row whose next attempt is not due yet…
    assert tasks.sweep_notifications.delay().get() == 0
    # …and resends it once it is, the server being back.
    monkeypatch.setattr(locmem.EmailBackend, "send_messages", original_send)
    Notification.objects.filter(pk=notification.pk).update(next_attempt_at=timezone.now())
    assert tasks.sweep_notifications.delay().get() == 1
    notification.refresh_from_db()
    assert notification.state == Notification.State.SENT
    assert notification.attempts == 2
    assert notification.last_error == ""
    assert len(mail.outbox) == 1
    # A second sweep finds nothing to do.
    assert tasks.sweep_notifications.delay().get() == 0
    assert len(mail.outbox) == 1


def test_a_permanent_refusal_fails_at_once(staff, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({"x@example.yt": (550, b"unknown")})

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", refuse)
    application = ApplicationFactory()
    applications.application_accept(application=application, by=staff)
    notification = Notification.objects.get(application=application)
    tasks.send_notification.delay(notification.pk)
    notification.refresh_from_db()
    assert notification.state == Notification.State.FAILED
    assert notification.attempts == 1
    assert "550" in notification.failure_reason
    # A failed row is no longer swept.
    assert outbox.pending_ids(now=timezone.now() + datetime.timedelta(hours=1)) == []


def test_broker_outage_does_not_break_the_event(staff, monkeypatch, django_capture_on_commit_callbacks):
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("redis down")

    monkeypatch.setattr(tasks.send_notification, "delay", broker_down)
    application = ApplicationFactory()
    with django_capture_on_commit_callbacks(execute=True):
        applications.application_accept(application=application, by=staff)
    application.refresh_from_db()
    assert application.status == S.ACCEPTED
    assert Notification.objects.get(application=application).state == Notification.State.PENDING


def test_session_reminder_three_days_before_start_is_idempotent(settings, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    start = today + datetime.timedelta(days=settings.SESSION_REMINDER_DAYS)
    session = SessionFactory(start_date=start)
    enrolled = ApplicationFactory(session=session, status=S.ENROLLED)
    accepted = ApplicationFactory(session=session, status=S.ACCEPTED)
    ApplicationFactory(session=session, status=S.WAITLISTED)
    ApplicationFactory(session=session, status=S.WITHDRAWN)
    ApplicationFactory(session=SessionFactory(start_date=start + datetime.timedelta(days=1)), status=S.ENROLLED)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_session_reminders.delay().get() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.session_reminders_send(today=today) == 0

    assert sorted(m.to[0] for m in mail.outbox) == sorted([enrolled.applicant.email, accepted.applicant.email])
    keys = set(Notification.objects.filter(template="session_reminder").values_list("idempotency_key", flat=True))
    assert keys == {f"session_reminder:{a.pk}:{start.isoformat()}" for a in (enrolled, accepted)}
    assert f"commence le {start.day} {MONTHS[start.month - 1]} {start.year}" in mail.outbox[0].subject
