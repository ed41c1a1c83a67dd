"""Celery tasks of the course's follow-up: thin, by primary key, safe to run twice."""

from celery import shared_task

from attendance.services import rendering
from attendance.services import sheets as sheet_services


@shared_task(
    bind=True,
    autoretry_for=(rendering.RenderError,),
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=5,
    acks_late=True,
    # A child killed while rendering (out of memory) drops this message rather than taking it
    # again and again: the sheet stays pending and the 10-minute sweep renders it anew.
    reject_on_worker_lost=False,
)
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
