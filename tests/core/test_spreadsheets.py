"""The one rule for exported cells: what a spreadsheet would run is quoted, the rest is left alone."""

import datetime
import io

import openpyxl
import pytest
import tablib

from core.spreadsheets import CSV, XLSX, neutralise


@pytest.mark.parametrize(
    "value",
    [
        "=1+1",
        '=HYPERLINK("https://pirate.test","clic")',
        "+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
        "  =1+1",
        "\uff1d1+1",  # a full-width equals sign, read as "=" by some spreadsheets
        "-",
        "+",
    ],
)
def test_what_a_spreadsheet_would_run_is_quoted(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize(
    "value",
    ["+262 639 00 00 00", "+262639123456", "-12,5", "-3", "Abdou", "a=b", "M'Tsangamouji", "", "2+2"],
)
def test_plain_text_phone_numbers_and_signed_numbers_stay_as_typed(value):
    assert neutralise(value) == value


@pytest.mark.parametrize("value", [-5, 3.25, 0, None, datetime.date(2026, 9, 7)])
def test_values_that_are_not_text_stay_what_they_are(value):
    assert neutralise(value) == value


def _dataset():
    dataset = tablib.Dataset(headers=["Nom", "Téléphone", "Solde"])
    dataset.append(["=1+1", "+262 639 00 00 00", -5])
    dataset.append(["@SUM(1)", "", None])
    return dataset


def test_the_csv_format_quotes_every_cell_that_needs_it():
    rows = CSV().export_data(_dataset()).splitlines()
    assert rows == ["Nom,Téléphone,Solde", "'=1+1,+262 639 00 00 00,-5", "'@SUM(1),,"]


def test_the_xlsx_format_writes_no_formula_and_keeps_numbers_as_numbers():
    sheet = openpyxl.load_workbook(io.BytesIO(XLSX().export_data(_dataset()))).active
    cells = {cell.coordinate: cell for row in sheet.iter_rows() for cell in row}
    assert not [cell for cell in cells.values() if cell.data_type == "f"]
    assert (cells["A2"].value, cells["B2"].value, cells["C2"].value) == ("'=1+1", "+262 639 00 00 00", -5)
    assert cells["C2"].data_type == "n"
    assert cells["A3"].value == "'@SUM(1)"
