"""Figures for the direction's report: read-only selectors over a period, returning data only.

The charts are drawn by ``templates/backoffice/_bar_chart.svg.html`` from ``Chart.layout``
(positions computed in ``backoffice.charts``).

Every figure is aggregated by the database (grouped ``Count``, ``Sum``, a median) over the rows of
the period only, each query starting from an index on the period's date (``submitted_at``,
``decided_at``, the session's ``start_date``), so the report runs the same number of queries
whatever the number of applications, sessions or conventions (``REPORT_QUERIES``) and reads the
period, not the whole history. The lists are capped (``SESSION_ROWS``, ``PROGRAMME_ROWS``,
``CALL_ROWS``) so that the page stays small at the scale of a region; the totals above them still
count everything in the period.

Definitions the page states under its tables:
- an application belongs to the period when it was *submitted* in it (Mayotte dates, both ends included);
- situations are exclusive, each application counted once in the first group that describes
  its applicant: rectorat staff (profile employer is a rectorat partner, or enrolled through a
  rectorat convention), then job seekers, young people (profile situation "jeune sans diplôme"
  or "étudiant"), other employees and public agents, then everyone else;
- the commune is the applicant's commune of residence (profile);
- the decision delay counts online and desk applications decided in the period (a partner
  enrollment is decided the moment it is made, it would only pull the median to zero);
- the course's follow-up counts the people who entered training (a ``Participation`` row) in a
  session under way at some point of the period, with their hours attended and planned to date:
  attendance is hours attended over planned, completion and abandonment rates are exits of that
  kind over entries, hours delivered per convention are the hours its staff attended.
"""

import datetime
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    CharField,
    Count,
    DurationField,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextChoices,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Coalesce, NullIf
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from attendance.models import AbandonReason, ExitKind, Participation
from backoffice.charts import BarChartLayout, bar_chart_layout
from enrollment.models import Application, ApplicationStatus, Situation
from enrollment.seats import allocations_with_usage, annotate_seats
from partners.models import CallForProjects, Convention, Partner, SeatAllocation
from programs.models import Commune, Session

# Queries one report runs, whatever the data: applications by status, situation and commune,
# programmes, decision delay, sessions (with the period's totals), conventions, calls for
# projects (+ their partners), then the course's follow-up: exits and their reasons, attendance
# per session (with the number of sessions), hours per convention.
REPORT_QUERIES = 10

# Rows the page lists at most, whatever the size of the region.
SESSION_ROWS = 50
PROGRAMME_ROWS = 20
CALL_ROWS = 30

FINAL_CALL_STATES = (CallForProjects.State.WON, CallForProjects.State.LOST, CallForProjects.State.ABANDONED)
# Conventions that carried seats at some point; a draft never reserved any.
REPORTED_CONVENTION_STATES = (
    Convention.State.TO_SIGN,
    Convention.State.SIGNED,
    Convention.State.EXPIRED,
    Convention.State.TERMINATED,
)
DECISION_CHANNELS = (Application.Channel.ONLINE, Application.Channel.DESK)

PROFILE = "applicant__applicant_profile__"
RECTORAT_STAFF = Q(**{f"{PROFILE}employer__kind": Partner.Kind.RECTORAT}) | Q(
    channel=Application.Channel.PARTNER, convention__partner__kind=Partner.Kind.RECTORAT
)
SITUATION_GROUPS = (
    # (key, label, condition); a row falls in the first group whose condition it meets.
    ("rectorat", gettext_lazy("Agents du rectorat"), RECTORAT_STAFF),
    ("demandeurs", gettext_lazy("Demandeurs d'emploi"), Q(**{f"{PROFILE}situation": Situation.JOB_SEEKER})),
    (
        "jeunes",
        gettext_lazy("Jeunes"),
        Q(**{f"{PROFILE}situation__in": (Situation.YOUNG_NO_DIPLOMA, Situation.STUDENT)}),
    ),
    (
        "salaries",
        gettext_lazy("Autres salariés et agents publics"),
        Q(**{f"{PROFILE}situation__in": (Situation.EMPLOYEE, Situation.PUBLIC_AGENT)}),
    ),
)
OTHER_SITUATIONS = "autres"


