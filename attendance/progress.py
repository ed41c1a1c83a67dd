"""Reads of each enrolled person's course: hours planned and attended, the lines of their sheets,
the slots of a month with what they show, and the follow-up a person's space lists.

A slot counts when it is planned (a cancelled slot and its sheet never do); its hours count as
attended when the person's line on its sheet is present or late. Alerts read the closed sheets
only: an open sheet's missing signatures are not absences yet.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from core.formatting import date_long, hours_text
from enrollment.models import Application, ApplicationStatus

from .models import (
    Attendance,
    AttendanceSheet,
    FunderDocument,
    Participation,
    Slot,
)
from .models.sheets import ATTENDED_STATUSES

if TYPE_CHECKING:
    from django.contrib.auth.models import User


# --- How the follow-up writes hours and rates ---------------------------------------------------


def rate_text(rate: Decimal | None) -> str:
    """``85 %`` (a no-break space before the sign), or an empty string when nothing is planned."""
    if rate is None:
        return ""
    percent = int((rate * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return f"{percent}\u00a0%"


def month_label(month: datetime.date) -> str:
    """« janvier 2027 »: the month's name as ``date_long`` writes it, without the day."""
    return date_long(month).split(" ", 1)[1]


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(day: datetime.date) -> datetime.date:
    first = month_start(day)
    return first.replace(year=first.year + 1, month=1) if first.month == 12 else first.replace(month=first.month + 1)


# --- Each person's course, for the follow-up service --------------------------------------------


@dataclass
class Course:
    """One enrolled person's course as their session's planned slots and their own lines show it."""

    hours_planned: Decimal = Decimal("0")
    hours_attended: Decimal = Decimal("0")
    # The days of the slots attended (present or late), earliest first, each once.
    attended_dates: list[datetime.date] = field(default_factory=list)
    # The person's status on each closed sheet of a planned slot, in the slots' order, with that slot.
    closed: list[tuple[int, str]] = field(default_factory=list)


def courses_of(*, applications: Iterable[Application]) -> dict[int, Course]:
    """Each application's ``Course`` (two queries, whatever the number of people and slots)."""
    applications = list(applications)
    session_of = {application.pk: application.session_id for application in applications}
    slots_by_session: dict[int, list[Slot]] = defaultdict(list)
    for slot in (
        Slot.objects.planned()
        .filter(session_id__in=set(session_of.values()))
        .only("pk", "session_id", "date", "start_time", "end_time")
        .order_by("date", "start_time", "pk")
    ):
        slots_by_session[slot.session_id].append(slot)
    lines: dict[int, dict[int, tuple[str, str]]] = defaultdict(dict)
    for application_id, slot_id, status, sheet_state in Attendance.objects.filter(
        application_id__in=session_of, sheet__slot__state=Slot.State.PLANNED
    ).values_list("application_id", "sheet__slot_id", "status", "sheet__state"):
        lines[application_id][slot_id] = (status, sheet_state)

    courses = {}
    for application_id, session_id in session_of.items():
        course = Course()
        own = lines.get(application_id, {})
        attended_dates = set()
        for slot in slots_by_session.get(session_id, ()):
            hours = slot.hours
            course.hours_planned += hours
            line = own.get(slot.pk)
            if line is None:
                continue
            status, sheet_state = line
            if status in ATTENDED_STATUSES:
                course.hours_attended += hours
                attended_dates.add(slot.date)
            if sheet_state == AttendanceSheet.State.CLOSED:
                course.closed.append((slot.pk, status))
        course.attended_dates = sorted(attended_dates)
        courses[application_id] = course
    return courses


# --- The slots of a month, for the monthly statement --------------------------------------------


@dataclass(frozen=True)
class StatementRow:
    slot: Slot
    # The person's status on the slot's sheet, or "" when no sheet recorded them (yet).
    status: str
    status_label: str
    hours_attended: Decimal


def statement_rows(
    *, application: Application, month: datetime.date, until: datetime.date | None = None
) -> list[StatementRow]:
    """The planned slots of ``application``'s session in ``month`` (up to ``until``, an exit), with
    what the person's line on each sheet says (two queries)."""
    first = month_start(month)
    slots = (
        Slot.objects.planned()
        .filter(session_id=application.session_id, date__gte=first, date__lt=next_month(first))
        .select_related("site")
        .order_by("date", "start_time", "pk")
    )
    if until is not None:
        slots = slots.filter(date__lte=until)
    slots = list(slots)
    lines = {
        line.sheet.slot_id: line
        for line in Attendance.objects.filter(
            application=application, sheet__slot__in=[slot.pk for slot in slots]
        ).select_related("sheet")
    }
    rows = []
    for slot in slots:
        line = lines.get(slot.pk)
        if line is None:
            rows.append(StatementRow(slot=slot, status="", status_label=_("Non émargé"), hours_attended=Decimal(0)))
            continue
        attended = slot.hours if line.status in ATTENDED_STATUSES else Decimal(0)
        rows.append(
            StatementRow(
                slot=slot, status=line.status, status_label=str(line.get_status_display()), hours_attended=attended
            )
        )
    return rows


