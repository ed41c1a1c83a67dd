"""A session's course days, made from weekly patterns between two dates, without Mayotte's public holidays.

A pattern is one line staff write as a session's schedule already reads ("mardi et jeudi,
17 h 30 – 20 h 30", "le samedi, 8 h – 12 h"; ``programs.schedules``); several lines give
several patterns (evenings plus Saturday mornings). Each pattern's days come from a dateutil
``rrule`` (``WeeklySchedule.days``); a day that is a public holiday of Mayotte (``holidays``,
subdivision 976: it includes 27 April, abolition de l'esclavage) or a closure staff list is
skipped, and said so with its name.

Dates and wall-clock times only: Mayotte is UTC+3 all year (no daylight saving), so a course
day at 17 h 30 is 17 h 30 whatever mainland France's clocks do. Pure: no Django, no database;
its errors carry the line they are about, and the callers word them in French.
"""

import datetime
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import holidays

from programs.schedules import WeeklySchedule, parse_schedule

# Mayotte's subdivision of France in the holidays package (its ISO 3166-2 code, FR-976).
MAYOTTE = "976"


class SkipKind(StrEnum):
    HOLIDAY = "holiday"
    CLOSURE = "closure"
    # Left out by the services: a planned slot of the session already starts then.
    EXISTING = "existing"


@dataclass(frozen=True, order=True)
class SlotSpec:
    """One course day to create: a date and a time range, in Mayotte time."""

    date: datetime.date
    start: datetime.time
    end: datetime.time

    @property
    def minutes(self) -> int:
        return (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)


@dataclass(frozen=True)
class SkippedDay:
    """A course day a pattern gave and that was not kept, and why (``name``: the holiday's, the closure's)."""

    spec: SlotSpec
    kind: SkipKind
    name: str = ""


@dataclass(frozen=True)
class Closure:
    """Days the centre is closed (both included), with the label staff gave them, if any."""

    first: datetime.date
    last: datetime.date
    label: str = ""

    def __contains__(self, day: object) -> bool:
        return isinstance(day, datetime.date) and self.first <= day <= self.last


@dataclass(frozen=True)
class CourseDays:
    specs: tuple[SlotSpec, ...]
    skipped: tuple[SkippedDay, ...]

    @property
    def minutes(self) -> int:
        return sum(spec.minutes for spec in self.specs)


@dataclass(frozen=True)
class Pattern:
    """A weekly pattern and the line (1 = first) it was read from."""

    line_number: int
    text: str
    schedule: WeeklySchedule


class PatternError(ValueError):
    """A line that states no weekly pattern (``line_number`` counts from 1)."""

    def __init__(self, line_number: int, line: str):
        super().__init__(f"line {line_number}: {line!r}")
        self.line_number = line_number
        self.line = line


class PatternsMissing(ValueError):
    """Not one pattern was given."""


class PatternsOverlap(ValueError):
    """Two patterns give course days that overlap on the same weekday."""

    def __init__(self, first: Pattern, second: Pattern, weekday: int):
        super().__init__(f"lines {first.line_number} and {second.line_number} overlap on weekday {weekday}")
        self.first = first
        self.second = second
        self.weekday = weekday  # 0 = Monday


class ClosureError(ValueError):
    """A closure line that is not a date or a date range."""

    def __init__(self, line_number: int, line: str):
        super().__init__(f"line {line_number}: {line!r}")
        self.line_number = line_number
        self.line = line


def _lines(text: str | Sequence[str]) -> list[tuple[int, str]]:
    lines = text.splitlines() if isinstance(text, str) else list(text)
    return [(number, line.strip()) for number, line in enumerate(lines, start=1) if line.strip()]


