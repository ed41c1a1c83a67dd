"""Every write on applications: submission, staff decisions, the waiting list, emails and certificates.

Locking rule for seats (one rule, everywhere): a move that takes or frees a seat runs in
``transaction.atomic()``, locks the session row first, then the application rows, then
counts seats with ``enrollment.selectors`` and only then writes. All seat moves of a
session therefore queue behind the same row lock, and the count each one reads already
includes the seats the previous one took. On SQLite ``select_for_update`` does nothing, but
the database runs transactions in IMMEDIATE mode, so writers are serialised anyway.

Every status change writes one ``ApplicationStatusChange`` and its ``Notification`` in the
same transaction; the email task is enqueued only after commit.
"""

import datetime
import logging
from collections.abc import Sequence
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.formatting import datetime_long
from programs.models import Programme, Session

from . import documents, notifications
from .models import (
    LIVE_STATUSES,
    PENDING_UPLOAD_HOURS,
    Application,
    ApplicationDocument,
    ApplicationStatus,
    ApplicationStatusChange,
    EnrollmentCertificate,
    Notification,
    PendingUpload,
)
from .references import free_application_reference
from .selectors import (
    RESERVING_CONVENTION_STATES,
    allocation_seats_left,
    live_application_exists,
    session_seat_count,
)
from .uploads import check_documents, copy_kept_documents, delete_stored_files, store_documents

logger = logging.getLogger(__name__)

Status = ApplicationStatus
MOTIVATION_MAX_CHARS = 3000
MAX_DOCUMENTS = 6
REFERENCE_INSERT_ATTEMPTS = 5

DUPLICATE_MESSAGE = gettext_lazy(
    "Vous avez déjà une candidature en cours pour cette session : suivez-la depuis votre espace candidat."
)

# Which statuses each move starts from; anything else is refused with the current status named.
MOVES = {
    "accept": (Status.SUBMITTED, Status.WAITLISTED),
    "waitlist": (Status.SUBMITTED, Status.ACCEPTED),
    "reject": (Status.SUBMITTED, Status.ACCEPTED, Status.WAITLISTED),
    "enroll": (Status.ACCEPTED, Status.SUBMITTED),
    "withdraw": LIVE_STATUSES,
    "cancel": LIVE_STATUSES,
    "offer_accept": (Status.OFFERED,),
    "offer_decline": (Status.OFFERED,),
}
REFUSED_MOVE = {
    "accept": gettext_lazy(
        "La candidature %(reference)s ne peut pas être acceptée : son statut actuel est « %(status)s »."
    ),
    "waitlist": gettext_lazy(
        "La candidature %(reference)s ne peut pas être placée sur liste d'attente : "
        "son statut actuel est « %(status)s »."
    ),
    "reject": gettext_lazy(
        "La candidature %(reference)s ne peut pas être refusée : son statut actuel est « %(status)s »."
    ),
    "enroll": gettext_lazy(
        "La candidature %(reference)s ne peut pas être inscrite : son statut actuel est « %(status)s »."
    ),
    "withdraw": gettext_lazy(
        "La candidature %(reference)s ne peut pas être retirée : son statut actuel est « %(status)s »."
    ),
    "cancel": gettext_lazy(
        "La candidature %(reference)s ne peut pas être annulée : son statut actuel est « %(status)s »."
    ),
    "offer_accept": gettext_lazy(
        "Aucune place n'est proposée pour la candidature %(reference)s : son statut actuel est « %(status)s »."
    ),
    "offer_decline": gettext_lazy(
        "Aucune place n'est proposée pour la candidature %(reference)s : son statut actuel est « %(status)s »."
    ),
}


# --- Helpers ------------------------------------------------------------------------------------


def _enqueue(task_name: str, pk: int) -> None:
    """Hand a row to Celery; a broker outage must not undo or fail a committed event."""
    from . import tasks

    try:
        getattr(tasks, task_name).delay(pk)
    except Exception:
        # The row is already committed; the periodic sweep picks it up later.
        logger.exception("Could not enqueue %s(%s); the sweep will retry.", task_name, pk)


