"""A session's course days, read from its free-text schedule ("mardi et jeudi, 17 h 30 – 20 h 30").

Staff write the schedule for people, not for machines, so it is read conservatively: the whole
text must be a list of weekdays then one time range, as in

- "mardi et jeudi, 17 h 30 – 20 h 30", "lundi, mercredi et vendredi, 8 h – 12 h";
- "le samedi, 8 h – 12 h", "les mardis, de 18 h à 20 h";
- "du lundi au vendredi, 8 h – 15 h".

Anything else ("un samedi sur deux", "deux semaines au centre…", "à convenir", a second time
range) is not understood, and ``parse_schedule`` returns None: the calendar then shows the whole
session as one event rather than course days that may be wrong. Pure: no Django, no database.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass

from dateutil import rrule

# Monday first, as datetime.date.weekday() counts.
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_RRULE_DAYS = (rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA, rrule.SU)

_DAY = r"(?:le |les )?(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)s?"
_DAY_RANGE = re.compile(rf"du {_DAY} au {_DAY}")
_DAY_LIST = re.compile(rf"{_DAY}(?:(?:, | et ){_DAY})*")
_TIME = r"(\d{1,2}) ?h ?(\d{2})?"
_TIME_RANGE = re.compile(rf"(?:de )?{_TIME} ?(?:-|a) ?{_TIME}")


@dataclass(frozen=True)
class WeeklySchedule:
    """Course days: the same weekdays every week, at the same hours."""

    weekdays: tuple[int, ...]  # 0 = Monday
    start: datetime.time
    end: datetime.time

    def days(self, first: datetime.date, last: datetime.date) -> list[datetime.date]:
        """The course days from ``first`` to ``last`` (both included)."""
        if last < first:
            return []
        rule = rrule.rrule(
            rrule.WEEKLY,
            dtstart=datetime.datetime.combine(first, datetime.time()),
            until=datetime.datetime.combine(last, datetime.time()),
            byweekday=[_RRULE_DAYS[day] for day in self.weekdays],
        )
        return [moment.date() for moment in rule]


def _normalise(text: str) -> str:
    """Lower case, accents and typographic dashes and spaces made plain, blanks collapsed."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)  # hyphens, en and em dashes, minus sign
    text = "".join(char for char in unicodedata.normalize("NFD", text) if not unicodedata.combining(char))
    text = re.sub(r"\s+", " ", text).strip().rstrip(".")
    # One spelling of each separator: "8h-12h", "8 h – 12 h" and "8 h à 12 h" read alike.
    text = re.sub(r" ?- ?", " - ", text)
    text = re.sub(r" ?, ?", ", ", text)
    return text


def _weekdays(text: str) -> tuple[int, ...] | None:
    if match := _DAY_RANGE.fullmatch(text):
        first, last = WEEKDAYS.index(match.group(1)), WEEKDAYS.index(match.group(2))
        return tuple(range(first, last + 1)) if first < last else None
    if _DAY_LIST.fullmatch(text):
        days = [WEEKDAYS.index(name) for name in re.findall(_DAY, text)]
        return tuple(sorted(set(days))) if len(set(days)) == len(days) else None
    return None


def _time(hours: str, minutes: str | None) -> datetime.time | None:
    hour, minute = int(hours), int(minutes or 0)
    if hour > 23 or minute > 59:
        return None
    return datetime.time(hour, minute)


def _times(text: str) -> tuple[datetime.time, datetime.time] | None:
    match = _TIME_RANGE.fullmatch(text.replace(" - ", "-"))
    if not match:
        return None
    start, end = _time(*match.group(1, 2)), _time(*match.group(3, 4))
    if start is None or end is None or end <= start:
        return None
    return start, end


def parse_schedule(text: str) -> WeeklySchedule | None:
    """The weekly course days ``text`` states, or None when it does not state them plainly."""
    normalised = _normalise(text or "")
    days_part, separator, times_part = normalised.rpartition(", ")
    if not separator:
        return None
    weekdays = _weekdays(days_part)
    times = _times(times_part)
    if not weekdays or times is None:
        return None
    return WeeklySchedule(weekdays=weekdays, start=times[0], end=times[1])
