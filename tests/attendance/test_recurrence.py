"""Course days come from weekly patterns between two dates, without Mayotte's public holidays nor closures."""

import datetime
import zoneinfo

import pytest

from attendance.models import Slot
from attendance.recurrence import (
    Closure,
    ClosureError,
    PatternError,
    PatternsMissing,
    PatternsOverlap,
    SkipKind,
    SlotSpec,
    course_days,
    mayotte_holidays,
    parse_closures,
    parse_patterns,
)

D = datetime.date
T = datetime.time
EVENINGS = "mardi et jeudi, 17 h 30 – 20 h 30"
SATURDAYS = "le samedi, 8 h – 12 h"


def _days(text, first, last, **kwargs):
    return course_days(parse_patterns(text), first=first, last=last, **kwargs)


def _skipped(days):
    return {(item.spec.date, item.kind, item.name) for item in days.skipped}


# --- Mayotte's public holidays ---------------------------------------------------------------------


def test_mayotte_holidays_include_the_abolition_of_slavery_and_the_national_ones():
    days = mayotte_holidays(D(2027, 1, 1), D(2028, 12, 31))
    assert days[D(2027, 4, 27)] == "Abolition de l'esclavage"
    assert days[D(2028, 4, 27)] == "Abolition de l'esclavage"
    assert days[D(2027, 7, 14)] == "Fête nationale"
    assert days[D(2027, 3, 29)] == "Lundi de Pâques"
    assert days[D(2028, 4, 17)] == "Lundi de Pâques"
    assert days[D(2027, 5, 17)] == "Lundi de Pentecôte"
    assert days[D(2027, 5, 6)] == "Ascension"
    # Mainland-only days are not Mayotte's (no Good Friday, no Saint Stephen).
    assert D(2027, 3, 26) not in days and D(2027, 12, 26) not in days
    assert len(days) == 24


def test_mayotte_holidays_keep_to_the_period_asked():
    assert mayotte_holidays(D(2027, 4, 1), D(2027, 4, 30)) == {D(2027, 4, 27): "Abolition de l'esclavage"}
    assert mayotte_holidays(D(2027, 5, 1), D(2027, 4, 1)) == {}


# --- Rhythms ---------------------------------------------------------------------------------------


def test_tuesday_and_thursday_evenings_skip_the_27th_of_april_and_ascension():
    days = _days(EVENINGS, D(2027, 4, 1), D(2027, 5, 31))

    dates = [spec.date for spec in days.specs]
    assert all(spec.date.weekday() in (1, 3) for spec in days.specs)
    assert {(spec.start, spec.end) for spec in days.specs} == {(T(17, 30), T(20, 30))}
    assert D(2027, 4, 27) not in dates and D(2027, 5, 6) not in dates
    assert _skipped(days) == {
        (D(2027, 4, 27), SkipKind.HOLIDAY, "Abolition de l'esclavage"),
        (D(2027, 5, 6), SkipKind.HOLIDAY, "Ascension"),
    }
    # April and May 2027 hold 17 Tuesdays and Thursdays (9 and 8); two are public holidays.
    assert len(dates) == 15
    assert dates == sorted(dates)
    assert days.minutes == 15 * 180


def test_saturday_mornings_skip_labour_day_and_victory_day():
    days = _days(SATURDAYS, D(2027, 4, 24), D(2027, 5, 15))

    assert [spec.date for spec in days.specs] == [D(2027, 4, 24), D(2027, 5, 15)]
    assert _skipped(days) == {
        (D(2027, 5, 1), SkipKind.HOLIDAY, "Fête du Travail"),
        (D(2027, 5, 8), SkipKind.HOLIDAY, "Fête de la Victoire"),
    }
    assert days.specs[0] == SlotSpec(date=D(2027, 4, 24), start=T(8), end=T(12))


