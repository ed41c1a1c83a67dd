"""Celery tasks: thin wrappers that take primary keys, reload, and call a service.

Each is safe to run twice: ``deliver`` only sends a pending row it could claim, the
certificate render skips unchanged data, expiry and reminders check state first.
"""

import logging

from celery import shared_task

from core import outbox

from . import notifications
from .services import applications, certificates, personal_data, reminders, waitlist

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    autoretry_for=(outbox.DeliveryFailed,),
    retry_backoff=60,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=outbox.MAX_ATTEMPTS - 1,
    acks_late=True,
)
def send_notification(self, notification_id: int) -> bool:
    try:
        return notifications.deliver(notification_id=notification_id)
    except outbox.DeliveryFailed as exc:
        # Run in-process (no broker) a retry would fire at once, against the same
        # unreachable server: leave the row pending for the sweep instead.
        if exc.final or self.request.is_eager:
            return False
        raise


@shared_task
def sweep_notifications() -> int:
    """Re-enqueue what a lost message or a broker outage left pending."""
    ids = outbox.pending_ids()
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
)
def render_certificate(self, certificate_id: int) -> None:
    try:
        certificates.certificate_render(certificate_id=certificate_id)
    except certificates.CertificateRenderError:
        if self.request.is_eager:
            return  # recorded as failed on the row; staff or a new request try again
        raise


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
