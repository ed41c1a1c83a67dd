"""A staff list costs what a real one costs: hostile files are refused at once, in French.

Each file goes through the référent's upload form, as an attacker with a référent's account
would send it: a workbook of millions of empty rows, one that lies about its size, a zip bomb,
XML declaring entities; and the text encodings Excel really saves are read.
"""

import codecs

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from partner_space import imports
from tests.factories import PartnerMemberFactory, SeatAllocationFactory
from tests.helpers import csv_bytes, visible_text
from tests.partner_space.workbooks import HEADER, sheet_xml, staff_workbook, workbook

IMPORT = reverse("partners:import")
PREVIEW = reverse("partners:import_preview")
SESSION_KEY = "partners:import"
ROWS = [
    ["Zaïnaba", "Ali", "zainaba@tsingoni.yt", "Agente d'accueil", "S-2027-TSG"],
    ["Mohamed", "Saïd", "mohamed.said@tsingoni.yt", "", "S-2027-TSG"],
]
TOO_MANY_LINES = "Le fichier compte plus de 10000 lignes, lignes vides comprises"
ENCODINGS_TRIED = "Le fichier n'est pas en UTF-8, UTF-16 ni Windows-1252 : enregistrez-le en CSV UTF-8."


@pytest.fixture
def referent(db, client):
    member = PartnerMemberFactory()
    SeatAllocationFactory(partner=member.partner, seats=3, session__capacity=10, session__reference="S-2027-TSG")
    client.force_login(member.user)
    return member


def _upload(client, content, name="agents.xlsx"):
    assert len(content) <= imports.MAX_FILE_BYTES  # within the size limit: only what it holds is hostile
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, content, content_type="application/octet-stream")})


def _assert_refused(client, response, message):
    assert response.status_code == 400
    assert message in visible_text(response)
    assert SESSION_KEY not in client.session


def _assert_read(client, response):
    assert response.status_code == 302 and response["Location"] == PREVIEW
    rows = client.session[SESSION_KEY]["rows"]
    assert [(row["line"], row["first_name"], row["last_name"], row["job_title"]) for row in rows] == [
        (2, "Zaïnaba", "Ali", "Agente d'accueil"),
        (3, "Mohamed", "Saïd", ""),
    ]


# --- Workbooks -----------------------------------------------------------------------------------


def test_a_workbook_of_two_million_empty_rows_is_refused(client, referent):
    content = staff_workbook(ROWS, empty_rows=2_000_000)
    _assert_refused(client, _upload(client, content), TOO_MANY_LINES)


def test_a_workbook_declaring_a_million_rows_is_refused_before_reading_them(client, referent):
    content = staff_workbook(ROWS, dimension="A1:E1048576")
    _assert_refused(client, _upload(client, content), TOO_MANY_LINES)


def test_a_workbook_with_a_row_that_jumps_to_the_last_line_is_refused(client, referent):
    sheet = sheet_xml([HEADER, *ROWS]).replace(
        b"</sheetData>", b'<row r="1048576"><c t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    )
    _assert_refused(client, _upload(client, workbook(sheet)), TOO_MANY_LINES)


def test_a_zip_bomb_is_refused_before_it_is_unpacked(client, referent):
    bomb = b" " * (imports.MAX_XLSX_UNPACKED_BYTES + 1)
    content = workbook(sheet_xml([HEADER, *ROWS]), extra_members=[("xl/sharedStrings.xml", bomb)])
    _assert_refused(client, _upload(client, content), "Le classeur Excel est trop volumineux une fois décompressé")


def test_a_workbook_of_a_few_rows_but_countless_cells_is_refused(client, referent):
    sheet = sheet_xml([HEADER, *ROWS]).replace(
        b"</sheetData>", b'<row r="4">' + b"<c/>" * imports.MAX_XML_TAGS + b"</row></sheetData>"
    )
    _assert_refused(
        client, _upload(client, workbook(sheet)), "Le classeur Excel est trop volumineux une fois décompressé"
    )


BILLION_LAUGHS = (
    '<!DOCTYPE worksheet [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
    '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]>'
)


@pytest.mark.parametrize(
    ("prolog", "cell", "encoding"),
    [
        pytest.param(BILLION_LAUGHS, "&f;", "utf-8", id="entity-expansion"),
        pytest.param('<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>', "&x;", "utf-8", id="external"),
        pytest.param(BILLION_LAUGHS, "&f;", "utf-16", id="entity-expansion-utf16"),
    ],
)
def test_a_workbook_declaring_entities_is_refused_in_french(client, referent, prolog, cell, encoding):
    sheet = sheet_xml([HEADER, ["PLACEHOLDER", "Ali", "a@t.yt", "", "S-2027-TSG"]], prolog=prolog)
    sheet = sheet.replace(b"PLACEHOLDER", cell.encode())
    if encoding != "utf-8":
        sheet = sheet.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode(encoding)
    _assert_refused(
        client, _upload(client, workbook(sheet)), "Le classeur Excel contient des déclarations XML (DTD ou entités)"
    )


def test_workbooks_are_parsed_with_defusedxml():
    """The second net under the check above: openpyxl refuses entities itself when defusedxml is there."""
    assert openpyxl.DEFUSEDXML


def test_a_real_workbook_is_still_read(client, referent):
    _assert_read(client, _upload(client, staff_workbook(ROWS, empty_rows=50, dimension="A1:E53")))


# --- Text files ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(codecs.BOM_UTF16_LE + csv_bytes(ROWS, delimiter="\t", encoding="utf-16-le"), id="utf-16-le"),
        pytest.param(codecs.BOM_UTF16_BE + csv_bytes(ROWS, delimiter="\t", encoding="utf-16-be"), id="utf-16-be"),
        pytest.param(csv_bytes(ROWS, encoding="cp1252"), id="windows-1252"),
        pytest.param(codecs.BOM_UTF8 + csv_bytes(ROWS), id="utf-8-bom"),
    ],
)
def test_unicode_text_and_windows_1252_files_are_read(client, referent, content):
    _assert_read(client, _upload(client, content, name="agents.txt"))


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(csv_bytes(ROWS, delimiter="\t", encoding="utf-16-le"), id="utf-16-without-bom"),
        pytest.param(csv_bytes(ROWS, encoding="utf-32"), id="utf-32"),
        pytest.param(csv_bytes(ROWS, encoding="cp500"), id="ebcdic"),
    ],
)
def test_a_file_in_another_encoding_is_refused_naming_those_read(client, referent, content):
    _assert_refused(client, _upload(client, content, name="agents.csv"), ENCODINGS_TRIED)


def test_a_csv_of_blank_lines_is_refused_as_it_is_read(client, referent):
    content = csv_bytes(ROWS) + b";;;;\r\n" * (imports.MAX_LINES + 10)
    _assert_refused(client, _upload(client, content, name="agents.csv"), TOO_MANY_LINES)
