"""Applications from the public: submission, the documents kept between two tries, staff decisions.

Seat moves lock through ``enrollment.seats.lock_sessions`` (one lock order, stated there).
"""

import datetime
import logging
from collections.abc import Iterable, Sequence
from functools import partial
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enrollment import seats
from enrollment.models import (
    PENDING_UPLOAD_HOURS,
    Application,
    ApplicationDocument,
    ApplicationStatus,
    ApplicationStatusChange,
    PendingUpload,
)
from enrollment.references import free_application_reference
from enrollment.selectors import application_eligibility
from enrollment.services.certificates import certificate_request
from enrollment.services.transitions import (
    _check_move,
    _is_staff,
    _lock,
    _notify,
    _require_reason,
    _sync,
    _transition,
    _waitlist_position,
)
from enrollment.services.waitlist import _fill
from enrollment.uploads import MAX_DOCUMENTS, check_documents, copy_kept_documents, delete_stored_files, store_documents
from programs.models import QualificationLevel, Session

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import UploadedFile

logger = logging.getLogger(__name__)
Status = ApplicationStatus


MOTIVATION_MAX_CHARS = 3000
JUSTIFICATION_MAX_CHARS = 3000


REFERENCE_INSERT_ATTEMPTS = 5


# What the partial unique index says when two submissions raced past the eligibility check.
DUPLICATE_MESSAGE = gettext_lazy(
    "Vous avez déjà une candidature en cours pour cette session : suivez-la depuis votre espace candidat."
)


def _check_submission(
    *, user: "User", session: Session, motivation: str, entry_route: str, entry_justification: str
) -> tuple[str, str]:
    eligibility = application_eligibility(user=user, session=session)
    if not eligibility.allowed:
        raise ValidationError(eligibility.reason, code=eligibility.code)
    try:
        profile = user.applicant_profile
    except ObjectDoesNotExist:
        profile = None
    if profile is None or not profile.is_complete:
        raise ValidationError(
            _(
                "Complétez votre profil de candidat (identité, contact, niveau, situation, consentement) "
                "avant de postuler."
            ),
            code="profile_incomplete",
        )
    motivation = (motivation or "").strip()
    if not motivation:
        raise ValidationError(_("Expliquez votre motivation pour cette formation."), code="motivation_required")
    if len(motivation) > MOTIVATION_MAX_CHARS:
        raise ValidationError(
            _("Votre motivation dépasse %(max)s caractères (%(length)s) : raccourcissez-la.")
            % {"max": MOTIVATION_MAX_CHARS, "length": len(motivation)},
            code="motivation_too_long",
        )
    programme = session.programme
    if entry_route not in Application.EntryRoute.values:
        raise ValidationError(_("Choisissez une voie d'accès proposée."), code="entry_route_invalid")
    entry_justification = (entry_justification or "").strip()
    # A complete profile states a level; "or NONE" only tells the type checker so.
    level = profile.highest_level or QualificationLevel.NONE
    if entry_route == Application.EntryRoute.DIRECT and level < programme.entry_level:
        raise ValidationError(
            _(
                "Cette formation demande le %(required)s ; votre profil indique « %(level)s ». "
                "Choisissez une demande de dérogation ou, si vous avez une expérience à faire valoir, "
                "un parcours VAE, et expliquez votre projet."
            )
            % {"required": programme.get_entry_level_display(), "level": profile.get_highest_level_display()},
            code="level_below_entry",
        )
    if entry_route == Application.EntryRoute.VAE and not programme.vae_available:
        raise ValidationError(
            _("Cette formation n'est pas accessible par la VAE : choisissez l'accès direct ou une dérogation."),
            code="vae_unavailable",
        )
    if entry_route != Application.EntryRoute.DIRECT and not entry_justification:
        raise ValidationError(
            _("Expliquez votre demande de dérogation ou de VAE : parcours, expérience, projet."),
            code="entry_justification_required",
        )
    if len(entry_justification) > JUSTIFICATION_MAX_CHARS:
        raise ValidationError(
            _("Votre explication dépasse %(max)s caractères (%(length)s) : raccourcissez-la.")
            % {"max": JUSTIFICATION_MAX_CHARS, "length": len(entry_justification)},
            code="entry_justification_too_long",
        )
    return motivation, entry_justification