def _lock(application: Application) -> tuple[Session, Application]:
    """Lock the session, then the application: the stable order every seat move uses."""
    session = Session.objects.select_for_update().get(pk=application.session_id)
    locked = Application.objects.select_for_update().get(pk=application.pk)
    return session, locked


def _sync(target: Application, source: Application) -> None:
    """Give the caller's instance the state written under lock."""
    if target is not source:
        target.refresh_from_db()


def _check_move(application: Application, move: str) -> None:
    if application.status not in MOVES[move]:
        raise ValidationError(
            REFUSED_MOVE[move] % {"reference": application.reference, "status": application.get_status_display()},
            code="invalid_move",
        )


def _transition(
    application: Application, *, to: str, by, reason: str = "", now: datetime.datetime, **fields
) -> ApplicationStatusChange:
    from_status = application.status
    application.status = to
    for name, value in fields.items():
        setattr(application, name, value)
    application.save(update_fields=["status", "updated_at", *fields])
    return ApplicationStatusChange.objects.create(
        application=application, from_status=from_status, to_status=to, changed_by=by, changed_at=now, reason=reason
    )


def _notify(application: Application, *, template: str, event: str, context: dict | None = None) -> bool:
    """Write the outbox row of one event (True if new); its key makes a replayed event send nothing twice."""
    user = application.applicant
    if not user.email:
        logger.warning("Application %s: applicant has no email, %s not sent.", application.pk, template)
        return False
    context = context or {}
    notification, created = Notification.objects.get_or_create(
        idempotency_key=f"{template}:{application.pk}:{event}",
        defaults={
            "template": template,
            "recipient_email": user.email,
            "user": user,
            "application": application,
            "context": context,
            "subject": notifications.subject_for(template=template, application=application, context=context),
        },
    )
    if created:
        transaction.on_commit(partial(_enqueue, "send_notification", notification.pk))
    return created


def _waitlist_position(application: Application) -> int:
    ahead = Q(waitlisted_at__lt=application.waitlisted_at) | Q(
        waitlisted_at=application.waitlisted_at, pk__lt=application.pk
    )
    return Application.objects.filter(ahead, session_id=application.session_id, status=Status.WAITLISTED).count() + 1


def _require_seat(session: Session, application: Application) -> None:
    """Refuse unless the application may take a seat now (call with the session row locked)."""
    seats = session_seat_count(session_id=session.pk)
    convention = application.convention if application.convention_id else None
    if (
        application.channel == Application.Channel.PARTNER
        and convention is not None
        and convention.state in RESERVING_CONVENTION_STATES
    ):
        left = allocation_seats_left(convention_id=convention.pk, session_id=session.pk)
        if left is not None:
            # Partner staff take the seats their convention reserved, within the session's capacity.
            if left < 1:
                raise ValidationError(
                    _(
                        "Les places réservées par la convention %(convention)s pour la session %(session)s "
                        "sont toutes attribuées."
                    )
                    % {"convention": convention.reference, "session": session.reference},
                    code="allocation_full",
                )
            if seats.capacity - seats.taken < 1:
                raise ValidationError(
                    ngettext(
                        "La session %(session)s est complète (%(capacity)s place).",
                        "La session %(session)s est complète (%(capacity)s places).",
                        seats.capacity,
                    )
                    % {"session": session.reference, "capacity": seats.capacity},
                    code="session_full",
                )
            return
    if seats.free < 1:
        raise ValidationError(
            _(
                "Plus aucune place libre dans la session %(session)s : %(taken)s et %(reserved)s aux "
                "partenaires, sur %(capacity)s. Placez la candidature sur liste d'attente."
            )
            % {
                "session": session.reference,
                "taken": ngettext("%(n)s place attribuée", "%(n)s places attribuées", seats.taken) % {"n": seats.taken},
                "reserved": ngettext("%(n)s réservée", "%(n)s réservées", seats.reserved) % {"n": seats.reserved},
                "capacity": seats.capacity,
            },
            code="session_full",
        )


