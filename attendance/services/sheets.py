"""Attendance sheets (feuilles d'émargement): opened by the trainer, signed by each person, closed
and countersigned by the trainer, corrected afterwards by CNAM staff only.

A signature takes no lock that queues the people of a slot behind each other: each inserts its
own line (the unique constraint (sheet, application) makes a second signature, or a double tap,
a no-op) under a shared lock of the sheet's row (``FOR SHARE``), which only the closing, that
takes it exclusively, waits for. Every status given writes an ``AttendanceChange``; each write
asks the follow-up to recompute the hours of the people it touched, in the same transaction.
"""

import contextlib
import datetime
import logging

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance import codes, presence
from attendance.documents import base as documents_base
from attendance.documents import sheets as sheet_documents
from attendance.models import (
    Attendance,
    AttendanceChange,
    AttendanceSheet,
    AttendanceStatus,
    RenderState,
    Slot,
)
from attendance.services import followup, rendering
from core import outbox
from core.formatting import datetime_long
from enrollment.models import Application, ApplicationStatus

logger = logging.getLogger(__name__)

RENDER_TASK = "attendance.tasks.render_sheet"
# Typed codes, per person: this many tries (wrong or refused) in this window, then a wait. A
# hostile person gets 10 of a million codes every 10 minutes; a QR code's token cannot be guessed.
CODE_TRIES = 10
CODE_TRIES_WINDOW_SECONDS = 600

Status = AttendanceStatus
OPEN = AttendanceSheet.State.OPEN
CLOSED = AttendanceSheet.State.CLOSED


# --- Who may act on a sheet -----------------------------------------------------------------


def _trainer_check(*, user, slot: Slot, action: str) -> None:
    if not presence.trainer_runs_session(user=user, session_id=slot.session_id):
        raise ValidationError(
            _("Seul un formateur actif de cette session peut %(action)s sa feuille d'émargement.") % {"action": action},
            code="not_trainer",
        )


def _window_text(slot: Slot) -> dict[str, str]:
    opens, closes = presence.sign_window(slot)
    return {"opens": datetime_long(opens), "closes": datetime_long(closes)}


# --- Opening --------------------------------------------------------------------------------


def sheet_open(*, slot: Slot, user, now: datetime.datetime | None = None) -> AttendanceSheet:
    """The slot's sheet, opened now by one of its session's trainers; the same sheet when it is
    already open (or closed). Refused for a cancelled slot and outside the slot's window."""
    now = now or timezone.now()
    _trainer_check(user=user, slot=slot, action=_("ouvrir"))
    existing = AttendanceSheet.objects.filter(slot=slot).first()
    if existing is not None:
        return existing
    if slot.state == Slot.State.CANCELLED:
        raise ValidationError(
            _("Ce créneau est annulé : sa feuille d'émargement ne peut pas être ouverte."), code="cancelled"
        )
    opens, closes = presence.sign_window(slot)
    if now < opens:
        raise ValidationError(
            _("La feuille de ce créneau s'ouvre le %(opens)s, peu avant son début.") % _window_text(slot),
            code="too_early",
        )
    if now > closes:
        raise ValidationError(
            _(
                "Le créneau est terminé depuis le %(closes)s : sa feuille ne peut plus être ouverte. "
                "Adressez-vous au CNAM pour enregistrer les présences."
            )
            % _window_text(slot),
            code="too_late",
        )
    with transaction.atomic():
        # Two taps on « Ouvrir la feuille » at once: the second gets the first one's sheet.
        sheet, _created = AttendanceSheet.objects.get_or_create(slot=slot, defaults={"opened_by": user})
    return sheet


# --- Signing --------------------------------------------------------------------------------