def application_submit(
    *,
    user: "User",
    session: Session,
    motivation: str,
    entry_route: str = "direct",
    entry_justification: str = "",
    documents: "Sequence[tuple[str, UploadedFile]]" = (),
    kept: Sequence[PendingUpload] = (),
    drop: Iterable[int | str] = (),
) -> Application:
    """Record an online application, its documents and the acknowledgement email, all or nothing.

    ``documents`` are new ``(kind, upload)`` pairs; ``kept`` are documents the person deposited on
    an earlier, refused try (``pending_uploads_update``): each is copied to the application and
    stops being kept once the application is committed. The kept documents whose ids are in
    ``drop`` (the person removed them on this try) are deleted with it.
    """
    motivation, entry_justification = _check_submission(
        user=user,
        session=session,
        motivation=motivation,
        entry_route=entry_route,
        entry_justification=entry_justification,
    )
    kept = list(kept)
    _check_document_count(len(documents) + len(kept))
    checked = check_documents(documents, kinds=ApplicationDocument.Kind.values, max_count=MAX_DOCUMENTS)

    for _attempt in range(REFERENCE_INSERT_ATTEMPTS):
        reference = free_application_reference()
        written: list[str] = []
        try:
            with transaction.atomic():
                application = Application.objects.create(
                    reference=reference,
                    session=session,
                    applicant=user,
                    channel=Application.Channel.ONLINE,
                    motivation=motivation,
                    entry_route=entry_route,
                    entry_justification=entry_justification,
                )
                now = application.submitted_at
                history = ApplicationStatusChange.objects.create(
                    application=application,
                    from_status="",
                    to_status=Status.SUBMITTED,
                    changed_by=user,
                    changed_at=now,
                )
                build = partial(ApplicationDocument, application=application)
                store_documents(checked, build=build, written=written)
                kept_rows = _take_kept_documents(user=user, session=session, kept=kept)
                copy_kept_documents(kept_rows, build=build, written=written)
                _drop_kept_documents(user=user, session=session, ids=drop)
                _notify(application, template="application_received", event=str(history.pk))
            return application
        except IntegrityError:
            delete_stored_files(ApplicationDocument._meta.get_field("file").storage, written)
            # The partial unique index caught a submission that raced past the check above.
            if Application.objects.live().filter(applicant_id=user.pk, session_id=session.pk).exists():
                raise ValidationError(DUPLICATE_MESSAGE, code="duplicate") from None
            if Application.objects.filter(reference=reference).exists():
                continue  # Another submission drew the same reference in between: draw again.
            raise
        except BaseException:
            delete_stored_files(ApplicationDocument._meta.get_field("file").storage, written)
            raise
    raise RuntimeError("Could not store the application under a unique reference.")


def _check_document_count(count: int) -> None:
    if count > MAX_DOCUMENTS:
        raise ValidationError(
            _("Vous pouvez joindre au plus %(max)s pièces (vous en avez déposé %(count)s).")
            % {"max": MAX_DOCUMENTS, "count": count},
            code="too_many_documents",
        )


def _pending_storage():
    return PendingUpload._meta.get_field("file").storage


def _take_kept_documents(*, user: "User", session: Session, kept: list[PendingUpload]) -> list[PendingUpload]:
    """Lock the person's kept documents named in ``kept``, delete their rows (their files once
    committed) and return them; refuse, naming it, one that is no longer kept or not theirs."""
    if not kept:
        return []
    rows = {
        row.pk: row
        for row in PendingUpload.objects.of(user=user, session=session)
        .select_for_update()
        .filter(pk__in=[upload.pk for upload in kept])
    }
    missing = [upload for upload in kept if upload.pk not in rows]
    if missing:
        raise ValidationError(
            [
                ValidationError(
                    _(
                        "La pièce « %(name)s » n'est plus conservée (elle l'est %(hours)s heures) : "
                        "déposez-la de nouveau."
                    )
                    % {"name": upload.original_name, "hours": PENDING_UPLOAD_HOURS},
                    code="kept_document_gone",
                )
                for upload in missing
            ]
        )
    taken = [rows[upload.pk] for upload in kept]
    PendingUpload.objects.filter(pk__in=list(rows)).delete()
    transaction.on_commit(partial(delete_stored_files, _pending_storage(), [row.file.name for row in taken]))
    return taken


def _drop_kept_documents(*, user: "User", session: Session, ids: Iterable[int | str]) -> None:
    """Delete the person's kept documents among ``ids`` for ``session`` (their files once committed)."""
    ids = {int(value) for value in ids if str(value).isdigit()}
    if not ids:
        return
    dropped = PendingUpload.objects.filter(user=user, session=session, pk__in=ids)
    names = list(dropped.values_list("file", flat=True))
    dropped.delete()
    transaction.on_commit(partial(delete_stored_files, _pending_storage(), names))


def pending_uploads_update(
    *,
    user: "User",
    session: Session,
    keep: "Sequence[tuple[str, UploadedFile]]" = (),
    drop: Iterable[int | str] = (),
) -> list[PendingUpload]:
    """Keep the checked ``(kind, upload)`` pairs of ``keep`` for the person's next try at applying
    to ``session``, after deleting their kept documents whose ids are in ``drop``; return what is
    kept now, oldest first.

    A refused application form thus loses none of the files that passed their checks. The person
    never holds more than ``MAX_DOCUMENTS`` kept documents for one session; nothing is kept if
    ``keep`` would exceed it or holds a refused file.
    """
    checked = check_documents(keep, kinds=ApplicationDocument.Kind.values, max_count=MAX_DOCUMENTS)
    written: list[str] = []
    try:
        with transaction.atomic():
            # One update at a time per person, so that two tabs cannot pass the count together.
            list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk"))
            _drop_kept_documents(user=user, session=session, ids=drop)
            if checked:
                _check_document_count(PendingUpload.objects.of(user=user, session=session).count() + len(checked))
                store_documents(checked, build=partial(PendingUpload, user=user, session=session), written=written)
    except BaseException:
        delete_stored_files(_pending_storage(), written)
        raise
    return list(PendingUpload.objects.of(user=user, session=session))


