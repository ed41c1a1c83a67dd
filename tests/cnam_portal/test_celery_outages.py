"""A broker outage or a killed worker delays an email by seconds, and never loses or doubles it.

Each test runs a real Celery worker (a subprocess, as deployed) against a Redis of its own on a
spare port, which the test stops and starts, and a real SMTP server (aiosmtpd, in this process)
that the worker sends to. The machine's shared Redis is never touched.
"""

import asyncio
import email
import email.policy
import logging
import os
import shutil
import signal
import threading
import time

import pytest
from aiosmtpd.controller import Controller
from django.db import connection, transaction
from django.db.models import F

from cnam_portal.celery import app as celery_app
from core import outbox
from core.models import Notification
from enrollment import tasks as enrollment_tasks
from tests.celery_worker import Worker
from tests.factories import ApplicationFactory
from tests.redis_server import RedisServer
from tests.stack import _wait, free_port

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed."),
]

# What the issue asks: an email written during an outage leaves within a minute of the broker's return.
BROKER_RETURN_DEADLINE = 60


class MailServer:
    """aiosmtpd handler: keeps every message it accepts; the first one can be slow to accept.

    A message is accepted when ``handle_DATA`` returns; aiosmtpd cancels the handler when its
    client goes away first, so a sender killed during the stall leaves nothing accepted.
    """

    def __init__(self, *, stall: float = 0.0):
        self.stall = stall
        self.port = 0
        self.stalled = threading.Event()
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        if self.stall and not self.stalled.is_set():
            self.stalled.set()
            await asyncio.sleep(self.stall)
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path


@pytest.fixture
def redis_server():
    server = RedisServer().start()
    yield server
    server.cleanup()


def _mail_server(stall: float):
    handler = MailServer(stall=stall)
    handler.port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    return handler, controller


@pytest.fixture
def mail_server():
    handler, controller = _mail_server(stall=0)
    yield handler
    controller.stop()


@pytest.fixture
def slow_mail_server():
    """The first message waits 8 s before the server accepts it: long enough to kill its sender."""
    handler, controller = _mail_server(stall=8)
    yield handler
    controller.stop()


@pytest.fixture
def own_broker(broker, redis_server):
    """This process hands its tasks to the test's Redis (running or not), on fresh connections.

    Celery keeps a pool of connections to the broker it first used: another test's Redis.
    """
    broker(redis_server.url())
    _forget_connections()
    yield redis_server
    _forget_connections()


def _forget_connections() -> None:
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def start_worker(transactional_db, redis_server, data_dir):
    """``start_worker(mail_server)``: a worker sending to that server; stopped before the database is emptied."""
    if connection.vendor != "postgresql":
        pytest.skip("a worker process shares the test database only on PostgreSQL")
    workers: list[Worker] = []

    def start(handler: MailServer) -> Worker:
        worker = Worker(broker_url=redis_server.url(), mail_port=handler.port, data_dir=data_dir)
        worker.start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


def _new_notification(application) -> Notification:
    with transaction.atomic():
        notification = outbox.notification_create(
            key=f"test-outage-{application.pk}",
            template="application_received",
            recipient_email=application.applicant.email,
            application=application,
        )
    assert notification is not None
    return notification


def _wait_for_messages(handler: MailServer, count: int, *, timeout: float, worker: Worker) -> float:
    """Seconds until the server has accepted ``count`` messages (the worker's log if it never does)."""
    started = time.monotonic()
    _wait(lambda: len(handler.messages) >= count, timeout=timeout, what=f"{count} email(s)", log=worker.log)
    return time.monotonic() - started


# --- 3. No wait after the broker returns ------------------------------------------------------


def test_an_email_written_while_the_broker_was_down_leaves_within_a_minute_of_its_return(
    own_broker, caplog, redis_server, mail_server, start_worker, record_property
):
    worker = start_worker(mail_server)
    application = ApplicationFactory()
    redis_server.stop()

    with caplog.at_level(logging.ERROR, logger="core.outbox"):
        notification = _new_notification(application)
    assert "Could not enqueue" in caplog.text
    notification.refresh_from_db()
    assert notification.state == Notification.State.PENDING
    # Long enough for the worker to notice and start retrying its connection.
    _wait(lambda: "Connection to broker lost" in worker._log_text(), timeout=30, what="The outage", log=worker.log)
    time.sleep(3)

    redis_server.start()
    delay = _wait_for_messages(mail_server, 1, timeout=BROKER_RETURN_DEADLINE + 15, worker=worker)

    record_property("seconds_after_broker_return", round(delay, 1))
    assert delay < BROKER_RETURN_DEADLINE, f"sent {delay:.1f} s after the broker returned"
    notification.refresh_from_db()
    assert notification.state == Notification.State.SENT
    [message] = mail_server.messages
    assert application.reference in str(message["Subject"])
    assert str(message["To"]) == application.applicant.email


def test_beat_sweeps_the_outbox_at_least_every_minute():
    """Beat may come back after the worker: its sweep alone still sends a held-up email within a minute or two."""
    schedule = celery_app.conf.beat_schedule["send-pending-notifications"]
    assert schedule["task"] == "enrollment.tasks.sweep_notifications"
    every = schedule["schedule"]
    assert isinstance(every, int | float) and every <= 60, every


# --- 4. Worker loss ---------------------------------------------------------------------------


