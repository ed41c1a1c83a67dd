"""Every write on VAE requests: the request from the public site, then staff moving it stage by stage.

A request goes déposée → recevabilité → accompagnement → jury → résultat, one stage at a time;
while its admissibility is examined (déposée or recevabilité) staff may instead declare it
*non recevable*, with a reason, which closes it. Each move locks the request row, writes one
``VaeStageChange`` (who, when, why: the audit trail) and one ``Notification`` in the same
transaction; the email task is enqueued only after commit.
"""

import logging
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import outbox
from core.formatting import datetime_long
from core.models import Notification
from enrollment import notifications
from enrollment.models import (
    VAE_FINAL_STAGES,
    VAE_STAGE_ORDER,
    VAE_YEARS_MAX,
    VAE_YEARS_MIN,
    VaeDocument,
    VaeRequest,
    VaeResult,
    VaeStage,
    VaeStageChange,
)
from enrollment.references import free_vae_reference
from enrollment.uploads import MAX_DOCUMENTS, check_documents, delete_stored_files, store_documents
from programs.models import Programme

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import UploadedFile
    from django_stubs_ext import StrPromise

logger = logging.getLogger(__name__)

REFERENCE_INSERT_ATTEMPTS = 5
SUMMARY_MAX_CHARS = 5000
REASON_MAX_CHARS = 2000
NOTIFICATION_TEMPLATE = "vae_stage"

# Stages from which staff may declare a request non recevable (its admissibility is being examined).
NOT_ADMISSIBLE_FROM = (VaeStage.SUBMITTED, VaeStage.ADMISSIBILITY)

DUPLICATE_MESSAGE = gettext_lazy(
    "Vous avez déjà une demande de VAE en cours pour cette certification : suivez-la depuis votre espace candidat."
)
SUBJECTS: "dict[str, StrPromise]" = {
    VaeStage.SUBMITTED: gettext_lazy("Demande de VAE %(reference)s bien reçue"),
    VaeStage.NOT_ADMISSIBLE: gettext_lazy("Votre demande de VAE %(reference)s n'est pas recevable"),
    VaeStage.RESULT: gettext_lazy("Résultat de votre demande de VAE %(reference)s"),
}
DEFAULT_SUBJECT = gettext_lazy("Votre demande de VAE %(reference)s passe à l'étape « %(stage)s »")


# --- Notifications ------------------------------------------------------------------------------


def _notify(vae_request: VaeRequest, change: VaeStageChange) -> Notification | None:
    """Write the outbox row of one move; the row carries everything the email shows (no application)."""
    user = vae_request.applicant
    if not user.email:
        logger.warning("VAE request %s: applicant has no email, stage email not sent.", vae_request.pk)
        return None
    stage_label = str(VaeStage(change.to_stage).label)
    context = {
        "reference": vae_request.reference,
        "programme_title": vae_request.programme.title,
        "stage": change.to_stage,
        "stage_label": stage_label,
        "result": vae_request.result,
        "result_label": str(VaeResult(vae_request.result).label) if vae_request.result else "",
        "reason": change.reason,
        "changed_on": datetime_long(change.changed_at),
        "detail_url": _detail_url(vae_request),
    }
    subject = SUBJECTS.get(change.to_stage, DEFAULT_SUBJECT) % {
        "reference": vae_request.reference,
        "stage": stage_label,
    }
    return outbox.notification_create(
        key=f"{NOTIFICATION_TEMPLATE}:{vae_request.pk}:{change.pk}",
        template=NOTIFICATION_TEMPLATE,
        recipient_email=user.email,
        user=user,
        context=context,
        subject=notifications.SUBJECT_PREFIX + str(subject),
    )


def _detail_url(vae_request: VaeRequest) -> str:
    from django.conf import settings
    from django.urls import reverse

    return settings.SITE_URL + reverse("enrollment:vae_detail", kwargs={"reference": vae_request.reference})


# --- Submission ---------------------------------------------------------------------------------