def pending_uploads_sweep(*, now: datetime.datetime | None = None) -> int:
    """Delete the documents kept longer than ``PENDING_UPLOAD_HOURS``: the rows, then their files."""
    with transaction.atomic():
        # A row a submission is copying right now is locked: the next sweep takes it.
        expired = list(PendingUpload.objects.expired(now).select_for_update(skip_locked=True).values_list("pk", "file"))
        PendingUpload.objects.filter(pk__in=[pk for pk, _name in expired]).delete()
        transaction.on_commit(partial(delete_stored_files, _pending_storage(), [name for _pk, name in expired]))
    return len(expired)


def application_accept(*, application: Application, by: "User | None") -> Application:
    with transaction.atomic():
        session, locked = _lock(application)
        _check_move(locked, "accept")
        seats.seat_require(session=session, application=locked)
        now = timezone.now()
        history = _transition(locked, to=Status.ACCEPTED, by=by, now=now, decided_at=now)
        _notify(locked, template="application_accepted", event=str(history.pk))
    _sync(application, locked)
    return locked


def application_waitlist(*, application: Application, by: "User | None") -> Application:
    with transaction.atomic():
        session, locked = _lock(application)
        _check_move(locked, "waitlist")
        held_seat = locked.holds_seat
        now = timezone.now()
        history = _transition(locked, to=Status.WAITLISTED, by=by, now=now, decided_at=now, waitlisted_at=now)
        _notify(
            locked,
            template="application_waitlisted",
            event=str(history.pk),
            context={"position": _waitlist_position(locked)},
        )
        if held_seat:
            _fill(session, by=by, now=now)
    _sync(application, locked)
    return locked


def application_reject(*, application: Application, by: "User | None", reason: str) -> Application:
    reason = _require_reason(reason, _("Indiquez le motif du refus : il est communiqué au candidat."))
    with transaction.atomic():
        session, locked = _lock(application)
        _check_move(locked, "reject")
        held_seat = locked.holds_seat
        now = timezone.now()
        history = _transition(
            locked,
            to=Status.REJECTED,
            by=by,
            reason=reason,
            now=now,
            decided_at=now,
            closed_at=now,
            rejection_reason=reason,
        )
        _notify(locked, template="application_refused", event=str(history.pk), context={"reason": reason})
        if held_seat:
            _fill(session, by=by, now=now)
    _sync(application, locked)
    return locked


def application_enroll(*, application: Application, by: "User | None") -> Application:
    with transaction.atomic():
        session, locked = _lock(application)
        _check_move(locked, "enroll")
        if not locked.holds_seat:
            seats.seat_require(session=session, application=locked)
        now = timezone.now()
        history = _transition(
            locked, to=Status.ENROLLED, by=by, now=now, enrolled_at=now, decided_at=locked.decided_at or now
        )
        _notify(locked, template="application_enrolled", event=str(history.pk))
        certificate_request(application=locked)
    _sync(application, locked)
    return locked


def application_withdraw(*, application: Application, by: "User | None", reason: str = "") -> Application:
    """The applicant (or staff, or the partner referent who enrolled them) withdraws the application."""
    with transaction.atomic():
        session, locked = _lock(application)
        if by is None or not (by.pk in (locked.applicant_id, locked.enrolled_by_id) or _is_staff(by)):
            raise ValidationError(_("Seul le candidat ou le CNAM peut retirer cette candidature."), code="forbidden")
        _check_move(locked, "withdraw")
        held_seat = locked.holds_seat
        now = timezone.now()
        history = _transition(locked, to=Status.WITHDRAWN, by=by, reason=(reason or "").strip(), now=now, closed_at=now)
        _notify(locked, template="application_withdrawn", event=str(history.pk))
        if held_seat:
            _fill(session, by=by, now=now)
    _sync(application, locked)
    return locked


def application_cancel(*, application: Application, by: "User | None", reason: str) -> Application:
    reason = _require_reason(reason, _("Indiquez le motif de l'annulation : il est communiqué au candidat."))
    with transaction.atomic():
        session, locked = _lock(application)
        _check_move(locked, "cancel")
        held_seat = locked.holds_seat
        now = timezone.now()
        history = _transition(locked, to=Status.CANCELLED, by=by, reason=reason, now=now, closed_at=now)
        _notify(locked, template="application_cancelled", event=str(history.pk), context={"reason": reason})
        if held_seat:
            _fill(session, by=by, now=now)
    _sync(application, locked)
    return locked