def test_weekday_daytime_in_two_half_days_skips_easter_monday_and_the_14th_of_july():
    text = "du lundi au vendredi, 8 h – 12 h\ndu lundi au vendredi, 13 h – 16 h"

    easter = _days(text, D(2027, 3, 29), D(2027, 4, 2))
    july = _days(text, D(2027, 7, 12), D(2027, 7, 16))

    assert [(spec.date, spec.start) for spec in easter.specs] == [
        (day, start)
        for day in (D(2027, 3, 30), D(2027, 3, 31), D(2027, 4, 1), D(2027, 4, 2))
        for start in (T(8), T(13))
    ]
    assert _skipped(easter) == {(D(2027, 3, 29), SkipKind.HOLIDAY, "Lundi de Pâques")}
    assert len(easter.skipped) == 2  # the morning and the afternoon
    assert D(2027, 7, 14) not in {spec.date for spec in july.specs}
    assert {item.name for item in july.skipped} == {"Fête nationale"}
    assert easter.minutes == 4 * (240 + 180)


def test_evenings_plus_saturday_mornings_give_both_in_date_order():
    days = _days(f"{EVENINGS}\n\n{SATURDAYS}\n", D(2027, 6, 1), D(2027, 6, 12))

    assert [(spec.date, spec.start) for spec in days.specs] == [
        (D(2027, 6, 1), T(17, 30)),
        (D(2027, 6, 3), T(17, 30)),
        (D(2027, 6, 5), T(8)),
        (D(2027, 6, 8), T(17, 30)),
        (D(2027, 6, 10), T(17, 30)),
        (D(2027, 6, 12), T(8)),
    ]
    assert days.skipped == ()


def test_the_first_and_last_days_are_included():
    days = _days(EVENINGS, D(2027, 6, 1), D(2027, 6, 3))
    assert [spec.date for spec in days.specs] == [D(2027, 6, 1), D(2027, 6, 3)]


def test_given_holidays_replace_mayottes():
    days = _days(EVENINGS, D(2027, 4, 27), D(2027, 4, 29), public_holidays={D(2027, 4, 29): "Fête locale"})
    assert [spec.date for spec in days.specs] == [D(2027, 4, 27)]
    assert _skipped(days) == {(D(2027, 4, 29), SkipKind.HOLIDAY, "Fête locale")}


# --- Closures --------------------------------------------------------------------------------------


def test_closure_dates_and_periods_are_skipped_with_their_label():
    closures = [D(2027, 6, 3), Closure(first=D(2027, 6, 14), last=D(2027, 6, 20), label="Inventaire")]

    days = _days(f"{EVENINGS}\n{SATURDAYS}", D(2027, 6, 1), D(2027, 6, 26), closures=closures)

    assert _skipped(days) == {
        (D(2027, 6, 3), SkipKind.CLOSURE, ""),
        (D(2027, 6, 15), SkipKind.CLOSURE, "Inventaire"),
        (D(2027, 6, 17), SkipKind.CLOSURE, "Inventaire"),
        (D(2027, 6, 19), SkipKind.CLOSURE, "Inventaire"),
    }
    assert [spec.date for spec in days.specs] == [
        D(2027, 6, 1),
        D(2027, 6, 5),
        D(2027, 6, 8),
        D(2027, 6, 10),
        D(2027, 6, 12),
        D(2027, 6, 22),
        D(2027, 6, 24),
        D(2027, 6, 26),
    ]


