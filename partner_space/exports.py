"""The course's follow-up of a partner's staff under one convention, as a spreadsheet (CSV or XLSX).

One row per person and session, French headers; every cell goes through ``core.spreadsheets``,
so a name typed as a formula comes out as typed. Hours and the rate are numbers, dates are
written the French way (JJ/MM/AAAA), as the portal's other exports write them.
"""

from decimal import Decimal

import tablib
from django.utils.translation import gettext as _

from core.spreadsheets import CSV, XLSX
from partner_space import selectors_followup
from partners.models import Convention, Partner

FORMATS = {"csv": CSV, "xlsx": XLSX}
DATE_FORMAT = "%d/%m/%Y"
# Rows read from the database at a time: a convention of thousands of staff stays in bounded memory.
CHUNK_ROWS = 500
# What the rate column says while nothing is planned yet, as the page does.
NO_RATE = "—"


def _headers() -> list[str]:
    return [
        _("Nom"),
        _("Prénom"),
        _("Courriel"),
        _("Formation"),
        _("Session"),
        _("État du suivi"),
        _("Type de sortie"),
        _("Motif de l'abandon"),
        _("Entrée en formation le"),
        _("Sortie le"),
        _("Heures prévues"),
        _("Heures suivies"),
        _("Taux d'assiduité (%)"),
    ]


def _number(value: Decimal) -> int | float:
    """A number a spreadsheet sums: ``30``, ``12.5``."""
    number = round(float(value), 2)
    return int(number) if number.is_integer() else number


def _hours(value: Decimal | None) -> int | float | str:
    return "" if value is None else _number(value)


def _row(row: selectors_followup.StaffFollowup) -> list:
    application = row.application
    return [
        row.last_name,
        row.first_name,
        row.email,
        application.session.programme.title,
        application.session.reference,
        row.state_label,
        row.exit_kind_label,
        row.abandon_reason_label,
        row.entered_on.strftime(DATE_FORMAT) if row.entered_on else "",
        row.exited_on.strftime(DATE_FORMAT) if row.exited_on else "",
        _hours(row.hours_planned),
        _hours(row.hours_attended),
        NO_RATE if row.rate is None else _number(round(row.rate * 100, 1)),
    ]


def followup_dataset(*, partner: Partner, convention: Convention) -> tablib.Dataset:
    """The follow-up of the staff ``partner`` enrolled through ``convention``, one row per person and session."""
    dataset = tablib.Dataset(headers=_headers())
    applications = selectors_followup.partner_followup(partner=partner, convention=convention)
    for application in applications.iterator(chunk_size=CHUNK_ROWS):
        dataset.append(_row(selectors_followup.staff_followup(application)))
    return dataset


def followup_export(*, partner: Partner, convention: Convention, file_format: str) -> tuple[bytes | str, str]:
    """The follow-up in ``file_format`` ("csv" or "xlsx"), formulas neutralised, with its content type."""
    spreadsheet = FORMATS[file_format]()
    content = spreadsheet.export_data(followup_dataset(partner=partner, convention=convention))
    return content, spreadsheet.get_content_type()