class SessionOrder(TextChoices):
    """Which sessions of the period the capped table shows first."""

    LEAST_FILLED = "moins_remplies", gettext_lazy("les moins remplies d'abord")
    MOST_FILLED = "plus_remplies", gettext_lazy("les plus remplies d'abord")
    START = "debut", gettext_lazy("par date de début")


# A session without capacity has no fill rate: it goes last either way.
SESSION_ORDERINGS = {
    SessionOrder.LEAST_FILLED: (F("fill_rate").asc(nulls_last=True), "start_date", "reference"),
    SessionOrder.MOST_FILLED: (F("fill_rate").desc(nulls_last=True), "start_date", "reference"),
    SessionOrder.START: ("start_date", "reference"),
}


# --- Period -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date

    @classmethod
    def last_twelve_months(cls, today: datetime.date | None = None) -> "Period":
        today = today or timezone.localdate()
        try:
            start = today.replace(year=today.year - 1) + datetime.timedelta(days=1)
        except ValueError:  # 29 February
            start = today.replace(year=today.year - 1, day=28) + datetime.timedelta(days=1)
        return cls(start=start, end=today)

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """[first instant, first instant after) in Mayotte time."""
        tz = timezone.get_default_timezone()
        first = datetime.datetime.combine(self.start, datetime.time.min, tzinfo=tz)
        after = datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
        return first, after


# --- Figures ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    label: str
    value: float
    display: str


@dataclass
class Chart:
    key: str
    title: str
    value_header: str
    rows: list[Row]
    note: str = ""
    unit_max: float | None = None

    @cached_property
    def layout(self) -> BarChartLayout:
        return bar_chart_layout(rows=self.rows, maximum=self.unit_max)


@dataclass(frozen=True)
class SessionFill:
    """A session starting in the period, with its seats (``enrollment.seats``) and its fill rate in %."""

    session: Session
    rate: float | None

    @property
    def display(self) -> str:
        return "—" if self.rate is None else formats.number_format(self.rate, 1)


@dataclass(frozen=True)
class SessionFillTable:
    """The sessions the page lists (``SESSION_ROWS`` at most, in the order asked) and the totals
    over every scheduled session starting in the period, listed or not."""

    rows: list[SessionFill]
    count: int
    capacity: int
    taken: int


@dataclass(frozen=True)
class ConventionUsage:
    """Seats a convention in force during the period allocated, and those its enrollments hold."""

    convention_id: int
    reference: str
    title: str
    partner_name: str
    allocated: int
    used: int

    @property
    def rate(self) -> float | None:
        return _percent(self.used, self.allocated)

    @property
    def display(self) -> str:
        return "—" if self.rate is None else formats.number_format(self.rate, 1)


@dataclass(frozen=True)
class CommuneCount:
    label: str
    count: int


@dataclass(frozen=True)
class ApplicationBreakdown:
    """Applications submitted in the period: their number, and a count per status, per situation
    group (``SITUATION_GROUPS`` keys and ``OTHER_SITUATIONS``) and per commune of residence."""

    total: int
    by_status: Mapping[str, int]
    by_situation: Mapping[str, int]
    by_commune: list[CommuneCount]


@dataclass(frozen=True)
class ProgrammeCounts:
    """The programmes with the most applications in the period, and how many programmes had some."""

    top: Sequence[Mapping[str, Any]]
    count: int


@dataclass(frozen=True)
class DecisionDelay:
    """How many applications were decided in the period, and the median of days to decide them."""

    decided: int
    median_days: float | None


