"""How a follow-up PDF row (a sheet, a funder document) is rendered, stored and retried.

The row is written first (pending), a worker renders it after commit; the render is skipped
when the stored file already shows the current data (``data_hash``); a failure, in the layout
or in the storage, leaves the row « Échec » with a French reason and is retried by the sweep.
"""

import datetime
import enum
import logging
from collections.abc import Callable
from functools import partial

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.models.documents import RenderedPdf, RenderState

logger = logging.getLogger(__name__)

# A row is tried at most this many times (Celery's own retries included), then staff look.
MAX_ATTEMPTS = 8
# A pending row older than this lost its message: the sweep sends it again.
STALE_AFTER = datetime.timedelta(minutes=10)

# Called with the file name, data hash and render time a new version replaces, inside the
# transaction; without it the replaced file is deleted once the new one is committed.
KeepPrevious = Callable[[str, str, datetime.datetime], None]


class RenderError(Exception):
    """Raised by a render task after its transaction, so that the recorded failure stays."""


class Outcome(enum.Enum):
    UNCHANGED = "unchanged"
    RENDERED = "rendered"
    FAILED = "failed"


def is_current(row: RenderedPdf, digest: str) -> bool:
    """Whether the row's stored file already shows the data whose hash is ``digest``."""
    return (
        row.render_state == RenderState.READY
        and row.data_hash == digest
        and bool(row.file.name)
        and row.file.storage.exists(row.file.name)
    )


def pdf_render[Row: RenderedPdf](
    *,
    row: Row,
    digest: str,
    render: Callable[[], bytes],
    filename: str,
    what: str,
    keep_previous: KeepPrevious | None = None,
) -> Outcome:
    """Render and store ``row``'s PDF unless it already shows the data of hash ``digest``.

    Call it inside a transaction, with ``row`` locked (``select_for_update``). ``what`` names the
    document in the French failure reason. A failure is recorded on the row and returned, never
    raised here: raising would roll the record back. The task raises ``RenderError`` once the
    transaction is over, for Celery to retry.
    """
    if is_current(row, digest):
        return Outcome.UNCHANGED
    storage = row.file.storage
    # The file an earlier render stored: still on the row when a later render failed (a failure
    # changes the state only), so a retry replaces it as a ready row's would be.
    previous = (row.file.name or "", row.data_hash, row.generated_at) if row.file.name and row.generated_at else None
    new_name = ""
    pdf = None
    try:
        # A savepoint: a failed write leaves the transaction usable for recording the failure.
        with transaction.atomic():
            pdf = render()
            row.file.save(filename, ContentFile(pdf), save=False)
            new_name = row.file.name or ""
            if previous and previous[0] and keep_previous is not None:
                keep_previous(*previous)
            row.render_state = RenderState.READY
            row.data_hash = digest
            row.error = ""
            row.error_detail = ""
            row.generated_at = timezone.now()
            row.attempts += 1
            row.save()
    except Exception as exc:
        if new_name:
            _discard_file(storage, new_name)
        row.refresh_from_db()
        if pdf is None:
            reason = _("la mise en page du PDF a échoué.")
        else:
            reason = _("le PDF n'a pas pu être enregistré dans le stockage des documents.")
        row.render_state = RenderState.FAILED
        row.error = _("Échec de la production du document « %(what)s » : %(reason)s") % {"what": what, "reason": reason}
        row.error_detail = f"{type(exc).__name__}: {exc}"[:2000]
        row.attempts += 1
        row.save(update_fields=["render_state", "error", "error_detail", "attempts"])
        logger.warning("%s %s failed: %s", type(row).__name__, row.pk, type(exc).__name__)
        return Outcome.FAILED
    if previous and previous[0] and keep_previous is None and previous[0] != new_name:
        transaction.on_commit(partial(storage.delete, previous[0]))
    return Outcome.RENDERED


def _discard_file(storage, name: str) -> None:
    # The row was not updated: a file left behind would be an orphan nobody serves or erases.
    try:
        storage.delete(name)
    except Exception:
        logger.warning("Could not delete orphan document %s", name, exc_info=True)


def pdf_request(row: RenderedPdf) -> None:
    """Mark ``row`` as asked for now (the sweep measures a lost message from this time)."""
    if row.render_state != RenderState.READY:
        row.requested_at = timezone.now()
        row.save(update_fields=["requested_at"])


def rows_due[Row: RenderedPdf](queryset: QuerySet[Row], *, now: datetime.datetime | None = None) -> list[int]:
    """The sweep: rows a failure or a lost message left unrendered, marked pending again now.

    Failed ones until ``MAX_ATTEMPTS``; pending ones once older than ``STALE_AFTER``.
    """
    now = now or timezone.now()
    due = queryset.filter(
        Q(render_state=RenderState.FAILED, attempts__lt=MAX_ATTEMPTS)
        | Q(render_state=RenderState.PENDING, requested_at__lt=now - STALE_AFTER)
    )
    ids = list(due.order_by("requested_at", "pk").values_list("pk", flat=True))
    if ids:
        queryset.model.objects.filter(pk__in=ids).update(render_state=RenderState.PENDING, requested_at=now)
    return ids
