"""A session's schedule text is read into weekly course days only when it plainly states them."""

import datetime

import pytest

from demo.data.catalogue import SESSIONS
from programs.schedules import WeeklySchedule, parse_schedule

MON, TUE, WED, THU, FRI, SAT = range(6)


def weekly(days, start, end) -> WeeklySchedule:
    return WeeklySchedule(weekdays=tuple(days), start=datetime.time(*start), end=datetime.time(*end))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mardi et jeudi, 17 h 30 – 20 h 30", weekly([TUE, THU], (17, 30), (20, 30))),
        ("Mardi et jeudi, 17 h 30 – 20 h 30", weekly([TUE, THU], (17, 30), (20, 30))),
        ("lundi, mercredi et vendredi, 8 h – 12 h", weekly([MON, WED, FRI], (8,), (12,))),
        ("samedi, 8 h – 12 h", weekly([SAT], (8,), (12,))),
        ("le samedi, 8 h – 12 h", weekly([SAT], (8,), (12,))),
        ("les mardis, de 18 h à 20 h", weekly([TUE], (18,), (20,))),
        ("le mardi et le jeudi, 18 h — 21 h", weekly([TUE, THU], (18,), (21,))),
        ("du lundi au vendredi, 8 h – 15 h", weekly([MON, TUE, WED, THU, FRI], (8,), (15,))),
        ("du lundi au jeudi, 8 h 30 – 12 h", weekly([MON, TUE, WED, THU], (8, 30), (12,))),
        ("Mardi et Jeudi, 17h30-20h30.", weekly([TUE, THU], (17, 30), (20, 30))),
        # No-break spaces, as a word processor types them, and the days in any order.
        ("jeudi et mardi,\u00a017\u202fh\u202f30\u00a0–\u00a020\u202fh", weekly([TUE, THU], (17, 30), (20,))),
    ],
)
def test_plain_weekdays_and_hours_are_read(text, expected):
    assert parse_schedule(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "à convenir",
        "samedi",  # no hours
        "8 h – 12 h",  # no day
        "mardi et jeudi, 18 h – 21 h, et un samedi sur deux",  # a day the weekly rule would miss
        "un samedi sur deux, 8 h – 12 h",
        "cours en ligne ; classe virtuelle le mercredi, 18 h – 20 h",
        "deux semaines au centre, deux semaines en entreprise ; 7 h 30 – 15 h 30 au centre",
        "à votre rythme ; tutorat le samedi matin",
        "mardi, 20 h – 18 h",  # ends before it starts
        "mardi, 8 h – 8 h",
        "mardi, 25 h – 26 h",
        "mardi, 8 h 75 – 9 h",
        "mardi et mardi, 8 h – 12 h",
        "du vendredi au lundi, 8 h – 12 h",
        "sauf le mercredi, 8 h – 12 h",
        "mardi et jeudi 17 h 30 – 20 h 30",  # no comma: where the days end is a guess
    ],
)
def test_anything_else_is_not_guessed(text):
    assert parse_schedule(text) is None


def test_course_days_fall_between_the_first_and_last_day_included():
    schedule = parse_schedule("mardi et jeudi, 17 h 30 – 20 h 30")

    # Tuesday 5 January 2027 to Thursday 14 January 2027.
    days = schedule.days(datetime.date(2027, 1, 5), datetime.date(2027, 1, 14))

    assert days == [datetime.date(2027, 1, d) for d in (5, 7, 12, 14)]
    assert schedule.days(datetime.date(2027, 1, 8), datetime.date(2027, 1, 11)) == []  # Friday to Monday
    assert schedule.days(datetime.date(2027, 1, 14), datetime.date(2027, 1, 5)) == []


# What the demo catalogue's sessions read as: the plain ones give course days, the others one event.
DEMO_READINGS = {
    "mardi et jeudi, 17 h 30 – 20 h 30": weekly([TUE, THU], (17, 30), (20, 30)),
    "lundi et mercredi, 17 h 30 – 20 h 30": weekly([MON, WED], (17, 30), (20, 30)),
    "samedi, 8 h – 12 h": weekly([SAT], (8,), (12,)),
    "du lundi au vendredi, 8 h – 15 h": weekly([MON, TUE, WED, THU, FRI], (8,), (15,)),
    "du lundi au vendredi, 8 h – 12 h": weekly([MON, TUE, WED, THU, FRI], (8,), (12,)),
    "lundi, mercredi et vendredi, 8 h – 12 h": weekly([MON, WED, FRI], (8,), (12,)),
    "mardi, 18 h – 20 h": weekly([TUE], (18,), (20,)),
    "mardi et vendredi, 8 h 30 – 12 h": weekly([TUE, FRI], (8, 30), (12,)),
    "lundi et mardi, 8 h – 12 h": weekly([MON, TUE], (8,), (12,)),
    "du lundi au jeudi, 8 h 30 – 12 h": weekly([MON, TUE, WED, THU], (8, 30), (12,)),
    "deux semaines au centre, deux semaines en entreprise ; 7 h 30 – 15 h 30 au centre": None,
    "cours en ligne ; classe virtuelle le mercredi, 18 h – 20 h": None,
    "rendez-vous individuels en visioconférence, à convenir": None,
    "cours en ligne ; regroupement au campus connecté un samedi par mois": None,
    "mardi et jeudi, 18 h – 21 h, et un samedi sur deux": None,
}


def test_every_demo_schedule_reads_as_expected():
    schedules = {session.schedule for session in SESSIONS}

    assert schedules == set(DEMO_READINGS)
    for text in schedules:
        assert parse_schedule(text) == DEMO_READINGS[text], text
