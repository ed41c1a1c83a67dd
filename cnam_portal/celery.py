import logging
import os

from celery import Celery, bootsteps
from celery.schedules import crontab
from celery.signals import after_setup_logger, after_setup_task_logger

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cnam_portal.settings")

app = Celery("cnam_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)

NOTIFICATION_SWEEP_SECONDS = 30.0


@after_setup_logger.connect
@after_setup_task_logger.connect
def redact_worker_logs(logger, **kwargs):
    """A worker's log handlers replace Django's: they get its filter too (core.log_redaction)."""
    from core.log_redaction import RedactingFilter

    for handler in logger.handlers:
        handler.addFilter(RedactingFilter())


class SweepOnConnect(bootsteps.StartStopStep):
    """Sweep the outbox each time the worker connects to the broker: at start and when it returns.

    Emails written while the broker was down never reached it, and beat may have been down
    with it: the worker that reconnects sends them at once (it retries the connection every
    30 s at most) instead of waiting for the next periodic sweep.
    """

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def start(self, parent):
        try:
            parent.app.send_task("enrollment.tasks.sweep_notifications", kwargs={"broker_returned": True})
        except Exception:
            # The connection dropped again: the next reconnection, or beat, sweeps.
            logger.exception("Could not ask for an outbox sweep after connecting to the broker.")


app.steps["consumer"].add(SweepOnConnect)


# Periodic work: sweeps make up for messages a broker outage lost.
app.conf.beat_schedule = {
    "expire-seat-offers": {
        "task": "enrollment.tasks.expire_offers",
        "schedule": crontab(minute="*/10"),
    },
    # Often, and cheap (the due rows only, on an index): an email written while the broker was
    # down leaves within a minute of its return, even if no worker reconnected (SweepOnConnect).
    "send-pending-notifications": {
        "task": "enrollment.tasks.sweep_notifications",
        "schedule": NOTIFICATION_SWEEP_SECONDS,
    },
    "expire-conventions": {
        "task": "partners.tasks.expire_conventions",
        "schedule": crontab(hour=0, minute=15),
    },
    "retry-convention-documents": {
        "task": "partners.tasks.retry_failed_documents",
        "schedule": crontab(minute="*/10"),
    },
    "retry-certificates": {
        "task": "enrollment.tasks.retry_failed_certificates",
        "schedule": crontab(minute="*/10"),
    },
    "retry-attendance-sheets": {
        "task": "attendance.tasks.retry_failed_sheets",
        "schedule": crontab(minute="*/10"),
    },
    "send-session-reminders": {
        "task": "enrollment.tasks.send_session_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    "sweep-pending-uploads": {
        "task": "enrollment.tasks.sweep_pending_uploads",
        "schedule": crontab(minute=20),
    },
    "apply-retention-periods": {
        "task": "enrollment.tasks.apply_retention",
        "schedule": crontab(hour=2, minute=30),
    },
    # The course's follow-up: the past month's attendance statements on the 1st, the sweep of
    # funders' documents, and the managers' morning list of people who missed slots in a row.
    "request-monthly-statements": {
        "task": "attendance.tasks.request_monthly_statements",
        "schedule": crontab(day_of_month=1, hour=3, minute=0),
    },
    "retry-funder-documents": {
        "task": "attendance.tasks.retry_funder_documents",
        "schedule": crontab(minute="*/10"),
    },
    "send-absence-digest": {
        "task": "attendance.tasks.send_absence_digest",
        "schedule": crontab(hour=7, minute=30),
    },
}
