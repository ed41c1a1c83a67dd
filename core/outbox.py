"""The outbox: what must reach a person is written to the database first, then handed to a worker.

A service writes one ``Notification`` row in the transaction of the event it announces
(``notification_create``, or ``notifications_create`` for many); the row's idempotency key makes
a replayed event write nothing twice. After commit, ``enqueue_on_commit`` hands primary keys to
Celery *by task name*, so services never import the tasks that call them back. A broker outage
neither undoes nor fails the committed event: it is logged, and the periodic sweeps
(``pending_ids`` for emails, each app's own for its documents) send what a lost message left pending.

``deliver`` runs a claim → send → mark sequence, the send outside any transaction: the claim (a
short transaction under a row lock; a second worker skips the row) moves a due row to "en cours"
and counts the attempt; the send carries the row's ``message_id``, made once and reused on
every retry; the mark records the outcome. A temporary refusal (SMTP 4xx, a server down or
slow) leaves the row pending until ``next_attempt_at`` (capped exponential backoff, for
``RETRY_FOR``); a permanent one (5xx on the recipient, the sender or the message) fails it at
once, with a French reason for staff. An unknown outcome (the connection lost once the message
was on its way, the claim's own task handed back by the broker because its process died, or a
claim older than ``CLAIM_TIMEOUT``: the whole worker died) is "envoi incertain": it is resent
once, with the same Message-ID (at once for a task handed back, by the sweep otherwise), and a
second one is left to staff.
"""

import contextlib
import datetime
import enum
import logging
import random
import smtplib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, mailers, make_msgid
from django.db import transaction
from django.utils import timezone, translation
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext

from core.models import Notification

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    # For the type checker only (the row's foreign key names it lazily): core imports no app.
    from enrollment.models import Application

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500
# Temporary errors: retried after 30 s, 1, 2, 4… minutes, at most an hour apart, for a day.
RETRY_MIN_DELAY = datetime.timedelta(seconds=30)
RETRY_MAX_DELAY = datetime.timedelta(hours=1)
RETRY_FOR = datetime.timedelta(hours=24)
# Longer than any send can last (each SMTP step times out after 20 s): a claim older than this
# was lost with its worker.
CLAIM_TIMEOUT = datetime.timedelta(minutes=5)
# A new row's own task runs at once after commit: the sweep leaves it that long.
FIRST_SEND_GRACE = datetime.timedelta(minutes=1)
IDEMPOTENCY_HEADER = "X-Idempotency-Key"
# Above this many rows in one commit, one task publishes their tasks from a worker.
FAN_OUT_OVER = 20
FAN_OUT_TASK = "core.tasks.enqueue_each"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str
    # Made from the database at each send, like the text: never stored on the row, so a retry
    # carries what is true when it leaves.
    attachments: tuple[Attachment, ...] = ()


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
    if len(pks) > FAN_OUT_OVER:
        # One message instead of hundreds in the request that committed them (a partner's import
        # of 2,000 staff): a worker publishes each row's task, on the queue that task runs on.
        try:
            fan_out = task_named(FAN_OUT_TASK)
            fan_out.apply_async((task_name, list(pks)), queue=_queue_of(task_name))
        except Exception:
            logger.exception("Could not enqueue %d %s tasks; the sweep will retry.", len(pks), task_name)
        return
    enqueue_now(task_name, pks)


def _queue_of(task_name: str) -> str:
    from celery import current_app

    return current_app.amqp.router.route({}, task_name)["queue"].name


def enqueue_now(task_name: str, pks: Sequence[int]) -> None:
    """Publish ``task_name`` once per primary key, now; what the broker refuses is the sweep's."""
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


