"""Writes about conventions: creation, state changes, seat allocations and PDF versions.

Locking order, the one of ``enrollment.seats``: the convention row first, then the session
rows with ``lock_sessions`` (once per transaction). Seats are counted there too.
"""

import datetime
import logging
import secrets
from typing import TYPE_CHECKING, Any

from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import outbox
from core.formatting import date_long
from core.references import numbers_after
from enrollment import seats as seat_ledger
from programs.models import Session

from . import documents, selectors
from .freshness import partner_changed
from .models import Convention, ConventionDocument, Partner, SeatAllocation, Signatory

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

State = Convention.State
# Conventions whose allocations can no longer change.
CLOSED_STATES = (State.EXPIRED, State.TERMINATED)
REFERENCE_ATTEMPTS = 5


# --- Conventions -------------------------------------------------------------


def _next_reference(year: int) -> str:
    prefix = f"CONV-{year}-"
    # After the highest stored number: conventions are counted in order, gaps are not filled.
    return f"{prefix}{max(numbers_after(model=Convention, prefix=prefix), default=0) + 1:03d}"


def _check_period(start_date: datetime.date, end_date: datetime.date) -> None:
    if end_date < start_date:
        raise ValidationError(
            {"end_date": _("La date de fin de la convention doit suivre sa date de début.")}, code="period"
        )


def convention_create(
    *, partner: Partner, title: str, start_date: datetime.date, end_date: datetime.date, **fields: Any
) -> Convention:
    """Create a draft convention numbered CONV-YYYY-NNN.

    YYYY is the year the convention takes effect (its start date), so a convention
    prepared in December for January carries the year it runs in; NNN counts that
    year's conventions from 001. Two creations at once cannot share a number: the
    unique reference refuses the second insert, which then takes the next number.
    """
    _check_period(start_date, end_date)
    axes = fields.pop("axes", None)
    fields.pop("reference", None)
    fields.pop("state", None)
    for attempt in range(REFERENCE_ATTEMPTS):
        reference = _next_reference(start_date.year)
        convention = Convention(
            partner=partner, title=title, start_date=start_date, end_date=end_date, reference=reference, **fields
        )
        convention.full_clean(validate_unique=False, validate_constraints=False)
        try:
            with transaction.atomic():
                convention.save(force_insert=True)
                if axes is not None:
                    convention.axes.set(axes)
                return convention
        except IntegrityError:
            if attempt == REFERENCE_ATTEMPTS - 1 or not Convention.objects.filter(reference=reference).exists():
                raise
            logger.info("Convention reference %s taken concurrently, retrying", reference)
    raise AssertionError("unreachable")


def _state_label(state: str) -> str:
    return str(State(state).label)


def _log(*, by: "User | None", convention: Convention, message: str) -> None:
    """Keep the change in the admin's history of the convention (who, when, what)."""
    if by is None or not getattr(by, "pk", None):
        logger.info("%s: %s", convention.reference, message)
        return
    LogEntry.objects.log_actions(by.pk, [convention], CHANGE, change_message=message, single_object=True)


def _lock_convention(convention: Convention) -> Convention:
    return Convention.objects.select_for_update().select_related("partner").get(pk=convention.pk)


def convention_transition(
    *,
    convention: Convention,
    to_state: str,
    by: "User | None",
    signed_on: datetime.date | None = None,
    reason: str = "",
) -> Convention:
    """Move a convention along Convention.TRANSITIONS; refuse any other move in French."""
    if to_state not in State.values:
        raise ValidationError(_("État de convention inconnu : %(state)s.") % {"state": to_state}, code="unknown_state")
    to_state = State(to_state)
    with transaction.atomic():
        locked = _lock_convention(convention)
        current = State(locked.state)
        if to_state not in Convention.TRANSITIONS[current]:
            allowed = sorted(Convention.TRANSITIONS[current])
            if allowed:
                hint = _("Étapes possibles : %(states)s.") % {
                    "states": ", ".join(f"« {_state_label(state)} »" for state in allowed)
                }
            else:
                hint = _("Une convention dans cet état n'évolue plus.")
            raise ValidationError(
                _("Une convention « %(current)s » ne peut pas passer à l'état « %(target)s ». %(hint)s")
                % {"current": _state_label(current), "target": _state_label(to_state), "hint": hint},
                code="transition",
            )

        if to_state == State.TO_SIGN:
            _check_allocations_fit(locked)
        elif to_state == State.SIGNED:
            _check_signable(locked, signed_on)
            locked.signed_on = signed_on
        elif to_state == State.EXPIRED:
            today = timezone.localdate()
            if locked.end_date >= today:
                raise ValidationError(
                    _("La convention court jusqu'au %(end)s : elle ne peut pas encore passer à l'état « Expirée ».")
                    % {"end": date_long(locked.end_date)},
                    code="not_ended",
                )

        locked.state = to_state
        locked.save(update_fields=["state", "signed_on", "updated_at"])
        message = _("État : « %(current)s » → « %(target)s ».") % {
            "current": _state_label(current),
            "target": _state_label(to_state),
        }
        if reason:
            message = f"{message} {_('Motif :')} {reason}"
        _log(by=by, convention=locked, message=message)

    convention.refresh_from_db()
    return convention


