"""The outbox: what must reach a person is written to the database first, then handed to a worker.

A service writes one ``Notification`` row in the transaction of the event it announces
(``notification_create``, or ``notifications_create`` for many); the row's idempotency key makes
a replayed event write nothing twice. After commit, ``enqueue_on_commit`` hands primary keys to
Celery *by task name*, so services never import the tasks that call them back. A broker outage
neither undoes nor fails the committed event: it is logged, and the periodic sweeps
(``pending_ids`` for emails, each app's own for its documents) send what a lost message left pending.

``deliver`` claims one pending row under a row lock (a second worker skips it), sends it and
records the outcome in the same transaction. A failure leaves the row pending with one more
attempt recorded; after ``MAX_ATTEMPTS`` it is marked failed for staff to look at.
"""

import datetime
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from core.models import Notification

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    # For the type checker only (the row's foreign key names it lazily): core imports no app.
    from enrollment.models import Application

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 7
SWEEP_BATCH = 500


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


# One row's email: each deployment's emails are rendered by the app that owns their templates
# (settings.OUTBOX_SEND_TASK names the task that renders and sends).
Renderer = Callable[[Notification], RenderedEmail]


class DeliveryFailed(Exception):
    def __init__(self, message: str, *, final: bool):
        super().__init__(message)
        self.final = final


def failure_summary(error: Exception) -> str:
    """What a log line may say of a refused email: the error's kind and SMTP code, not its text.

    The text names the recipients (``SMTPRecipientsRefused``), may quote the message back, or,
    for a rendering error, its context (a claim link). The row's ``last_error`` keeps it all.
    """
    code = getattr(error, "smtp_code", None)
    return f"{type(error).__name__} {code}" if code else type(error).__name__


def enqueue_on_commit(task_name: str, *pks: int) -> None:
    """After the current transaction commits, run ``task_name`` once per primary key."""
    if pks:
        transaction.on_commit(partial(_enqueue, task_name, pks))


def task_named(task_name: str) -> Any:
    """The Celery task registered as ``task_name`` (KeyError if none)."""
    from celery import current_app

    if task_name not in current_app.tasks:
        # A web process starts no worker, so the apps' tasks modules may not be imported yet:
        # import each app's ``tasks`` module, as the admin finds each ``admin`` (not Celery's own
        # autodiscovery, whose Django fixup sets Django up, and its logging, a second time).
        autodiscover_modules("tasks")
    return current_app.tasks[task_name]


def _enqueue(task_name: str, pks: Sequence[int]) -> None:
    try:
        task = task_named(task_name)
    except KeyError:
        logger.exception("Unknown task %s; the sweep will pick up %s.", task_name, list(pks))
        return
    for pk in pks:
        try:
            task.delay(pk)
        except Exception:
            # The row is committed; the periodic sweep sends it later.
            logger.exception("Could not enqueue %s(%s); the sweep will retry.", task_name, pk)


def notification_create(
    *,
    key: str,
    template: str,
    recipient_email: str,
    user: "User | None" = None,
    application: "Application | None" = None,
    context: dict[str, Any] | None = None,
    subject: str = "",
) -> Notification | None:
    """Write one outbox row and send it after commit; None when ``key`` was already written."""
    notification, created = Notification.objects.get_or_create(
        idempotency_key=key,
        defaults={
            "template": template,
            "recipient_email": recipient_email,
            "user": user,
            "application": application,
            "context": context or {},
            "subject": subject[:250],
        },
    )
    if not created:
        return None
    enqueue_on_commit(settings.OUTBOX_SEND_TASK, notification.pk)
    return notification


def notifications_create(*, rows: Sequence[Notification]) -> list[Notification]:
    """Write many new outbox rows in one query and send each after commit."""
    created = Notification.objects.bulk_create(rows)
    enqueue_on_commit(settings.OUTBOX_SEND_TASK, *(notification.pk for notification in created))
    return created


def deliver(*, notification_id: int, render: Renderer) -> bool:
    """Send one pending notification; True if this call sent it, False if there was nothing to do.

    Raises DeliveryFailed (after recording the attempt) when the mailer refused it.
    """
    with transaction.atomic():
        # skip_locked: a row another worker is sending right now is theirs to finish.
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, state=Notification.State.PENDING)
            .first()
        )
        if notification is None:
            return False
        try:
            email = render(notification)
            message = EmailMultiAlternatives(
                subject=email.subject,
                body=email.text,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[notification.recipient_email],
            )
            message.attach_alternative(email.html, "text/html")
            message.send()
        except Exception as exc:
            notification.attempts += 1
            notification.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if notification.attempts >= MAX_ATTEMPTS:
                notification.state = Notification.State.FAILED
            notification.save(update_fields=["attempts", "last_error", "state"])
            failure = exc
            final = notification.state == Notification.State.FAILED
        else:
            notification.state = Notification.State.SENT
            notification.sent_at = timezone.now()
            notification.subject = email.subject
            notification.attempts += 1
            notification.last_error = ""
            notification.save(update_fields=["state", "sent_at", "subject", "attempts", "last_error"])
            return True
    summary = failure_summary(failure)
    logger.warning("Notification %s not sent: %s (its last error is on the row).", notification_id, summary)
    raise DeliveryFailed(summary, final=final) from failure


def pending_ids(*, now: datetime.datetime | None = None, older_than: datetime.timedelta | None = None) -> list[int]:
    """Pending rows old enough that their own task has surely run or been lost."""
    now = now or timezone.now()
    older_than = datetime.timedelta(minutes=2) if older_than is None else older_than
    return list(
        Notification.objects.filter(state=Notification.State.PENDING, created_at__lte=now - older_than)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
