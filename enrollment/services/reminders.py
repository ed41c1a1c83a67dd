"""The email sent the day before a session starts."""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from enrollment.models import (
    Application,
    ApplicationStatus,
)
from enrollment.services.transitions import _notify
from programs.models import Session

logger = logging.getLogger(__name__)
Status = ApplicationStatus


def session_reminders_send(*, today: datetime.date | None = None) -> int:
    """Remind accepted and enrolled applicants that their session starts soon; safe to rerun."""
    today = today or timezone.localdate()
    start = today + datetime.timedelta(days=settings.SESSION_REMINDER_DAYS)
    applications = Application.objects.filter(
        session__start_date=start,
        session__state=Session.State.SCHEDULED,
        status__in=(Status.ACCEPTED, Status.ENROLLED),
    ).select_related("applicant", "session__programme")
    created = 0
    for application in applications:
        with transaction.atomic():
            created += _notify(
                application, template="session_reminder", event=application.session.start_date.isoformat()
            )
    return created
