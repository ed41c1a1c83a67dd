"""The outbox against a real SMTP server that refuses, drops its answer or goes away.

The server (aiosmtpd) runs on a spare port, configured through ``MAIL_URL``'s own parser; the
clock is a fixed one the test moves forward, and the periodic sweep is run by hand as time passes.
"""

import datetime
import email
import email.policy
import itertools
import socket
from collections import Counter
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from cnam_portal.roles import DIRECTION, GESTIONNAIRE
from cnam_portal.settings import mailers_from_url
from core import outbox
from core.models import Notification
from enrollment import notifications, tasks
from enrollment.services import applications
from tests.factories import ApplicationFactory, StaffUserFactory
from tests.helpers import messages_of, run_action, visible_text

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:core_notification_changelist"


class Handler:
    """What the server does with each transaction: refuse, drop its answer, or accept and keep."""

    def __init__(self):
        self.received: list[email.message.EmailMessage] = []
        self.refused_data: list[str] = []  # Message-IDs of the messages it answered 4xx to
        self.rcpt_reply = ""  # e.g. "550 5.1.1 ...": refuse every recipient
        self.data_replies: list[str] = []  # answers to give (then forget) instead of accepting
        self.drops_after_data = 0  # keep the message, then close the connection without answering

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        if self.data_replies:
            self.refused_data.append(message["Message-ID"])
            return self.data_replies.pop(0)
        self.received.append(message)
        if self.drops_after_data:
            self.drops_after_data -= 1
            server.transport.close()
        return "250 Message accepted for delivery"

    def ids(self) -> list[str]:
        return [message["Message-ID"] for message in self.received]


class SmtpServer:
    """An aiosmtpd server on a spare port that can be stopped and started again on that port."""

    def __init__(self):
        self.handler = Handler()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server(settings, tmp_path):
    server = SmtpServer()
    server.start()
    settings.MAILERS = mailers_from_url(f"smtp://127.0.0.1:{server.port}", Path(tmp_path))
    yield server
    server.stop()


class Clock:
    def __init__(self):
        # A moment ahead: the rows' own defaults (created now, due now) read the real clock.
        self.now = timezone.now() + datetime.timedelta(seconds=1)

    def __call__(self) -> datetime.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += datetime.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(timezone, "now", clock)
    return clock


def accept_applications(count: int, django_capture_on_commit_callbacks) -> list[Notification]:
    """Staff accept ``count`` applications: each writes its email, sent (or tried) right after commit."""
    staff = StaffUserFactory()
    rows = []
    for _ in range(count):
        application = ApplicationFactory()
        with django_capture_on_commit_callbacks(execute=True):
            applications.application_accept(application=application, by=staff)
        rows.append(Notification.objects.get(application=application, template="application_accepted"))
    return rows


