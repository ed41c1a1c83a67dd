"""The documents funders ask for about one person's course: asked for, rendered, versioned, retried.

A request writes the row first (pending) and hands its render to a worker after commit, by
task name. The render reads the data, hashes it and stores a new PDF only when the hash
changed; the file it replaces is kept as a ``FunderDocumentVersion`` (a funder may hold it) and
the row's ``version`` goes up by one. The first render is version 1.
"""

import datetime
import logging
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance import progress
from attendance.documents import base, funders
from attendance.models import (
    FunderDocument,
    FunderDocumentVersion,
    Participation,
    ParticipationState,
    RenderState,
    Slot,
)
from attendance.services import rendering
from core import outbox
from core.formatting import date_long
from enrollment.models import Application, ApplicationStatus

logger = logging.getLogger(__name__)

RENDER_TASK = "attendance.tasks.render_funder_document"
Kind = FunderDocument.Kind


def _checked_month(kind: str, month: datetime.date | None) -> datetime.date | None:
    if kind == Kind.MONTHLY:
        if month is None:
            raise ValidationError(_("Indiquez le mois de l'état de présence."), code="month_missing")
        return progress.month_start(month)
    if month is not None:
        raise ValidationError(
            _("Seul l'état de présence mensuel porte sur un mois."),
            code="month_not_expected",
        )
    return None


def document_request(*, application: Application, kind: str, month: datetime.date | None = None) -> FunderDocument:
    """Make sure ``application`` has its document of ``kind`` (for ``month``) and render it after commit.

    The render skips the work when the stored PDF already shows the current data.
    """
    if kind not in Kind.values:
        raise ValidationError(_("Ce document n'existe pas."), code="unknown_kind")
    month = _checked_month(kind, month)
    if application.status != ApplicationStatus.ENROLLED:
        raise ValidationError(
            _("Les documents de suivi concernent une inscription confirmée (statut actuel : « %(status)s »).")
            % {"status": application.get_status_display()},
            code="not_enrolled",
        )
    participation = Participation.objects.filter(application=application).first()
    if participation is None:
        raise ValidationError(
            _("La formation n'a pas encore commencé : aucun document de suivi ne peut être établi."),
            code="not_entered",
        )
    if kind == Kind.COMPLETION and participation.state != ParticipationState.EXITED:
        raise ValidationError(
            _("Le certificat de réalisation s'établit à la sortie de la formation."), code="not_exited"
        )
    if month is not None:
        if month > timezone.localdate():
            raise ValidationError(
                _("L'état de présence d'un mois à venir ne peut pas encore être établi."), code="month_ahead"
            )
        if progress.next_month(month) <= participation.entered_on:
            raise ValidationError(
                _("La formation a commencé après ce mois (le %(day)s) : pas d'état de présence pour celui-ci.")
                % {"day": date_long(participation.entered_on)},
                code="month_before_entry",
            )
        if participation.exited_on is not None and month > participation.exited_on:
            raise ValidationError(
                _("La sortie de formation date du %(day)s : pas d'état de présence pour un mois suivant.")
                % {"day": date_long(participation.exited_on)},
                code="month_after_exit",
            )
    with transaction.atomic():
        document, created = FunderDocument.objects.get_or_create(application=application, kind=kind, month=month)
        if not created:
            rendering.pdf_request(document)
        outbox.enqueue_on_commit(RENDER_TASK, document.pk)
    return document


def documents_refresh(*, application_ids: list[int]) -> list[int]:
    """Ask again for every document of these applications: what the attendance shows changed.

    Each is rendered again only if its data did (a correction: a new version beside the former).
    """
    ids = list(
        FunderDocument.objects.filter(application_id__in=application_ids).order_by("pk").values_list("pk", flat=True)
    )
    if ids:
        FunderDocument.objects.filter(pk__in=ids).exclude(render_state=RenderState.READY).update(
            requested_at=timezone.now()
        )
        outbox.enqueue_on_commit(RENDER_TASK, *ids)
    return ids