def _check_signable(convention: Convention, signed_on: datetime.date | None) -> None:
    errors = []
    if signed_on is None:
        errors.append(_("Indiquez la date de signature pour passer la convention à l'état « Signée »."))
    elif signed_on > timezone.localdate():
        errors.append(_("La date de signature ne peut pas être dans le futur."))
    parties = set(convention.signatories.values_list("party", flat=True))
    if Signatory.Party.CNAM not in parties:
        errors.append(_("Ajoutez au moins un signataire pour le CNAM Mayotte avant de signer."))
    if Signatory.Party.PARTNER not in parties:
        errors.append(
            _("Ajoutez au moins un signataire pour %(partner)s avant de signer.") % {"partner": convention.partner.name}
        )
    if errors:
        raise ValidationError(errors, code="not_signable")


def _check_allocations_fit(convention: Convention) -> None:
    """A draft's allocations reserve nothing; once it goes to signature they do, so they must fit."""
    allocations = list(
        SeatAllocation.objects.filter(convention=convention).select_related("session").order_by("session_id")
    )
    if not allocations:
        return
    seat_ledger.lock_sessions(session_ids=[allocation.session_id for allocation in allocations])
    problems = []
    for allocation in allocations:
        room = seat_ledger.allocation_room(convention=convention, session_id=allocation.session_id)
        if allocation.seats > room.room:
            problems.append(
                _("%(session)s : %(seats)s places réservées pour %(room)s libres")
                % {"session": allocation.session.reference, "seats": allocation.seats, "room": room.room}
            )
    if problems:
        raise ValidationError(
            _(
                "Des places de cette convention ne sont plus libres ; ajustez-les avant de la passer "
                "à l'état « À signer » : %(problems)s."
            )
            % {"problems": " ; ".join(problems)},
            code="allocations_overbooked",
        )


def convention_record_signature(*, convention: Convention, signed_on: datetime.date, by: "User | None") -> Convention:
    """Record that both parties signed on ``signed_on`` (the convention must be « À signer »)."""
    return convention_transition(convention=convention, to_state=State.SIGNED, by=by, signed_on=signed_on)


def convention_sign(*, convention: Convention, signed_on: datetime.date, by: "User | None") -> Convention:
    """Record the signature (see ``convention_record_signature``) and request the PDF version that
    shows it, both or neither: a convention is never « Signée » without its signed PDF on the way."""
    with transaction.atomic():
        convention_record_signature(convention=convention, signed_on=signed_on, by=by)
        convention_document_request(convention=convention, by=by)
    return convention


def convention_expire_due(*, today: datetime.date | None = None) -> int:
    """Move signed conventions whose end date has passed to « Expirée »; returns how many."""
    today = today or timezone.localdate()
    expired = 0
    for pk in selectors.conventions_due_to_expire(today=today).order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            # Re-check under the lock: someone may have terminated it meanwhile.
            locked = (
                selectors.conventions_due_to_expire(today=today)
                .select_for_update(skip_locked=True)
                .filter(pk=pk)
                .first()
            )
            if locked is None:
                continue
            locked.state = State.EXPIRED
            locked.save(update_fields=["state", "updated_at"])
            logger.info("%s expired (ended %s)", locked.reference, locked.end_date)
            expired += 1
    return expired


# --- Seat allocations -------------------------------------------------------


def _lock_session(session_id: int) -> Session:
    return seat_ledger.lock_sessions(session_ids=[session_id], select_related=("programme",))[session_id]


def _check_allocation_target(convention: Convention, session: Session) -> None:
    if convention.state in CLOSED_STATES:
        raise ValidationError(
            _("La convention est à l'état « %(state)s » : ses places réservées ne peuvent plus changer.")
            % {"state": _state_label(convention.state)},
            code="convention_closed",
        )
    if session.state == Session.State.CANCELLED:
        raise ValidationError(
            {
                "session": _("La session %(session)s est annulée : on ne peut pas y réserver de places.")
                % {"session": session.reference}
            },
            code="session_cancelled",
        )
    if session.start_date < convention.start_date or session.end_date > convention.end_date:
        raise ValidationError(
            {
                "session": _(
                    "La session %(session)s (du %(start)s au %(end)s) ne se déroule pas pendant la convention "
                    "(du %(c_start)s au %(c_end)s)."
                )
                % {
                    "session": session.reference,
                    "start": date_long(session.start_date),
                    "end": date_long(session.end_date),
                    "c_start": date_long(convention.start_date),
                    "c_end": date_long(convention.end_date),
                }
            },
            code="session_outside_period",
        )
    if session.reserved_for_id is not None and session.reserved_for_id != convention.partner_id:
        raise ValidationError(
            {
                "session": _("La session %(session)s est réservée à un autre partenaire.")
                % {"session": session.reference}
            },
            code="session_reserved_elsewhere",
        )