def _require_reason(reason: str, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(message, code="reason_required")
    return reason


def _is_staff(user) -> bool:
    return bool(user is not None and user.is_staff)


# --- Submission ---------------------------------------------------------------------------------


def _check_submission(*, user, session: Session, motivation: str, entry_route: str, entry_justification: str):
    if session.reserved_for_id is not None:
        raise ValidationError(
            _("Cette session est réservée aux agents d'un partenaire : l'inscription se fait par votre employeur."),
            code="session_reserved",
        )
    if not session.accepts_applications() or session.programme.status != Programme.Status.PUBLISHED:
        raise ValidationError(_("Cette session n'accepte pas de candidatures en ce moment."), code="session_closed")
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
    if entry_route == Application.EntryRoute.DIRECT and profile.highest_level < programme.entry_level:
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
    return motivation, entry_justification


def application_submit(
    *,
    user,
    session: Session,
    motivation: str,
    entry_route: str = "direct",
    entry_justification: str = "",
    documents: list[tuple[str, object]] = (),
    kept: Sequence[PendingUpload] = (),
) -> Application:
    """Record an online application, its documents and the acknowledgement email, all or nothing.

    ``documents`` are new ``(kind, upload)`` pairs; ``kept`` are documents the person deposited on
    an earlier, refused try (``pending_uploads_update``): each is copied to the application and
    stops being kept once the application is committed.
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
    if live_application_exists(user_id=user.pk, session_id=session.pk):
        raise ValidationError(DUPLICATE_MESSAGE, code="duplicate")

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


# --- Documents kept between two tries of the application form -----------------------------------


def _check_document_count(count: int) -> None:
    if count > MAX_DOCUMENTS:
        raise ValidationError(
            _("Vous pouvez joindre au plus %(max)s pièces (vous en avez déposé %(count)s).")
            % {"max": MAX_DOCUMENTS, "count": count},
            code="too_many_documents",
        )


def _pending_storage():
    return PendingUpload._meta.get_field("file").storage


def _take_kept_documents(*, user, session: Session, kept: list[PendingUpload]) -> list[PendingUpload]:
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


def pending_uploads_update(*, user, session: Session, keep=(), drop=()) -> list[PendingUpload]:
    """Keep the checked ``(kind, upload)`` pairs of ``keep`` for the person's next try at applying
    to ``session``, after deleting their kept documents whose ids are in ``drop``; return what is
    kept now, oldest first.

    A refused application form thus loses none of the files that passed their checks. The person
    never holds more than ``MAX_DOCUMENTS`` kept documents for one session; nothing is kept if
    ``keep`` would exceed it or holds a refused file.
    """
    drop_ids = {int(value) for value in drop if str(value).isdigit()}
    checked = check_documents(keep, kinds=ApplicationDocument.Kind.values, max_count=MAX_DOCUMENTS)
    storage = _pending_storage()
    written: list[str] = []
    try:
        with transaction.atomic():
            # One update at a time per person, so that two tabs cannot pass the count together.
            list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk"))
            dropped = PendingUpload.objects.filter(user=user, session=session, pk__in=drop_ids)
            dropped_names = list(dropped.values_list("file", flat=True))
            dropped.delete()
            if checked:
                _check_document_count(PendingUpload.objects.of(user=user, session=session).count() + len(checked))
                store_documents(checked, build=partial(PendingUpload, user=user, session=session), written=written)
            transaction.on_commit(partial(delete_stored_files, storage, dropped_names))
    except BaseException:
        delete_stored_files(storage, written)
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


# --- Staff decisions ----------------------------------------------------------------------------


def application_accept(*, application: Application, by) -> Application:
    with transaction.atomic():
        session, locked = _lock(application)
        _check_move(locked, "accept")
        _require_seat(session, locked)
        now = timezone.now()
        history = _transition(locked, to=Status.ACCEPTED, by=by, now=now, decided_at=now)
        _notify(locked, template="application_accepted", event=str(history.pk))
    _sync(application, locked)
    return locked


def application_waitlist(*, application: Application, by) -> Application:
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


def application_reject(*, application: Application, by, reason: str) -> Application:
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


def application_enroll(*, application: Application, by) -> Application:
    with transaction.atomic():
        session, locked = _lock(application)
        _check_move(locked, "enroll")
        if not locked.holds_seat:
            _require_seat(session, locked)
        now = timezone.now()
        history = _transition(
            locked, to=Status.ENROLLED, by=by, now=now, enrolled_at=now, decided_at=locked.decided_at or now
        )
        _notify(locked, template="application_enrolled", event=str(history.pk))
        certificate_request(application=locked)
    _sync(application, locked)
    return locked


def application_withdraw(*, application: Application, by, reason: str = "") -> Application:
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


def application_cancel(*, application: Application, by, reason: str) -> Application:
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


# --- Waiting list -------------------------------------------------------------------------------


def _fill(session: Session, *, by, now: datetime.datetime) -> list[Application]:
    """Offer every free public seat to the next waitlisted applications (session row locked)."""
    if session.state != Session.State.SCHEDULED or session.end_date < timezone.localdate(now):
        return []
    free = session_seat_count(session_id=session.pk).free
    if free < 1:
        return []
    deadline = now + datetime.timedelta(hours=settings.OFFER_HOLD_HOURS)
    offered = list(
        Application.objects.select_for_update()
        .filter(session_id=session.pk, status=Status.WAITLISTED)
        .order_by("waitlisted_at", "pk")[:free]
    )
    for application in offered:
        history = _transition(application, to=Status.OFFERED, by=by, now=now, offered_at=now, offer_expires_at=deadline)
        _notify(
            application,
            template="seat_offered",
            event=str(history.pk),
            context={"deadline": deadline.isoformat()},
        )
    return offered


def waitlist_fill(*, session_id: int, by=None) -> list[Application]:
    """Offer the session's free seats to its waiting list, in order; returns the offered applications."""
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session_id)
        return _fill(session, by=by, now=timezone.now())