def months_with_slots(*, application: Application, until: datetime.date) -> list[datetime.date]:
    """The first day of each month in which the session has planned slots, from the start up to ``until``."""
    dates = (
        Slot.objects.planned()
        .filter(session_id=application.session_id, date__lte=until)
        .dates("date", "month", order="ASC")
    )
    return list(dates)


# --- A person's space and the documents they may download ---------------------------------------


@dataclass(frozen=True)
class MonthStatement:
    month: datetime.date
    label: str
    # The month's document once asked for (it may still be in preparation).
    document: FunderDocument | None


@dataclass(frozen=True)
class FollowUp:
    """One enrollment as the person's follow-up page shows it."""

    application: Application
    participation: Participation | None
    # The attestation d'entrée and the certificat de réalisation, once asked for.
    documents: list[FunderDocument]
    # Each month of the course so far, with its état de présence if asked for already.
    statements: list[MonthStatement]

    @property
    def state_label(self) -> str:
        if self.participation is None:
            return _("Inscrite")
        return str(self.participation.get_state_display())

    @property
    def completion_text(self) -> str:
        return "" if self.participation is None else rate_text(self.participation.completion_rate)

    @property
    def hours_text(self) -> str:
        if self.participation is None or not self.participation.hours_planned:
            return ""
        return _("%(attended)s suivies sur %(planned)s prévues") % {
            "attended": hours_text(self.participation.hours_attended),
            "planned": hours_text(self.participation.hours_planned),
        }


def _documents_prefetch() -> Prefetch:
    return Prefetch(
        "funder_documents",
        queryset=FunderDocument.objects.order_by("kind", "month", "pk").defer("error_detail"),
    )


def followups_of_applicant(*, user: "User", today: datetime.date) -> list[FollowUp]:
    """The person's enrollments with their follow-up and documents (three queries)."""
    applications = list(
        Application.objects.filter(applicant=user, status=ApplicationStatus.ENROLLED)
        .select_related("session__programme", "session__site", "participation")
        .prefetch_related(_documents_prefetch())
        .order_by("-session__start_date", "-pk")
    )
    months = _statement_months(applications=applications, today=today)
    followups = []
    for application in applications:
        participation = getattr(application, "participation", None)
        documents = list(application.funder_documents.all())
        monthly = {document.month: document for document in documents if document.month is not None}
        followups.append(
            FollowUp(
                application=application,
                participation=participation,
                documents=[document for document in documents if document.month is None],
                statements=[
                    MonthStatement(month=month, label=month_label(month), document=monthly.get(month))
                    for month in months.get(application.pk, [])
                ],
            )
        )
    return followups


def _statement_months(*, applications: list[Application], today: datetime.date) -> dict[int, list[datetime.date]]:
    """For each application, the months from its entry (to its exit, or today) with planned slots (one query)."""
    followed = {
        application.pk: application.participation
        for application in applications
        if getattr(application, "participation", None) is not None
    }
    if not followed:
        return {}
    sessions = {application.session_id for application in applications if application.pk in followed}
    by_session: dict[int, set[datetime.date]] = defaultdict(set)
    for session_id, day in (
        Slot.objects.planned()
        .filter(session_id__in=sessions, date__lte=today)
        .order_by()
        .values_list("session_id", "date")
        .distinct()
    ):
        by_session[session_id].add(month_start(day))
    months = {}
    for application in applications:
        participation = followed.get(application.pk)
        if participation is None:
            continue
        last = month_start(participation.exited_on or today)
        first = month_start(participation.entered_on)
        months[application.pk] = sorted(
            day for day in by_session.get(application.session_id, ()) if first <= day <= last
        )
    return months


def own_document(*, user: "User", pk: int) -> FunderDocument | None:
    """One of the person's own documents (None for anyone else's), with its application."""
    return FunderDocument.objects.select_related("application").filter(pk=pk, application__applicant=user).first()


def documents_of_applications(*, application_ids: Iterable[int]) -> dict[int, list[FunderDocument]]:
    """Each application's funder documents, kind and month order (one query): for the partner space."""
    found: dict[int, list[FunderDocument]] = defaultdict(list)
    for document in FunderDocument.objects.filter(application_id__in=set(application_ids)).order_by(
        "application_id", "kind", "month", "pk"
    ):
        found[document.application_id].append(document)
    return dict(found)


def participations_of(*, application_ids: Iterable[int]) -> "QuerySet[Participation]":
    """The participations of these applications (the partner space's and the report's rows)."""
    return Participation.objects.filter(application_id__in=set(application_ids))
