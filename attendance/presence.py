"""Reads of the attendance sheets: when a slot may be signed, who is on a sheet, what is open now.

Each read runs a fixed number of queries whatever the number of people or slots.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.models import Attendance, AttendanceSheet, Slot, Trainer
from core.formatting import date_long, time_short
from enrollment.models import Application, ApplicationStatus
from programs.models import Session


def sign_window(slot: Slot) -> tuple[datetime.datetime, datetime.datetime]:
    """When the slot's sheet may be opened and signed: its start less, its end plus the margins."""
    return (
        slot.starts_at - datetime.timedelta(minutes=settings.ATTENDANCE_OPEN_BEFORE_MINUTES),
        slot.ends_at + datetime.timedelta(minutes=settings.ATTENDANCE_CLOSE_AFTER_MINUTES),
    )


def is_within_window(slot: Slot, now: datetime.datetime) -> bool:
    opens, closes = sign_window(slot)
    return opens <= now <= closes


def _days_around(now: datetime.datetime) -> tuple[datetime.date, datetime.date]:
    # A window can cross midnight (a late slot and its margin): the days either side may hold it.
    today = timezone.localdate(now)
    return today - datetime.timedelta(days=1), today + datetime.timedelta(days=1)


def trainer_of(user) -> Trainer | None:
    """The active trainer record of ``user``, or None (an inactive trainer has no space)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Trainer.objects.filter(user=user, is_active=True).select_related("user").first()


def trainer_runs_session(*, user, session_id: int) -> bool:
    return Trainer.objects.filter(user=user, is_active=True, sessions__pk=session_id).exists()


def trainer_sessions(*, trainer: Trainer) -> QuerySet:
    """The sessions a trainer runs, soonest first, with what their list shows."""
    return (
        trainer.sessions.select_related("programme", "site")
        .exclude(state=Session.State.CANCELLED)
        .order_by("start_date", "reference", "pk")
    )


def trainer_slots_on(*, trainer: Trainer, day: datetime.date) -> list[Slot]:
    """The slots of the trainer's sessions on ``day`` (cancelled ones too, to say so), with their sheet."""
    slots = (
        Slot.objects.filter(session__trainers=trainer, date=day)
        .select_related("session__programme", "site", "sheet")
        .order_by("start_time", "pk")
    )
    return list(slots)


def enrolled_in_session(session_id: int) -> QuerySet[Application]:
    return Application.objects.filter(session_id=session_id, status=ApplicationStatus.ENROLLED)


@dataclass(frozen=True)
class RosterRow:
    """One person on a sheet: an enrolled person (signed, marked or not yet) or someone with a line."""

    application: Application
    line: Attendance | None

    @property
    def name(self) -> str:
        return person_name(self.application)


def person_name(application: Application) -> str:
    """How sheets name a person: « Nom Prénom » from their profile, else their email address."""
    applicant = application.applicant
    profile = getattr(applicant, "applicant_profile", None)
    if profile is not None and (profile.last_name or profile.first_name):
        return f"{profile.last_name.upper()} {profile.first_name}".strip()
    return applicant.get_full_name() or applicant.email


def sheet_roster(sheet: AttendanceSheet) -> list[RosterRow]:
    """Everyone the sheet is about, by name: the people enrolled in the session now, and anyone
    who has a line (signed, then withdrew). Two queries."""
    lines = {line.application_id: line for line in Attendance.objects.filter(sheet=sheet).select_related("marked_by")}
    applications = (
        Application.objects.filter(
            Q(session_id=sheet.slot.session_id, status=ApplicationStatus.ENROLLED) | Q(pk__in=list(lines))
        )
        .select_related("applicant__applicant_profile")
        .order_by("applicant__applicant_profile__last_name", "applicant__applicant_profile__first_name", "pk")
    )
    return [RosterRow(application=application, line=lines.get(application.pk)) for application in applications]


def sheet_for_page(sheet_id: int) -> AttendanceSheet | None:
    """A sheet with its slot, session, programme, place and countersigner (one query)."""
    return (
        AttendanceSheet.objects.select_related(
            "slot__session__programme", "slot__site", "countersigned_by", "opened_by"
        )
        .filter(pk=sheet_id)
        .first()
    )


def sheets_open_for(*, user, now: datetime.datetime) -> list[AttendanceSheet]:
    """The open sheets a person may sign now: of planned slots of the sessions they are enrolled
    in, within the slot's window; each with ``own_line`` (their line, or None). Two queries."""
    first, last = _days_around(now)
    sheets = (
        AttendanceSheet.objects.filter(
            state=AttendanceSheet.State.OPEN,
            slot__state=Slot.State.PLANNED,
            slot__date__range=(first, last),
            slot__session__applications__applicant=user,
            slot__session__applications__status=ApplicationStatus.ENROLLED,
        )
        .select_related("slot__session__programme", "slot__site")
        .prefetch_related(
            Prefetch("lines", queryset=Attendance.objects.filter(application__applicant=user), to_attr="own_lines")
        )
        .order_by("slot__date", "slot__start_time", "pk")
        .distinct()
    )
    found: list[AttendanceSheet] = []
    for sheet in sheets:
        if is_within_window(sheet.slot, now):
            sheet.own_line = sheet.own_lines[0] if sheet.own_lines else None  # type: ignore[attr-defined]
            found.append(sheet)
    return found


def sheets_for_typed_code(*, user, now: datetime.datetime) -> list[AttendanceSheet]:
    """The sheets a code typed by ``user`` now may be for: those of slots around today of every
    session the person has an application to, whatever its status, the sheet's state or the
    slot's (so that a refusal can say why). One query."""
    first, last = _days_around(now)
    return list(
        AttendanceSheet.objects.filter(slot__date__range=(first, last), slot__session__applications__applicant=user)
        .select_related("slot__session")
        .order_by("pk")
        .distinct()
    )


def application_of(*, user, session_id: int) -> Application | None:
    """The person's application to the session that counts for signing: the enrolled one, else the latest."""
    applications = list(
        Application.objects.filter(applicant=user, session_id=session_id).order_by("-submitted_at", "-pk")[:10]
    )
    for application in applications:
        if application.status == ApplicationStatus.ENROLLED:
            return application
    return applications[0] if applications else None


def slot_times(slot: Slot) -> str:
    """``17 h 30 – 20 h 30``, each time unbroken on a narrow screen."""
    start, end = (time_short(value).replace(" ", "\u00a0") for value in (slot.start_time, slot.end_time))
    return f"{start} – {end}"


def slot_label(slot: Slot) -> str:
    """``1er juin 2027, 17 h 30 – 20 h 30``."""
    return f"{date_long(slot.date)}, {slot_times(slot)}"


def slot_place(slot: Slot) -> str:
    """Where the slot is held: the place and its commune, or « À distance »."""
    site = slot.site
    if site.is_remote:
        return _("À distance")
    commune = site.get_commune_display() if site.commune else ""
    return f"{site.name}, {commune}" if commune and commune not in site.name else site.name