def session_capacity_changed(*, session_id: int, by=None) -> list[Application]:
    """Call after staff change a session's capacity: new seats go to the waiting list."""
    return waitlist_fill(session_id=session_id, by=by)


def _expire(application: Application, *, now: datetime.datetime) -> None:
    history = _transition(application, to=Status.EXPIRED, by=None, now=now, closed_at=now)
    _notify(application, template="offer_expired", event=str(history.pk))


def offer_accept(*, application: Application, by) -> Application:
    """The applicant takes the seat offered from the waiting list, before its deadline."""
    expired = False
    with transaction.atomic():
        session, locked = _lock(application)
        if by is None or not (by.pk == locked.applicant_id or _is_staff(by)):
            raise ValidationError(_("Seul le candidat peut répondre à cette proposition."), code="forbidden")
        _check_move(locked, "offer_accept")
        now = timezone.now()
        if now > locked.offer_expires_at:
            # Record the expiry now rather than wait for the sweep, and pass the seat on.
            _expire(locked, now=now)
            _fill(session, by=None, now=now)
            expired = True
        else:
            history = _transition(locked, to=Status.ACCEPTED, by=by, now=now, decided_at=now)
            _notify(locked, template="application_accepted", event=str(history.pk))
    _sync(application, locked)
    if expired:
        raise ValidationError(
            _("Le délai pour accepter cette place est dépassé depuis le %(deadline)s.")
            % {"deadline": datetime_long(locked.offer_expires_at)},
            code="offer_expired",
        )
    return locked


def offer_decline(*, application: Application, by) -> Application:
    with transaction.atomic():
        session, locked = _lock(application)
        if by is None or not (by.pk == locked.applicant_id or _is_staff(by)):
            raise ValidationError(_("Seul le candidat peut répondre à cette proposition."), code="forbidden")
        _check_move(locked, "offer_decline")
        now = timezone.now()
        history = _transition(
            locked, to=Status.WITHDRAWN, by=by, reason=_("Place proposée déclinée."), now=now, closed_at=now
        )
        _notify(locked, template="application_withdrawn", event=str(history.pk), context={"declined_offer": True})
        _fill(session, by=None, now=now)
    _sync(application, locked)
    return locked


