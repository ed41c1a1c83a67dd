"""Figures for the direction's report: read-only selectors over a period, returning data only.

The charts are drawn by ``templates/backoffice/_bar_chart.svg.html`` from ``Chart.layout``
(positions computed in ``backoffice.charts``).

Every figure is aggregated by the database (conditional ``Count``, ``Sum``, a median), so the
report runs the same number of queries whatever the number of applications, sessions or
conventions: see ``REPORT_QUERIES``.

Definitions the page states under its tables:
- an application belongs to the period when it was *submitted* in it (Mayotte dates, both ends included);
- situations are exclusive, each application counted once in the first group that describes
  its applicant: rectorat staff (profile employer is a rectorat partner, or enrolled through a
  rectorat convention), then job seekers, young people (profile situation "jeune sans diplôme"
  or "étudiant"), other employees and public agents, then everyone else;
- the commune is the applicant's commune of residence (profile);
- the decision delay counts online and desk applications decided in the period (a partner
  enrollment is decided the moment it is made, it would only pull the median to zero).
"""

import datetime
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Count, DurationField, F, Q, QuerySet, Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice.charts import BarChartLayout, bar_chart_layout
from enrollment.models import Application, ApplicationStatus, Situation
from enrollment.seats import allocations_with_usage, annotate_seats
from partners.models import CallForProjects, Convention, Partner, SeatAllocation
from programs.models import Commune, Session

# Queries one report runs, whatever the data: statuses and situations, programmes, communes,
# decision delay, sessions, conventions, calls for projects (+ their partners).
REPORT_QUERIES = 8

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
    sessions: list[SessionFill] = field(default_factory=list)
    conventions: list[ConventionUsage] = field(default_factory=list)
    calls: list[CallForProjects] = field(default_factory=list)

    @property
    def median_display(self) -> str:
        return "—" if self.median_days is None else formats.number_format(self.median_days, 1)


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


def status_and_situation_counts(*, period: Period) -> dict[str, int]:
    """One query: the total, a count per status and per (exclusive) situation group."""
    aggregates: dict[str, Count] = {"total": Count("pk")}
    for status in ApplicationStatus:
        aggregates[f"status_{status.value}"] = Count("pk", filter=Q(status=status))
    earlier: Q | None = None
    for key, _label, condition in SITUATION_GROUPS:
        aggregates[f"situation_{key}"] = Count("pk", filter=condition if earlier is None else condition & ~earlier)
        earlier = condition if earlier is None else earlier | condition
    return applications_in(period).aggregate(**aggregates)


def counts_by_programme(*, period: Period) -> list[Mapping[str, Any]]:
    return list(
        applications_in(period)
        .values("session__programme_id", "session__programme__title")
        .annotate(n=Count("pk"))
        .order_by("-n", "session__programme__title")
    )


def counts_by_commune(*, period: Period) -> list[CommuneCount]:
    rows = (
        applications_in(period).values(commune=F(f"{PROFILE}commune")).annotate(n=Count("pk")).order_by("-n", "commune")
    )
    labels = dict(Commune.choices)
    merged: dict[str, int] = {}
    for row in rows:
        label = labels.get(row["commune"] or "", _("Non précisée"))
        merged[label] = merged.get(label, 0) + row["n"]
    ordered = sorted(merged.items(), key=lambda item: (-item[1], item[0]))
    return [CommuneCount(label=label, count=count) for label, count in ordered]


def decision_delay(*, period: Period) -> DecisionDelay:
    """How many applications were decided in the period, and the median of days from submission to decision."""
    first, after = period.bounds()
    decided = Application.objects.filter(
        decided_at__gte=first, decided_at__lt=after, channel__in=DECISION_CHANNELS
    ).order_by()
    delay = F("decided_at") - F("submitted_at")
    if connection.vendor == "postgresql":
        row = decided.aggregate(n=Count("pk"), median=Median(delay, output_field=DurationField()))
        median = row["median"]
        return DecisionDelay(decided=row["n"], median_days=None if median is None else median.total_seconds() / 86400)
    # Elsewhere (SQLite in development): fetch the durations in one query, take the median here.
    days = [
        (decided_at - submitted_at).total_seconds() / 86400
        for submitted_at, decided_at in decided.values_list("submitted_at", "decided_at")
        if decided_at is not None  # always, by the filter: for the type checker
    ]
    return DecisionDelay(decided=len(days), median_days=statistics.median(days) if days else None)


def session_fill(*, period: Period) -> list[SessionFill]:
    """Scheduled sessions starting in the period, with seats (enrollment.seats) and their fill rate."""
    sessions = list(
        annotate_seats(
            Session.objects.filter(
                state=Session.State.SCHEDULED, start_date__gte=period.start, start_date__lte=period.end
            )
        )
        .select_related("programme", "site")
        .order_by("start_date", "reference")
    )
    return [SessionFill(session=session, rate=_percent(session.seats_taken, session.capacity)) for session in sessions]


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


def upcoming_calls(*, today: datetime.date | None = None) -> list[CallForProjects]:
    """Calls for projects still to answer or to hear from, nearest deadline first."""
    today = today or timezone.localdate()
    return list(
        CallForProjects.objects.filter(deadline__gte=today)
        .exclude(state__in=FINAL_CALL_STATES)
        .select_related("convention")
        .prefetch_related("partners")
        .order_by("deadline", "pk")
    )


def build_report(*, period: Period, today: datetime.date | None = None) -> Report:
    counts = status_and_situation_counts(period=period)
    total = counts["total"]
    grouped = sum(counts[f"situation_{key}"] for key, _label, _q in SITUATION_GROUPS)

    status_rows = [
        Row(str(status.label), counts[f"status_{status.value}"], _count(counts[f"status_{status.value}"]))
        for status in ApplicationStatus
    ]
    situation_rows = [
        Row(str(label), counts[f"situation_{key}"], _count(counts[f"situation_{key}"]))
        for key, label, _q in SITUATION_GROUPS
    ]
    situation_rows.append(Row(_("Autres situations"), total - grouped, _count(total - grouped)))
    programme_rows = [
        Row(row["session__programme__title"], row["n"], _count(row["n"])) for row in counts_by_programme(period=period)
    ]
    commune_rows = [Row(row.label, row.count, _count(row.count)) for row in counts_by_commune(period=period)]
    delay = decision_delay(period=period)
    sessions = session_fill(period=period)
    fill_rows = [
        Row(f"{fill.session.programme.title} — {fill.session.reference}", fill.rate or 0, f"{fill.display} %")
        for fill in sessions
    ]

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
        Chart("formations", _("Candidatures par formation"), _("Candidatures"), programme_rows),
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
            note=_("Places attribuées (acceptées, proposées, inscrites) rapportées à la capacité de la session."),
            unit_max=100,
        ),
    ]
    return Report(
        period=period,
        total=total,
        charts=charts,
        decided=delay.decided,
        median_days=delay.median_days,
        sessions=sessions,
        conventions=convention_usage(period=period),
        calls=upcoming_calls(today=today),
    )
