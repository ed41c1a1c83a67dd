"""Celery tasks of the course's follow-up: thin wrappers that take primary keys and call a service.

Each is safe to run twice: a render skips unchanged data, the monthly run asks for rows that
exist once, the sweeps take due rows only, the digest sends one email per person per day.
"""

import datetime

from celery import shared_task
from django.utils import timezone

from attendance import progress
from attendance.services import followup, funder_documents, rendering
from attendance.services import sheets as sheet_services

# How a PDF render is retried, as the attestations d'inscription are. A child killed while rendering
# (out of memory) drops its message rather than taking it again and again: the row stays pending
# and the 10-minute sweep renders it anew.
RENDER_OPTIONS = {
    "bind": True,
    "autoretry_for": (rendering.RenderError,),
    "retry_backoff": 30,
    "retry_backoff_max": 1800,
    "max_retries": 5,
    "acks_late": True,
    "reject_on_worker_lost": False,
}

# --- Attendance sheets -------------------------------------------------------------------------------


@shared_task(**RENDER_OPTIONS)
def render_sheet(self, sheet_id: int) -> str:
    """Render a closed sheet's PDF; skipped when the stored one shows the current data."""
    outcome = sheet_services.sheet_render(sheet_id=sheet_id)
    if outcome is rendering.Outcome.FAILED and not self.request.is_eager:
        # Raised once the failure is committed on the row, for Celery to retry.
        raise rendering.RenderError(f"attendance sheet {sheet_id}")
    return outcome.value


@shared_task
def retry_failed_sheets() -> int:
    """Periodic sweep: sheets whose render failed (below the attempt limit) or whose message was lost."""
    return len(sheet_services.sheets_retry())


# --- The follow-up: funders' documents and absence alerts ------------------------------------------


@shared_task(**RENDER_OPTIONS)
def render_funder_document(self, document_id: int) -> None:
    try:
        funder_documents.document_render(document_id=document_id)
    except rendering.RenderError:
        if self.request.is_eager:
            return  # recorded as failed on the row; the sweep or staff try again
        raise


@shared_task
def request_monthly_statements(month: str | None = None) -> int:
    """The états de présence of ``month`` (``AAAA-MM-JJ``, any day of it); by default the month just ended."""
    if month:
        day = datetime.date.fromisoformat(month)
    else:
        day = progress.month_start(timezone.localdate()) - datetime.timedelta(days=1)
    return len(funder_documents.monthly_statements_request(month=day))


@shared_task
def retry_funder_documents() -> int:
    """Periodic sweep: failed documents below the attempt limit, pending ones whose message was lost."""
    return len(funder_documents.documents_retry())


@shared_task
def send_absence_digest() -> int:
    """The daily email to the training managers listing the alerts raised since the last one."""
    return followup.absence_digest_send()