def deliver(*, notification_id: int, render: Renderer, task_id: str = "") -> bool:
    """Send one due notification; True if this call sent it, False if there was nothing to do.

    ``task_id`` names the task run that sends: the broker hands a task back under the same id
    when the process running it died, and the row it left "en cours" is then resent at once.
    Raises DeliveryFailed (after recording the outcome) when the email did not surely leave.
    """
    notification = _claim(notification_id, task_id=task_id)
    if notification is None:
        return False
    connection = mailers.default
    try:
        try:
            email = render(notification)
            message = EmailMultiAlternatives(
                subject=email.subject,
                body=email.text,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[notification.recipient_email],
                headers={"Message-ID": notification.message_id, IDEMPOTENCY_HEADER: notification.idempotency_key},
            )
            message.attach_alternative(email.html, "text/html")
            for attachment in email.attachments:
                message.attach(attachment.filename, attachment.content, attachment.mimetype)
        except Exception as exc:
            # Nothing left: a temporary fault (the database, a template being deployed) is retried.
            failed: tuple[_Outcome, Exception] | None = (_Outcome.TEMPORARY, exc)
        else:
            failed = _send(connection, message)
        if failed is None:
            # Marked before QUIT: between the server's answer and this update lies the only
            # window in which a lost worker makes a duplicate (resent once, same Message-ID).
            _mark_sent(notification, subject=email.subject)
            if notification.attempts > 1:
                _retries_due_now()
            return True
        outcome, failure = failed
        final = _mark_failed(notification, failure, outcome)
    finally:
        with contextlib.suppress(Exception):
            connection.close()  # accepted or refused, and recorded: QUIT's answer changes nothing
    summary = failure_summary(failure)
    logger.warning("Notification %s not sent: %s (its last error is on the row).", notification_id, summary)
    raise DeliveryFailed(summary, final=final) from failure


class _Outcome(enum.Enum):
    TEMPORARY = "temporary"
    UNREACHABLE = "unreachable"  # temporary too: no connection to the server at all
    PERMANENT = "permanent"
    UNKNOWN = "unknown"


def site_domain() -> str:
    """The domain of the portal's Message-IDs (the machine's name says nothing to the person)."""
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def _claim(notification_id: int, *, task_id: str = "") -> Notification | None:
    now = timezone.now()
    with transaction.atomic():
        # skip_locked: a row another worker is claiming right now is theirs.
        rows = Notification.objects.select_for_update(skip_locked=True).filter(pk=notification_id)
        notification = rows.due(now).first()
        if notification is None and task_id:
            notification = rows.filter(state=Notification.State.SENDING, claim_task_id=task_id).first()
            if notification is None or not _lost_claim_taken_back(notification, now):
                return None
        elif notification is None:
            return None
        notification.state = Notification.State.SENDING
        notification.claimed_at = now
        notification.claim_task_id = task_id
        notification.attempts += 1
        if not notification.message_id:
            notification.message_id = make_msgid(domain=site_domain())
        if notification.retry_until is None:
            notification.retry_until = now + RETRY_FOR
        notification.save(
            update_fields=[
                "state",
                "claimed_at",
                "claim_task_id",
                "attempts",
                "message_id",
                "retry_until",
                "uncertain_at",
                "failure_reason",
            ]
        )
    return notification


def _lost_claim_taken_back(notification: Notification, now: datetime.datetime) -> bool:
    """The row's own task came back: its process died mid-send, so the email may have left.

    True when this is the row's single uncertain resend, to make at once (same Message-ID);
    otherwise the row is left "incertain" for staff.
    """
    with translation.override(settings.LANGUAGE_CODE):
        updates = _uncertain(notification, now)
    logger.warning("Notification %s: its sending process was lost mid-send.", notification.pk)
    if updates["next_attempt_at"] is None:
        Notification.objects.filter(pk=notification.pk).update(**updates)
        return False
    notification.uncertain_at = updates["uncertain_at"]
    notification.failure_reason = updates["failure_reason"]
    return True


def _send(connection: Any, message: EmailMultiAlternatives) -> tuple[_Outcome, Exception] | None:
    """Hand ``message`` to the mailer: None once accepted, else what failed and what it means."""
    try:
        # Until the connection is open, nothing has left: a failure here is surely temporary.
        connection.open()
    except Exception as exc:
        return _Outcome.UNREACHABLE, exc
    try:
        connection.send_messages([message])  # already open: it stays so, and the close is ours
    except Exception as exc:
        return _refusal(exc), exc
    return None


