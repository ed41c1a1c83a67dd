"""Importing a staff list: parsing CSV/XLSX, checking every row in French, preview then commit."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import Notification
from enrollment.models import Application, ApplicationStatus
from partner_space import imports
from partner_space import services as services_staff
from partner_space.imports import StaffRow
from programs.models import Session
from tests.factories import (
    PartnerApplicationFactory,
    PartnerMemberFactory,
    SeatAllocationFactory,
    SessionFactory,
)
from tests.helpers import csv_bytes, xlsx_bytes

IMPORT = reverse("partners:import")
PREVIEW = reverse("partners:import_preview")


# --- Parsing (pure) ----------------------------------------------------------------------------


ROWS = [
    ["Zaïnaba", "Ali", "zainaba@tsingoni.yt", "Agente d'accueil", "s-1"],
    ["Mohamed", "Saïd", "Mohamed.Said@Tsingoni.yt", "", "S-1"],
]


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_parse_csv_with_any_common_delimiter(delimiter):
    rows = imports.parse_staff_file(csv_bytes(ROWS, delimiter=delimiter), "agents.csv")
    assert [(r.line, r.first_name, r.email, r.session_reference) for r in rows] == [
        (2, "Zaïnaba", "zainaba@tsingoni.yt", "S-1"),
        (3, "Mohamed", "mohamed.said@tsingoni.yt", "S-1"),
    ]


def test_parse_utf8_bom_and_windows_1252():
    with_bom = b"\xef\xbb\xbf" + csv_bytes(ROWS)
    assert imports.parse_staff_file(with_bom)[0].first_name == "Zaïnaba"
    excel_fr = csv_bytes(ROWS, encoding="cp1252")
    assert imports.parse_staff_file(excel_fr)[1].last_name == "Saïd"


def test_parse_xlsx_first_sheet():
    rows = imports.parse_staff_file(xlsx_bytes(ROWS), "agents.xlsx")
    assert [(r.line, r.last_name, r.session_reference) for r in rows] == [(2, "Ali", "S-1"), (3, "Saïd", "S-1")]


def test_parse_accepts_french_headers_in_any_order_and_skips_blank_lines():
    content = "Nom;Prénom;Courriel;Session;Poste\r\nAli;Zaïnaba;z@t.yt;S-1;RH\r\n;;;;\r\nSaïd;Mohamed;m@t.yt;S-1;\r\n"
    rows = imports.parse_staff_file(content.encode())
    assert [(r.line, r.first_name, r.job_title) for r in rows] == [(2, "Zaïnaba", "RH"), (4, "Mohamed", "")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Le fichier est vide."),
        (b"prenom;nom;email;session\r\n", "aucune ligne après l'en-tête"),
        (b"prenom;nom;fonction\r\nA;B;C\r\n", "il manque : courriel, session"),
        (b"PK\x03\x04not really a workbook", "Le classeur Excel n'a pas pu être lu"),
        (b"a" * (imports.MAX_FILE_BYTES + 1), "dépasse 1 Mo"),
    ],
)
def test_parse_refuses_unusable_files_in_french(content, message):
    with pytest.raises(ValidationError) as refused:
        imports.parse_staff_file(content, "agents.csv")
    assert message in refused.value.messages[0]


# --- Validation (pure) -------------------------------------------------------------------------


def _target(**kwargs):
    values = {
        "session_id": 1,
        "reference": "S-1",
        "convention_id": 9,
        "convention_reference": "CONV-2026-001",
        "seats_left": 3,
    }
    return imports.SessionTarget(**{**values, **kwargs})


def _row(line, **kwargs):
    values = {
        "first_name": "Awa",
        "last_name": "Madi",
        "email": f"agent{line}@tsingoni.yt",
        "job_title": "",
        "session_reference": "S-1",
    }
    return StaffRow(line=line, **{**values, **kwargs})


def test_every_row_error_is_reported_in_french_with_its_reason():
    context = imports.ImportContext(
        targets={
            "S-1": _target(),
            "S-ANN": _target(session_id=2, reference="S-ANN", refusal="La session S-ANN est annulée."),
        },
        enrolled=frozenset({("deja@tsingoni.yt", 1)}),
    )
    rows = imports.validate_staff_rows(
        [
            _row(2),
            _row(3, first_name="", last_name=""),
            _row(4, email="pas-une-adresse"),
            _row(5, session_reference="S-INCONNUE"),
            _row(6, email="agent2@tsingoni.yt"),
            _row(7, email="deja@tsingoni.yt"),
            _row(8, session_reference="S-ANN"),
            _row(9, session_reference=""),
        ],
        context,
    )
    errors = {row.line: row.errors for row in rows}
    assert errors[2] == []
    assert errors[3] == ["Le prénom manque.", "Le nom manque."]
    assert errors[4] == ["L'adresse de courriel « pas-une-adresse » n'est pas valide."]
    assert "inconnue ou ne fait pas partie des places réservées" in errors[5][0]
    assert errors[6] == ["Doublon : la ligne 2 inscrit déjà cette personne à cette session."]
    assert "a déjà une candidature ou une inscription en cours" in errors[7][0]
    assert errors[8] == ["La session S-ANN est annulée."]
    assert errors[9] == ["La référence de la session manque."]


def test_seats_are_counted_down_the_file():
    context = imports.ImportContext(targets={"S-1": _target(seats_left=3)}, enrolled=frozenset())
    rows = imports.validate_staff_rows([_row(n) for n in range(2, 7)], context)
    assert [row.ok for row in rows] == [True, True, True, False, False]
    assert "Plus de place disponible pour la session S-1" in rows[3].errors[0]
    # An invalid row does not use a seat.
    rows = imports.validate_staff_rows([_row(2, email="x"), *[_row(n) for n in range(3, 6)]], context)
    assert [row.ok for row in rows] == [False, True, True, True]


# --- Database checks, preview and commit --------------------------------------------------------


def _upload(client, content, name="agents.csv"):
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, content, content_type="text/csv")})


@pytest.fixture
def scene(db, client):
    referent = PartnerMemberFactory()
    allocation = SeatAllocationFactory(
        partner=referent.partner, seats=3, session__capacity=10, session__reference="S-2027-TSG"
    )
    client.force_login(referent.user)
    return referent, allocation


def test_preview_shows_errors_with_line_numbers_and_writes_nothing(client, scene):
    _referent, _allocation = scene
    content = csv_bytes(
        [
            ["Awa", "Madi", "awa@tsingoni.yt", "RH", "S-2027-TSG"],
            ["Ali", "Soilihi", "ali-at-tsingoni.yt", "", "S-2027-TSG"],
        ]
    )
    response = _upload(client, content)
    assert response.status_code == 302 and response["Location"] == PREVIEW

    page = client.get(PREVIEW).content.decode()
    assert "1 ligne en erreur" in page
    assert "Ligne 3 : L&#x27;adresse de courriel « ali-at-tsingoni.yt » n&#x27;est pas valide." in page
    assert "awa@tsingoni.yt" in page
    assert Application.objects.count() == 0
    assert not get_user_model().objects.filter(email="awa@tsingoni.yt").exists()


def test_all_or_nothing_with_an_invalid_row_writes_nothing(client, scene):
    content = csv_bytes(
        [["Awa", "Madi", "awa@tsingoni.yt", "", "S-2027-TSG"], ["", "Soilihi", "ali@tsingoni.yt", "", "S-2027-TSG"]]
    )
    _upload(client, content)
    token = client.session["partners:import"]["token"]

    response = client.post(PREVIEW, {"token": token, "mode": "tout_ou_rien"})

    assert response.status_code == 409
    assert "Rien n&#x27;a été enregistré" in response.content.decode()
    assert Application.objects.count() == 0
    assert not get_user_model().objects.filter(email="awa@tsingoni.yt").exists()
    assert "partners:import" in client.session  # the référent can still choose the other mode


def test_valid_rows_only_commits_the_valid_ones(client, scene):
    referent, _allocation = scene
    content = csv_bytes(
        [["Awa", "Madi", "awa@tsingoni.yt", "", "S-2027-TSG"], ["", "Soilihi", "ali@tsingoni.yt", "", "S-2027-TSG"]]
    )
    _upload(client, content)
    token = client.session["partners:import"]["token"]

    response = client.post(PREVIEW, {"token": token, "mode": "lignes_valides"}, follow=True)

    assert "1 agent inscrit" in response.content.decode()
    assert "Lignes non inscrites (en erreur) : 3." in response.content.decode()
    application = Application.objects.get()
    assert application.applicant.email == "awa@tsingoni.yt"
    assert application.status == ApplicationStatus.ENROLLED and application.enrolled_by == referent.user
    assert "partners:import" not in client.session


def test_full_valid_file_commits_every_row_with_invitations(client, scene):
    _referent, allocation = scene
    content = xlsx_bytes([[f"Prénom{n}", f"Nom{n}", f"agent{n}@tsingoni.yt", "Agent", "S-2027-TSG"] for n in range(3)])
    _upload(client, content, name="agents.xlsx")
    token = client.session["partners:import"]["token"]

    response = client.post(PREVIEW, {"token": token, "mode": "tout_ou_rien"})

    assert response.status_code == 302
    assert Application.objects.filter(convention=allocation.convention, status="inscrite").count() == 3
    assert Notification.objects.filter(template="partner_staff_invitation").count() == 3
    assert Notification.objects.filter(template="application_enrolled").count() == 3


@pytest.mark.parametrize("typed", ["s-2027-tsg-b", "S-2027-TSG-B"])
def test_a_session_reference_in_small_letters_is_found_whatever_the_file_s_case(client, scene, typed):
    referent, allocation = scene
    lowercase = SeatAllocationFactory(
        convention=allocation.convention, seats=2, session__capacity=10, session__reference="s-2027-tsg-b"
    )
    _upload(client, csv_bytes([["Awa", "Madi", "awa@tsingoni.yt", "", typed]]))
    token = client.session["partners:import"]["token"]
    assert "inconnue" not in client.get(PREVIEW).content.decode()

    response = client.post(PREVIEW, {"token": token, "mode": "tout_ou_rien"})

    assert response.status_code == 302
    application = Application.objects.get()
    assert application.session == lowercase.session and application.enrolled_by == referent.user


def test_confirm_validates_again_because_seats_may_have_gone(client, scene):
    referent, allocation = scene
    content = csv_bytes([[f"A{n}", f"B{n}", f"agent{n}@tsingoni.yt", "", "S-2027-TSG"] for n in range(3)])
    _upload(client, content)
    assert "Les 3 lignes sont valides" in client.get(PREVIEW).content.decode()
    # Meanwhile another référent of the partner took one of the three seats.
    services_staff.staff_enroll(
        member=PartnerMemberFactory(partner=referent.partner),
        allocation=allocation,
        first_name="Tiers",
        last_name="Agent",
        email="tiers@tsingoni.yt",
    )
    token = client.session["partners:import"]["token"]

    response = client.post(PREVIEW, {"token": token, "mode": "tout_ou_rien"})

    assert response.status_code == 409
    assert "Plus de place disponible" in response.content.decode()
    assert Application.objects.count() == 1


def test_person_already_enrolled_is_caught_against_the_database(client, scene):
    _referent, allocation = scene
    PartnerApplicationFactory(allocation=allocation, email="Deja@Tsingoni.yt")
    _upload(client, csv_bytes([["A", "B", "deja@tsingoni.yt", "", "S-2027-TSG"]]))
    page = client.get(PREVIEW).content.decode()
    assert "deja@tsingoni.yt a déjà une candidature ou une inscription en cours pour la session S-2027-TSG" in page


def test_cancelled_session_and_other_partners_session_are_refused(client, scene):
    referent, _allocation = scene
    cancelled = SeatAllocationFactory(partner=referent.partner, session__reference="S-2027-ANN")
    Session.objects.filter(pk=cancelled.session_id).update(state=Session.State.CANCELLED)
    SeatAllocationFactory(session__reference="S-2027-AUTRE")
    SessionFactory(reference="S-2027-PUBLIQUE")
    content = csv_bytes(
        [
            ["A", "B", "a@tsingoni.yt", "", "S-2027-ANN"],
            ["C", "D", "c@tsingoni.yt", "", "S-2027-AUTRE"],
            ["E", "F", "e@tsingoni.yt", "", "S-2027-PUBLIQUE"],
        ]
    )
    _upload(client, content)
    rows = {row.line: row.errors for row in client.get(PREVIEW).context["rows"]}
    assert rows[2] == ["La session S-2027-ANN est annulée."]
    assert "inconnue ou ne fait pas partie des places réservées" in rows[3][0]
    assert "inconnue ou ne fait pas partie des places réservées" in rows[4][0]


def test_upload_refuses_other_formats_and_big_files(client, scene):
    response = _upload(client, b"%PDF-1.4", name="agents.pdf")
    assert response.status_code == 400
    assert "Déposez un fichier CSV (.csv) ou un classeur Excel (.xlsx)." in response.content.decode()
    response = _upload(client, b"prenom;nom\r\n" + b"x" * imports.MAX_FILE_BYTES)
    assert "dépasse 1 Mo" in response.content.decode()
    response = client.post(IMPORT, {})
    assert "Choisissez le fichier à importer." in response.content.decode()


def test_stale_preview_token_is_refused(client, scene):
    _upload(client, csv_bytes([["A", "B", "a@tsingoni.yt", "", "S-2027-TSG"]]))
    response = client.post(PREVIEW, {"token": "ancien", "mode": "tout_ou_rien"}, follow=True)
    assert "remplacé par un fichier plus récent" in response.content.decode()
    assert Application.objects.count() == 0


def test_preview_without_pending_file_redirects_to_upload(client, scene):
    assert client.get(PREVIEW)["Location"] == IMPORT


def test_template_csv_downloads_and_parses(client, scene):
    response = client.get(reverse("partners:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = imports.parse_staff_file(response.content)
    assert rows[0].email == "fatima.abdou@exemple.yt"