def parse_patterns(text: str | Sequence[str]) -> list[Pattern]:
    """The patterns of ``text`` (one per line; blank lines ignored).

    Raises ``PatternError`` on the first line that states no pattern, ``PatternsMissing`` when
    there is none, and ``PatternsOverlap`` when two of them would put overlapping course days on
    one weekday (which slot would people attend?).
    """
    patterns = []
    for number, line in _lines(text):
        schedule = parse_schedule(line)
        if schedule is None:
            raise PatternError(number, line)
        patterns.append(Pattern(line_number=number, text=line, schedule=schedule))
    if not patterns:
        raise PatternsMissing("no pattern")
    for index, first in enumerate(patterns):
        for second in patterns[index + 1 :]:
            common = sorted(set(first.schedule.weekdays) & set(second.schedule.weekdays))
            overlapping = first.schedule.start < second.schedule.end and second.schedule.start < first.schedule.end
            if common and overlapping:
                raise PatternsOverlap(first, second, common[0])
    return patterns


_DATE = r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})"
_CLOSURE = re.compile(rf"(?:du )?{_DATE}(?: ?(?:au|-) ?{_DATE})?(?: ?: ?(.*))?")


def _closure_date(day: str, month: str, year: str) -> datetime.date:
    return datetime.date(int(year), int(month), int(day))


def parse_closures(text: str | Sequence[str]) -> list[Closure]:
    """The closures of ``text``, one per line: ``24/12/2027``, ``24/12/2027 au 02/01/2028``, each
    optionally followed by ``: a label`` (``15/08/2027 : pont``). Raises ``ClosureError``.
    """
    closures = []
    for number, line in _lines(text):
        plain = unicodedata.normalize("NFKC", line)
        plain = re.sub(r"[\u2010-\u2015\u2212]", "-", plain)
        plain = re.sub(r"\s+", " ", plain).strip()
        match = _CLOSURE.fullmatch(plain)
        if not match:
            raise ClosureError(number, line)
        try:
            first = _closure_date(*match.group(1, 2, 3))
            last = _closure_date(*match.group(4, 5, 6)) if match.group(4) else first
        except ValueError:
            raise ClosureError(number, line) from None
        if last < first:
            raise ClosureError(number, line)
        closures.append(Closure(first=first, last=last, label=(match.group(7) or "").strip()))
    return closures


def mayotte_holidays(first: datetime.date, last: datetime.date) -> dict[datetime.date, str]:
    """Mayotte's public holidays from ``first`` to ``last`` (both included), with their French names."""
    if last < first:
        return {}
    calendar = holidays.France(subdiv=MAYOTTE, years=range(first.year, last.year + 1), language="fr")
    return {day: name for day, name in sorted(calendar.items()) if first <= day <= last}


def _as_closures(closures: Iterable[datetime.date | Closure]) -> list[Closure]:
    return [item if isinstance(item, Closure) else Closure(first=item, last=item) for item in closures]


def course_days(
    patterns: Sequence[Pattern | WeeklySchedule],
    *,
    first: datetime.date,
    last: datetime.date,
    closures: Iterable[datetime.date | Closure] = (),
    public_holidays: Mapping[datetime.date, str] | None = None,
) -> CourseDays:
    """The course days ``patterns`` give from ``first`` to ``last`` (both included), in date order.

    A day that is a public holiday (by default Mayotte's, ``mayotte_holidays``) or falls in a
    closure is skipped, with the holiday's name or the closure's label.
    """
    holidays_on = mayotte_holidays(first, last) if public_holidays is None else public_holidays
    closed = _as_closures(closures)
    specs: list[SlotSpec] = []
    skipped: list[SkippedDay] = []
    for pattern in patterns:
        schedule = pattern.schedule if isinstance(pattern, Pattern) else pattern
        for day in schedule.days(first, last):
            spec = SlotSpec(date=day, start=schedule.start, end=schedule.end)
            if day in holidays_on:
                skipped.append(SkippedDay(spec=spec, kind=SkipKind.HOLIDAY, name=holidays_on[day]))
            elif closure := next((closure for closure in closed if day in closure), None):
                skipped.append(SkippedDay(spec=spec, kind=SkipKind.CLOSURE, name=closure.label))
            else:
                specs.append(spec)
    return CourseDays(specs=tuple(sorted(specs)), skipped=tuple(sorted(skipped, key=lambda item: item.spec)))
