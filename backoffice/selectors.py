"""Figures for the direction's report: read-only selectors over a period, and the bar charts that show them.

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
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Aggregate, Count, DurationField, F, Q, Sum
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enrollment.models import Application, ApplicationStatus, Situation
from enrollment.selectors import allocations_with_usage, annotate_seats
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

    @property
    def svg(self) -> SafeString:
        return bar_chart_svg(chart_id=f"graphique-{self.key}", title=self.title, rows=self.rows, maximum=self.unit_max)


@dataclass
class Report:
    period: Period
    total: int
    charts: list[Chart]
    decided: int
    median_days: float | None
    sessions: list = field(default_factory=list)
    conventions: list = field(default_factory=list)
    calls: list = field(default_factory=list)

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


def applications_in(period: Period):
    first, after = period.bounds()
    return Application.objects.filter(submitted_at__gte=first, submitted_at__lt=after)


def status_and_situation_counts(*, period: Period) -> dict[str, int]:
    """One query: the total, a count per status and per (exclusive) situation group."""
    aggregates = {"total": Count("pk")}
    for status in ApplicationStatus:
        aggregates[f"status_{status.value}"] = Count("pk", filter=Q(status=status))
    earlier = None
    for key, _label, condition in SITUATION_GROUPS:
        aggregates[f"situation_{key}"] = Count("pk", filter=condition if earlier is None else condition & ~earlier)
        earlier = condition if earlier is None else earlier | condition
    return applications_in(period).aggregate(**aggregates)


def counts_by_programme(*, period: Period) -> list[dict]:
    return list(
        applications_in(period)
        .values("session__programme_id", "session__programme__title")
        .annotate(n=Count("pk"))
        .order_by("-n", "session__programme__title")
    )


def counts_by_commune(*, period: Period) -> list[tuple[str, int]]:
    rows = (
        applications_in(period).values(commune=F(f"{PROFILE}commune")).annotate(n=Count("pk")).order_by("-n", "commune")
    )
    labels = dict(Commune.choices)
    merged: dict[str, int] = {}
    for row in rows:
        label = labels.get(row["commune"] or "", _("Non précisée"))
        merged[label] = merged.get(label, 0) + row["n"]
    return sorted(merged.items(), key=lambda item: (-item[1], item[0]))


def decision_delay(*, period: Period) -> tuple[int, float | None]:
    """How many applications were decided in the period, and the median of days from submission to decision."""
    first, after = period.bounds()
    decided = Application.objects.filter(
        decided_at__gte=first, decided_at__lt=after, channel__in=DECISION_CHANNELS
    ).order_by()
    delay = F("decided_at") - F("submitted_at")
    if connection.vendor == "postgresql":
        row = decided.aggregate(n=Count("pk"), median=Median(delay, output_field=DurationField()))
        median = row["median"]
        return row["n"], None if median is None else median.total_seconds() / 86400
    # Elsewhere (SQLite in development): fetch the durations in one query, take the median here.
    days = [
        (decided_at - submitted_at).total_seconds() / 86400
        for submitted_at, decided_at in decided.values_list("submitted_at", "decided_at")
    ]
    return len(days), (statistics.median(days) if days else None)


def session_fill(*, period: Period) -> list[Session]:
    """Scheduled sessions starting in the period, with seats (enrollment.selectors) and ``fill_rate`` in %."""
    sessions = list(
        annotate_seats(
            Session.objects.filter(
                state=Session.State.SCHEDULED, start_date__gte=period.start, start_date__lte=period.end
            )
        )
        .select_related("programme", "site")
        .order_by("start_date", "reference")
    )
    for session in sessions:
        session.fill_rate = _percent(session.seats_taken, session.capacity)
        session.fill_display = "—" if session.fill_rate is None else formats.number_format(session.fill_rate, 1)
    return sessions


def convention_usage(*, period: Period) -> list[dict]:
    """Seats allocated and used per convention in force at some point of the period."""
    allocations = SeatAllocation.objects.filter(
        convention__state__in=REPORTED_CONVENTION_STATES,
        convention__start_date__lte=period.end,
        convention__end_date__gte=period.start,
    )
    rows = list(
        allocations_with_usage(allocations)
        .values("convention_id", "convention__reference", "convention__title", "convention__partner__name")
        .annotate(allocated=Sum("seats"), used=Sum("seats_used"))
        .order_by("convention__reference")
    )
    for row in rows:
        row["usage_rate"] = _percent(row["used"], row["allocated"])
        row["usage_display"] = "—" if row["usage_rate"] is None else formats.number_format(row["usage_rate"], 1)
    return rows


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
    commune_rows = [Row(label, n, _count(n)) for label, n in counts_by_commune(period=period)]
    decided, median = decision_delay(period=period)
    sessions = session_fill(period=period)
    fill_rows = [Row(f"{s.programme.title} — {s.reference}", s.fill_rate or 0, f"{s.fill_display} %") for s in sessions]

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
        decided=decided,
        median_days=median,
        sessions=sessions,
        conventions=convention_usage(period=period),
        calls=upcoming_calls(today=today),
    )


# --- Charts -------------------------------------------------------------------------------------

CHART_WIDTH = 640
LABEL_WIDTH = 230
VALUE_WIDTH = 70
ROW_HEIGHT = 26
BAR_HEIGHT = 16
PADDING = 8
LABEL_CHARS = 34
# DSFR "bleu France 625": 3:1 contrast or more on both the light and the dark admin themes.
BAR_COLOUR = "#6a6af4"
# Text follows the admin theme's colour.
TEXT_COLOUR = "currentColor"


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def bar_chart_svg(*, chart_id: str, title: str, rows: list[Row], maximum: float | None = None) -> SafeString:
    """A horizontal bar chart as inline SVG (no script), labelled for assistive technologies.

    The numbers themselves are given by the table next to it; the chart's description says so.
    """
    height = max(1, len(rows)) * ROW_HEIGHT + 2 * PADDING
    scale_max = max([maximum or 0, *(row.value for row in rows)]) or 1
    bar_space = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    if rows:
        body = format_html_join(
            "",
            '<g><title>{} : {}</title><text x="{}" y="{}" font-size="12" text-anchor="end" fill="{}">{}</text>'
            '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"></rect>'
            '<text x="{}" y="{}" font-size="12" fill="{}">{}</text></g>',
            (
                (
                    row.label,
                    row.display,
                    LABEL_WIDTH - 8,
                    PADDING + index * ROW_HEIGHT + BAR_HEIGHT - 3,
                    TEXT_COLOUR,
                    _short(row.label),
                    LABEL_WIDTH,
                    PADDING + index * ROW_HEIGHT,
                    f"{bar_space * row.value / scale_max:.1f}",
                    BAR_HEIGHT,
                    BAR_COLOUR,
                    f"{LABEL_WIDTH + bar_space * row.value / scale_max + 6:.1f}",
                    PADDING + index * ROW_HEIGHT + BAR_HEIGHT - 3,
                    TEXT_COLOUR,
                    row.display,
                )
                for index, row in enumerate(rows)
            ),
        )
    else:
        body = format_html(
            '<text x="{}" y="{}" font-size="12" fill="{}">{}</text>',
            PADDING,
            PADDING + BAR_HEIGHT,
            TEXT_COLOUR,
            _("Aucune donnée sur la période."),
        )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{id}-titre {id}-desc" '
        'viewBox="0 0 {w} {h}" width="100%" preserveAspectRatio="xMinYMin meet" class="report-chart">'
        '<title id="{id}-titre">{title}</title><desc id="{id}-desc">{desc}</desc>{body}</svg>',
        id=chart_id,
        w=CHART_WIDTH,
        h=height,
        title=title,
        desc=_("Diagramme en barres horizontales ; les valeurs figurent dans le tableau associé."),
        body=body,
    )
