"""What the attendance tests share: a slot on a fixed day, its trainer, people enrolled in it."""

import datetime
import zoneinfo
from types import SimpleNamespace

import pytest

from attendance import codes
from tests.factories import ApplicationFactory, SessionFactory, SlotFactory, TrainerFactory

MAYOTTE = zoneinfo.ZoneInfo("Indian/Mayotte")
# Mardi 1er juin 2027, 17 h 30 – 20 h 30; the sheet is signed from 17 h 00 to 21 h 00.
DAY = datetime.date(2027, 6, 1)
NOW = datetime.datetime(2027, 6, 1, 17, 35, tzinfo=MAYOTTE)
PASSWORD = "motdepasse-solide-2026"  # the factories' password


def at(hour: int, minute: int = 0, second: int = 0, day: datetime.date = DAY) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=MAYOTTE)


def code_of(sheet, now: datetime.datetime = NOW) -> str:
    return codes.code_for(sheet.secret, codes.step_at(now))


def token_of(sheet, now: datetime.datetime = NOW) -> str:
    return codes.token_for(sheet.pk, sheet.secret, codes.step_at(now))


@pytest.fixture
def course(db):
    """A session with its slot on DAY, a trainer who runs it and three people enrolled."""
    session = SessionFactory(start_date=DAY, end_date=DAY + datetime.timedelta(days=90))
    slot = SlotFactory(session=session, date=DAY)
    trainer = TrainerFactory(sessions=[session])
    people = [
        ApplicationFactory(session=session, enrolled=True, applicant__profile__last_name=name)
        for name in ("Abdallah", "Boina", "Chanfi")
    ]
    return SimpleNamespace(session=session, slot=slot, trainer=trainer, user=trainer.user, people=people)


def _clock_slot_times(now: datetime.datetime) -> tuple[datetime.date, datetime.time, datetime.time]:
    """Today's date and a slot running from an hour ago to an hour from now, within today."""
    today = now.date()
    start = now - datetime.timedelta(hours=1)
    end = now + datetime.timedelta(hours=1)
    start_time = start.time().replace(second=0, microsecond=0) if start.date() == today else datetime.time(0, 0)
    end_time = end.time().replace(second=0, microsecond=0) if end.date() == today else datetime.time(23, 59)
    return today, start_time, end_time


@pytest.fixture
def live(db):
    """As ``course``, with its slot running now (the pages read the real clock)."""
    from django.utils import timezone

    today, start_time, end_time = _clock_slot_times(timezone.localtime())
    session = SessionFactory(
        start_date=today - datetime.timedelta(days=7), end_date=today + datetime.timedelta(days=60)
    )
    slot = SlotFactory(session=session, date=today, start_time=start_time, end_time=end_time)
    trainer = TrainerFactory(sessions=[session])
    people = [
        ApplicationFactory(session=session, enrolled=True, applicant__profile__last_name=name)
        for name in ("Abdallah", "Boina", "Chanfi")
    ]
    return SimpleNamespace(session=session, slot=slot, trainer=trainer, user=trainer.user, people=people, today=today)
