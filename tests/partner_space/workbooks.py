"""Workbooks written by hand, XML into a zip, to build what no spreadsheet program would save.

Millions of empty rows, a sheet that declares entities, a lying dimension: built in a fraction
of a second and a few kilobytes, as an attacker would. The tests and bench/ share them.
"""

import io
import zipfile
from xml.sax.saxutils import escape

HEADER = ("prenom", "nom", "email", "fonction", "session")

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Agents" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
    "</Relationships>"
)


def row_xml(number: int, values) -> str:
    cells = "".join(f'<c t="inlineStr"><is><t>{escape(str(value))}</t></is></c>' for value in values)
    return f'<row r="{number}">{cells}</row>'


def sheet_xml(rows, *, empty_rows: int = 0, dimension: str = "", prolog: str = "") -> bytes:
    """A worksheet: ``rows`` (the header first) then ``empty_rows`` empty rows, each ``<row/>``.

    ``prolog`` goes between the XML declaration and the root element (a DTD, say).
    """
    parts = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
        prolog,
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">',
        f'<dimension ref="{dimension}"/>' if dimension else "",
        "<sheetData>",
        *(row_xml(number, values) for number, values in enumerate(rows, start=1)),
    ]
    head = "".join(parts).encode()
    return head + b"<row/>" * empty_rows + b"</sheetData></worksheet>"


def workbook(sheet: bytes, *, extra_members=()) -> bytes:
    """A one-sheet .xlsx around ``sheet``; ``extra_members`` are more ``(name, bytes)`` in the zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, data in extra_members:
            archive.writestr(name, data)
    return buffer.getvalue()


def staff_workbook(rows, **sheet_options) -> bytes:
    return workbook(sheet_xml([HEADER, *rows], **sheet_options))
