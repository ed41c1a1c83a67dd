import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import after_setup_logger, after_setup_task_logger

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cnam_portal.settings")

app = Celery("cnam_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@after_setup_logger.connect
@after_setup_task_logger.connect
def redact_worker_logs(logger, **kwargs):
    """A worker's log handlers replace Django's: they get its filter too (core.log_redaction)."""
    from core.log_redaction import RedactingFilter

    for handler in logger.handlers:
        handler.addFilter(RedactingFilter())


# Periodic work: sweeps make up for messages a broker outage lost.
app.conf.beat_schedule = {
    "expire-seat-offers": {
        "task": "enrollment.tasks.expire_offers",
        "schedule": crontab(minute="*/10"),
    },
    "send-pending-notifications": {
        "task": "enrollment.tasks.sweep_notifications",
        "schedule": crontab(minute="*/5"),
    },
    "expire-conventions": {
        "task": "partners.tasks.expire_conventions",
        "schedule": crontab(hour=0, minute=15),
    },
    "retry-convention-documents": {
        "task": "partners.tasks.retry_failed_documents",
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
}
