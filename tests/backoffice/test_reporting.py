"""The direction's report in the admin: the figures on known data, the charts, the period, access, queries."""

import datetime
import zoneinfo

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from backoffice import selectors as reporting
from enrollment.models import Application, Situation
from partners.models import CallForProjects, Convention, Partner
from programs.models import Commune, Session
from tests.factories import (
    ApplicantProfileFactory,
    ApplicationFactory,
    ConventionFactory,
    PartnerFactory,
    ProgrammeFactory,
    SeatAllocationFactory,
    SessionFactory,
    StaffUserFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MAYOTTE = zoneinfo.ZoneInfo("Indian/Mayotte")
S = Application.Status
PERIOD = {"du": "2026-03-01", "au": "2026-03-31"}
MARCH = reporting.Period(start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 31))


def at(month, day, hour=10, minute=0):
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=MAYOTTE)


def person(situation, commune, **profile):
    if situation != Situation.JOB_SEEKER:
        profile.setdefault("france_travail_id", "")
    return ApplicantProfileFactory(situation=situation, commune=commune, **profile).user


def apply(session, user, status, submitted, decided=None, **kwargs):
    if status == S.WAITLISTED:
        kwargs.setdefault("waitlisted_at", decided)
    if status == S.REJECTED:
        kwargs.setdefault("rejection_reason", "Dossier incomplet.")
    return ApplicationFactory(
        session=session, applicant=user, status=status, submitted_at=submitted, decided_at=decided, **kwargs
    )


@pytest.fixture
def scene():
    """Nine applications submitted in March 2026 (Mayotte time), two just outside, with known answers."""
    rectorat = PartnerFactory(name="Rectorat de Mayotte", kind=Partner.Kind.RECTORAT)
    commune = PartnerFactory(name="Commune de Tsingoni", kind=Partner.Kind.COMMUNE)
    convention = ConventionFactory(partner=rectorat, reference="CONV-2026-010", title="Convention rectorat")
    compta = ProgrammeFactory(title="Comptabilité et gestion")
    elec = ProgrammeFactory(title="Électricité du bâtiment")
    sa = SessionFactory(programme=compta, reference="S-A", start_date=datetime.date(2026, 3, 15), capacity=10)
    sb = SessionFactory(programme=elec, reference="S-B", start_date=datetime.date(2026, 3, 20), capacity=4)
    SessionFactory(programme=elec, reference="S-AVRIL", start_date=datetime.date(2026, 4, 15))
    SessionFactory(
        programme=elec, reference="S-ANNULEE", start_date=datetime.date(2026, 3, 25), state=Session.State.CANCELLED
    )
    SeatAllocationFactory(convention=convention, session=sb, seats=2)
    SeatAllocationFactory(convention=convention, session=sa, seats=3)
    draft = ConventionFactory(state=Convention.State.DRAFT, signed_on=None, reference="CONV-2026-011")
    SeatAllocationFactory(convention=draft, session=sa, seats=4)
    old = ConventionFactory(
        reference="CONV-2025-001", start_date=datetime.date(2024, 1, 1), end_date=datetime.date(2025, 12, 31)
    )
    SeatAllocationFactory(convention=old, session=sb, seats=1)

    P = Situation
    apply(sa, person(P.JOB_SEEKER, Commune.MAMOUDZOU), S.ACCEPTED, at(3, 2), at(3, 4))  # 2 days
    apply(sa, person(P.YOUNG_NO_DIPLOMA, Commune.KOUNGOU), S.REJECTED, at(3, 3), at(3, 9))  # 6 days
    apply(sb, person(P.STUDENT, Commune.KOUNGOU), S.WAITLISTED, at(3, 5), at(3, 6))  # 1 day
    apply(
        sa,
        person(P.PUBLIC_AGENT, Commune.DEMBENI, employer=rectorat),
        S.ENROLLED,
        at(3, 10),
        at(3, 20),  # 10 days
        channel=Application.Channel.DESK,
    )
    apply(
        sb,
        person(P.EMPLOYEE, Commune.TSINGONI),
        S.ENROLLED,
        at(3, 12),
        at(3, 12),  # a partner enrollment: decided at once, not in the median
        channel=Application.Channel.PARTNER,
        convention=convention,
    )
    apply(sb, person(P.EMPLOYEE, Commune.TSINGONI, employer=commune), S.SUBMITTED, at(3, 14))
    apply(sa, person(P.OTHER, ""), S.SUBMITTED, at(3, 15))
    apply(sb, UserFactory(), S.SUBMITTED, at(3, 16))  # no profile at all
    apply(sa, person(P.JOB_SEEKER, Commune.MAMOUDZOU), S.SUBMITTED, at(3, 31, 23, 30))  # last evening, Mayotte time
    # Outside the period by submission; decided in it, so it counts in the decision delay (3 days).
    apply(sa, person(P.JOB_SEEKER, Commune.SADA), S.ACCEPTED, at(2, 28, 23, 30), at(3, 3, 23, 30))
    apply(sa, person(P.JOB_SEEKER, Commune.SADA), S.SUBMITTED, at(4, 1, 0, 10))

    today = timezone.localdate()
    CallForProjects.objects.create(
        title="FSE+ insertion des jeunes",
        funder=CallForProjects.Funder.EUROPE,
        deadline=today + datetime.timedelta(days=10),
        state=CallForProjects.State.PREPARING,
        amount_requested="125000.00",
    )
    CallForProjects.objects.create(
        title="Plan régional BTP",
        funder=CallForProjects.Funder.DEPARTEMENT,
        deadline=today + datetime.timedelta(days=5),
        state=CallForProjects.State.WATCH,
    )
    CallForProjects.objects.create(
        title="Appel déjà retenu",
        funder=CallForProjects.Funder.STATE,
        deadline=today + datetime.timedelta(days=20),
        state=CallForProjects.State.WON,
        amount_obtained="1000.00",
    )
    CallForProjects.objects.create(
        title="Appel échu", funder=CallForProjects.Funder.STATE, deadline=today - datetime.timedelta(days=1)
    )
    return {"sa": sa, "sb": sb, "convention": convention}


