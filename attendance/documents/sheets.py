"""The attendance sheet's PDF: a closed sheet -> a dict of French text -> PDF bytes.

« Feuille d'émargement »: the programme, the session, the slot (date, times, place or « À
distance »), the trainer, each person with their signature time or their status (and reason),
the corrections made after closing, the trainer's countersignature. The dict is what the data
hash covers: the PDF is rendered again only when one of its words changes.
"""

from typing import Any

from django.utils.translation import gettext as _

from attendance import presence
from attendance.models import Attendance, AttendanceChange, AttendanceSheet, AttendanceStatus
from core.formatting import date_long, datetime_long, time_short

from .base import body_identity, in_french_and_local_time, render_pdf

TEMPLATE = "pdf/attendance/sheet.html"


def _user_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.email


def _presence_text(line: Attendance) -> str:
    if line.signed_at is not None:
        signed = _("signé à %(time)s") % {"time": time_short(line.signed_at)}
        return f"{AttendanceStatus(line.status).label} — {signed}"
    return AttendanceStatus(line.status).label


def _duration(hours) -> str:
    """``3 h``, ``2 h 30``: a slot's length as people say it."""
    minutes = round(hours * 60)
    whole, rest = divmod(minutes, 60)
    return _("%(hours)d h %(minutes)02d") % {"hours": whole, "minutes": rest} if rest else f"{whole} h"


def sheet_data(sheet: AttendanceSheet) -> dict[str, Any]:
    """Everything the sheet's PDF says, as French text (five queries)."""
    with in_french_and_local_time():
        return _sheet_data(sheet)


def _sheet_data(sheet: AttendanceSheet) -> dict[str, Any]:
    sheet = presence.sheet_for_page(sheet.pk) or sheet
    slot = sheet.slot
    session = slot.session
    lines = list(
        Attendance.objects.filter(sheet=sheet)
        .select_related("application__applicant__applicant_profile")
        .order_by("pk")
    )
    rows = sorted(
        (
            {
                "name": presence.person_name(line.application),
                "reference": line.application.reference,
                "status": AttendanceStatus(line.status).label,
                "presence": _presence_text(line),
                "reason": line.reason,
                "attended": line.status in (AttendanceStatus.PRESENT, AttendanceStatus.LATE),
            }
            for line in lines
        ),
        key=lambda row: (row["name"].casefold(), row["reference"]),
    )
    corrections = [
        {
            "when": datetime_long(change.changed_at),
            "who": _user_name(change.changed_by),
            "name": presence.person_name(change.application),
            "move": f"{change.from_label} → {change.to_label}" if change.from_status else change.to_label,
            "reason": change.reason,
        }
        for change in AttendanceChange.objects.filter(sheet=sheet, after_closing=True)
        .select_related("changed_by", "application__applicant__applicant_profile")
        .order_by("changed_at", "pk")
    ]
    counts = {status: sum(1 for line in lines if line.status == status) for status in AttendanceStatus.values}
    trainer = sheet.countersigned_by or sheet.opened_by
    return {
        "body": body_identity(),
        "title": _("Feuille d'émargement"),
        "programme": session.programme.title,
        "session": session.reference,
        "session_dates": _("du %(start)s au %(end)s")
        % {"start": date_long(session.start_date), "end": date_long(session.end_date)},
        "date": date_long(slot.date),
        "times": presence.slot_times(slot),
        "duration": _duration(slot.hours),
        "place": presence.slot_place(slot),
        "trainer": _user_name(trainer),
        "rows": rows,
        "totals": [
            {"label": AttendanceStatus(status).label, "count": counts[status]}
            for status in AttendanceStatus.values
            if counts[status]
        ],
        "people": len(rows),
        "corrections": corrections,
        "countersigned_by": _user_name(sheet.countersigned_by),
        "closed_at": datetime_long(sheet.closed_at) if sheet.closed_at else "",
        "countersignature": sheet.countersignature[:16],
    }


def render_sheet(data: dict[str, Any]) -> bytes:
    return render_pdf(TEMPLATE, {"data": data, "body": data["body"]})