@dataclass
class Report:
    period: Period
    total: int
    charts: list[Chart]
    decided: int
    median_days: float | None
    session_order: SessionOrder = SessionOrder.LEAST_FILLED
    sessions: list[SessionFill] = field(default_factory=list)
    session_count: int = 0
    session_capacity: int = 0
    session_taken: int = 0
    conventions: list[ConventionUsage] = field(default_factory=list)
    calls: list[CallForProjects] = field(default_factory=list)
    # Whether more calls are open than the page lists.
    more_calls: bool = False
    # The course's follow-up of the sessions under way in the period.
    followup: "FollowupSummary | None" = None
    attendance: "list[SessionAttendance]" = field(default_factory=list)
    attendance_count: int = 0
    convention_hours: "list[ConventionHours]" = field(default_factory=list)
    abandon_chart: Chart | None = None

    @property
    def median_display(self) -> str:
        return "—" if self.median_days is None else formats.number_format(self.median_days, 1)

    @property
    def sessions_truncated(self) -> bool:
        return self.session_count > len(self.sessions)

    @property
    def fill_display(self) -> str:
        rate = _percent(self.session_taken, self.session_capacity)
        return "—" if rate is None else formats.number_format(rate, 1)

    @property
    def attendance_truncated(self) -> bool:
        return self.attendance_count > len(self.attendance)