def _check_allocation(convention: Convention, session: Session, seats: int) -> seat_ledger.AllocationRoom:
    if seats < 1:
        raise ValidationError(
            {"seats": _("Réservez au moins une place, ou supprimez la ligne de la session.")}, code="seats_min"
        )
    _check_allocation_target(convention, session)
    room = seat_ledger.allocation_room(convention=convention, session_id=session.pk)
    if seats < room.used:
        raise ValidationError(
            {
                "seats": _(
                    "%(used)s places de la session %(session)s sont déjà occupées par des inscriptions de cette "
                    "convention : la réservation ne peut pas descendre sous %(used)s."
                )
                % {"used": room.used, "session": session.reference}
            },
            code="below_used",
        )
    if seats > room.room:
        raise ValidationError(
            {
                "seats": _(
                    "La session %(session)s n'a que %(room)s places libres pour cette convention "
                    "(sur %(capacity)s) : impossible d'en réserver %(seats)s."
                )
                % {
                    "session": session.reference,
                    "room": room.room,
                    "capacity": room.capacity,
                    "seats": seats,
                }
            },
            code="not_enough_seats",
        )
    return room


def allocation_validate(*, convention: Convention, session: Session, seats: int) -> None:
    """The checks of ``allocation_set`` without writing, for forms; the service checks again under lock."""
    _check_allocation(convention, session, seats)


def allocation_set(*, convention: Convention, session: Session, seats: int, by: "User | None" = None) -> SeatAllocation:
    """Reserve ``seats`` seats of ``session`` for ``convention`` (create or change the allocation).

    A convention can only reserve seats the session has free, and never fewer than its
    own enrollments already hold there.
    """
    with transaction.atomic():
        locked_convention = _lock_convention(convention)
        locked_session = _lock_session(session.pk)
        room = _check_allocation(locked_convention, locked_session, seats)
        allocation, created = SeatAllocation.objects.update_or_create(
            convention=locked_convention, session=locked_session, defaults={"seats": seats}
        )
        if created or room.current != seats:
            _log(
                by=by,
                convention=locked_convention,
                message=_("Places réservées sur %(session)s : %(before)s → %(after)s.")
                % {"session": locked_session.reference, "before": room.current, "after": seats},
            )
    return allocation


def allocation_remove(*, allocation: SeatAllocation, by: "User | None" = None) -> None:
    """Delete an allocation, unless the convention's enrollments already use some of its seats."""
    with transaction.atomic():
        locked_convention = _lock_convention(allocation.convention)
        locked_session = _lock_session(allocation.session_id)
        if locked_convention.state in CLOSED_STATES:
            raise ValidationError(
                _("La convention est à l'état « %(state)s » : ses places réservées ne peuvent plus changer.")
                % {"state": _state_label(locked_convention.state)},
                code="convention_closed",
            )
        room = seat_ledger.allocation_room(convention=locked_convention, session_id=locked_session.pk)
        if room.used:
            raise ValidationError(
                _(
                    "%(used)s inscriptions de cette convention occupent des places de la session %(session)s : "
                    "la réservation ne peut pas être supprimée."
                )
                % {"used": room.used, "session": locked_session.reference},
                code="allocation_in_use",
            )
        deleted, _detail = SeatAllocation.objects.filter(pk=allocation.pk).delete()
        if deleted:
            _log(
                by=by,
                convention=locked_convention,
                message=_("Places réservées sur %(session)s supprimées.") % {"session": locked_session.reference},
            )


# --- Convention PDF versions -------------------------------------------------

# A document is tried at most this many times (Celery's own retries included).
DOCUMENT_MAX_ATTEMPTS = 8
# A pending document older than this lost its message: the sweep sends it again.
DOCUMENT_STALE_AFTER = datetime.timedelta(minutes=10)


RENDER_TASK = "partners.tasks.render_convention_document"


def _enqueue_render(document_id: int) -> None:
    # By name, after commit, never raising: a broker outage leaves the row pending for the sweep.
    outbox.enqueue_on_commit(RENDER_TASK, document_id)