def chart(report, key):
    return {row.label: row.value for row in next(c for c in report.charts if c.key == key).rows}


def test_figures_on_known_data(scene):
    report = reporting.build_report(period=MARCH)
    assert report.total == 9
    assert chart(report, "statuts") == {
        "Reçue": 4,
        "Acceptée": 1,
        "Sur liste d'attente": 1,
        "Place proposée": 0,
        "Inscrite": 2,
        "Refusée": 1,
        "Retirée": 0,
        "Offre expirée": 0,
        "Annulée": 0,
    }
    assert chart(report, "situations") == {
        "Agents du rectorat": 2,
        "Demandeurs d'emploi": 2,
        "Jeunes": 2,
        "Autres salariés et agents publics": 1,
        "Autres situations": 2,
    }
    assert chart(report, "formations") == {"Comptabilité et gestion": 5, "Électricité du bâtiment": 4}
    assert chart(report, "communes") == {
        "Koungou": 2,
        "Mamoudzou": 2,
        "Tsingoni": 2,
        "Non précisée": 2,
        "Dembéni": 1,
    }
    # Decided in March, online or at the desk: 2, 6, 1, 10 days and the February one, 3 days.
    assert report.decided == 5
    assert report.median_days == pytest.approx(3.0)
    fill = {f.session.reference: (f.session.capacity, f.session.seats_taken, f.rate) for f in report.sessions}
    assert fill == {"S-A": (10, 3, pytest.approx(30.0)), "S-B": (4, 1, pytest.approx(25.0))}
    assert [(c.reference, c.allocated, c.used) for c in report.conventions] == [("CONV-2026-010", 5, 1)]
    assert [c.title for c in report.calls] == ["Plan régional BTP", "FSE+ insertion des jeunes"]


def test_median_with_no_decision_is_empty():
    report = reporting.build_report(period=MARCH)
    assert (report.total, report.decided, report.median_days) == (0, 0, None)
    assert report.median_display == "—"


def draw(chart: reporting.Chart) -> str:
    return render_to_string("backoffice/_bar_chart.svg.html", {"chart": chart})


