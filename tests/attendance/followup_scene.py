"""Scenes the follow-up's tests share: a past session with its course days, sheets and lines.

Built with the factories, as the sheets would leave them: a closed sheet is countersigned, a line
says present, late, absent or excused. The services under test are then called on them.
"""

import datetime
import io

from django.utils import timezone
from pypdf import PdfReader

from attendance.models import Attendance, AttendanceSheet, AttendanceStatus, Slot
from attendance.progress import month_start
from tests.factories import ApplicationFactory, SessionFactory, SlotFactory, UserFactory


def months_ago(count: int) -> datetime.date:
    """The 1st of the month ``count`` months before this one (a past day, whose number reads « 1er »)."""
    first = month_start(timezone.localdate())
    for _ in range(count):
        first = month_start(first - datetime.timedelta(days=1))
    return first


def past_session(*, start: datetime.date | None = None, days: int = 120, **fields):
    start = start or months_ago(2)
    return SessionFactory(start_date=start, end_date=start + datetime.timedelta(days=days), **fields)


def slots_of(session, dates, *, start=datetime.time(17, 30), end=datetime.time(20, 30)) -> list[Slot]:
    return [SlotFactory(session=session, date=day, start_time=start, end_time=end) for day in dates]


def enrolled(session, **fields):
    return ApplicationFactory(session=session, enrolled=True, **fields)


def sheet_of(slot: Slot, *, closed: bool = True) -> AttendanceSheet:
    user = UserFactory(username="formatrice-des-tests")
    sheet, _created = AttendanceSheet.objects.get_or_create(slot=slot, defaults={"opened_by": user})
    if closed and sheet.state != AttendanceSheet.State.CLOSED:
        sheet.state = AttendanceSheet.State.CLOSED
        sheet.closed_at = timezone.now()
        sheet.countersigned_by = user
        sheet.save()
    return sheet


def mark(slot: Slot, application, status: str, *, closed: bool = True) -> Attendance:
    """The person's line on the slot's sheet (made or changed), as the trainer or staff left it."""
    sheet = sheet_of(slot, closed=closed)
    line, _created = Attendance.objects.update_or_create(
        sheet=sheet,
        application=application,
        defaults={
            "status": status,
            "signed_at": timezone.now() if status == AttendanceStatus.PRESENT else None,
            "reason": "Certificat médical." if status == AttendanceStatus.EXCUSED else "",
        },
    )
    return line


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def pdf_pages(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)