def convention_document_request(*, convention: Convention, by: "User | None" = None) -> ConventionDocument:
    """The PDF version matching the convention as it is now, creating one when the data changed.

    Same content as the latest version → that version (a failed one is sent again);
    otherwise version latest+1, pending, rendered by a worker after commit.
    """
    with transaction.atomic():
        _lock_convention(convention)  # serialises version numbers per convention
        data = documents.convention_data(selectors.convention_for_document(convention_id=convention.pk))
        digest = documents.content_hash(data)
        latest = selectors.convention_latest_document(convention=convention)
        if latest is not None and latest.content_hash == digest:
            if latest.state == ConventionDocument.State.FAILED:
                latest.state = ConventionDocument.State.PENDING
                latest.save(update_fields=["state"])
                _enqueue_render(latest.pk)
            return latest
        document = ConventionDocument.objects.create(
            convention=convention,
            version=(latest.version if latest else 0) + 1,
            state=ConventionDocument.State.PENDING,
            content_hash=digest,
        )
        _log(by=by, convention=convention, message=_("PDF demandé (version %(v)s).") % {"v": document.version})
        _enqueue_render(document.pk)
    return document


def convention_document_refresh(*, convention: Convention) -> ConventionDocument:
    """Call after the convention or its inlines changed: a new version only if the PDF would differ."""
    return convention_document_request(convention=convention)


def _document_file_name(document: ConventionDocument, reference: str) -> str:
    # Unguessable: the private storage is never served, but names should not be enumerable either.
    return f"{reference}-v{document.version}-{secrets.token_hex(8)}.pdf"


def convention_document_render(*, document_id: int) -> ConventionDocument:
    """Render one version to the private storage. Idempotent: a ready version is left alone.

    Any failure, in the rendering or in the storing, marks the version « Échec » with the
    reason at once (the sweep tries it again) and is raised again so that the task can retry.
    """
    document = ConventionDocument.objects.select_related("convention").get(pk=document_id)
    if document.state == ConventionDocument.State.READY:
        return document
    try:
        convention = selectors.convention_for_document(convention_id=document.convention_id)
        data = documents.convention_data(convention)
        pdf = documents.render_convention(convention, data=data)
    except Exception as error:
        _document_failed(document_id, error, reason=_("la mise en page du PDF a échoué."))
        raise

    stored = ""
    try:
        with transaction.atomic():
            locked = ConventionDocument.objects.select_for_update().get(pk=document_id)
            if locked.state == ConventionDocument.State.READY:
                return locked  # another worker finished first
            # The data may have moved on since the request: the version shows what it was rendered from.
            locked.content_hash = documents.content_hash(data)
            locked.file.save(_document_file_name(locked, convention.reference), ContentFile(pdf), save=False)
            stored = locked.file.name or ""
            locked.state = ConventionDocument.State.READY
            locked.error = ""
            locked.error_detail = ""
            locked.attempts += 1
            locked.rendered_at = timezone.now()
            locked.save(
                update_fields=["file", "content_hash", "state", "error", "error_detail", "attempts", "rendered_at"]
            )
    except Exception as error:
        if stored:
            _discard_file(document.file.storage, stored)
        _document_failed(
            document_id, error, reason=_("le PDF n'a pas pu être enregistré dans le stockage des documents.")
        )
        raise
    return locked


def _discard_file(storage, name: str) -> None:
    # The row was not updated: a file left behind would be an orphan nobody serves or erases.
    try:
        storage.delete(name)
    except Exception:
        logger.warning("Could not delete orphan convention PDF %s", name, exc_info=True)


def _document_failed(document_id: int, error: Exception, *, reason: str) -> None:
    with transaction.atomic():
        locked = ConventionDocument.objects.select_for_update().get(pk=document_id)
        if locked.state == ConventionDocument.State.READY:
            return
        locked.state = ConventionDocument.State.FAILED
        locked.error = _("Échec de la production du PDF : %(reason)s") % {"reason": reason}
        locked.error_detail = f"{type(error).__name__}: {error}"[:2000]
        locked.attempts += 1
        locked.save(update_fields=["state", "error", "error_detail", "attempts"])
    logger.warning("Convention document %s failed: %s", document_id, error)


def convention_documents_retry(*, now: datetime.datetime | None = None) -> list[int]:
    """Send again the latest versions a failure or a lost message left unrendered."""
    now = now or timezone.now()
    ids = list(
        selectors.documents_to_retry(
            max_attempts=DOCUMENT_MAX_ATTEMPTS, stale_before=now - DOCUMENT_STALE_AFTER
        ).values_list("pk", flat=True)
    )
    if ids:
        retried = ConventionDocument.objects.filter(pk__in=ids, state=ConventionDocument.State.FAILED)
        partner_changed(*retried.values_list("convention__partner_id", flat=True).distinct())
        retried.update(state=ConventionDocument.State.PENDING)
        for document_id in ids:
            _enqueue_render(document_id)
    return ids