def monthly_statements_request(*, month: datetime.date) -> list[int]:
    """Ask for the état de présence of ``month`` of every person in training that month.

    That is every participation entered before the month ended, not exited before it began,
    whose session has planned slots in it. Returns the documents' ids (each rendered after commit).
    """
    first = progress.month_start(month)
    following = progress.next_month(first)
    application_ids = set(
        Participation.objects.filter(
            entered_on__lt=following,
            application__status=ApplicationStatus.ENROLLED,
            application__session__slots__state=Slot.State.PLANNED,
            application__session__slots__date__gte=first,
            application__session__slots__date__lt=following,
        )
        .exclude(exited_on__lt=first)
        .order_by()
        .values_list("application_id", flat=True)
        .distinct()
    )
    with transaction.atomic():
        existing = dict(
            FunderDocument.objects.filter(
                kind=Kind.MONTHLY, month=first, application_id__in=application_ids
            ).values_list("application_id", "pk")
        )
        FunderDocument.objects.bulk_create(
            [
                FunderDocument(application_id=application_id, kind=Kind.MONTHLY, month=first)
                for application_id in sorted(application_ids - existing.keys())
            ],
            ignore_conflicts=True,
        )
        ids = list(
            FunderDocument.objects.filter(kind=Kind.MONTHLY, month=first, application_id__in=application_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        outbox.enqueue_on_commit(RENDER_TASK, *ids)
    return ids


def _data(document: FunderDocument, application: Application, participation: Participation) -> dict:
    body = base.body_identity()
    if document.kind == Kind.ENTRY:
        return funders.entry_data(application=application, participation=participation, body=body)
    if document.month is not None:
        with base.in_french_and_local_time():
            rows = progress.statement_rows(application=application, month=document.month, until=participation.exited_on)
        return funders.monthly_data(
            application=application, participation=participation, month=document.month, rows=rows, body=body
        )
    return funders.completion_data(application=application, participation=participation, body=body)


def _filename(document: FunderDocument, application: Application) -> str:
    names = {
        Kind.ENTRY: "attestation-entree",
        Kind.MONTHLY: "etat-presence",
        Kind.COMPLETION: "certificat-realisation",
    }
    month = f"-{document.month:%Y-%m}" if document.month else ""
    # The storage makes each name unique: a new version never overwrites the file of the former.
    return f"{names[Kind(document.kind)]}-{application.reference}{month}.pdf"


def download_filename(document: FunderDocument) -> str:
    """The name a download is saved under (no version: the person keeps the latest)."""
    names = {
        Kind.ENTRY: "attestation-entree-formation",
        Kind.MONTHLY: "etat-de-presence",
        Kind.COMPLETION: "certificat-de-realisation",
    }
    month = f"-{document.month:%Y-%m}" if document.month else ""
    return f"{names[Kind(document.kind)]}-{document.application.reference}{month}.pdf"


def _keeper(document: FunderDocument, digest: str) -> rendering.KeepPrevious:
    def keep(name: str, previous_digest: str, generated_at: datetime.datetime) -> None:
        if previous_digest == digest:
            # The same data drawn again (its file had gone missing, or a failure came between):
            # not a new version, and the former file is the same document.
            transaction.on_commit(partial(document.file.storage.delete, name))
            return
        FunderDocumentVersion.objects.create(
            document=document, version=document.version, file=name, data_hash=previous_digest, generated_at=generated_at
        )
        document.version += 1

    return keep


def document_render(*, document_id: int, today: datetime.date | None = None) -> rendering.Outcome:
    """Render the document unless its stored PDF already shows the current data.

    A failure is recorded on the row (French reason, exception in ``error_detail``) and raised as
    ``rendering.RenderError`` once the transaction is over, for the task to retry.
    """
    with transaction.atomic():
        document = FunderDocument.objects.select_for_update().filter(pk=document_id).first()
        if document is None:
            return rendering.Outcome.UNCHANGED
        application = Application.objects.select_related(
            "session__programme", "session__site", "applicant__applicant_profile", "convention__partner"
        ).get(pk=document.application_id)
        participation = Participation.objects.filter(application=application).first()
        if participation is None:
            # Nothing to certify any more (the follow-up was removed): the row waits for staff.
            logger.warning("Funder document %s has no participation to show", document_id)
            return rendering.Outcome.UNCHANGED
        data = _data(document, application, participation)
        digest = base.data_hash(data)
        if document.version == 0:
            document.version = 1
        issued_on = today or timezone.localdate()
        outcome = rendering.pdf_render(
            row=document,
            digest=digest,
            render=lambda: funders.render(document.kind, data, issued_on=issued_on),
            filename=_filename(document, application),
            what=str(document.get_kind_display()),
            keep_previous=_keeper(document, digest),
        )
    if outcome is rendering.Outcome.FAILED:
        raise rendering.RenderError(f"funder document {document_id}")
    return outcome


def documents_retry(*, now: datetime.datetime | None = None) -> list[int]:
    """The sweep: render again what a failure or a lost message left unrendered."""
    with transaction.atomic():
        ids = rendering.rows_due(FunderDocument.objects.filter(application__applicant__is_active=True), now=now)
        outbox.enqueue_on_commit(RENDER_TASK, *ids)
    return ids