def _refusal_for(sheet: AttendanceSheet, *, user, now: datetime.datetime) -> Application:
    """The person's enrollment the sheet may be signed for now, else the French reason why not."""
    slot = sheet.slot
    application = presence.application_of(user=user, session_id=slot.session_id)
    if application is None or application.status != ApplicationStatus.ENROLLED:
        if application is not None and application.status == ApplicationStatus.WITHDRAWN:
            message = _(
                "Vous avez retiré votre candidature à cette session : vous ne pouvez plus en signer les créneaux."
            )
        else:
            message = _(
                "Ce code est celui d'une session où vous n'êtes pas inscrit ou inscrite : seules les personnes "
                "inscrites signent sa feuille d'émargement."
            )
        raise ValidationError(message, code="not_enrolled")
    if slot.state == Slot.State.CANCELLED:
        raise ValidationError(_("Ce créneau est annulé : il n'y a rien à signer."), code="cancelled")
    if sheet.state == CLOSED:
        raise ValidationError(
            _("La feuille d'émargement de ce créneau est close : adressez-vous au formateur ou au CNAM."), code="closed"
        )
    opens, closes = presence.sign_window(slot)
    if now < opens:
        raise ValidationError(
            _("L'émargement de ce créneau ouvre le %(opens)s.") % _window_text(slot), code="too_early"
        )
    if now > closes:
        raise ValidationError(
            _("L'émargement de ce créneau a fermé le %(closes)s : adressez-vous au formateur ou au CNAM.")
            % _window_text(slot),
            code="too_late",
        )
    return application


def _stale() -> ValidationError:
    return ValidationError(
        _(
            "Ce code a expiré : il change toutes les %(seconds)s secondes. "
            "Utilisez celui qu'affiche le formateur maintenant."
        )
        % {"seconds": codes.step_seconds()},
        code="stale_code",
    )


def token_sheet(*, user, token: str, now: datetime.datetime | None = None) -> tuple[AttendanceSheet, Application]:
    """The sheet a QR code's token is for and the person's enrollment, if they may sign it now;
    else the French reason why not. Signs nothing (the page shown before the button uses it)."""
    now = now or timezone.now()
    parsed = codes.token_parse(token)
    sheet = None
    if parsed is not None:
        sheet = (
            AttendanceSheet.objects.select_related("slot__session__programme", "slot__site")
            .filter(pk=parsed.sheet_id)
            .first()
        )
    if parsed is None or sheet is None or not parsed.is_genuine(sheet.secret) or parsed.age(now) < 0:
        raise ValidationError(
            _("Ce lien d'émargement n'est pas valide : scannez le QR code qu'affiche le formateur."),
            code="invalid_token",
        )
    application = _refusal_for(sheet, user=user, now=now)
    if parsed.age(now) not in codes.ACCEPTED_AGES:
        raise _stale()
    return sheet, application


def _tries_key(user) -> str:
    return f"attendance:typed-codes:{user.pk}"