def offers_expire(*, now: datetime.datetime | None = None) -> int:
    """Close every offer past its deadline and pass the seats on; one transaction per session."""
    now = now or timezone.now()
    session_ids = (
        Application.objects.filter(status=Status.OFFERED, offer_expires_at__lt=now)
        .order_by("session_id")
        .values_list("session_id", flat=True)
        .distinct()
    )
    expired = 0
    for session_id in list(session_ids):
        with transaction.atomic():
            session = Session.objects.select_for_update().get(pk=session_id)
            due = list(
                Application.objects.select_for_update()
                .filter(session_id=session_id, status=Status.OFFERED, offer_expires_at__lt=now)
                .order_by("pk")
            )
            for application in due:
                _expire(application, now=now)
            _fill(session, by=None, now=now)
            expired += len(due)
    return expired


# --- Reminders ----------------------------------------------------------------------------------


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


# --- Certificates -------------------------------------------------------------------------------


class CertificateRenderError(Exception):
    pass


def certificate_request(*, application: Application) -> EnrollmentCertificate:
    """Make sure the enrolled application has a certificate row and (re)render it after commit;
    the render task skips the work when the data shown has not changed."""
    if application.status != Status.ENROLLED:
        raise ValidationError(
            _("Seule une inscription confirmée donne droit à une attestation (statut actuel : « %(status)s »).")
            % {"status": application.get_status_display()},
            code="not_enrolled",
        )
    certificate, _created = EnrollmentCertificate.objects.get_or_create(application=application)
    transaction.on_commit(partial(_enqueue, "render_certificate", certificate.pk))
    return certificate


def certificate_render(*, certificate_id: int) -> EnrollmentCertificate:
    """Render the certificate PDF unless the stored one already shows the current data."""
    failure = None
    with transaction.atomic():
        certificate = EnrollmentCertificate.objects.select_for_update().get(pk=certificate_id)
        application = Application.objects.select_related(
            "session__programme", "session__site", "applicant__applicant_profile"
        ).get(pk=certificate.application_id)
        if application.status != Status.ENROLLED:
            return certificate
        data = documents.certificate_data(application)
        data_hash = documents.certificate_data_hash(data)
        storage = certificate.file.storage
        if (
            certificate.state == EnrollmentCertificate.State.READY
            and certificate.data_hash == data_hash
            and certificate.file
            and storage.exists(certificate.file.name)
        ):
            return certificate
        previous = certificate.file.name if certificate.file else ""
        new_name = ""
        try:
            pdf = documents.render_certificate(application)
            certificate.file.save(f"attestation-{application.reference}.pdf", ContentFile(pdf), save=False)
            new_name = certificate.file.name
            certificate.state = EnrollmentCertificate.State.READY
            certificate.data_hash = data_hash
            certificate.error = ""
            certificate.generated_at = timezone.now()
            certificate.attempts += 1
            certificate.save()
        except Exception as exc:
            if new_name:
                storage.delete(new_name)
            certificate.refresh_from_db()
            certificate.state = EnrollmentCertificate.State.FAILED
            certificate.error = f"{type(exc).__name__}: {exc}"[:2000]
            certificate.attempts += 1
            certificate.save(update_fields=["state", "error", "attempts"])
            failure = exc
        else:
            if previous and previous != new_name:
                transaction.on_commit(partial(storage.delete, previous))
    if failure is not None:
        raise CertificateRenderError(str(failure)) from failure
    return certificate


def session_certificates_refresh(*, session_id: int) -> int:
    """After a session's details change, re-render the certificates whose content changed."""
    applications = Application.objects.filter(session_id=session_id, status=Status.ENROLLED)
    count = 0
    with transaction.atomic():
        for application in applications:
            certificate_request(application=application)
            count += 1
    return count


__all__ = [
    "application_accept",
    "application_cancel",
    "application_enroll",
    "application_reject",
    "application_submit",
    "application_waitlist",
    "application_withdraw",
    "certificate_render",
    "certificate_request",
    "offer_accept",
    "offer_decline",
    "offers_expire",
    "pending_uploads_sweep",
    "pending_uploads_update",
    "session_capacity_changed",
    "session_certificates_refresh",
    "session_reminders_send",
    "waitlist_fill",
]


# --- Partner enrollments ------------------------------------------------------------------------


