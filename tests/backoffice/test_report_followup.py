"""The direction's report on the course's follow-up: attendance per session, completions and
abandons with their reasons, hours delivered per convention — on known data, in French, in a
fixed number of queries."""

import datetime
import html
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from attendance.models import AbandonReason, ExitKind, ParticipationState
from backoffice import selectors as reporting
from partners.models import CallForProjects
from tests.factories import (
    ApplicationFactory,
    ConventionFactory,
    ParticipationFactory,
    PartnerApplicationFactory,
    PartnerFactory,
    SeatAllocationFactory,
    SessionFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db

MARCH = reporting.Period(start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 31))
PERIOD = {"du": "2026-03-01", "au": "2026-03-31"}


def followed(application, planned, attended, *, exit_kind="", reason="", exited_on=None):
    state = ParticipationState.EXITED if exit_kind else ParticipationState.IN_TRAINING
    return ParticipationFactory(
        application=application,
        state=state,
        entered_on=application.session.start_date,
        exited_on=exited_on or (application.session.start_date + datetime.timedelta(days=10) if exit_kind else None),
        exit_kind=exit_kind,
        abandon_reason=reason,
        hours_planned=Decimal(planned),
        hours_attended=Decimal(attended),
    )


@pytest.fixture
def scene():
    """Sessions around March 2026 and the people who entered them, with known hours and exits."""
    rectorat = PartnerFactory(name="Rectorat de Mayotte")
    tsingoni = PartnerFactory(name="Commune de Tsingoni")
    rectorat_convention = ConventionFactory(partner=rectorat, reference="CONV-2026-100", title="Convention rectorat")
    tsingoni_convention = ConventionFactory(partner=tsingoni, reference="CONV-2026-200", title="Convention Tsingoni")
    # Under way all of March.
    spring = SessionFactory(
        reference="S-PRINTEMPS",
        programme__title="Accueil des usagers",
        start_date=datetime.date(2026, 3, 2),
        end_date=datetime.date(2026, 6, 30),
    )
    # Ends in the first days of March: under way in the period too.
    winter = SessionFactory(
        reference="S-HIVER",
        programme__title="Bureautique",
        start_date=datetime.date(2026, 1, 10),
        end_date=datetime.date(2026, 3, 5),
    )
    # Nothing planned yet for its only trainee.
    fresh = SessionFactory(
        reference="S-NOUVELLE", start_date=datetime.date(2026, 3, 30), end_date=datetime.date(2026, 5, 30)
    )
    # Outside the period: over before it, or not started by its end.
    before = SessionFactory(
        reference="S-AVANT", start_date=datetime.date(2025, 11, 1), end_date=datetime.date(2026, 2, 28)
    )
    after = SessionFactory(reference="S-APRES", start_date=datetime.date(2026, 4, 1))

    spring_seats = SeatAllocationFactory(convention=rectorat_convention, session=spring, seats=4)
    winter_seats = SeatAllocationFactory(convention=tsingoni_convention, session=winter, seats=2)

    awa = PartnerApplicationFactory(allocation=spring_seats)
    followed(awa, 30, 30, exit_kind=ExitKind.COMPLETED, exited_on=datetime.date(2026, 6, 30))
    bakari = PartnerApplicationFactory(allocation=spring_seats)
    followed(bakari, 30, 6, exit_kind=ExitKind.ABANDON, reason=AbandonReason.JOB)
    # Enrolled, not yet attended: no follow-up row, not counted.
    PartnerApplicationFactory(allocation=spring_seats)
    # Applied online: counted in the session, under no convention.
    followed(ApplicationFactory(session=spring, enrolled=True), 20, 10)
    ely = PartnerApplicationFactory(allocation=winter_seats)
    followed(ely, 12, 0, exit_kind=ExitKind.ABANDON, reason=AbandonReason.HEALTH)
    followed(ApplicationFactory(session=fresh, enrolled=True), 0, 0)
    followed(ApplicationFactory(session=before, enrolled=True), 40, 40, exit_kind=ExitKind.COMPLETED)
    followed(
        PartnerApplicationFactory(allocation=SeatAllocationFactory(convention=rectorat_convention, session=after)),
        10,
        10,
    )
    # A call for projects to answer: the report reads its partners too.
    CallForProjects.objects.create(
        title="FSE+ insertion des jeunes",
        funder=CallForProjects.Funder.EUROPE,
        deadline=timezone.localdate() + datetime.timedelta(days=10),
    ).partners.add(rectorat)
    return {"spring": spring, "winter": winter, "fresh": fresh}


def test_the_period_counts_entries_exits_and_their_reasons(scene):
    summary = reporting.build_report(period=MARCH).followup
    # Awa, Bakari, the online trainee and Ely in March's sessions, and the one of the new session.
    assert (summary.entered, summary.completed, summary.abandoned, summary.excluded, summary.in_training) == (
        5,
        1,
        2,
        0,
        2,
    )
    assert dict(summary.by_reason) == {AbandonReason.JOB: 1, AbandonReason.HEALTH: 1}
    # 30 + 6 + 10 + 0 + 0 hours attended of 30 + 30 + 20 + 12 + 0 planned.
    assert (summary.hours_attended, summary.hours_planned) == (Decimal(46), Decimal(92))
    assert summary.attendance_rate == pytest.approx(50.0)
    assert summary.completion_rate == pytest.approx(20.0)
    assert summary.abandonment_rate == pytest.approx(40.0)
    assert [(row.label, row.value) for row in summary.reason_rows()] == [
        ("A trouvé un emploi", 1),
        ("Santé", 1),
        ("Raisons personnelles", 0),
        ("Force majeure", 0),
        ("Autre", 0),
    ]