def _try_consume(user) -> None:
    """Count one typed code before it is checked (parallel tries cannot slip past the count)."""
    key = _tries_key(user)
    try:
        cache.add(key, 0, timeout=CODE_TRIES_WINDOW_SECONDS)
        count = cache.incr(key)
    except ValueError:
        return  # the cache is down or the key just expired: it fails open, like sign-in's limits
    if count > CODE_TRIES:
        raise ValidationError(
            _(
                "Trop de codes erronés : pour protéger l'émargement, attendez %(minutes)s minutes avant de saisir "
                "un nouveau code, ou scannez le QR code qu'affiche le formateur."
            )
            % {"minutes": CODE_TRIES_WINDOW_SECONDS // 60},
            code="rate_limited",
        )


def _try_give_back(user) -> None:
    with contextlib.suppress(ValueError):
        cache.decr(_tries_key(user))


def _typed_sheet(*, user, code: str, now: datetime.datetime) -> tuple[AttendanceSheet, Application]:
    digits = codes.normalise_code(code)
    if digits is None:
        raise ValidationError(_("Saisissez les 6 chiffres du code qu'affiche le formateur."), code="code_format")
    _try_consume(user)
    fresh, stale = [], False
    for sheet in presence.sheets_for_typed_code(user=user, now=now):
        age = codes.code_age(sheet.secret, digits, now)
        if age in codes.ACCEPTED_AGES:
            fresh.append(sheet)
        elif age is not None:
            stale = True
    signable, refusals = [], []
    for sheet in fresh:
        try:
            signable.append((sheet, _refusal_for(sheet, user=user, now=now)))
        except ValidationError as error:
            refusals.append(error)
    if len(signable) > 1:
        # Two sheets showing the same 6 digits in the same 30 s: one chance in a million.
        raise ValidationError(
            _("Ce code correspond à plusieurs de vos créneaux : scannez plutôt le QR code qu'affiche le formateur."),
            code="ambiguous_code",
        )
    if signable:
        _try_give_back(user)
        return signable[0]
    if refusals:
        raise refusals[0]
    if stale:
        raise _stale()
    raise ValidationError(
        _(
            "Ce code ne correspond à aucun créneau ouvert à l'émargement pour vous. "
            "Vérifiez les 6 chiffres qu'affiche le formateur."
        ),
        code="wrong_code",
    )


def _sheet_state_shared_lock(sheet_id: int) -> str | None:
    """The sheet's state, its row locked ``FOR SHARE`` until the end of the transaction.

    Signatures share the lock (none waits for another); the closing takes the row ``FOR UPDATE``,
    so a signature either commits before the closing reads the lines or sees the sheet closed.
    SQLite serialises whole write transactions and needs no row lock.
    """
    if connection.vendor != "postgresql":
        return AttendanceSheet.objects.filter(pk=sheet_id).values_list("state", flat=True).first()
    table = connection.ops.quote_name(AttendanceSheet._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT state FROM {table} WHERE id = %s FOR SHARE", [sheet_id])  # noqa: S608 - our table
        row = cursor.fetchone()
    return row[0] if row else None


def _closed() -> ValidationError:
    return ValidationError(
        _("La feuille d'émargement de ce créneau est close : adressez-vous au formateur ou au CNAM."), code="closed"
    )


def _sign(sheet: AttendanceSheet, application: Application, *, user, now: datetime.datetime) -> Attendance:
    signature = codes.signature_for(sheet_id=sheet.pk, application_id=application.pk, signed_at=now)
    with transaction.atomic():
        if _sheet_state_shared_lock(sheet.pk) != OPEN:
            raise _closed()
        try:
            with transaction.atomic():
                line = Attendance.objects.create(
                    sheet=sheet,
                    application=application,
                    status=Status.PRESENT,
                    signed_at=now,
                    signature=signature,
                )
        except IntegrityError:
            line = Attendance.objects.select_for_update().get(sheet=sheet, application=application)
            if line.signed_at is not None:
                return line  # signed already: a second signature changes nothing
            # The trainer marked the person before they signed: the signature is added; an
            # absence the person's own signature contradicts becomes a presence.
            previous = line.status
            line.signed_at = now
            line.signature = signature
            if line.status in (Status.ABSENT, Status.EXCUSED):
                line.status = Status.PRESENT
                line.reason = ""
            line.save(update_fields=["signed_at", "signature", "status", "reason", "updated_at"])
            if line.status != previous:
                AttendanceChange.objects.create(
                    sheet=sheet,
                    application=application,
                    from_status=previous,
                    to_status=line.status,
                    changed_by=user,
                    changed_at=now,
                    reason=_("Signé par la personne."),
                )
        else:
            AttendanceChange.objects.create(
                sheet=sheet,
                application=application,
                from_status="",
                to_status=Status.PRESENT,
                changed_by=user,
                changed_at=now,
                reason=_("Signé par la personne."),
            )
        followup.participations_refresh(application_ids=[application.pk], now=now)
    return line


def attendance_sign(
    *, user, token: str | None = None, code: str | None = None, now: datetime.datetime | None = None
) -> Attendance:
    """Sign, as ``user``, the one sheet a QR code's ``token`` or a typed 6-digit ``code`` is for.

    A typed code is matched against the sheets of the person's sessions around today; at most
    ``CODE_TRIES`` typed codes count per ``CODE_TRIES_WINDOW_SECONDS``. Refused in French: a stale
    code, a code of no sheet of theirs, outside the slot's window, a closed sheet, a cancelled
    slot, a person not enrolled. A second signature returns the line already signed.
    """
    if (token is None) == (code is None):
        raise TypeError("Give either a token or a code.")
    now = now or timezone.now()
    if token is not None:
        sheet, application = token_sheet(user=user, token=token, now=now)
    else:
        sheet, application = _typed_sheet(user=user, code=code or "", now=now)
    return _sign(sheet, application, user=user, now=now)


# --- The trainer's marks --------------------------------------------------------------------


def _status_check(status: str, reason: str) -> str:
    if status not in Status.values:
        raise ValidationError(_("Choisissez une présence parmi celles proposées."), code="status")
    reason = (reason or "").strip()
    if status == Status.EXCUSED and not reason:
        raise ValidationError(_("Précisez le motif de l'absence excusée."), code="reason_required")
    return reason


def _application_check(sheet: AttendanceSheet, application: Application) -> None:
    if application.session_id != sheet.slot.session_id:
        raise ValidationError(_("Cette personne n'est pas inscrite à la session de ce créneau."), code="other_session")


def attendance_mark(
    *,
    sheet: AttendanceSheet,
    application: Application,
    status: str,
    reason: str = "",
    by,
    now: datetime.datetime | None = None,
) -> Attendance:
    """The trainer gives a person a status while the sheet is open: present, late, absent, or
    excused (with a reason). A signature already there stays."""
    now = now or timezone.now()
    _trainer_check(user=by, slot=sheet.slot, action=_("remplir"))
    reason = _status_check(status, reason)
    _application_check(sheet, application)
    with transaction.atomic():
        if _sheet_state_shared_lock(sheet.pk) != OPEN:
            raise ValidationError(_("La feuille est close : seul le CNAM peut encore la corriger."), code="closed")
        line = Attendance.objects.select_for_update().filter(sheet=sheet, application=application).first()
        if line is None and application.status != ApplicationStatus.ENROLLED:
            raise ValidationError(
                _("Cette personne n'est plus inscrite à la session : elle ne figure pas sur la feuille."),
                code="not_enrolled",
            )
        created = False
        if line is None:
            try:
                with transaction.atomic():
                    line = Attendance.objects.create(
                        sheet=sheet, application=application, status=status, reason=reason, marked_by=by
                    )
                created = True
            except IntegrityError:
                # The person signed at that very moment: their line gets the trainer's status.
                line = Attendance.objects.select_for_update().get(sheet=sheet, application=application)
        if created:
            previous = ""
        elif (line.status, line.reason) != (status, reason):
            previous = line.status
            line.status = status
            line.reason = reason
            line.marked_by = by
            line.save(update_fields=["status", "reason", "marked_by", "updated_at"])
        else:
            return line  # the status it has already
        AttendanceChange.objects.create(
            sheet=sheet,
            application=application,
            from_status=previous,
            to_status=status,
            reason=reason,
            changed_by=by,
            changed_at=now,
        )
        followup.participations_refresh(application_ids=[application.pk], now=now)
    return line


# --- Closing and correcting -----------------------------------------------------------------


def sheet_close(
    *, sheet: AttendanceSheet, user, password: str, now: datetime.datetime | None = None
) -> AttendanceSheet:
    """The trainer closes and countersigns the sheet, typing their password again.

    The people enrolled who neither signed nor were marked become absent; the countersignature
    (an HMAC of who, when and each line's status) is kept; the PDF is rendered after commit.
    """
    now = now or timezone.now()
    _trainer_check(user=user, slot=sheet.slot, action=_("clore"))
    if not password or not user.check_password(password):
        raise ValidationError(
            _("Mot de passe incorrect : la feuille n'est pas close. Saisissez à nouveau votre mot de passe."),
            code="wrong_password",
        )
    with transaction.atomic():
        locked = AttendanceSheet.objects.select_for_update().get(pk=sheet.pk)
        if locked.state == CLOSED:
            raise ValidationError(_("Cette feuille d'émargement est déjà close."), code="closed")
        marked = set(Attendance.objects.filter(sheet=locked).values_list("application_id", flat=True))
        missing = list(
            presence.enrolled_in_session(locked.slot.session_id)
            .exclude(pk__in=marked)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        Attendance.objects.bulk_create(
            [
                Attendance(sheet=locked, application_id=application_id, status=Status.ABSENT, marked_by=user)
                for application_id in missing
            ]
        )
        AttendanceChange.objects.bulk_create(
            [
                AttendanceChange(
                    sheet=locked,
                    application_id=application_id,
                    from_status="",
                    to_status=Status.ABSENT,
                    reason=_("Ni signé ni marqué à la clôture de la feuille."),
                    changed_by=user,
                    changed_at=now,
                )
                for application_id in missing
            ]
        )
        lines = list(Attendance.objects.filter(sheet=locked).values_list("application_id", "status"))
        locked.state = CLOSED
        locked.closed_at = now
        locked.countersigned_by = user
        locked.countersignature = codes.countersignature_for(
            sheet_id=locked.pk, user_id=user.pk, closed_at=now, lines=lines
        )
        locked.render_state = RenderState.PENDING
        locked.requested_at = now
        locked.save(
            update_fields=["state", "closed_at", "countersigned_by", "countersignature", "render_state", "requested_at"]
        )
        followup.participations_refresh(application_ids=[application_id for application_id, _s in lines], now=now)
        outbox.enqueue_on_commit(RENDER_TASK, locked.pk)
    return locked


CORRECT_PERMISSION = "attendance.change_attendance"


def attendance_correct(
    *,
    sheet: AttendanceSheet,
    application: Application,
    status: str,
    reason: str,
    by,
    now: datetime.datetime | None = None,
) -> Attendance:
    """CNAM staff correct a line of a closed sheet, with a reason kept in its history; the PDF is
    rendered again after commit."""
    now = now or timezone.now()
    if not by.has_perm(CORRECT_PERMISSION):
        raise ValidationError(
            _("Seul le personnel du CNAM habilité peut corriger une feuille d'émargement close."), code="not_staff"
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            _("Indiquez le motif de la correction : il est gardé dans l'historique de la feuille."),
            code="reason_required",
        )
    _status_check(status, reason)
    _application_check(sheet, application)
    with transaction.atomic():
        locked = AttendanceSheet.objects.select_for_update().get(pk=sheet.pk)
        if locked.state != CLOSED:
            raise ValidationError(
                _("Cette feuille est encore ouverte : le formateur y marque les présences jusqu'à sa clôture."),
                code="open",
            )
        line = Attendance.objects.select_for_update().filter(sheet=locked, application=application).first()
        previous = line.status if line is not None else ""
        if previous == status:
            raise ValidationError(
                _("Cette présence est déjà « %(status)s » : rien n'est changé.") % {"status": Status(status).label},
                code="unchanged",
            )
        if line is None:
            line = Attendance.objects.create(
                sheet=locked, application=application, status=status, reason=reason, marked_by=by
            )
        else:
            line.status = status
            line.reason = reason
            line.marked_by = by
            line.save(update_fields=["status", "reason", "marked_by", "updated_at"])
        AttendanceChange.objects.create(
            sheet=locked,
            application=application,
            from_status=previous,
            to_status=status,
            reason=reason,
            changed_by=by,
            changed_at=now,
            after_closing=True,
        )
        locked.render_state = RenderState.PENDING
        locked.requested_at = now
        locked.save(update_fields=["render_state", "requested_at"])
        followup.participations_refresh(application_ids=[application.pk], now=now)
        outbox.enqueue_on_commit(RENDER_TASK, locked.pk)
    return line


# --- The PDF --------------------------------------------------------------------------------


def sheet_filename(sheet: AttendanceSheet) -> str:
    slot = sheet.slot
    return f"emargement-{slot.session.reference}-{slot.date:%Y%m%d}-{slot.start_time:%Hh%M}.pdf"


def sheet_render(*, sheet_id: int) -> rendering.Outcome:
    """Render a closed sheet's PDF unless the stored one already shows its current data.

    A failure is recorded on the sheet (« Échec », with a French reason) and returned: the task
    raises once this transaction is over, for Celery to retry.
    """
    with transaction.atomic():
        sheet = AttendanceSheet.objects.select_for_update().get(pk=sheet_id)
        if sheet.state != CLOSED:
            return rendering.Outcome.UNCHANGED
        data = sheet_documents.sheet_data(sheet)
        return rendering.pdf_render(
            row=sheet,
            digest=documents_base.data_hash(data),
            render=lambda: sheet_documents.render_sheet(data),
            filename=sheet_filename(sheet),
            what=_("feuille d'émargement"),
        )


def sheets_retry(*, now: datetime.datetime | None = None) -> list[int]:
    """The sweep: closed sheets a failure or a lost message left without their PDF, sent again."""
    with transaction.atomic():
        ids = rendering.rows_due(AttendanceSheet.objects.filter(state=CLOSED), now=now)
        outbox.enqueue_on_commit(RENDER_TASK, *ids)
    return ids
