"""Each enrolled person's follow-up: entry on the first attendance, training, exit, missed slots.

``participations_refresh`` is what the attendance sheets call, inside their transactions, for
the people whose lines changed: it keeps each participation's hours current, enters a person on
their first attended slot (« entrée en formation »), moves them to « en formation » on a later
day, raises an alert when the last closed sheets show them absent without excuse
(``ATTENDANCE_ALERT_AFTER_MISSED`` in a row), and asks again for their funder documents (each is
rendered anew only if its data changed). Staff enter a person who started without a sheet,
record an exit (the certificat de réalisation follows) and handle the alerts.
"""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from attendance import progress
from attendance.models import (
    AbandonReason,
    AbsenceAlert,
    AttendanceStatus,
    ExitKind,
    FunderDocument,
    Participation,
    ParticipationChange,
    ParticipationState,
    Slot,
)
from attendance.services import funder_documents
from centre.selectors import training_body
from cnam_portal.roles import GESTIONNAIRE
from core import outbox
from core.formatting import date_long
from core.models import Notification
from enrollment.models import Application, ApplicationStatus

State = ParticipationState

SUBJECT_PREFIX = "[CNAM Mayotte] "

# The follow-up's emails, by template name, as staff read them in the outbox (attendance.apps).
NOTIFICATION_KINDS = {
    "participation_entered": gettext_lazy("Entrée en formation"),
    "participation_exited": gettext_lazy("Sortie de formation"),
    "absence_help": gettext_lazy("Absences répétées : proposition d'aide"),
    "absence_digest": gettext_lazy("Récapitulatif quotidien des absences (personnel)"),
}


def _space_url() -> str:
    return settings.SITE_URL + reverse("attendance_followup:space")


# --- The refresh the sheets call ------------------------------------------------------------------


def participations_refresh(*, application_ids: Iterable[int], now: datetime.datetime | None = None) -> None:
    """Bring the follow-up of these applications in line with their sheets (see the module's doc).

    Call it inside the transaction that changed the lines; it writes in a savepoint of its own.
    Applications not enrolled are left alone; an exited participation keeps its state.
    """
    _refresh(sorted({int(pk) for pk in application_ids}), now=now or timezone.now(), documents=True)


def _refresh(ids: list[int], *, now: datetime.datetime, documents: bool) -> None:
    if not ids:
        return
    with transaction.atomic():
        applications = list(
            Application.objects.filter(pk__in=ids, status=ApplicationStatus.ENROLLED)
            .select_related("session", "applicant")
            .order_by("pk")
        )
        if not applications:
            return
        courses = progress.courses_of(applications=applications)
        participations = {
            participation.application_id: participation
            for participation in Participation.objects.select_for_update()
            .filter(application_id__in=[application.pk for application in applications])
            .order_by("pk")
        }
        alerted = _alerts_of(applications)
        changed_hours = []
        # Those entered already (their documents are asked again); one entered now has just asked for its own.
        followed = []
        for application in applications:
            course = courses[application.pk]
            participation = participations.get(application.pk)
            if participation is None and course.attended_dates:
                participation = _enter(application, entered_on=course.attended_dates[0], by=None, now=now)
            elif participation is not None:
                followed.append(application.pk)
            if participation is not None and _follow(participation, course, now=now):
                changed_hours.append(participation)
            if participation is None or participation.state != State.EXITED:
                _watch_absences(application, course, alerted.get(application.pk, {}), now=now)
        if changed_hours:
            Participation.objects.bulk_update(changed_hours, ["hours_planned", "hours_attended", "entered_on"])
        if followed and documents:
            funder_documents.documents_refresh(application_ids=followed)


def _follow(participation: Participation, course: progress.Course, *, now: datetime.datetime) -> bool:
    """Move the participation as its attended days say; whether its hours or entry date changed."""
    changed = False
    if participation.state != State.EXITED and course.attended_dates:
        first = course.attended_dates[0]
        if first < participation.entered_on:
            # A correction showed an earlier attendance: the person entered on that day.
            participation.entered_on = first
            changed = True
        if participation.state == State.ENTERED and course.attended_dates[-1] > participation.entered_on:
            _move(participation, State.IN_TRAINING, by=None, now=now, reason=_("Présence à un autre jour de cours."))
    if (participation.hours_planned, participation.hours_attended) != (course.hours_planned, course.hours_attended):
        participation.hours_planned = course.hours_planned
        participation.hours_attended = course.hours_attended
        changed = True
    return changed


