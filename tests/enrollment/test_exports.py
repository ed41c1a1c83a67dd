import csv
import datetime
import io

import openpyxl
import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from enrollment.models import ApplicationStatus
from partners.models import Convention
from programs.models import Commune
from tests.factories import (
    ApplicantProfileFactory,
    ApplicationFactory,
    ConventionFactory,
    ProgrammeFactory,
    SessionFactory,
    StaffUserFactory,
)
from tests.helpers import run_action

pytestmark = pytest.mark.django_db

EXPORT = reverse("admin:enrollment_application_export")
CSV_FORMAT, XLSX_FORMAT = "0", "1"
HEADERS = [
    "Référence",
    "Nom",
    "Prénom",
    "Courriel",
    "Téléphone",
    "Commune",
    "Situation",
    "Identifiant France Travail",
    "Formation",
    "Session",
    "Début de la session",
    "Fin de la session",
    "Statut",
    "Canal",
    "Convention",
    "Date de dépôt",
    "Date de décision",
]


@pytest.fixture
def staff_user():
    return StaffUserFactory()


@pytest.fixture
def admin_client_(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def scene():
    session = SessionFactory(
        programme=ProgrammeFactory(title="Titre professionnel Comptable"),
        reference="S-2026-COMPTA",
        start_date=datetime.date(2026, 9, 7),
        end_date=datetime.date(2027, 6, 25),
    )
    accepted = ApplicationFactory(
        session=session,
        status=ApplicationStatus.ACCEPTED,
        applicant=ApplicantProfileFactory(
            first_name="Anli",
            last_name="Houmadi",
            phone="+262639000001",
            commune=Commune.KOUNGOU,
            france_travail_id="1111111A",
        ).user,
        submitted_at=datetime.datetime(2026, 5, 3, 21, 30, tzinfo=datetime.UTC),
        decided_at=datetime.datetime(2026, 5, 10, 6, 0, tzinfo=datetime.UTC),
    )
    submitted = ApplicationFactory(
        session=session, applicant=ApplicantProfileFactory(last_name="Combo", commune=Commune.SADA).user
    )
    enrolled = ApplicationFactory(status=ApplicationStatus.ENROLLED, applicant=ApplicantProfileFactory().user)
    return {"accepted": accepted, "submitted": submitted, "enrolled": enrolled}


def _csv_rows(response):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _xlsx_rows(response):
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    return [[("" if value is None else value) for value in row] for row in workbook.active.iter_rows(values_only=True)]


def test_csv_export_has_french_headers_and_honours_the_filters(admin_client_, scene):
    response = admin_client_.post(f"{EXPORT}?status__exact=acceptee", {"format": CSV_FORMAT, "resource": "0"})

    rows = _csv_rows(response)
    assert rows[0] == HEADERS
    assert len(rows) == 2
    row = dict(zip(HEADERS, rows[1], strict=True))
    accepted = scene["accepted"]
    assert row["Référence"] == accepted.reference
    assert (row["Nom"], row["Prénom"]) == ("Houmadi", "Anli")
    assert row["Courriel"] == accepted.applicant.email
    assert row["Téléphone"] == "+262639000001"
    assert row["Commune"] == "Koungou"
    assert row["Situation"] == "Demandeur d'emploi (inscrit à France Travail)"
    assert row["Identifiant France Travail"] == "1111111A"
    assert row["Formation"] == "Titre professionnel Comptable"
    assert row["Session"] == "S-2026-COMPTA"
    assert (row["Début de la session"], row["Fin de la session"]) == ("07/09/2026", "25/06/2027")
    assert row["Statut"] == "Acceptée"
    assert row["Canal"] == "En ligne"
    assert row["Convention"] == ""
    assert row["Date de dépôt"] == "04/05/2026 00:30"  # Mayotte time
    assert row["Date de décision"] == "10/05/2026 09:00"
    assert response["Content-Disposition"].endswith(f'candidatures-{timezone.localdate():%Y-%m-%d}.csv"')


def test_xlsx_export_honours_search(admin_client_, scene):
    response = admin_client_.post(f"{EXPORT}?q=combo", {"format": XLSX_FORMAT, "resource": "0"})

    rows = _xlsx_rows(response)
    assert list(rows[0]) == HEADERS
    assert [row[0] for row in rows[1:]] == [scene["submitted"].reference]
    assert rows[1][HEADERS.index("Statut")] == "Reçue"
    assert rows[1][HEADERS.index("Commune")] == "Sada"


def test_enrollments_export_lists_enrolled_applications_only(admin_client_, scene):
    changelist = admin_client_.get(reverse("admin:enrollment_application_changelist"), {"q": ""})
    html = changelist.content.decode()
    assert "Exporter les inscriptions" in html
    assert "status__exact=inscrite" in html

    response = admin_client_.post(f"{EXPORT}?status__exact=inscrite", {"format": CSV_FORMAT, "resource": "0"})

    rows = _csv_rows(response)
    assert [row[0] for row in rows[1:]] == [scene["enrolled"].reference]
    assert rows[1][HEADERS.index("Statut")] == "Inscrite"


def test_partner_applications_carry_their_convention(admin_client_):
    convention = ConventionFactory(reference="CONV-2026-042", state=Convention.State.SIGNED)
    app = ApplicationFactory(channel="partenaire", convention=convention)
    rows = _csv_rows(admin_client_.post(EXPORT, {"format": CSV_FORMAT, "resource": "0"}))
    row = next(r for r in rows if r[0] == app.reference)
    assert (row[HEADERS.index("Canal")], row[HEADERS.index("Convention")]) == ("Par un partenaire", "CONV-2026-042")


def test_export_runs_a_fixed_number_of_queries(admin_client_):
    def build(count):
        for _ in range(count):
            ApplicationFactory(applicant=ApplicantProfileFactory().user)

    def export_queries():
        with CaptureQueriesContext(connection) as queries:
            response = admin_client_.post(EXPORT, {"format": CSV_FORMAT, "resource": "0"})
        assert response.status_code == 200
        return len(queries), len(_csv_rows(response)) - 1

    build(3)
    few, rows_few = export_queries()
    build(27)
    many, rows_many = export_queries()
    assert (rows_few, rows_many) == (3, 30)
    assert few == many


def test_each_exported_application_keeps_an_audit_line(admin_client_, staff_user, scene):
    admin_client_.post(f"{EXPORT}?status__exact=acceptee", {"format": CSV_FORMAT, "resource": "0"})
    entries = LogEntry.objects.filter(user=staff_user)
    assert [entry.object_id for entry in entries] == [str(scene["accepted"].pk)]
    assert "Exportée (csv)" in entries[0].change_message


def test_export_needs_the_view_permission_on_applications(client, scene):
    client.force_login(StaffUserFactory(plain=True))
    assert client.get(EXPORT).status_code == 403
    assert client.post(EXPORT, {"format": CSV_FORMAT, "resource": "0"}).status_code == 403

    viewer = StaffUserFactory(plain=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_application"))
    client.force_login(viewer)
    assert client.get(EXPORT).status_code == 200
    assert len(_csv_rows(client.post(EXPORT, {"format": CSV_FORMAT, "resource": "0"}))) == 4


def test_import_is_not_offered(admin_client_):
    html = admin_client_.get(reverse("admin:enrollment_application_changelist")).content.decode()
    assert "/import/" not in html


# --- A convention's staff list -------------------------------------------------------------------

CONVENTIONS = reverse("admin:partners_convention_changelist")
STAFF_HEADERS = ["Convention", "Nom", "Prénom", "Courriel", "Fonction", "Formation", "Session", "Début de la session"]


@pytest.fixture
def staff_scene():
    convention = ConventionFactory(reference="CONV-2026-011", state=Convention.State.SIGNED)
    other = ConventionFactory(reference="CONV-2026-012", state=Convention.State.SIGNED)
    session = SessionFactory(reference="S-2026-AGENTS", start_date=datetime.date(2026, 10, 5))
    for last_name, status in (("Bacar", ApplicationStatus.ENROLLED), ("Ali", ApplicationStatus.ACCEPTED)):
        profile = ApplicantProfileFactory(
            last_name=last_name, first_name="Agent", job_title="Secrétaire de mairie", employer=convention.partner
        )
        ApplicationFactory(
            session=session, applicant=profile.user, channel="partenaire", convention=convention, status=status
        )
    ApplicationFactory(session=session, channel="partenaire", convention=other, status=ApplicationStatus.ENROLLED)
    return convention


def test_convention_staff_list_as_csv(admin_client_, staff_user, staff_scene):
    response = run_action(admin_client_, CONVENTIONS, "export_staff_csv", [staff_scene])

    rows = _csv_rows(response)
    assert rows[0] == [*STAFF_HEADERS, "Statut"]
    assert [(row[0], row[1], row[4], row[6], row[7], row[8]) for row in rows[1:]] == [
        ("CONV-2026-011", "Ali", "Secrétaire de mairie", "S-2026-AGENTS", "05/10/2026", "Acceptée"),
        ("CONV-2026-011", "Bacar", "Secrétaire de mairie", "S-2026-AGENTS", "05/10/2026", "Inscrite"),
    ]
    assert "personnels-CONV-2026-011-" in response["Content-Disposition"]
    entry = LogEntry.objects.get(object_id=str(staff_scene.pk), user=staff_user)
    assert entry.change_message == "Liste des personnels exportée (CSV, 2 lignes)."


def test_convention_staff_list_as_xlsx(admin_client_, staff_scene):
    rows = _xlsx_rows(run_action(admin_client_, CONVENTIONS, "export_staff_xlsx", [staff_scene]))
    assert list(rows[0]) == [*STAFF_HEADERS, "Statut"]
    assert sorted(row[1] for row in rows[1:]) == ["Ali", "Bacar"]


def test_staff_list_needs_the_right_to_see_applications(client, staff_scene):
    user = StaffUserFactory(plain=True)
    user.user_permissions.add(Permission.objects.get(codename="view_convention"))
    client.force_login(user)

    assert "export_staff_csv" not in client.get(CONVENTIONS).content.decode()
    response = run_action(client, CONVENTIONS, "export_staff_csv", [staff_scene])
    # No such action for this account: the list again, nothing exported.
    assert response["Content-Type"].startswith("text/html")
    assert not LogEntry.objects.exists()