def test_a_pool_child_killed_mid_send_has_its_message_redelivered_and_the_email_arrives_once(
    own_broker, slow_mail_server, start_worker
):
    worker = start_worker(slow_mail_server)
    application = ApplicationFactory()
    notification = _new_notification(application)

    assert slow_mail_server.stalled.wait(timeout=30), worker._log_text()[-3000:]
    notification.refresh_from_db()
    assert notification.state == Notification.State.SENDING
    killed_claim = notification.claim_task_id
    assert killed_claim
    [child] = worker.pool_children()
    os.kill(child, signal.SIGKILL)

    # The message goes back to the queue and a new child runs it: the same task finding its own
    # claim knows the send was cut short, and resends at once with the same Message-ID.
    started = time.monotonic()
    _wait_for_messages(slow_mail_server, 1, timeout=30, worker=worker)
    _wait(lambda: _state(notification) == Notification.State.SENT, timeout=15, what="The mark", log=worker.log)
    resent_after = time.monotonic() - started
    time.sleep(2)
    [message] = slow_mail_server.messages
    notification.refresh_from_db()
    assert message["Message-ID"] == notification.message_id
    assert str(message["To"]) == application.applicant.email
    assert notification.claim_task_id == killed_claim  # the redelivered task, not a sweep
    assert notification.attempts == 2
    assert notification.uncertain_at is not None  # its single uncertain resend is spent
    assert resent_after < 30, resent_after


def test_a_whole_worker_killed_mid_send_has_the_email_resent_once_by_the_next_worker(
    own_broker, slow_mail_server, start_worker
):
    worker = start_worker(slow_mail_server)
    application = ApplicationFactory()
    notification = _new_notification(application)
    assert slow_mail_server.stalled.wait(timeout=30), worker._log_text()[-3000:]
    killed_claim = Notification.objects.values_list("claim_task_id", flat=True).get(pk=notification.pk)
    worker.kill()  # master and pool: the broker keeps the message unacknowledged for hours

    successor = start_worker(slow_mail_server)
    enrollment_tasks.sweep_notifications()
    time.sleep(3)
    # Nothing yet: a claim this young may belong to a worker still sending.
    assert _state(notification) == Notification.State.SENDING
    assert slow_mail_server.messages == []

    # Once the claim is older than any send can last, the sweep resends it once, with its Message-ID.
    Notification.objects.filter(pk=notification.pk).update(claimed_at=F("claimed_at") - outbox.CLAIM_TIMEOUT)
    enrollment_tasks.sweep_notifications()
    assert _state(notification) == Notification.State.UNCERTAIN
    Notification.objects.filter(pk=notification.pk).update(
        next_attempt_at=F("next_attempt_at") - outbox.RETRY_MIN_DELAY
    )
    enrollment_tasks.sweep_notifications()

    _wait_for_messages(slow_mail_server, 1, timeout=30, worker=successor)
    _wait(lambda: _state(notification) == Notification.State.SENT, timeout=15, what="The mark", log=successor.log)
    time.sleep(2)
    [message] = slow_mail_server.messages
    notification.refresh_from_db()
    assert message["Message-ID"] == notification.message_id
    # The killed worker's message, handed back by the broker at last, finds nothing to send.
    handed_back = enrollment_tasks.send_notification.apply(args=[notification.pk], task_id=killed_claim)
    assert handed_back.get() is False
    assert len(slow_mail_server.messages) == 1


def _state(notification: Notification) -> str:
    return Notification.objects.values_list("state", flat=True).get(pk=notification.pk)


def test_the_broker_keeps_a_waiting_retry_longer_than_any_task_waits():
    """Redis redelivers an unacknowledged message after the visibility timeout, and a task waiting
    for its countdown is unacknowledged: a shorter timeout would run the retry twice."""
    from partners import tasks as partner_tasks

    visibility = celery_app.conf.broker_transport_options["visibility_timeout"]
    countdowns = {
        name: task.retry_backoff_max
        for name, task in celery_app.tasks.items()
        if getattr(task, "autoretry_for", ()) and getattr(task, "retry_backoff", False)
    }
    countdowns["partners.tasks.render_convention_document"] = partner_tasks.RENDER_RETRY_BASE_SECONDS * 2 ** (
        partner_tasks.RENDER_MAX_RETRIES - 1
    )
    assert "enrollment.tasks.render_certificate" in countdowns
    assert all(visibility > countdown for countdown in countdowns.values()), (visibility, countdowns)
    assert celery_app.conf.task_acks_late is True
    assert celery_app.conf.task_reject_on_worker_lost is True
    assert celery_app.conf.worker_max_tasks_per_child > 0
    assert celery_app.conf.worker_max_memory_per_child > 0
    # A worker outlasts any broker outage, to send what it held up once the broker returns.
    assert celery_app.conf.broker_connection_max_retries is None


def test_a_pdf_that_kills_its_child_is_left_to_the_sweep_not_taken_again_forever():
    """A render that runs out of memory would kill every child that took it again: its message is
    dropped instead, and the row, still pending, is the 10-minute sweep's (retry_failed_*)."""
    from partners import tasks as partner_tasks

    renders = [celery_app.tasks["enrollment.tasks.render_certificate"], partner_tasks.render_convention_document]
    assert [task.reject_on_worker_lost for task in renders] == [False, False]
    # Every other task is taken again by a new child (the outbox's claim makes a resend harmless).
    assert celery_app.tasks["enrollment.tasks.send_notification"].reject_on_worker_lost in (None, True)
