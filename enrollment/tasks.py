"""Celery tasks: thin wrappers that take primary keys, reload, and call a service.

Each is safe to run twice: ``deliver`` only sends a due row it could claim, the
certificate render skips unchanged data, expiry and reminders check state first.
"""

import datetime
import logging

from celery import shared_task

from core import outbox

from . import notifications
from .services import applications, certificates, personal_data, reminders, waitlist

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True)
def send_notification(self, notification_id: int) -> bool:
    """Send one due row. No Celery retry: the row's ``next_attempt_at`` and the sweep make its one chain."""
    try:
        return notifications.deliver(notification_id=notification_id, task_id=self.request.id or "")
    except outbox.DeliveryFailed:
        return False  # recorded on the row (and logged): the sweep sends it again when it is due


@shared_task
def sweep_notifications(*, broker_returned: bool = False) -> int:
    """Re-enqueue what a lost message or a broker outage left pending.

    Just after the broker returns (``cnam_portal.celery.SweepOnConnect``), every due row counts,
    however recent: its message, or the enqueue itself, may have been lost in the outage.
    """
    outbox.stale_claims_mark()  # a claim whose worker was lost becomes uncertain, resent once
    outbox.retries_due_if_server_answers()  # after an outage, no wait for the backoff to run out
    ids = outbox.pending_ids(older_than=datetime.timedelta(0)) if broker_returned else outbox.pending_ids()
    for notification_id in ids:
        send_notification.delay(notification_id)
    return len(ids)


@shared_task(
    bind=True,
    autoretry_for=(certificates.CertificateRenderError,),
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=5,
    acks_late=True,
    # A child killed while rendering (out of memory) drops this message rather than taking it
    # again and again: the certificate stays pending and the 10-minute sweep renders it anew.
    reject_on_worker_lost=False,
)
def render_certificate(self, certificate_id: int) -> None:
    try:
        certificates.certificate_render(certificate_id=certificate_id)
    except certificates.CertificateRenderError:
        if self.request.is_eager:
            return  # recorded as failed on the row; staff or a new request try again
        raise


@shared_task
def retry_failed_certificates() -> int:
    """Periodic sweep: failed certificates below the attempt limit, pending ones whose message was lost."""
    return len(certificates.certificates_retry())


@shared_task
def expire_offers() -> int:
    return waitlist.offers_expire()


@shared_task
def send_session_reminders() -> int:
    return reminders.session_reminders_send()


@shared_task
def sweep_pending_uploads() -> int:
    """Delete the documents of refused application forms kept longer than a day."""
    return applications.pending_uploads_sweep()


@shared_task
def apply_retention() -> None:
    """Erase what the retention periods say is due and anonymise the long-inactive accounts (logs counts)."""
    personal_data.retention_run()