def _partner_refusal(convention, state: str, session: Session, today: datetime.date) -> ValidationError | None:
    """Why the convention or the session does not allow a partner enrollment now, or None."""
    if state not in RESERVING_CONVENTION_STATES:
        return ValidationError(
            _("La convention %(convention)s n'est pas en vigueur : elle ne permet pas d'inscrire des agents.")
            % {"convention": convention.reference},
            code="convention_not_in_force",
        )
    if session.reserved_for_id is not None and session.reserved_for_id != convention.partner_id:
        return ValidationError(
            _("La session %(session)s est réservée à un autre partenaire.") % {"session": session.reference},
            code="session_reserved_elsewhere",
        )
    if session.state != Session.State.SCHEDULED:
        return ValidationError(
            _("La session %(session)s n'est pas ouverte aux inscriptions (état : « %(state)s »).")
            % {"session": session.reference, "state": session.get_state_display()},
            code="session_not_scheduled",
        )
    if session.end_date < today:
        return ValidationError(
            _("La session %(session)s est terminée.") % {"session": session.reference}, code="session_ended"
        )
    return None


def _partner_duplicate(user, session: Session) -> ValidationError:
    return ValidationError(
        _("%(email)s a déjà une candidature ou une inscription en cours pour la session %(session)s.")
        % {"email": user.email, "session": session.reference},
        code="duplicate",
    )


def _draw_references(count: int) -> list[str]:
    """``count`` distinct references no stored application uses yet (the insert may still race)."""
    from .references import draw_application_reference

    chosen: set[str] = set()
    while len(chosen) < count:
        drawn = {draw_application_reference() for _ in range(count - len(chosen))} - chosen
        taken = set(Application.objects.filter(reference__in=drawn).values_list("reference", flat=True))
        chosen |= drawn - taken
    return list(chosen)


