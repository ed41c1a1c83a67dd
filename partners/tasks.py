"""Celery tasks of the partners app: thin, keyed by primary key, safe to run twice."""

import logging

from celery import shared_task

from . import services
from .models import ConventionDocument

logger = logging.getLogger(__name__)

RENDER_MAX_RETRIES = 3
RENDER_RETRY_BASE_SECONDS = 30


# A child killed while rendering (out of memory) drops this message rather than taking it again
# and again: the document stays pending and the 10-minute sweep renders it anew.
@shared_task(bind=True, max_retries=RENDER_MAX_RETRIES, acks_late=True, reject_on_worker_lost=False)
def render_convention_document(self, document_id: int) -> None:
    """Render one convention PDF version; on failure retry with backoff (30 s, 60 s, 120 s)."""
    try:
        services.convention_document_render(document_id=document_id)
    except ConventionDocument.DoesNotExist:
        logger.info("Convention document %s no longer exists", document_id)
    except Exception as error:
        attempts = ConventionDocument.objects.filter(pk=document_id).values_list("attempts", flat=True).first()
        if attempts is None or attempts >= services.DOCUMENT_MAX_ATTEMPTS:
            return
        # The document row already says « Échec » with the reason; the periodic sweep takes over after these.
        raise self.retry(exc=error, countdown=RENDER_RETRY_BASE_SECONDS * 2**self.request.retries) from error


@shared_task
def retry_failed_documents() -> int:
    """Periodic sweep: failed versions below the attempt limit, pending ones whose message was lost."""
    return len(services.convention_documents_retry())


@shared_task
def expire_conventions() -> int:
    """Daily: signed conventions past their end date become « Expirée »."""
    return services.convention_expire_due()