def _check_request(*, user: "User", programme: Programme, experience_summary: str, years: int | str) -> tuple[str, int]:
    try:
        profile = user.applicant_profile
    except ObjectDoesNotExist:
        profile = None
    if profile is None or not profile.is_complete:
        raise ValidationError(
            _(
                "Complétez votre profil de candidat (identité, contact, niveau, situation, consentement) "
                "avant de demander une VAE."
            ),
            code="profile_incomplete",
        )
    if programme.status != Programme.Status.PUBLISHED:
        raise ValidationError(_("Cette formation n'est pas proposée en ce moment."), code="programme_unpublished")
    if not programme.vae_available:
        raise ValidationError(
            _("La certification « %(title)s » n'est pas accessible par la VAE.") % {"title": programme.title},
            code="vae_unavailable",
        )
    summary = (experience_summary or "").strip()
    if not summary:
        raise ValidationError(
            {"experience_summary": _("Décrivez votre expérience : postes, missions, durée, responsabilités.")},
            code="summary_required",
        )
    if len(summary) > SUMMARY_MAX_CHARS:
        raise ValidationError(
            {
                "experience_summary": _("Votre résumé dépasse %(max)s caractères (%(length)s) : raccourcissez-le.")
                % {"max": SUMMARY_MAX_CHARS, "length": len(summary)}
            },
            code="summary_too_long",
        )
    number: int | None
    try:
        number = int(years)
    except (TypeError, ValueError):
        number = None
    if number is None or not VAE_YEARS_MIN <= number <= VAE_YEARS_MAX:
        raise ValidationError(
            {
                "years_of_experience": _(
                    "Indiquez un nombre d'années d'expérience entre %(min)s et %(max)s (un an au moins en lien "
                    "avec la certification visée)."
                )
                % {"min": VAE_YEARS_MIN, "max": VAE_YEARS_MAX}
            },
            code="years_out_of_range",
        )
    return summary, number


def vae_request_submit(
    *,
    user: "User",
    programme: Programme,
    experience_summary: str,
    years: int,
    documents: "Sequence[tuple[str, UploadedFile]]" = (),
) -> VaeRequest:
    """Record a VAE request with its documents, its first history row and the acknowledgement, all or nothing."""
    summary, years = _check_request(user=user, programme=programme, experience_summary=experience_summary, years=years)
    checked = check_documents(documents, kinds=VaeDocument.Kind.values, max_count=MAX_DOCUMENTS)
    if VaeRequest.objects.open().filter(applicant=user, programme=programme).exists():
        raise ValidationError(DUPLICATE_MESSAGE, code="duplicate")

    for _attempt in range(REFERENCE_INSERT_ATTEMPTS):
        reference = free_vae_reference()
        written: list[str] = []
        try:
            with transaction.atomic():
                vae_request = VaeRequest.objects.create(
                    reference=reference,
                    applicant=user,
                    programme=programme,
                    experience_summary=summary,
                    years_of_experience=years,
                )
                change = VaeStageChange.objects.create(
                    request=vae_request,
                    from_stage="",
                    to_stage=VaeStage.SUBMITTED,
                    changed_by=user,
                    changed_at=vae_request.submitted_at,
                )
                store_documents(checked, build=partial(VaeDocument, request=vae_request), written=written)
                _notify(vae_request, change)
            return vae_request
        except IntegrityError:
            delete_stored_files(VaeDocument._meta.get_field("file").storage, written)
            # The partial unique index caught a second request that raced past the check above.
            if VaeRequest.objects.open().filter(applicant=user, programme=programme).exists():
                raise ValidationError(DUPLICATE_MESSAGE, code="duplicate") from None
            if VaeRequest.objects.filter(reference=reference).exists():
                continue
            raise
        except BaseException:
            delete_stored_files(VaeDocument._meta.get_field("file").storage, written)
            raise
    raise RuntimeError("Could not store the VAE request under a unique reference.")


# --- Staff moves --------------------------------------------------------------------------------


def next_stage(stage: str) -> str | None:
    """The stage that follows ``stage`` in the normal order, None after the last one or off the path."""
    try:
        index = VAE_STAGE_ORDER.index(stage)
    except ValueError:
        return None
    return VAE_STAGE_ORDER[index + 1] if index + 1 < len(VAE_STAGE_ORDER) else None