def applications_enroll_partner_staff(*, enrollments, by) -> list[Application]:
    """Enroll partner staff on seats of their convention's allocations, confirmed at once; all or none.

    ``enrollments`` is a list of ``(convention, session, user)``. Same locking rule as every
    seat move: the session rows first (in primary-key order, so batches never wait on each
    other in a cycle), then the counts, made once per session and allocation and counted
    down the list. A seat must be left both in the convention's allocation and in the
    session's capacity. Writes the applications (channel « partenaire »), their history, the
    enrollment emails and the certificate requests in one transaction; any refusal raises
    ValidationError (French, one message per refused line) and nothing is written.
    """
    enrollments = list(enrollments)
    if not enrollments:
        return []
    with transaction.atomic():
        session_ids = sorted({session.pk for _convention, session, _user in enrollments})
        list(Session.objects.select_for_update().filter(pk__in=session_ids).order_by("pk").values_list("pk"))
        sessions = Session.objects.select_related("programme", "site").in_bulk(session_ids)
        conventions = {convention.pk: convention for convention, _session, _user in enrollments}
        states = dict(type(enrollments[0][0]).objects.filter(pk__in=conventions).values_list("pk", "state"))
        user_ids = {user.pk for _convention, _session, user in enrollments}
        live = set(
            Application.objects.live()
            .filter(session_id__in=session_ids, applicant_id__in=user_ids)
            .values_list("applicant_id", "session_id")
        )
        today = timezone.localdate()
        allocation_left: dict[tuple[int, int], int | None] = {}
        session_room: dict[int, int] = {}
        errors: list[ValidationError] = []
        for convention, given_session, user in enrollments:
            session = sessions[given_session.pk]
            refusal = _partner_refusal(convention, states.get(convention.pk, ""), session, today)
            if refusal is not None:
                errors.append(refusal)
                continue
            if (user.pk, session.pk) in live:
                errors.append(_partner_duplicate(user, session))
                continue
            key = (convention.pk, session.pk)
            if key not in allocation_left:
                allocation_left[key] = allocation_seats_left(convention_id=convention.pk, session_id=session.pk)
            if session.pk not in session_room:
                seats = session_seat_count(session_id=session.pk)
                session_room[session.pk] = seats.capacity - seats.taken
            left = allocation_left[key]
            if left is None:
                errors.append(
                    ValidationError(
                        _("La convention %(convention)s ne réserve aucune place dans la session %(session)s.")
                        % {"convention": convention.reference, "session": session.reference},
                        code="no_allocation",
                    )
                )
                continue
            if left < 1:
                errors.append(
                    ValidationError(
                        _(
                            "Les places réservées par la convention %(convention)s pour la session %(session)s "
                            "sont toutes attribuées."
                        )
                        % {"convention": convention.reference, "session": session.reference},
                        code="allocation_full",
                    )
                )
                continue
            if session_room[session.pk] < 1:
                errors.append(
                    ValidationError(
                        ngettext(
                            "La session %(session)s est complète (%(capacity)s place).",
                            "La session %(session)s est complète (%(capacity)s places).",
                            session.capacity,
                        )
                        % {"session": session.reference, "capacity": session.capacity},
                        code="session_full",
                    )
                )
                continue
            allocation_left[key] = left - 1
            session_room[session.pk] -= 1
            live.add((user.pk, session.pk))  # the same person twice in the list is a duplicate too
        if errors:
            raise ValidationError(errors)

        now = timezone.now()
        applications = _insert_partner_applications(enrollments, sessions=sessions, by=by, now=now)
        reason_by_convention = {
            pk: _("Inscription par le partenaire (convention %(convention)s).") % {"convention": convention.reference}
            for pk, convention in conventions.items()
        }
        history = ApplicationStatusChange.objects.bulk_create(
            [
                ApplicationStatusChange(
                    application=application,
                    from_status="",
                    to_status=Status.ENROLLED,
                    changed_by=by,
                    changed_at=now,
                    reason=reason_by_convention[application.convention_id],
                )
                for application in applications
            ]
        )
        outbox = Notification.objects.bulk_create(
            [
                Notification(
                    idempotency_key=f"application_enrolled:{application.pk}:{change.pk}",
                    template="application_enrolled",
                    recipient_email=application.applicant.email,
                    user=application.applicant,
                    application=application,
                    context={},
                    subject=notifications.subject_for(
                        template="application_enrolled", application=application, context={}
                    ),
                )
                for application, change in zip(applications, history, strict=True)
                if application.applicant.email
            ]
        )
        certificates = EnrollmentCertificate.objects.bulk_create(
            [EnrollmentCertificate(application=application) for application in applications]
        )
        transaction.on_commit(partial(_enqueue_many, "send_notification", [n.pk for n in outbox]))
        transaction.on_commit(partial(_enqueue_many, "render_certificate", [c.pk for c in certificates]))
    return applications


def _enqueue_many(task_name: str, pks: list[int]) -> None:
    for pk in pks:
        _enqueue(task_name, pk)


def _insert_partner_applications(enrollments, *, sessions, by, now) -> list[Application]:
    for _attempt in range(REFERENCE_INSERT_ATTEMPTS):
        references = _draw_references(len(enrollments))
        applications = [
            Application(
                reference=reference,
                session=sessions[session.pk],
                applicant=user,
                channel=Application.Channel.PARTNER,
                convention=convention,
                enrolled_by=by,
                status=Status.ENROLLED,
                submitted_at=now,
                decided_at=now,
                enrolled_at=now,
            )
            for reference, (convention, session, user) in zip(references, enrollments, strict=True)
        ]
        try:
            with transaction.atomic():
                return Application.objects.bulk_create(applications)
        except IntegrityError:
            # A public submission does not lock the session: it may have raced past the check.
            for application in applications:
                if live_application_exists(user_id=application.applicant_id, session_id=application.session_id):
                    raise _partner_duplicate(application.applicant, application.session) from None
            if Application.objects.filter(reference__in=references).exists():
                continue  # another insert drew one of these references in between: draw again
            raise
    raise RuntimeError("Could not store the applications under unique references.")


def application_enroll_partner_staff(*, convention, session: Session, user, by) -> Application:
    """Enroll one partner staff member (see ``applications_enroll_partner_staff``)."""
    try:
        return applications_enroll_partner_staff(enrollments=[(convention, session, user)], by=by)[0]
    except ValidationError as error:
        raise error.error_list[0] from None


__all__ += ["application_enroll_partner_staff", "applications_enroll_partner_staff"]