class Median(Aggregate):
    """PostgreSQL's continuous median (percentile_cont) of an interval or a number."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False


def _count(value: int) -> str:
    return formats.number_format(value, 0, force_grouping=True)


def _percent(part: int, whole: int) -> float | None:
    return None if not whole else 100.0 * part / whole


def applications_in(period: Period) -> QuerySet[Application]:
    first, after = period.bounds()
    return Application.objects.filter(submitted_at__gte=first, submitted_at__lt=after)


def _situation_group() -> Case:
    """The key of the first situation group that describes the applicant (``OTHER_SITUATIONS`` if none)."""
    return Case(
        *(When(condition, then=Value(key)) for key, _label, condition in SITUATION_GROUPS),
        default=Value(OTHER_SITUATIONS),
        output_field=CharField(),
    )


def application_breakdown(*, period: Period) -> ApplicationBreakdown:
    """One grouped query for the period's applications by status, situation group and commune.

    It returns at most statuses × groups × communes rows (a few hundred) whatever the number of
    applications, and reads the profile once for the three tallies, summed here.
    """
    rows = (
        applications_in(period)
        .order_by()
        .values("status", situation=_situation_group(), commune=F(f"{PROFILE}commune"))
        .annotate(n=Count("*"))
    )
    by_status: Counter[str] = Counter()
    by_situation: Counter[str] = Counter()
    by_commune: Counter[str] = Counter()
    labels = dict(Commune.choices)
    for row in rows:
        by_status[row["status"]] += row["n"]
        by_situation[row["situation"]] += row["n"]
        by_commune[labels.get(row["commune"] or "", _("Non précisée"))] += row["n"]
    ordered = sorted(by_commune.items(), key=lambda item: (-item[1], item[0]))
    return ApplicationBreakdown(
        total=by_status.total(),
        by_status=by_status,
        by_situation=by_situation,
        by_commune=[CommuneCount(label=label, count=count) for label, count in ordered],
    )


def counts_by_programme(*, period: Period, limit: int = PROGRAMME_ROWS) -> ProgrammeCounts:
    """The ``limit`` programmes with the most applications in the period, and how many had some.

    A region runs a couple of thousand programmes: the chart names the first ones and sums the
    rest. The number of programmes comes with each row (a window over the groups), so the
    count costs no second query.
    """
    rows = list(
        applications_in(period)
        .values("session__programme_id", "session__programme__title")
        .annotate(n=Count("*"), programmes=Window(Count("*")))
        .order_by("-n", "session__programme__title")[:limit]
    )
    return ProgrammeCounts(top=rows, count=rows[0]["programmes"] if rows else 0)


def decision_delay(*, period: Period) -> DecisionDelay:
    """How many applications were decided in the period, and the median of days from submission to decision."""
    first, after = period.bounds()
    decided = Application.objects.filter(
        decided_at__gte=first, decided_at__lt=after, channel__in=DECISION_CHANNELS
    ).order_by()
    delay = F("decided_at") - F("submitted_at")
    if connection.vendor == "postgresql":
        row = decided.aggregate(n=Count("*"), median=Median(delay, output_field=DurationField()))
        median = row["median"]
        return DecisionDelay(decided=row["n"], median_days=None if median is None else median.total_seconds() / 86400)
    # Elsewhere (SQLite in development): fetch the durations in one query, take the median here.
    days = [
        (decided_at - submitted_at).total_seconds() / 86400
        for submitted_at, decided_at in decided.values_list("submitted_at", "decided_at")
        if decided_at is not None  # always, by the filter: for the type checker
    ]
    return DecisionDelay(decided=len(days), median_days=statistics.median(days) if days else None)


def sessions_starting_in(period: Period) -> QuerySet[Session]:
    """Scheduled sessions starting in the period (the index ``session_state_start``)."""
    return Session.objects.filter(
        state=Session.State.SCHEDULED, start_date__gte=period.start, start_date__lte=period.end
    )


def _seats_held() -> Coalesce:
    """Seats taken in the session (``holding_seats``), counted from the (session, status) index alone.

    ``annotate_seats`` gives the same number for each session listed; this cheaper count sorts and
    sums every session of the period, so that the ledger's full figures are computed for the listed
    rows only (PostgreSQL evaluates the other columns after the limit).
    """
    held = (
        Application.objects.holding_seats()
        .filter(session=OuterRef("pk"))
        .order_by()
        .values("session")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(held, output_field=IntegerField()), 0)


def session_fill(
    *, period: Period, order: SessionOrder = SessionOrder.LEAST_FILLED, limit: int = SESSION_ROWS
) -> SessionFillTable:
    """The first ``limit`` sessions starting in the period in ``order``, with their seats
    (``enrollment.seats``) and fill rate, and the period's totals, in one query.

    The totals are window sums over every session of the period, computed before the limit.
    """
    sessions = list(
        annotate_seats(sessions_starting_in(period))
        .alias(held=_seats_held())
        .annotate(
            fill_rate=Cast("held", FloatField()) * Value(100.0) / NullIf(Cast("capacity", FloatField()), Value(0.0)),
            period_count=Window(Count("*")),
            period_capacity=Window(Sum("capacity")),
            period_taken=Window(Sum("held")),
        )
        .select_related("programme", "site")
        .order_by(*SESSION_ORDERINGS[order])[:limit]
    )
    first = sessions[0] if sessions else None
    return SessionFillTable(
        rows=[SessionFill(session=row, rate=_percent(row.seats_taken, row.capacity)) for row in sessions],
        count=first.period_count if first else 0,
        capacity=first.period_capacity if first else 0,
        taken=first.period_taken if first else 0,
    )


def convention_usage(*, period: Period) -> list[ConventionUsage]:
    """Seats allocated and used per convention in force at some point of the period."""
    allocations = SeatAllocation.objects.filter(
        convention__state__in=REPORTED_CONVENTION_STATES,
        convention__start_date__lte=period.end,
        convention__end_date__gte=period.start,
    )
    rows = (
        allocations_with_usage(allocations)
        .values("convention_id", "convention__reference", "convention__title", "convention__partner__name")
        .annotate(allocated=Sum("seats"), used=Sum("seats_used"))
        .order_by("convention__reference")
    )
    return [
        ConventionUsage(
            convention_id=row["convention_id"],
            reference=row["convention__reference"],
            title=row["convention__title"],
            partner_name=row["convention__partner__name"],
            allocated=row["allocated"],
            used=row["used"],
        )
        for row in rows
    ]


# --- The course's follow-up ---------------------------------------------------------------------
#
# Read from each enrolled person's follow-up row (attendance.Participation), whose hours the
# attendance services keep current: summing those rows never reads an attendance line. The
# people counted are those who entered training in a session under way at some point of the
# period (started by its end, not over before its start); their hours are all they attended and
# all that was planned for them up to now.


def _rate(part: Decimal, whole: Decimal) -> float | None:
    """``part`` over ``whole`` in %, at most 100; None when ``whole`` is nothing."""
    if not whole:
        return None
    return min(100.0, 100.0 * float(part) / float(whole))


def _rate_display(rate: float | None) -> str:
    return "—" if rate is None else formats.number_format(rate, 1)


def hours_display(value: Decimal) -> str:
    """``1 234,5``: hours with their decimals when they have some (the unit is the column's)."""
    places = 0 if value == value.to_integral_value() else 2
    text = formats.number_format(value, places, force_grouping=True)
    return text.rstrip("0").rstrip(",") if places else text


def participations_in(period: Period) -> QuerySet[Participation]:
    """The follow-up of the people in sessions under way at some point of the period."""
    return Participation.objects.filter(
        application__session__start_date__lte=period.end, application__session__end_date__gte=period.start
    )


@dataclass(frozen=True)
class FollowupSummary:
    """Who entered training in the period's sessions, how they left (abandons by reason), their hours."""

    entered: int
    completed: int
    abandoned: int
    excluded: int
    by_reason: Mapping[str, int]
    hours_attended: Decimal
    hours_planned: Decimal

    @property
    def in_training(self) -> int:
        return self.entered - self.completed - self.abandoned - self.excluded

    @property
    def attendance_rate(self) -> float | None:
        return _rate(self.hours_attended, self.hours_planned)

    @property
    def completion_rate(self) -> float | None:
        return _percent(self.completed, self.entered)

    @property
    def abandonment_rate(self) -> float | None:
        return _percent(self.abandoned, self.entered)

    @property
    def attendance_display(self) -> str:
        return _rate_display(self.attendance_rate)

    @property
    def completion_display(self) -> str:
        return _rate_display(self.completion_rate)

    @property
    def abandonment_display(self) -> str:
        return _rate_display(self.abandonment_rate)

    @property
    def hours_attended_display(self) -> str:
        return hours_display(self.hours_attended)

    def reason_rows(self) -> list[Row]:
        """Every abandonment reason, in the order of the list staff choose from, with its count."""
        return [
            Row(str(reason.label), self.by_reason.get(reason.value, 0), _count(self.by_reason.get(reason.value, 0)))
            for reason in AbandonReason
        ]


def followup_summary(*, period: Period) -> FollowupSummary:
    """The period's entries, exits by kind and abandons by reason, and their hours, in one grouped query.

    At most a dozen groups (exit kinds × abandonment reasons), whatever the number of people.
    """
    rows = (
        participations_in(period)
        .order_by()
        .values("exit_kind", "abandon_reason")
        .annotate(n=Count("*"), attended=Sum("hours_attended"), planned=Sum("hours_planned"))
    )
    by_kind: Counter[str] = Counter()
    by_reason: Counter[str] = Counter()
    attended = planned = Decimal(0)
    for row in rows:
        by_kind[row["exit_kind"]] += row["n"]
        if row["exit_kind"] == ExitKind.ABANDON:
            by_reason[row["abandon_reason"]] += row["n"]
        attended += row["attended"] or 0
        planned += row["planned"] or 0
    return FollowupSummary(
        entered=by_kind.total(),
        completed=by_kind[ExitKind.COMPLETED],
        abandoned=by_kind[ExitKind.ABANDON],
        excluded=by_kind[ExitKind.EXCLUSION],
        by_reason=by_reason,
        hours_attended=Decimal(attended),
        hours_planned=Decimal(planned),
    )


@dataclass(frozen=True)
class SessionAttendance:
    """A session under way in the period: the people who entered it and their hours attended over planned."""

    session_id: int
    reference: str
    programme_title: str
    start_date: datetime.date
    end_date: datetime.date
    people: int
    completed: int
    abandoned: int
    hours_attended: Decimal
    hours_planned: Decimal

    @property
    def rate(self) -> float | None:
        return _rate(self.hours_attended, self.hours_planned)

    @property
    def display(self) -> str:
        return _rate_display(self.rate)

    @property
    def hours_attended_display(self) -> str:
        return hours_display(self.hours_attended)

    @property
    def hours_planned_display(self) -> str:
        return hours_display(self.hours_planned)


@dataclass(frozen=True)
class SessionAttendanceTable:
    """The sessions the page lists (``SESSION_ROWS`` at most, the least attended first) and how many there are."""

    rows: list[SessionAttendance]
    count: int


def session_attendance(*, period: Period, limit: int = SESSION_ROWS) -> SessionAttendanceTable:
    """The ``limit`` least attended sessions under way in the period, and their number, in one grouped query.

    The least attended first: those are the ones to call about. A session with nothing planned
    yet has no rate and goes last.
    """
    session = "application__session__"
    rows = list(
        participations_in(period)
        .values(
            f"{session}id",
            f"{session}reference",
            f"{session}programme__title",
            f"{session}start_date",
            f"{session}end_date",
        )
        .annotate(
            people=Count("*"),
            completed=Count("pk", filter=Q(exit_kind=ExitKind.COMPLETED)),
            abandoned=Count("pk", filter=Q(exit_kind=ExitKind.ABANDON)),
            attended=Sum("hours_attended"),
            planned=Sum("hours_planned"),
            rate=Cast(Sum("hours_attended"), FloatField())
            / NullIf(Cast(Sum("hours_planned"), FloatField()), Value(0.0)),
            sessions=Window(Count("*")),
        )
        .order_by(F("rate").asc(nulls_last=True), f"{session}start_date", f"{session}reference")[:limit]
    )
    return SessionAttendanceTable(
        rows=[
            SessionAttendance(
                session_id=row[f"{session}id"],
                reference=row[f"{session}reference"],
                programme_title=row[f"{session}programme__title"],
                start_date=row[f"{session}start_date"],
                end_date=row[f"{session}end_date"],
                people=row["people"],
                completed=row["completed"],
                abandoned=row["abandoned"],
                hours_attended=Decimal(row["attended"] or 0),
                hours_planned=Decimal(row["planned"] or 0),
            )
            for row in rows
        ],
        count=rows[0]["sessions"] if rows else 0,
    )


@dataclass(frozen=True)
class ConventionHours:
    """The hours a convention's staff attended in the sessions under way in the period."""

    convention_id: int
    reference: str
    title: str
    partner_name: str
    people: int
    hours_attended: Decimal
    hours_planned: Decimal

    @property
    def rate(self) -> float | None:
        return _rate(self.hours_attended, self.hours_planned)

    @property
    def display(self) -> str:
        return _rate_display(self.rate)

    @property
    def hours_attended_display(self) -> str:
        return hours_display(self.hours_attended)

    @property
    def hours_planned_display(self) -> str:
        return hours_display(self.hours_planned)


def convention_hours(*, period: Period) -> list[ConventionHours]:
    """Hours delivered per convention: the sum of the hours its staff attended, in one grouped query."""
    convention = "application__convention__"
    rows = (
        participations_in(period)
        .filter(application__convention__isnull=False)
        .values(f"{convention}id", f"{convention}reference", f"{convention}title", f"{convention}partner__name")
        .annotate(people=Count("*"), attended=Sum("hours_attended"), planned=Sum("hours_planned"))
        .order_by(f"{convention}reference")
    )
    return [
        ConventionHours(
            convention_id=row[f"{convention}id"],
            reference=row[f"{convention}reference"],
            title=row[f"{convention}title"],
            partner_name=row[f"{convention}partner__name"],
            people=row["people"],
            hours_attended=Decimal(row["attended"] or 0),
            hours_planned=Decimal(row["planned"] or 0),
        )
        for row in rows
    ]


def upcoming_calls(*, today: datetime.date | None = None, limit: int = CALL_ROWS) -> list[CallForProjects]:
    """Calls for projects still to answer or to hear from, nearest deadline first.

    Returns one more than ``limit`` when there are more, so the page knows to link to the full list.
    """
    today = today or timezone.localdate()
    return list(
        CallForProjects.objects.filter(deadline__gte=today)
        .exclude(state__in=FINAL_CALL_STATES)
        .select_related("convention")
        .prefetch_related("partners")
        .order_by("deadline", "pk")[: limit + 1]
    )


def _programme_note(*, programmes: ProgrammeCounts, total: int) -> str:
    """What the programmes past the charted ones add up to, written out rather than drawn: one bar
    of thousands of applications would flatten every other."""
    hidden = programmes.count - len(programmes.top)
    if hidden <= 0:
        return ""
    rest = total - sum(row["n"] for row in programmes.top)
    return ngettext(
        "Les %(shown)s formations qui ont reçu le plus de candidatures ; %(count)s autre formation en a reçu %(rest)s.",
        "Les %(shown)s formations qui ont reçu le plus de candidatures ; %(count)s autres formations en ont reçu "
        "%(rest)s au total.",
        hidden,
    ) % {"shown": len(programmes.top), "count": _count(hidden), "rest": _count(rest)}


def build_report(
    *, period: Period, session_order: SessionOrder = SessionOrder.LEAST_FILLED, today: datetime.date | None = None
) -> Report:
    breakdown = application_breakdown(period=period)
    total = breakdown.total

    status_rows = [
        Row(str(status.label), breakdown.by_status[status.value], _count(breakdown.by_status[status.value]))
        for status in ApplicationStatus
    ]
    situation_rows = [
        Row(str(label), breakdown.by_situation[key], _count(breakdown.by_situation[key]))
        for key, label, _q in SITUATION_GROUPS
    ]
    others = breakdown.by_situation[OTHER_SITUATIONS]
    situation_rows.append(Row(_("Autres situations"), others, _count(others)))
    programmes = counts_by_programme(period=period)
    programme_rows = [Row(row["session__programme__title"], row["n"], _count(row["n"])) for row in programmes.top]
    commune_rows = [Row(row.label, row.count, _count(row.count)) for row in breakdown.by_commune]
    delay = decision_delay(period=period)
    fill = session_fill(period=period, order=session_order)
    fill_rows = [
        Row(f"{row.session.programme.title} — {row.session.reference}", row.rate or 0, f"{row.display} %")
        for row in fill.rows
    ]
    calls = upcoming_calls(today=today)
    attendance = session_attendance(period=period)
    followup = followup_summary(period=period)
    abandon_chart = Chart(
        "abandons",
        _("Abandons par motif"),
        _("Abandons"),
        followup.reason_rows(),
        note=_("Personnes sorties de formation par abandon, dans les sessions en cours pendant la période."),
    )

    charts = [
        Chart("statuts", _("Candidatures par statut"), _("Candidatures"), status_rows),
        Chart(
            "situations",
            _("Candidatures par situation"),
            _("Candidatures"),
            situation_rows,
            note=_(
                "Chaque candidature est comptée une seule fois, dans le premier groupe qui la décrit : "
                "agents du rectorat (employeur partenaire de type rectorat, ou inscription par une convention "
                "du rectorat), puis demandeurs d'emploi, jeunes (situation « jeune sans diplôme ou en "
                "décrochage » ou « étudiant » du profil), autres salariés et agents publics, puis les autres."
            ),
        ),
        Chart(
            "formations",
            _("Candidatures par formation"),
            _("Candidatures"),
            programme_rows,
            note=_programme_note(programmes=programmes, total=total),
        ),
        Chart(
            "communes",
            _("Candidatures par commune de résidence"),
            _("Candidatures"),
            commune_rows,
            note=_("Commune de résidence indiquée dans le profil du candidat."),
        ),
        Chart(
            "remplissage",
            _("Taux de remplissage des sessions commençant dans la période"),
            _("Taux de remplissage"),
            fill_rows,
            note=_(
                "Places attribuées (acceptées, proposées, inscrites) rapportées à la capacité de la session ; "
                "les sessions du tableau des places, dans le même ordre."
            ),
            unit_max=100,
        ),
    ]
    return Report(
        period=period,
        total=total,
        charts=charts,
        decided=delay.decided,
        median_days=delay.median_days,
        session_order=session_order,
        sessions=fill.rows,
        session_count=fill.count,
        session_capacity=fill.capacity,
        session_taken=fill.taken,
        conventions=convention_usage(period=period),
        calls=calls[:CALL_ROWS],
        more_calls=len(calls) > CALL_ROWS,
        followup=followup,
        attendance=attendance.rows,
        attendance_count=attendance.count,
        convention_hours=convention_hours(period=period),
        abandon_chart=abandon_chart,
    )