def _refuse_move(vae_request: VaeRequest, to_stage: str) -> ValidationError:
    expected = next_stage(vae_request.stage)
    if vae_request.stage in VAE_FINAL_STAGES:
        message = _("La demande %(reference)s est close (étape « %(stage)s ») : elle ne change plus d'étape.")
    elif expected:
        message = _(
            "La demande %(reference)s est à l'étape « %(stage)s » : elle ne peut passer qu'à l'étape « %(next)s »."
        )
    else:
        message = _("La demande %(reference)s ne peut pas passer de l'étape « %(stage)s » à « %(to)s ».")
    return ValidationError(
        message
        % {
            "reference": vae_request.reference,
            "stage": vae_request.get_stage_display(),
            "next": VaeStage(expected).label if expected else "",
            "to": VaeStage(to_stage).label if to_stage in VaeStage.values else to_stage,
        },
        code="invalid_move",
    )


def vae_request_advance(
    *, request: VaeRequest, to_stage: str, by: "User | None", reason: str = "", result: str | None = None
) -> VaeRequest:
    """Move a request to ``to_stage``: the next stage in order, or non recevable while admissibility is examined.

    The résultat stage needs ``result`` (validation totale, partielle or refus); non recevable needs ``reason``.
    """
    if to_stage not in VaeStage.values:
        raise ValidationError(_("Étape inconnue : %(stage)s.") % {"stage": to_stage}, code="unknown_stage")
    reason = (reason or "").strip()
    result = (result or "").strip()
    if len(reason) > REASON_MAX_CHARS:
        raise ValidationError(
            _("Le motif dépasse %(max)s caractères.") % {"max": REASON_MAX_CHARS}, code="reason_too_long"
        )
    if to_stage == VaeStage.RESULT:
        if result not in VaeResult.values:
            raise ValidationError(
                _("Indiquez le résultat du jury : validation totale, validation partielle ou refus."),
                code="result_required",
            )
    elif result:
        raise ValidationError(
            _("Le résultat du jury ne s'indique qu'au passage à l'étape « Résultat »."), code="result_out_of_stage"
        )
    if to_stage == VaeStage.NOT_ADMISSIBLE and not reason:
        raise ValidationError(
            _("Indiquez le motif de non-recevabilité : il est communiqué à la personne."), code="reason_required"
        )

    with transaction.atomic():
        locked = VaeRequest.objects.select_for_update().select_related("programme", "applicant").get(pk=request.pk)
        if to_stage == VaeStage.NOT_ADMISSIBLE:
            allowed = locked.stage in NOT_ADMISSIBLE_FROM
        else:
            allowed = next_stage(locked.stage) == to_stage
        if not allowed:
            if to_stage == VaeStage.NOT_ADMISSIBLE and locked.stage not in VAE_FINAL_STAGES:
                raise ValidationError(
                    _(
                        "La demande %(reference)s a déjà été jugée recevable (étape « %(stage)s ») : "
                        "elle ne peut plus être déclarée non recevable."
                    )
                    % {"reference": locked.reference, "stage": locked.get_stage_display()},
                    code="invalid_move",
                )
            raise _refuse_move(locked, to_stage)
        now = timezone.now()
        from_stage = locked.stage
        locked.stage = to_stage
        fields = ["stage", "updated_at"]
        if to_stage == VaeStage.RESULT:
            locked.result = result
            fields.append("result")
        if to_stage in VAE_FINAL_STAGES:
            locked.closed_at = now
            locked.decision_reason = reason
            fields += ["closed_at", "decision_reason"]
        locked.save(update_fields=fields)
        change = VaeStageChange.objects.create(
            request=locked, from_stage=from_stage, to_stage=to_stage, changed_by=by, changed_at=now, reason=reason
        )
        _notify(locked, change)
    if request is not locked:
        request.refresh_from_db()
    return locked


def vae_request_advance_next(
    *, request: VaeRequest, by: "User | None", reason: str = "", result: str | None = None
) -> VaeRequest:
    """Move a request to the stage after its current one (what the admin's "next stage" action does)."""
    following = next_stage(request.stage)
    if following is None:
        raise _refuse_move(request, request.stage)
    return vae_request_advance(request=request, to_stage=following, by=by, reason=reason, result=result)


def vae_request_declare_not_admissible(*, request: VaeRequest, by: "User | None", reason: str) -> VaeRequest:
    return vae_request_advance(request=request, to_stage=VaeStage.NOT_ADMISSIBLE, by=by, reason=reason)


__all__ = [
    "next_stage",
    "vae_request_advance",
    "vae_request_advance_next",
    "vae_request_declare_not_admissible",
    "vae_request_submit",
]