def _enter(application: Application, *, entered_on: datetime.date, by, now: datetime.datetime) -> Participation:
    """Create the participation (« entrée en formation »), its history, its email and its attestation."""
    try:
        with transaction.atomic():
            participation = Participation.objects.create(
                application=application, state=State.ENTERED, entered_on=entered_on
            )
    except IntegrityError:
        # Another transaction entered the person meanwhile: follow that row.
        return Participation.objects.select_for_update().get(application=application)
    reason = _("Entrée enregistrée par le personnel.") if by is not None else _("Première présence émargée.")
    ParticipationChange.objects.create(
        participation=participation, from_state="", to_state=State.ENTERED, changed_by=by, changed_at=now, reason=reason
    )
    _notify_person(
        application,
        key=f"participation-entered:{participation.pk}",
        template="participation_entered",
        subject=_("Votre entrée en formation est enregistrée : %(programme)s"),
        context={"entered_text": date_long(entered_on), "followup_url": _space_url()},
    )
    funder_documents.document_request(application=application, kind=FunderDocument.Kind.ENTRY)
    return participation


def _move(participation: Participation, to_state: str, *, by, now: datetime.datetime, reason: str) -> None:
    from_state = participation.state
    participation.state = to_state
    participation.save(update_fields=["state", "updated_at"])
    ParticipationChange.objects.create(
        participation=participation,
        from_state=from_state,
        to_state=to_state,
        changed_by=by,
        changed_at=now,
        reason=reason,
    )


def _notify_person(application: Application, *, key: str, template: str, subject: str, context: dict) -> None:
    subject_text = SUBJECT_PREFIX + subject % {"programme": application.session.programme.title}
    outbox.notification_create(
        key=key,
        template=template,
        recipient_email=application.applicant.email,
        user=application.applicant,
        application=application,
        context=context,
        subject=subject_text,
    )


# --- Missed slots -----------------------------------------------------------------------------------


def _alerts_of(applications: list[Application]) -> dict[int, dict[int, AbsenceAlert]]:
    found: dict[int, dict[int, AbsenceAlert]] = {}
    for alert in AbsenceAlert.objects.filter(application__in=applications):
        found.setdefault(alert.application_id, {})[alert.slot_id] = alert
    return found


def _watch_absences(
    application: Application,
    course: progress.Course,
    alerts: dict[int, AbsenceAlert],
    *,
    now: datetime.datetime,
) -> None:
    """One alert per run of unexcused absences on closed sheets, once it reaches the threshold.

    The alert is tied to the run's slot that reached the threshold: a longer run updates its
    count, never raises a second one; a presence (or an excused absence) ends the run.
    """
    threshold = settings.ATTENDANCE_ALERT_AFTER_MISSED
    run: list[int] = []
    for slot_id, status in reversed(course.closed):
        if status != AttendanceStatus.ABSENT:
            break
        run.append(slot_id)
    if len(run) < threshold:
        return
    run.reverse()
    slot_id = run[threshold - 1]
    alert = alerts.get(slot_id)
    if alert is not None:
        if alert.missed_count != len(run):
            alert.missed_count = len(run)
            alert.save(update_fields=["missed_count"])
        return
    try:
        with transaction.atomic():
            alert = AbsenceAlert.objects.create(application=application, slot_id=slot_id, missed_count=len(run))
    except IntegrityError:
        return  # raised meanwhile by another transaction, which asked the person already
    missed = list(Slot.objects.filter(pk__in=run).order_by("date", "start_time").values_list("date", flat=True))
    centre = training_body()
    _notify_person(
        application,
        key=f"absence-help:{alert.pk}",
        template="absence_help",
        subject=_("Vous avez manqué plusieurs cours : avez-vous besoin d'aide ?"),
        context={
            "missed_count": len(run),
            "missed_dates": [date_long(day) for day in missed],
            "centre_name": centre.name,
            "centre_phone": centre.phone_display,
            "centre_email": centre.email,
        },
    )