def test_bar_chart_is_accessible_inline_svg():
    svg = draw(reporting.Chart("g", "Candidatures <par> statut", "Candidatures", [reporting.Row("Reçue & co", 3, "3")]))
    assert svg.startswith(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="graphique-g-titre graphique-g-desc"'
    )
    assert '<title id="graphique-g-titre">Candidatures &lt;par&gt; statut</title>' in svg
    assert "<rect " in svg and "Reçue &amp; co" in svg and "<script" not in svg
    assert "Aucune donnée" in draw(reporting.Chart("v", "Vide", "Candidatures", []))


def test_bar_chart_numbers_are_written_for_svg_not_for_french_readers():
    rows = [reporting.Row(f"Ligne {index}", index * 1234.25, str(index)) for index in range(50)]
    svg = draw(reporting.Chart("n", "Beaucoup", "Candidatures", rows))
    # 50 rows of 26 px and the padding: the height passes a thousand, the widths have decimals.
    assert 'viewBox="0 0 640 1316"' in svg
    assert 'width="340.0"' in svg and 'width="173.5"' in svg


@pytest.fixture
def director(client):
    user = StaffUserFactory()
    client.force_login(user)
    return user


def test_report_page_shows_charts_tables_and_notes(client, director, scene):
    response = client.get(reverse("admin_report"), PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("admin_report") == "/admin/rapports/"
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" role="img"') == 5
    assert '<table id="tableau-situations">' in html and '<th scope="row">Agents du rectorat</th>' in html
    assert "<caption" in html and 'scope="col"' in html
    assert "dans le premier groupe qui la décrit" in html
    assert "3,0 jours" in html
    assert "30,0 %" in html and "25,0 %" in html
    assert "CONV-2026-010" in html and "CONV-2026-011" not in html
    assert "FSE+ insertion des jeunes" in html and "125" in html and "Appel déjà retenu" not in html
    assert "<script" not in html.split('id="content-main"')[1]
    assert 'value="2026-03-01"' in html and 'value="2026-03-31"' in html


def test_invalid_period_falls_back_to_the_last_twelve_months_with_a_message(client, director):
    response = client.get(reverse("admin_report"), {"du": "31/02/2026", "au": "n'importe quoi"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Période non valide" in html and "JJ/MM/AAAA" in html
    default = reporting.Period.last_twelve_months()
    assert response.context["period"] == default
    assert (default.end - default.start).days in (364, 365)
    reversed_period = client.get(reverse("admin_report"), {"du": "2026-03-31", "au": "2026-03-01"})
    assert "la date de fin précède la date de début" in reversed_period.content.decode()
    assert reversed_period.context["period"] == default


def test_default_period_is_the_last_twelve_months(client, director):
    response = client.get(reverse("admin_report"))
    assert response.context["period"] == reporting.Period.last_twelve_months()
    assert "Période non valide" not in response.content.decode()


def test_french_dates_are_accepted(client, director, scene):
    response = client.get(reverse("admin_report"), {"du": "01/03/2026", "au": "31/03/2026"})
    assert response.context["period"] == MARCH
    assert response.context["report"].total == 9


def test_anonymous_is_sent_to_the_login(client):
    response = client.get(reverse("admin_report"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


def test_staff_without_the_view_application_permission_is_refused(client):
    clerk = UserFactory(is_staff=True)
    client.force_login(clerk)
    assert client.get(reverse("admin_report")).status_code == 403
    direction = Group.objects.create(name="Direction (test)")
    direction.permissions.add(Permission.objects.get(codename="view_application", content_type__app_label="enrollment"))
    clerk.groups.add(direction)
    assert client.get(reverse("admin_report")).status_code == 200


def test_a_non_staff_user_cannot_see_the_report(client):
    client.force_login(UserFactory())
    response = client.get(reverse("admin_report"))
    assert response.status_code == 302


def test_admin_index_links_to_the_report_for_those_who_may_see_it(client, director):
    assert reverse("admin_report") in client.get(reverse("admin:index")).content.decode()
    clerk = UserFactory(is_staff=True)
    client.force_login(clerk)
    assert reverse("admin_report") not in client.get(reverse("admin:index")).content.decode()


def _grow(scene, factor):
    """Add ``factor`` times more applications, sessions, allocations and calls."""
    rectorat = scene["convention"].partner
    for index in range(factor):
        session = SessionFactory(start_date=datetime.date(2026, 3, 1 + index % 28), capacity=5)
        SeatAllocationFactory(convention=ConventionFactory(partner=rectorat), session=session, seats=1)
        for day, status in ((2, S.ACCEPTED), (3, S.SUBMITTED), (4, S.REJECTED)):
            apply(
                session,
                person(Situation.STUDENT, Commune.CHICONI),
                status,
                at(3, day + index % 20),
                at(3, day + index % 20 + 1) if status != S.SUBMITTED else None,
            )
        CallForProjects.objects.create(
            title=f"Appel {index}",
            funder=CallForProjects.Funder.STATE,
            deadline=timezone.localdate() + datetime.timedelta(days=index + 1),
        ).partners.add(rectorat)


def _report_queries(client) -> int:
    cache.clear()  # the figures computed afresh, not the minute-old ones kept for the same period
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("admin_report"), PERIOD).status_code == 200
    return len(queries)


def test_the_report_runs_a_fixed_number_of_queries(client, director, scene):
    small = _report_queries(client)
    _grow(scene, 10)
    large = _report_queries(client)
    _grow(scene, 90)
    larger = _report_queries(client)
    assert small == large == larger
    # The report's own queries, apart from what the session engine and the user cost the request.
    with CaptureQueriesContext(connection) as queries:
        reporting.build_report(period=MARCH)
    assert len(queries) == reporting.REPORT_QUERIES


def test_staff_asking_the_same_period_within_a_minute_share_the_figures_and_are_told_when(client, director, scene):
    _report_queries(client)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin_report"), PERIOD)
    assert not [query for query in queries if "enrollment_application" in query["sql"]]
    assert "Chiffres calculés à" in response.content.decode()
    # Another period is computed for itself.
    other = {**PERIOD, "au": "2026-03-30"}
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("admin_report"), other).status_code == 200
    assert len([query for query in queries if "enrollment_application" in query["sql"]]) >= 3


def _report_html(client, **params) -> str:
    response = client.get(reverse("admin_report"), {**PERIOD, **params})
    assert response.status_code == 200
    return response.content.decode()


def _sessions_table(html: str) -> str:
    return html.split('id="titre-sessions"')[1].split("</section>")[0]


@pytest.fixture
def full_month():
    """Four sessions of March 2026 with known fill rates, and one without capacity."""
    taken = {"S-VIDE": (4, 0), "S-MOITIE": (4, 2), "S-PLEINE": (4, 4), "S-TIERS": (3, 1), "S-SANS": (0, 0)}
    for day, (reference, (capacity, seats)) in enumerate(taken.items(), start=10):
        session = SessionFactory(reference=reference, start_date=datetime.date(2026, 3, day), capacity=capacity)
        for _ in range(seats):
            apply(session, person(Situation.STUDENT, Commune.SADA), S.ACCEPTED, at(3, 2), at(3, 3))
    # Starts the day before S-VIDE with the same rate: the sooner comes first among equals.
    SessionFactory(reference="S-VIDE-AVANT", start_date=datetime.date(2026, 3, 9), capacity=6)


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("moins_remplies", ["S-VIDE-AVANT", "S-VIDE", "S-TIERS", "S-MOITIE", "S-PLEINE", "S-SANS"]),
        ("plus_remplies", ["S-PLEINE", "S-MOITIE", "S-TIERS", "S-VIDE-AVANT", "S-VIDE", "S-SANS"]),
        ("debut", ["S-VIDE-AVANT", "S-VIDE", "S-MOITIE", "S-PLEINE", "S-TIERS", "S-SANS"]),
        ("n'importe quoi", ["S-VIDE-AVANT", "S-VIDE", "S-TIERS", "S-MOITIE", "S-PLEINE", "S-SANS"]),
    ],
)
def test_the_session_table_lists_the_sessions_that_matter_first(client, director, full_month, order, expected):
    response = client.get(reverse("admin_report"), {**PERIOD, "tri": order})
    report = response.context["report"]
    assert [fill.session.reference for fill in report.sessions] == expected
    # The chart draws the same sessions, in the same order.
    assert [row.label.split(" — ")[1] for row in chart_rows(report, "remplissage")] == expected
    html = _sessions_table(response.content.decode())
    assert [html.index(f"— {reference}</th>") for reference in expected] == sorted(
        html.index(f"— {reference}</th>") for reference in expected
    )
    # Capacity 21, seats taken 7, whatever the order; nothing is left out below the cap.
    assert (report.session_count, report.session_capacity, report.session_taken) == (6, 21, 7)
    assert report.fill_display == "33,3"
    assert "sessions affichées sur" not in html


def chart_rows(report, key):
    return next(c for c in report.charts if c.key == key).rows


def test_the_order_offered_is_the_one_shown(client, director, full_month):
    html = _report_html(client, tri="plus_remplies")
    assert '<option value="plus_remplies" selected>Les plus remplies d&#x27;abord</option>' in html
    assert "(les plus remplies d&#x27;abord)" in _sessions_table(html)


def test_a_large_period_lists_at_most_fifty_sessions_and_stays_small(client, director):
    count = reporting.SESSION_ROWS + 70
    sessions = [
        SessionFactory(start_date=datetime.date(2026, 3, 1 + index % 31), capacity=10) for index in range(count)
    ]
    for index, session in enumerate(sessions[:60]):
        apply(session, person(Situation.STUDENT, Commune.SADA), S.ACCEPTED, at(3, 1 + index % 28), at(3, 2))
    today = timezone.localdate()
    for index in range(reporting.CALL_ROWS + 5):
        CallForProjects.objects.create(
            title=f"Appel {index}", funder=CallForProjects.Funder.STATE, deadline=today + datetime.timedelta(days=index)
        )

    response = client.get(reverse("admin_report"), PERIOD)
    html = response.content.decode()
    report = response.context["report"]
    assert len(html.encode()) < 300_000
    assert (report.session_count, len(report.sessions)) == (count, reporting.SESSION_ROWS)
    assert (report.session_capacity, report.session_taken) == (10 * count, 60)
    table = _sessions_table(html)
    assert table.count("<tr>") == 1 + reporting.SESSION_ROWS  # the header row, then the sessions
    assert f"{reporting.SESSION_ROWS} sessions affichées sur {count}" in table
    assert len(chart_rows(report, "remplissage")) == reporting.SESSION_ROWS
    # Each session has its own programme: the chart names the first ones and sums the others.
    assert len(chart_rows(report, "formations")) == reporting.PROGRAMME_ROWS
    assert f"{60 - reporting.PROGRAMME_ROWS} autres formations en ont reçu {60 - reporting.PROGRAMME_ROWS}" in html
    assert len(report.calls) == reporting.CALL_ROWS and report.more_calls
    assert f"Seuls les {reporting.CALL_ROWS} appels aux échéances les plus proches sont affichés." in html

    # The link to every session leads to the admin's list of exactly those.
    link = table.split('<a href="')[1].split('"')[0].replace("&amp;", "&")
    assert link.startswith(reverse("admin:programs_session_changelist"))
    listing = client.get(link)
    assert listing.status_code == 200 and listing.context["cl"].result_count == count
    calls_link = html.split('id="titre-appels"')[1].split('<a href="')[-1].split('"')[0].replace("&amp;", "&")
    calls_listing = client.get(calls_link)
    assert calls_listing.status_code == 200 and calls_listing.context["cl"].result_count == reporting.CALL_ROWS + 5


def test_the_links_to_the_full_lists_need_the_permission_to_read_them(client, full_month):
    SessionFactory.create_batch(reporting.SESSION_ROWS, start_date=datetime.date(2026, 3, 2))
    reader = UserFactory(is_staff=True)
    direction = Group.objects.create(name="Direction (lecture)")
    direction.permissions.add(Permission.objects.get(codename="view_application", content_type__app_label="enrollment"))
    reader.groups.add(direction)
    client.force_login(reader)
    table = _sessions_table(_report_html(client))
    assert "sessions affichées sur" in table and reverse("admin:programs_session_changelist") not in table
    direction.permissions.add(Permission.objects.get(codename="view_session", content_type__app_label="programs"))
    assert reverse("admin:programs_session_changelist") in _sessions_table(_report_html(client))
