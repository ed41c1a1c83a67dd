"""The follow-up exports of a convention (CSV and Excel): French headers, one row per person and
session, numbers as numbers, and nothing a spreadsheet would run as a formula."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from attendance.models import AbandonReason, ExitKind, ParticipationState
from tests.factories import (
    ApplicantFactory,
    ParticipationFactory,
    PartnerApplicationFactory,
    PartnerFactory,
    PartnerMemberFactory,
    SeatAllocationFactory,
)

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 3, 2)
HEADERS = [
    "Nom",
    "Prénom",
    "Courriel",
    "Formation",
    "Session",
    "État du suivi",
    "Type de sortie",
    "Motif de l'abandon",
    "Entrée en formation le",
    "Sortie le",
    "Heures prévues",
    "Heures suivies",
    "Taux d'assiduité (%)",
]
HYPERLINK = '=HYPERLINK("https://pirate.test","clic")'


def agent(allocation, first_name, last_name, email):
    applicant = ApplicantFactory(
        username=email, email=email, profile__first_name=first_name, profile__last_name=last_name
    )
    return PartnerApplicationFactory(allocation=allocation, applicant=applicant)


@pytest.fixture
def scene():
    partner = PartnerFactory(name="Commune de Tsingoni")
    allocation = SeatAllocationFactory(
        partner=partner,
        session__reference="S-2026-TSG",
        session__programme__title="Accueil des usagers",
        session__start_date=START,
        session__end_date=datetime.date(2026, 6, 30),
    )
    awa = agent(allocation, "Awa", "Madi", "awa@tsingoni.yt")
    ParticipationFactory(
        application=awa,
        state=ParticipationState.EXITED,
        entered_on=START,
        exited_on=datetime.date(2026, 6, 30),
        exit_kind=ExitKind.COMPLETED,
        hours_planned=Decimal("30"),
        hours_attended=Decimal("30"),
    )
    bakari = agent(allocation, "Bakari", "Ali", "bakari@tsingoni.yt")
    ParticipationFactory(
        application=bakari,
        state=ParticipationState.EXITED,
        entered_on=START,
        exited_on=datetime.date(2026, 3, 20),
        exit_kind=ExitKind.ABANDON,
        abandon_reason=AbandonReason.JOB,
        hours_planned=Decimal("30"),
        hours_attended=Decimal("6"),
    )
    agent(allocation, "Chadia", "Soilihi", "chadia@tsingoni.yt")
    # A name typed as a formula, and an email that starts like one.
    intruder = agent(allocation, "@SUM(A1:A9)", HYPERLINK, "=cmd@tsingoni.yt")
    ParticipationFactory(
        application=intruder, entered_on=START, hours_planned=Decimal("12.5"), hours_attended=Decimal("10")
    )
    # Another convention of the same partner, another partner: neither is in this export.
    other = SeatAllocationFactory(partner=partner, session__reference="S-2026-AUTRE")
    agent(other, "Fatima", "Houmadi", "fatima@tsingoni.yt")
    rectorat = SeatAllocationFactory(partner=PartnerFactory(name="Rectorat"), session__reference="S-2026-REC")
    agent(rectorat, "Zaïnaba", "Rectorat", "zainaba@rectorat.yt")
    return {
        "convention": allocation.convention,
        "referent": PartnerMemberFactory(partner=partner),
        "viewer": PartnerMemberFactory(partner=partner, viewer=True),
    }


def csv_url(convention):
    return reverse("partners:convention_followup_csv", args=[convention.reference])


def xlsx_url(convention):
    return reverse("partners:convention_followup_xlsx", args=[convention.reference])


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


def test_the_csv_has_french_headers_and_one_row_per_person_and_session(client, scene):
    client.force_login(scene["referent"].user)
    response = client.get(csv_url(scene["convention"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    disposition = response["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="suivi-{scene["convention"].reference}-')
    assert disposition.endswith('.csv"')
    rows = csv_rows(response)
    assert rows[0] == HEADERS
    by_email = {row[2]: row for row in rows[1:]}
    assert len(rows) == 5 and len(by_email) == 4
    assert by_email["awa@tsingoni.yt"] == [
        "Madi",
        "Awa",
        "awa@tsingoni.yt",
        "Accueil des usagers",
        "S-2026-TSG",
        "Sortie",
        "Formation achevée",
        "",
        "02/03/2026",
        "30/06/2026",
        "30",
        "30",
        "100",
    ]
    assert by_email["bakari@tsingoni.yt"][5:] == [
        "Sortie",
        "Abandon",
        "A trouvé un emploi",
        "02/03/2026",
        "20/03/2026",
        "30",
        "6",
        "20",
    ]
    assert by_email["chadia@tsingoni.yt"][5:] == ["Inscrite", "", "", "", "", "", "", "—"]
    assert "fatima@tsingoni.yt" not in by_email and "zainaba@rectorat.yt" not in by_email


def test_the_csv_neutralises_formulas(client, scene):
    client.force_login(scene["referent"].user)
    rows = csv_rows(client.get(csv_url(scene["convention"])))
    intruder = next(row for row in rows if "HYPERLINK" in row[0])
    assert intruder[0] == "'" + HYPERLINK
    assert intruder[1] == "'@SUM(A1:A9)"
    assert intruder[2] == "'=cmd@tsingoni.yt"
    assert intruder[10:] == ["12.5", "10", "80"]


def test_the_xlsx_holds_numbers_and_no_formula(client, scene):
    client.force_login(scene["viewer"].user)
    response = client.get(xlsx_url(scene["convention"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows()]
    assert [cell.value for cell in rows[0]] == HEADERS
    assert not [cell.coordinate for row in rows for cell in row if cell.data_type == "f"]
    by_email = {row[2].value: row for row in rows[1:]}
    intruder = by_email["'=cmd@tsingoni.yt"]
    assert (intruder[0].value, intruder[1].value) == ("'" + HYPERLINK, "'@SUM(A1:A9)")
    bakari = by_email["bakari@tsingoni.yt"]
    assert [cell.value for cell in bakari[10:]] == [30, 6, 20]
    assert {cell.data_type for cell in bakari[10:]} == {"n"}
    assert by_email["chadia@tsingoni.yt"][12].value == "—"


def test_another_partners_convention_cannot_be_exported(client, scene):
    client.force_login(PartnerMemberFactory().user)
    assert client.get(csv_url(scene["convention"])).status_code == 404
    assert client.get(xlsx_url(scene["convention"])).status_code == 404


def test_the_export_runs_the_same_queries_whatever_the_number_of_agents(client, scene, django_assert_num_queries):
    client.force_login(scene["referent"].user)
    url = csv_url(scene["convention"])
    client.get(url)
    # Account, membership, convention, the rows (one query, read in chunks).
    with django_assert_num_queries(4):
        small = client.get(url)
    allocation = scene["convention"].allocations.get()
    for index in range(30):
        application = agent(allocation, f"Agent{index:02d}", "Volume", f"agent{index:02d}@tsingoni.yt")
        ParticipationFactory(application=application, hours_planned=Decimal("12"), hours_attended=Decimal("9"))
    with django_assert_num_queries(4):
        large = client.get(url)
    assert len(csv_rows(small)) == 5 and len(csv_rows(large)) == 35