def _refusal(error: Exception) -> _Outcome:
    """What an error raised while sending says of the message.

    The server's coded answers are definite (5xx: never retried; 4xx: retried); a lost
    connection or a timeout leaves the outcome unknown (the message may be on the server).
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in error.recipients.values()]
        return _Outcome.PERMANENT if codes and all(code >= 500 for code in codes) else _Outcome.TEMPORARY
    if isinstance(error, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        return _Outcome.PERMANENT if error.smtp_code >= 500 else _Outcome.TEMPORARY
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return _Outcome.UNKNOWN
    if isinstance(error, smtplib.SMTPException):  # another coded answer (4xx), before the message
        return _Outcome.TEMPORARY
    if isinstance(error, OSError):  # a timeout, a reset connection
        return _Outcome.UNKNOWN
    return _Outcome.TEMPORARY


def retry_delay(attempts: int) -> datetime.timedelta:
    """How long to wait after ``attempts`` failed attempts: doubling from 30 s, capped, never shorter."""
    seconds = min(RETRY_MIN_DELAY.total_seconds() * 2 ** max(attempts - 1, 0), RETRY_MAX_DELAY.total_seconds())
    # Spread retries out (so a burst does not come back as a burst) without ever shortening one.
    return datetime.timedelta(seconds=seconds * (1 + random.uniform(0, 0.25)))  # noqa: S311


def _this_claim(notification: Notification):
    # Only the claim this call made: a row a later claim took back is that claim's to record.
    return Notification.objects.filter(
        pk=notification.pk,
        claimed_at=notification.claimed_at,
        state__in=[Notification.State.SENDING, Notification.State.UNCERTAIN],
    )


def _mark_sent(notification: Notification, *, subject: str) -> None:
    _this_claim(notification).update(
        state=Notification.State.SENT,
        sent_at=timezone.now(),
        subject=subject[:250],
        last_error="",
        failure_reason="",
        next_attempt_at=None,
    )


def _retries_due_now() -> int:
    """A retry went through: the server is back, so the emails waiting out a backoff are due now.

    After an outage of an hour their next attempts lie up to an hour ahead; the next sweep
    (every 30 s) sends them instead. Only emails whose last refusal was temporary.
    """
    now = timezone.now()
    due = Notification.objects.filter(state=Notification.State.PENDING, attempts__gt=0, next_attempt_at__gt=now).update(
        next_attempt_at=now
    )
    if due:
        logger.info("The mail server answers again: %d email(s) waiting for a retry are due now.", due)
    return due


def _unreachable_reason() -> str:
    return gettext("Serveur de messagerie injoignable")


def retries_due_if_server_answers(*, now: datetime.datetime | None = None) -> int:
    """While emails wait out a backoff because the mail server could not be reached, ask it
    whether it is back (the sweep, every 30 s).

    One connection opened and closed, no message: if the server answers, the waiting emails
    are due now and leave at once, instead of up to an hour after it returned. A server that
    answers but refuses for now (4xx) keeps its backoff: it is not asked.
    """
    now = now or timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        unreachable = _unreachable_reason()
    waiting = Notification.objects.filter(
        state=Notification.State.PENDING,
        attempts__gt=0,
        next_attempt_at__gt=now + RETRY_MIN_DELAY,
        failure_reason__startswith=unreachable,
    )
    if not waiting.exists():
        return 0
    connection = mailers.default
    try:
        connection.open()
    except Exception:
        return 0  # still down: the backoff stands
    finally:
        with contextlib.suppress(Exception):
            connection.close()
    return _retries_due_now()


def _mark_failed(notification: Notification, failure: Exception, outcome: _Outcome) -> bool:
    """Record a failed attempt; True when it is final ("échec")."""
    now = timezone.now()
    error = f"{type(failure).__name__}: {failure}"[:2000]
    with translation.override(settings.LANGUAGE_CODE):
        if outcome is _Outcome.UNKNOWN:
            updates = _uncertain(notification, now)
        elif outcome is _Outcome.PERMANENT:
            updates = {"state": Notification.State.FAILED, "failure_reason": _permanent_reason(failure)}
        elif notification.retry_until is not None and now >= notification.retry_until:
            updates = {
                "state": Notification.State.FAILED,
                "failure_reason": gettext("Serveur de messagerie injoignable pendant plus de %(hours)d heures.")
                % {"hours": int(RETRY_FOR.total_seconds() // 3600)},
            }
        else:
            reason = _unreachable_reason() if outcome is _Outcome.UNREACHABLE else gettext("Échec temporaire")
            updates = {
                "state": Notification.State.PENDING,
                "next_attempt_at": now + retry_delay(notification.attempts),
                "failure_reason": gettext("%(reason)s (%(error)s) : nouvel essai prévu.")
                % {"reason": reason, "error": failure_summary(failure)},
            }
    if updates["state"] == Notification.State.FAILED:
        updates["next_attempt_at"] = None
    _this_claim(notification).update(last_error=error, **updates)
    return updates["state"] == Notification.State.FAILED


def _uncertain(notification: Notification, now: datetime.datetime) -> dict[str, Any]:
    """The fields of a row whose send may or may not have reached the server: resent once only."""
    if notification.uncertain_at is None:
        return {
            "state": Notification.State.UNCERTAIN,
            "uncertain_at": now,
            "next_attempt_at": now + RETRY_MIN_DELAY,
            "failure_reason": gettext(
                "Réponse du serveur de messagerie perdue : le courriel est peut-être parti ; "
                "il est renvoyé une fois, avec le même identifiant."
            ),
        }
    return {
        "state": Notification.State.UNCERTAIN,
        "next_attempt_at": None,
        "failure_reason": gettext(
            "Réponse du serveur de messagerie perdue une seconde fois : le courriel n'est plus renvoyé "
            "automatiquement ; vérifiez avant de le renvoyer."
        ),
    }


def _permanent_reason(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code = next(iter(error.recipients.values()))[0]
        return gettext("Adresse du destinataire refusée par le serveur de messagerie (code %(code)s).") % {"code": code}
    if isinstance(error, smtplib.SMTPSenderRefused):
        return gettext("Adresse de l'expéditeur refusée par le serveur de messagerie (code %(code)s).") % {
            "code": error.smtp_code
        }
    data_code = error.smtp_code if isinstance(error, smtplib.SMTPResponseException) else ""
    return gettext("Message refusé par le serveur de messagerie (code %(code)s).") % {"code": data_code}


def stale_claims_mark(*, now: datetime.datetime | None = None) -> int:
    """Mark "envoi incertain" the rows claimed longer than ``CLAIM_TIMEOUT`` ago (their worker is gone)."""
    now = now or timezone.now()
    marked = 0
    with translation.override(settings.LANGUAGE_CODE):
        for notification in Notification.objects.stale_claims(now - CLAIM_TIMEOUT).order_by("pk")[:SWEEP_BATCH]:
            updates = _uncertain(notification, now)
            marked += _this_claim(notification).filter(state=Notification.State.SENDING).update(**updates)
    if marked:
        logger.warning("%d notification(s) claimed but never recorded: marked uncertain.", marked)
    return marked


def pending_ids(*, now: datetime.datetime | None = None, older_than: datetime.timedelta | None = None) -> list[int]:
    """Rows whose next attempt is due; never-tried rows only once their own task has surely run or been lost."""
    now = now or timezone.now()
    older_than = FIRST_SEND_GRACE if older_than is None else older_than
    return list(
        Notification.objects.due(now)
        .exclude(attempts=0, created_at__gt=now - older_than)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )


def notification_resend(*, notification: Notification) -> None:
    """Staff resend a row that failed, or whose outcome stayed uncertain: a new retry chain, same Message-ID."""
    with transaction.atomic():
        locked = Notification.objects.select_for_update().get(pk=notification.pk)
        _resend(locked)
    notification.refresh_from_db()


def _resend(notification: Notification) -> None:
    if notification.state not in (Notification.State.FAILED, Notification.State.UNCERTAIN):
        raise ValidationError(
            gettext("Seul un courriel en échec ou à l'envoi incertain peut être renvoyé (il est : %(state)s).")
            % {"state": notification.get_state_display()}
        )
    if notification.state == Notification.State.UNCERTAIN and notification.next_attempt_at is not None:
        raise ValidationError(gettext("Ce courriel sera renvoyé automatiquement sous peu."))
    notification.state = Notification.State.PENDING
    notification.next_attempt_at = timezone.now()
    notification.retry_until = None
    notification.uncertain_at = None
    notification.failure_reason = ""
    notification.save(update_fields=["state", "next_attempt_at", "retry_until", "uncertain_at", "failure_reason"])
    enqueue_on_commit(settings.OUTBOX_SEND_TASK, notification.pk)