def alert_handle(*, alert: AbsenceAlert, note: str, by) -> AbsenceAlert:
    """Staff called the person (or tried to): the alert is handled, with what was done."""
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("Indiquez la suite donnée à l'alerte (appel, message, rendez-vous…)."), code="no_note")
    with transaction.atomic():
        locked = AbsenceAlert.objects.select_for_update().get(pk=alert.pk)
        if locked.handled_at is not None:
            raise ValidationError(
                _("Cette alerte a déjà été traitée le %(day)s.") % {"day": date_long(locked.handled_at)},
                code="already_handled",
            )
        locked.handled_at = timezone.now()
        locked.handled_by = by
        locked.note = note
        locked.save(update_fields=["handled_at", "handled_by", "note"])
    alert.handled_at, alert.handled_by, alert.note = locked.handled_at, locked.handled_by, locked.note
    return locked


def absence_digest_send(*, now: datetime.datetime | None = None) -> int:
    """Email each active « Gestionnaire formations » the alerts no digest carried yet; the number of emails.

    One email per person per day: a second run the same day sends nothing, and the alerts raised
    after the first wait for the next day's.
    """
    now = now or timezone.now()
    day = timezone.localdate(now)
    prefix = f"absence-digest:{day.isoformat()}:"
    with transaction.atomic():
        if Notification.objects.filter(idempotency_key__startswith=prefix).exists():
            return 0
        ids = list(
            AbsenceAlert.objects.select_for_update()
            .filter(digest_sent_at__isnull=True, handled_at__isnull=True)
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        staff = list(
            get_user_model()
            .objects.filter(is_active=True, is_staff=True, groups__name=GESTIONNAIRE)
            .exclude(email="")
            .distinct()
            .order_by("pk")
        )
        if not staff:
            return 0  # kept for a day someone is there to read them
        alerts = (
            AbsenceAlert.objects.filter(pk__in=ids)
            .select_related("application__session__programme", "application__applicant__applicant_profile", "slot")
            .order_by("created_at", "pk")
        )
        rows = [
            {
                "name": _person_name(alert.application),
                "reference": alert.application.reference,
                "programme": alert.application.session.programme.title,
                "session": alert.application.session.reference,
                "missed_count": alert.missed_count,
                "last_missed": date_long(alert.slot.date),
            }
            for alert in alerts
        ]
        list_url = settings.SITE_URL + reverse("admin:attendance_absencealert_changelist") + "?etat=ouvertes"
        subject = SUBJECT_PREFIX + ngettext(
            "Absences répétées : %(count)d personne à appeler",
            "Absences répétées : %(count)d personnes à appeler",
            len(rows),
        ) % {"count": len(rows)}
        sent = 0
        for user in staff:
            if outbox.notification_create(
                key=f"{prefix}{user.pk}",
                template="absence_digest",
                recipient_email=user.email,
                user=user,
                context={"alerts": rows, "count": len(rows), "alerts_url": list_url, "day_text": date_long(day)},
                subject=subject,
            ):
                sent += 1
        AbsenceAlert.objects.filter(pk__in=ids).update(digest_sent_at=now)
    return sent


def _person_name(application: Application) -> str:
    try:
        return application.applicant.applicant_profile.full_name
    except ObjectDoesNotExist:  # no profile: the account's own name
        return application.applicant.get_full_name() or application.applicant.email


# --- What staff record ------------------------------------------------------------------------------


def participation_enter(
    *, application: Application, entered_on: datetime.date, by, now: datetime.datetime | None = None
) -> Participation:
    """Staff record that the person started on ``entered_on`` although no sheet shows it yet."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if application.status != ApplicationStatus.ENROLLED:
        raise ValidationError(
            _("Seule une inscription confirmée peut entrer en formation (statut actuel : « %(status)s »).")
            % {"status": application.get_status_display()},
            code="not_enrolled",
        )
    session = application.session
    if entered_on > today:
        raise ValidationError(_("La date d'entrée en formation ne peut pas être dans le futur."), code="future")
    if not (session.start_date <= entered_on <= session.end_date):
        raise ValidationError(
            _("La date d'entrée doit se situer pendant la session, du %(start)s au %(end)s.")
            % {"start": date_long(session.start_date), "end": date_long(session.end_date)},
            code="outside_session",
        )
    with transaction.atomic():
        existing = Participation.objects.select_for_update().filter(application=application).first()
        if existing is not None:
            raise ValidationError(
                _("Cette personne est déjà entrée en formation le %(day)s.") % {"day": date_long(existing.entered_on)},
                code="already_entered",
            )
        participation = _enter(application, entered_on=entered_on, by=by, now=now)
        # Its hours, and « en formation » if a sheet already shows a later day; its attestation is asked for.
        _refresh([application.pk], now=now, documents=False)
    participation.refresh_from_db()
    return participation


def participation_exit(
    *,
    participation: Participation,
    kind: str,
    abandon_reason: str = "",
    note: str = "",
    exited_on: datetime.date,
    by,
    now: datetime.datetime | None = None,
) -> Participation:
    """Record the person's exit: completed, abandon (with its reason) or exclusion.

    The certificat de réalisation is then asked for; the person is emailed.
    """
    now = now or timezone.now()
    note = (note or "").strip()
    if kind not in ExitKind.values:
        raise ValidationError(_("Choisissez le type de sortie : achevée, abandon ou exclusion."), code="unknown_kind")
    if kind == ExitKind.ABANDON:
        if abandon_reason not in AbandonReason.values:
            raise ValidationError(
                _("Un abandon a un motif : %(reasons)s.")
                % {"reasons": ", ".join(str(label).lower() for label in AbandonReason.labels)},
                code="abandon_reason",
            )
        if abandon_reason == AbandonReason.OTHER and not note:
            raise ValidationError(_("Précisez le motif de l'abandon « Autre »."), code="other_needs_note")
    elif abandon_reason:
        raise ValidationError(_("Seul un abandon a un motif d'abandon."), code="reason_without_abandon")
    if kind == ExitKind.EXCLUSION and not note:
        raise ValidationError(_("Une exclusion doit être motivée."), code="exclusion_needs_note")
    if exited_on > timezone.localdate(now):
        raise ValidationError(_("La date de sortie ne peut pas être dans le futur."), code="future")
    with transaction.atomic():
        # The participation's row only: its session's row is the seat ledger's to lock.
        locked = (
            Participation.objects.select_for_update(of=("self",))
            .select_related("application__session__programme", "application__applicant")
            .get(pk=participation.pk)
        )
        if locked.state == State.EXITED:
            raise ValidationError(
                _("La sortie de formation est déjà enregistrée (le %(day)s).") % {"day": date_long(locked.exited_on)},
                code="already_exited",
            )
        if exited_on < locked.entered_on:
            raise ValidationError(
                _("La date de sortie ne peut précéder l'entrée en formation (le %(day)s).")
                % {"day": date_long(locked.entered_on)},
                code="before_entry",
            )
        locked.exited_on = exited_on
        locked.exit_kind = kind
        locked.abandon_reason = abandon_reason if kind == ExitKind.ABANDON else ""
        locked.exit_note = note
        from_state = locked.state
        locked.state = State.EXITED
        locked.save(update_fields=["exited_on", "exit_kind", "abandon_reason", "exit_note", "state", "updated_at"])
        reason = str(locked.get_exit_kind_display())
        if locked.abandon_reason:
            reason += f" — {locked.get_abandon_reason_display()}"
        if note:
            reason += f" : {note}"
        ParticipationChange.objects.create(
            participation=locked,
            from_state=from_state,
            to_state=State.EXITED,
            changed_by=by,
            changed_at=now,
            reason=reason,
        )
        application = locked.application
        _notify_person(
            application,
            key=f"participation-exited:{locked.pk}",
            template="participation_exited",
            subject=_("Votre sortie de formation est enregistrée : %(programme)s"),
            context={
                "exited_text": date_long(exited_on),
                "exit_kind": str(locked.get_exit_kind_display()),
                "completed": kind == ExitKind.COMPLETED,
                "followup_url": _space_url(),
            },
        )
        # Its last hours; the documents asked again show the exit (the monthly statement says it).
        _refresh([application.pk], now=now, documents=True)
        funder_documents.document_request(application=application, kind=FunderDocument.Kind.COMPLETION)
    locked.refresh_from_db()
    return locked
