import datetime
import zoneinfo

from django.template import Context, Template

from core.formatting import date_long, date_short, datetime_long, duration_text, time_short

MAYOTTE = zoneinfo.ZoneInfo("Indian/Mayotte")


def test_the_first_of_the_month_is_written_1er():
    assert date_long(datetime.date(2027, 1, 1)) == "1er janvier 2027"
    assert date_long(datetime.date(2027, 7, 14)) == "14 juillet 2027"
    assert date_short(datetime.date(2027, 2, 1)) == "1er févr. 2027"


def test_times_are_written_hours_h_minutes_without_a_leading_zero_hour():
    assert time_short(datetime.time(23, 59)) == "23 h 59"
    assert time_short(datetime.time(8, 5)) == "8 h 05"


def test_an_aware_datetime_is_shown_in_mayotte_time():
    # 21:30 UTC on 31 December is already 1 January in Mayotte (UTC+3).
    moment = datetime.datetime(2026, 12, 31, 21, 30, tzinfo=datetime.UTC)
    assert datetime_long(moment) == "1er janvier 2027 à 0 h 30"
    assert date_long(moment.astimezone(MAYOTTE)) == "1er janvier 2027"


def test_empty_values_render_nothing():
    assert date_long(None) == date_short(None) == time_short(None) == datetime_long(None) == ""


def test_template_filters_use_the_same_formatter():
    rendered = Template("{% load portal_format %}{{ d|date_long }} · {{ t|time_short }}").render(
        Context({"d": datetime.date(2027, 3, 1), "t": datetime.time(17, 30)})
    )
    assert rendered == "1er mars 2027 · 17 h 30"


def test_waits_are_written_in_the_unit_people_read_and_agree_with_their_number():
    assert duration_text(1) == "1 seconde"
    assert duration_text(30) == "30 secondes"
    assert duration_text(60) == "1 minute"
    assert duration_text(61) == "2 minutes"  # rounded up: never promise a shorter wait
    assert duration_text(300) == "5 minutes"
    assert duration_text(3600) == "1 heure"
    assert duration_text(5400) == "90 minutes"
    assert duration_text(7200) == "2 heures"
