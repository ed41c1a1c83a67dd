"""The one rule that keeps exported spreadsheets from running what people typed as a formula.

A name typed as ``=HYPERLINK(...)``, ``+cmd|...`` or ``@SUM(...)`` becomes a live formula once
staff open the export in Excel or LibreOffice (CSV injection). Every CSV and XLSX export goes
through ``neutralise``: a text cell that a spreadsheet would read as a formula gets a leading
apostrophe, so it is shown as typed; numbers, dates and plain signed numbers (a phone number
``+262 639 00 00 00``, ``-12,5``) are left alone, since they can carry no formula.
"""

import re
from collections.abc import Iterable
from typing import Any

from import_export.formats import base_formats

# What starts a formula in Excel, LibreOffice or Google Sheets, full-width forms included.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# A sign then digits and separators only: no operator, name or reference a formula could use.
_PLAIN_NUMBER = re.compile(r"[+\-]?\d[\d \u00a0\u202f.,]*")


def neutralise(value: Any) -> Any:
    """``value`` as it must be written to a spreadsheet: quoted when a spreadsheet would run it."""
    if not isinstance(value, str) or not value:
        return value
    if value[0] in FORMULA_TRIGGERS or value.lstrip(" \u00a0")[:1] in FORMULA_TRIGGERS:
        if _PLAIN_NUMBER.fullmatch(value.strip(" \u00a0")):
            return value
        return "'" + value
    return value


def neutralise_row(values: Iterable[Any]) -> list[Any]:
    return [neutralise(value) for value in values]


class _FormulaSafeFormat:
    """A django-import-export format whose cells all went through ``neutralise``.

    It replaces the library's own rule (``IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT``), which only
    drops a leading ``=`` and turns every cell, numbers included, into text.
    """

    def _escape_formulae(self, dataset) -> None:
        rows = [neutralise_row(row) for row in dataset]
        del dataset[:]
        for row in rows:
            dataset.append(row)

    def export_data(self, dataset, **kwargs):
        # Whatever the setting says: an export without the rule is never wanted.
        self._escape_formulae(dataset)
        return super().export_data(dataset, **kwargs)  # type: ignore[misc]


class CSV(_FormulaSafeFormat, base_formats.CSV):
    pass


class XLSX(_FormulaSafeFormat, base_formats.XLSX):
    pass