def test_a_holiday_inside_a_closure_is_named_as_the_holiday():
    closures = [Closure(first=D(2027, 4, 26), last=D(2027, 4, 30), label="Vacances")]
    days = _days(EVENINGS, D(2027, 4, 26), D(2027, 4, 30), closures=closures)
    assert _skipped(days) == {
        (D(2027, 4, 27), SkipKind.HOLIDAY, "Abolition de l'esclavage"),
        (D(2027, 4, 29), SkipKind.CLOSURE, "Vacances"),
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24/12/2027", [Closure(D(2027, 12, 24), D(2027, 12, 24))]),
        ("24/12/2027 au 02/01/2028", [Closure(D(2027, 12, 24), D(2028, 1, 2))]),
        (
            "du 24/12/2027 au 2/1/2028 : congés de fin d'année",
            [Closure(D(2027, 12, 24), D(2028, 1, 2), "congés de fin d'année")],
        ),
        ("24/12/2027 – 02/01/2028", [Closure(D(2027, 12, 24), D(2028, 1, 2))]),
        (
            "15.08.2027 : pont\n\n 16/08/2027 ",
            [Closure(D(2027, 8, 15), D(2027, 8, 15), "pont"), Closure(D(2027, 8, 16), D(2027, 8, 16))],
        ),
        ("", []),
    ],
)
def test_closures_are_read_one_per_line(text, expected):
    assert parse_closures(text) == expected


@pytest.mark.parametrize(
    ("text", "line_number"),
    [
        ("Noël", 1),
        ("24/12/2027\n31/02/2027", 2),  # no such day
        ("02/01/2028 au 24/12/2027", 1),  # ends before it starts
        ("24/12/27", 1),
    ],
)
def test_a_closure_that_is_no_date_names_its_line(text, line_number):
    with pytest.raises(ClosureError) as caught:
        parse_closures(text)
    assert caught.value.line_number == line_number


# --- Reading the patterns --------------------------------------------------------------------------


def test_an_unreadable_line_is_refused_by_its_number():
    with pytest.raises(PatternError) as caught:
        parse_patterns(f"{EVENINGS}\n\nun samedi sur deux, 8 h – 12 h")
    assert (caught.value.line_number, caught.value.line) == (3, "un samedi sur deux, 8 h – 12 h")


def test_no_pattern_at_all_is_refused():
    with pytest.raises(PatternsMissing):
        parse_patterns("\n  \n")


def test_two_patterns_overlapping_on_a_weekday_are_refused():
    with pytest.raises(PatternsOverlap) as caught:
        parse_patterns(f"{EVENINGS}\nle jeudi, 18 h – 21 h")
    assert (caught.value.first.line_number, caught.value.second.line_number, caught.value.weekday) == (1, 2, 3)


def test_patterns_that_only_touch_are_kept():
    patterns = parse_patterns("le samedi, 8 h – 12 h\nle samedi, 12 h – 15 h")
    assert [pattern.line_number for pattern in patterns] == [1, 2]


# --- Mayotte time has no daylight saving -----------------------------------------------------------


def test_nothing_shifts_when_mainland_france_changes_its_clocks():
    """Mainland France moves its clocks on 28 March and 31 October 2027; Mayotte stays at UTC+3."""
    days = _days(EVENINGS + "\n" + SATURDAYS, D(2027, 3, 20), D(2027, 11, 6))
    around = [
        spec for spec in days.specs if spec.date in {D(2027, 3, 25), D(2027, 3, 30), D(2027, 10, 28), D(2027, 11, 2)}
    ]
    assert len(around) == 4
    assert {(spec.start, spec.end) for spec in around} == {(T(17, 30), T(20, 30))}

    utc = datetime.UTC
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    for spec in around:
        slot = Slot(date=spec.date, start_time=spec.start, end_time=spec.end)
        assert slot.starts_at.utcoffset() == datetime.timedelta(hours=3)
        assert slot.starts_at.astimezone(utc).time() == T(14, 30)
        assert slot.hours == 3
    # The dates do cross mainland's changes: there the same wall-clock time is an hour apart in UTC.
    offsets = {datetime.datetime.combine(spec.date, spec.start, tzinfo=paris).utcoffset() for spec in around}
    assert offsets == {datetime.timedelta(hours=1), datetime.timedelta(hours=2)}
    saturdays = {spec.date: spec for spec in days.specs if spec.date.weekday() == 5}
    assert (saturdays[D(2027, 3, 27)].start, saturdays[D(2027, 10, 30)].start) == (T(8), T(8))