def sweep_every(clock, *, minutes: int, for_minutes: int, until=None) -> None:
    """Run the periodic sweep every ``minutes`` for ``for_minutes`` (or until ``until()`` holds)."""
    for _ in range(for_minutes // minutes):
        clock.advance(minutes=minutes)
        tasks.sweep_notifications()
        if until is not None and until():
            return


def states(rows) -> Counter:
    return Counter(Notification.objects.filter(pk__in=[row.pk for row in rows]).values_list("state", flat=True))


def staff_client(client, *codenames):
    staff = StaffUserFactory(plain=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client.force_login(staff)
    return staff


def test_every_retry_carries_the_row_s_one_message_id(smtp_server, clock, django_capture_on_commit_callbacks):
    smtp_server.handler.data_replies = ["451 4.3.0 Try again later", "452 4.3.1 Insufficient system storage"]

    (row,) = accept_applications(1, django_capture_on_commit_callbacks)
    sweep_every(clock, minutes=1, for_minutes=30, until=lambda: smtp_server.handler.received)

    row.refresh_from_db()
    assert row.state == Notification.State.SENT
    assert row.attempts == 3
    assert row.message_id.endswith("@127.0.0.1>")  # the site's domain (SITE_URL), not the machine's
    assert smtp_server.handler.refused_data == [row.message_id, row.message_id]
    (delivered,) = smtp_server.handler.received
    assert delivered["Message-ID"] == row.message_id
    assert delivered[outbox.IDEMPOTENCY_HEADER] == row.idempotency_key


def test_a_permanent_refusal_fails_at_once_and_staff_see_why(
    client, smtp_server, clock, django_capture_on_commit_callbacks
):
    smtp_server.handler.rcpt_reply = "550 5.1.1 Recipient address rejected: user unknown"

    (row,) = accept_applications(1, django_capture_on_commit_callbacks)
    sweep_every(clock, minutes=5, for_minutes=120)

    row.refresh_from_db()
    assert row.state == Notification.State.FAILED
    assert row.attempts == 1  # never retried
    assert row.next_attempt_at is None
    assert "550" in row.last_error and "user unknown" in row.last_error
    assert row.failure_reason == "Adresse du destinataire refusée par le serveur de messagerie (code 550)."
    staff_client(client, "view_notification")
    page = visible_text(client.get(reverse(CHANGELIST)))
    assert "Échec définitif" in page
    assert "Adresse du destinataire refusée par le serveur de messagerie (code 550)." in page


def test_staff_resend_a_failed_email_from_the_admin(client, smtp_server, clock, django_capture_on_commit_callbacks):
    smtp_server.handler.rcpt_reply = "550 5.7.1 Mailbox disabled"
    (row,) = accept_applications(1, django_capture_on_commit_callbacks)
    row.refresh_from_db()
    assert row.state == Notification.State.FAILED
    smtp_server.handler.rcpt_reply = ""  # the person's mailbox works again

    # Who may only read the outbox may not resend.
    staff_client(client, "view_notification")
    assert "Renvoyer" not in client.get(reverse(CHANGELIST)).content.decode()
    run_action(client, reverse(CHANGELIST), "resend", [row], follow=True)
    row.refresh_from_db()
    assert row.state == Notification.State.FAILED

    staff = staff_client(client, "view_notification", "change_notification")
    assert "Renvoyer" in client.get(reverse(CHANGELIST)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(client, reverse(CHANGELIST), "resend", [row], follow=True)
    assert any("Fait pour 1 élément" in message for message in messages_of(response))
    row.refresh_from_db()
    assert row.state == Notification.State.SENT
    assert smtp_server.handler.ids() == [row.message_id]
    assert LogEntry.objects.filter(object_id=str(row.pk), user=staff).exists()

    # A sent email is not resent: staff are told why.
    response = run_action(client, reverse(CHANGELIST), "resend", [row], follow=True)
    assert any("Seul un courriel en échec ou à l'envoi incertain peut être renvoyé" in m for m in messages_of(response))
    assert len(smtp_server.handler.received) == 1


def test_a_manager_resends_from_the_admin_and_the_direction_may_not(
    client, smtp_server, clock, django_capture_on_commit_callbacks
):
    """The person who says « je n'ai rien reçu » calls the managers: their role resends, reading does not."""
    smtp_server.handler.rcpt_reply = "550 5.7.1 Mailbox disabled"
    (row,) = accept_applications(1, django_capture_on_commit_callbacks)
    smtp_server.handler.rcpt_reply = ""

    client.force_login(StaffUserFactory(role=DIRECTION))
    assert "Renvoyer" not in client.get(reverse(CHANGELIST)).content.decode()

    client.force_login(StaffUserFactory(role=GESTIONNAIRE))
    with django_capture_on_commit_callbacks(execute=True):
        run_action(client, reverse(CHANGELIST), "resend", [row], follow=True)
    row.refresh_from_db()
    assert row.state == Notification.State.SENT
    assert smtp_server.handler.ids() == [row.message_id]


def test_an_hour_of_smtp_outage_then_every_email_delivered_exactly_once(
    smtp_server, clock, django_capture_on_commit_callbacks
):
    smtp_server.stop()
    rows = accept_applications(5, django_capture_on_commit_callbacks)
    assert states(rows) == {Notification.State.PENDING: 5}

    sweep_every(clock, minutes=5, for_minutes=60)
    assert states(rows) == {Notification.State.PENDING: 5}  # an hour down fails nothing

    smtp_server.start()
    sweep_every(clock, minutes=5, for_minutes=180, until=lambda: len(smtp_server.handler.received) == 5)
    assert states(rows) == {Notification.State.SENT: 5}
    by_id = Counter(smtp_server.handler.ids())
    assert sorted(by_id) == sorted(row.message_id for row in Notification.objects.filter(pk__in=[r.pk for r in rows]))
    assert set(by_id.values()) == {1}
    # A handful of attempts, never one that comes back at once.
    for row in Notification.objects.filter(pk__in=[r.pk for r in rows]):
        assert 3 <= row.attempts <= 12


def test_a_retry_that_goes_through_makes_the_others_due_now(smtp_server, clock, django_capture_on_commit_callbacks):
    smtp_server.handler.data_replies = ["451 4.3.0 Try again later"] * 3  # the server answers, refusing for now
    first, *others = accept_applications(3, django_capture_on_commit_callbacks)
    assert states([first, *others]) == {Notification.State.PENDING: 3}
    # The others' next tries lie an hour ahead; the first one's is due.
    Notification.objects.filter(pk__in=[row.pk for row in others]).update(
        next_attempt_at=clock.now + datetime.timedelta(hours=1)
    )
    Notification.objects.filter(pk=first.pk).update(next_attempt_at=clock.now)

    # It goes through (its own task, no sweep): the others need not wait their turn.
    assert tasks.send_notification(first.pk) is True
    assert all(row.next_attempt_at <= clock.now for row in Notification.objects.filter(pk__in=[r.pk for r in others]))
    tasks.sweep_notifications()
    assert states([first, *others]) == {Notification.State.SENT: 3}


def test_a_server_that_refuses_for_now_is_not_asked_again_before_its_backoff_runs_out(
    smtp_server, clock, django_capture_on_commit_callbacks
):
    smtp_server.handler.data_replies = ["451 4.3.0 Try again later"] * 50
    (row,) = accept_applications(1, django_capture_on_commit_callbacks)
    sweep_every(clock, minutes=1, for_minutes=60)
    row.refresh_from_db()
    # A handful of tries in an hour, each refused: the sweep's check that the server answers
    # (it does) never cuts a backoff short for a server that refuses.
    assert 4 <= len(smtp_server.handler.refused_data) <= 8
    assert row.attempts == len(smtp_server.handler.refused_data)


def test_the_sweep_notices_the_server_is_back_and_the_waiting_emails_leave_within_a_minute(
    smtp_server, clock, django_capture_on_commit_callbacks
):
    smtp_server.stop()
    rows = accept_applications(3, django_capture_on_commit_callbacks)
    sweep_every(clock, minutes=1, for_minutes=90)
    assert states(rows) == {Notification.State.PENDING: 3}
    assert smtp_server.handler.received == []

    smtp_server.start()
    for _ in range(2):  # two sweeps, 30 s apart: the first finds the server back, the second sends
        clock.advance(seconds=30)
        tasks.sweep_notifications()
    assert states(rows) == {Notification.State.SENT: 3}
    assert len(smtp_server.handler.received) == 3


def test_temporary_errors_are_retried_for_a_day_then_fail(smtp_server, clock, django_capture_on_commit_callbacks):
    smtp_server.stop()
    (row,) = accept_applications(1, django_capture_on_commit_callbacks)
    claims = []
    for _ in range(24 * 12 - 2):  # every 5 minutes, up to just under 24 hours
        clock.advance(minutes=5)
        tasks.sweep_notifications()
        row.refresh_from_db()
        if not claims or row.claimed_at != claims[-1]:
            claims.append(row.claimed_at)
    assert row.state == Notification.State.PENDING
    gaps = [later - earlier for earlier, later in itertools.pairwise(claims)]
    assert min(gaps) >= outbox.RETRY_MIN_DELAY
    assert max(gaps) <= outbox.RETRY_MAX_DELAY * 1.25 + datetime.timedelta(minutes=5)

    sweep_every(clock, minutes=5, for_minutes=180)
    row.refresh_from_db()
    assert row.state == Notification.State.FAILED
    assert row.failure_reason == "Serveur de messagerie injoignable pendant plus de 24 heures."
    assert "ConnectionRefusedError" in row.last_error


def test_an_answer_lost_after_data_means_one_resend_with_the_same_message_id(
    client, smtp_server, clock, django_capture_on_commit_callbacks
):
    smtp_server.handler.drops_after_data = 1

    (row,) = accept_applications(1, django_capture_on_commit_callbacks)
    row.refresh_from_db()
    assert row.state == Notification.State.UNCERTAIN  # visible, not silently pending
    staff_client(client, "view_notification")
    assert "Envoi incertain" in visible_text(client.get(reverse(CHANGELIST)))

    sweep_every(clock, minutes=1, for_minutes=240)
    row.refresh_from_db()
    assert row.state == Notification.State.SENT
    assert smtp_server.handler.ids() == [row.message_id, row.message_id]


def test_an_answer_lost_twice_is_left_to_staff(smtp_server, clock, django_capture_on_commit_callbacks):
    smtp_server.handler.drops_after_data = 1000

    (row,) = accept_applications(1, django_capture_on_commit_callbacks)
    sweep_every(clock, minutes=5, for_minutes=24 * 60)

    row.refresh_from_db()
    assert row.state == Notification.State.UNCERTAIN
    assert row.next_attempt_at is None
    assert "vérifiez avant de le renvoyer" in row.failure_reason
    assert smtp_server.handler.ids() == [row.message_id, row.message_id]  # at most one resend


def test_a_claim_lost_with_its_worker_is_marked_uncertain_then_resent_once(
    monkeypatch, smtp_server, clock, django_capture_on_commit_callbacks
):
    class WorkerKilled(BaseException):
        """The worker dies between the server's answer and the mark: nothing records the outcome."""

    mark_sent = outbox._mark_sent

    def killed(*args, **kwargs):
        monkeypatch.setattr(outbox, "_mark_sent", mark_sent)
        raise WorkerKilled

    monkeypatch.setattr(outbox, "_mark_sent", killed)
    with pytest.raises(WorkerKilled):
        accept_applications(1, django_capture_on_commit_callbacks)
    row = Notification.objects.get()
    assert row.state == Notification.State.SENDING
    assert len(smtp_server.handler.received) == 1

    # Another task (a stray message, the sweep) before the claim times out: nothing sent.
    assert tasks.send_notification(row.pk) is False
    sweep_every(clock, minutes=1, for_minutes=4)
    row.refresh_from_db()
    assert row.state == Notification.State.SENDING

    clock.advance(minutes=2)
    tasks.sweep_notifications()
    row.refresh_from_db()
    assert row.state == Notification.State.UNCERTAIN

    sweep_every(clock, minutes=1, for_minutes=120)
    row.refresh_from_db()
    assert row.state == Notification.State.SENT
    assert smtp_server.handler.ids() == [row.message_id, row.message_id]


def test_the_claim_s_own_task_handed_back_resends_at_once_and_only_once(monkeypatch, smtp_server, clock):
    """A pool process killed mid-send: the broker hands its task back under the same id."""

    class ProcessKilled(BaseException):
        pass

    def die_after_the_server_answers(*args, **kwargs):
        raise ProcessKilled

    application = ApplicationFactory()
    row = Notification.objects.create(
        idempotency_key="handed-back",
        template="application_received",
        recipient_email="a@example.org",
        application=application,
    )
    mark_sent = outbox._mark_sent
    monkeypatch.setattr(outbox, "_mark_sent", die_after_the_server_answers)
    with pytest.raises(ProcessKilled):  # the task's body, without Celery: the process dies, nothing unwinds
        notifications.deliver(notification_id=row.pk, task_id="task-1")
    monkeypatch.setattr(outbox, "_mark_sent", mark_sent)
    row.refresh_from_db()
    assert (row.state, row.claim_task_id) == (Notification.State.SENDING, "task-1")

    # Another task (a sweep's, a stray duplicate) leaves a young claim alone.
    assert tasks.send_notification.apply(args=[row.pk], task_id="task-2").get() is False
    # Its own task, handed back: resent now, same Message-ID, the single uncertain resend spent.
    assert tasks.send_notification.apply(args=[row.pk], task_id="task-1").get() is True
    row.refresh_from_db()
    assert row.state == Notification.State.SENT
    assert row.uncertain_at is not None and row.attempts == 2
    assert smtp_server.handler.ids() == [row.message_id, row.message_id]

    # Lost a second time: left to staff, never sent a third time.
    Notification.objects.filter(pk=row.pk).update(state=Notification.State.SENDING, claim_task_id="task-3")
    assert tasks.send_notification.apply(args=[row.pk], task_id="task-3").get() is False
    row.refresh_from_db()
    assert row.state == Notification.State.UNCERTAIN and row.next_attempt_at is None
    assert "vérifiez avant de le renvoyer" in row.failure_reason
    assert len(smtp_server.handler.received) == 2


def test_the_sweep_never_doubles_a_retry_chain(smtp_server, clock, django_capture_on_commit_callbacks):
    smtp_server.handler.data_replies = ["451 4.3.0 Try again later"]
    (row,) = accept_applications(1, django_capture_on_commit_callbacks)
    row.refresh_from_db()
    assert row.state == Notification.State.PENDING and row.attempts == 1

    # Until its next attempt is due, neither the sweep nor a stray message sends it.
    while clock.now + datetime.timedelta(seconds=10) < row.next_attempt_at:
        clock.advance(seconds=10)
        assert tasks.sweep_notifications() == 0
        assert tasks.send_notification(row.pk) is False
    row.refresh_from_db()
    assert row.attempts == 1

    # Due: one sweep sends it; the next ones, and the message the sweep enqueued once more, find it sent.
    clock.advance(seconds=20)
    assert tasks.sweep_notifications() == 1
    assert tasks.sweep_notifications() == 0
    assert tasks.send_notification(row.pk) is False
    row.refresh_from_db()
    assert row.state == Notification.State.SENT and row.attempts == 2
    assert smtp_server.handler.ids() == [row.message_id]