def test_attendance_per_session_lists_the_least_attended_first(scene):
    report = reporting.build_report(period=MARCH)
    assert [
        (row.reference, row.people, row.completed, row.abandoned, row.hours_attended, row.hours_planned)
        for row in report.attendance
    ] == [
        ("S-HIVER", 1, 0, 1, Decimal(0), Decimal(12)),
        ("S-PRINTEMPS", 3, 1, 1, Decimal(46), Decimal(80)),
        ("S-NOUVELLE", 1, 0, 0, Decimal(0), Decimal(0)),
    ]
    assert [row.rate for row in report.attendance] == [0.0, pytest.approx(57.5), None]
    assert [row.display for row in report.attendance] == ["0,0", "57,5", "—"]
    assert report.attendance_count == 3 and not report.attendance_truncated


def test_hours_delivered_per_convention_sum_its_staffs_hours(scene):
    rows = reporting.build_report(period=MARCH).convention_hours
    assert [(r.reference, r.partner_name, r.people, r.hours_attended, r.hours_planned) for r in rows] == [
        ("CONV-2026-100", "Rectorat de Mayotte", 2, Decimal(36), Decimal(60)),
        ("CONV-2026-200", "Commune de Tsingoni", 1, Decimal(0), Decimal(12)),
    ]
    assert [row.rate for row in rows] == [pytest.approx(60.0), 0.0]


def test_the_attendance_table_is_capped_and_says_how_many_sessions_there_are(scene):
    table = reporting.session_attendance(period=MARCH, limit=2)
    assert [row.reference for row in table.rows] == ["S-HIVER", "S-PRINTEMPS"]
    assert table.count == 3


def test_a_period_without_follow_up_reports_nothing_planned():
    report = reporting.build_report(period=MARCH)
    summary = report.followup
    assert (summary.entered, summary.attendance_rate, summary.completion_rate) == (0, None, None)
    assert summary.attendance_display == summary.completion_display == "—"
    assert report.attendance == [] and report.convention_hours == []


def test_hours_are_written_the_french_way():
    assert reporting.hours_display(Decimal("1234.50")) == "1\xa0234,5"
    assert reporting.hours_display(Decimal("36.00")) == "36"
    assert reporting.hours_display(Decimal("12.25")) == "12,25"


@pytest.fixture
def director(client):
    user = StaffUserFactory()
    client.force_login(user)
    return user


def test_the_page_shows_the_follow_up_in_french(client, director, scene):
    response = client.get(reverse("admin_report"), PERIOD)
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    for text in (
        "Suivi de la formation des sessions en cours pendant la période",
        "Taux d'assiduité",
        "Taux d'achèvement",
        "Taux d'abandon",
        "Abandons par motif",
        "A trouvé un emploi",
        "Assiduité par session",
        "Heures de formation réalisées par convention",
        "les moins suivies d'abord",
        "57,5 %",
        "60,0 %",
        "CONV-2026-200",
        "S-NOUVELLE",
    ):
        assert text in page, text
    assert "S-AVANT" not in page and "S-APRES" not in page
    # The five charts of the applications, and the abandons' one.
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" role="img"') == 6
    assert '<table id="tableau-abandons">' in page
    from tests.cnam_portal.test_wording import assert_french_wording

    assert_french_wording(response)


def _grow(scene, count):
    """``count`` more sessions under way in March, each with two trainees, one of them a partner's."""
    convention = ConventionFactory(reference=f"CONV-2026-{300 + count}")
    for index in range(count):
        session = SessionFactory(start_date=datetime.date(2026, 3, 1 + index % 20), end_date=datetime.date(2026, 7, 1))
        followed(ApplicationFactory(session=session, enrolled=True), 20, index % 20)
        staff = PartnerApplicationFactory(allocation=SeatAllocationFactory(convention=convention, session=session))
        followed(staff, 20, 5, exit_kind=ExitKind.ABANDON, reason=AbandonReason.PERSONAL)


def _build_queries() -> int:
    with CaptureQueriesContext(connection) as queries:
        reporting.build_report(period=MARCH)
    return len(queries)


def test_the_follow_up_adds_three_queries_whatever_the_data(client, director, scene):
    assert _build_queries() == reporting.REPORT_QUERIES == 10
    cache.clear()
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("admin_report"), PERIOD)
    _grow(scene, 12)
    assert _build_queries() == reporting.REPORT_QUERIES
    cache.clear()
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("admin_report"), PERIOD)
    assert len(small) == len(large)
    assert response.context["report"].attendance_count == 15
    assert response.context["report"].followup.entered == 5 + 24


def test_the_index_the_follow_up_joins_on_holds_each_persons_session(scene):
    # Which of two indexes the planner takes on a few rows is its choice; at 200,000 applications
    # bench/bench_report_followup.py measures the gain (0.81 s -> 0.40 s). Here: the index exists
    # on PostgreSQL with the session first and the person's id, so the join can read it alone.
    if connection.vendor != "postgresql":
        pytest.skip("the index is PostgreSQL's")
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "enrollment_application")
    assert constraints["application_session_person"]["columns"] == ["session_id", "id"]
    assert constraints["application_session_person"]["index"] is True
