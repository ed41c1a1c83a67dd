"""A public session's calendar file: read back with a real iCalendar parser."""

import datetime
import zoneinfo
from urllib.parse import urlsplit

import icalendar
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from programs import calendars
from programs.models import Programme, Session
from tests.factories import ProgrammeFactory, SessionFactory, SiteFactory

pytestmark = pytest.mark.django_db

MAYOTTE = zoneinfo.ZoneInfo("Indian/Mayotte")
HOST = urlsplit(settings.SITE_URL).hostname


def ics_url(session) -> str:
    return reverse("programs:session_calendar", kwargs={"pk": session.pk})


def parse(content: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(content)


@pytest.fixture
def session():
    return SessionFactory(
        programme=ProgrammeFactory(title="Comptabilité et gestion", slug="comptabilite"),
        reference="2027-COMPTA-MAM-01",
        site=SiteFactory(name="Antenne CNAM", address="Place Mariage, 97600 Mamoudzou"),
        start_date=datetime.date(2027, 1, 5),  # a Tuesday
        end_date=datetime.date(2027, 1, 28),  # a Thursday
        schedule="mardi et jeudi, 17 h 30 – 20 h 30",
    )


def test_a_session_with_plain_hours_has_one_event_per_course_day_in_mayotte_time(client, session):
    response = client.get(ics_url(session))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="cnam-mayotte-2027-compta-mam-01.ics"'
    calendar = parse(response.content)
    assert [tz.tz_name for tz in calendar.timezones] == ["Indian/Mayotte"]
    events = calendar.events
    days = [datetime.date(2027, 1, d) for d in (5, 7, 12, 14, 19, 21, 26, 28)]
    assert [event.start.date() for event in events] == days
    for event, day in zip(events, days, strict=True):
        assert event.start == datetime.datetime.combine(day, datetime.time(17, 30), tzinfo=MAYOTTE)
        assert event.end == datetime.datetime.combine(day, datetime.time(20, 30), tzinfo=MAYOTTE)
        assert event["DTSTART"].params["TZID"] == "Indian/Mayotte"
        assert str(event["SUMMARY"]) == "Comptabilité et gestion"
        assert str(event["LOCATION"]) == "Antenne CNAM, Place Mariage, 97600 Mamoudzou"
        assert str(event["URL"]) == settings.SITE_URL + "/formations/comptabilite/"
        assert settings.SITE_URL + "/formations/comptabilite/" in str(event["DESCRIPTION"])
        assert "mardi et jeudi, 17 h 30 – 20 h 30" in str(event["DESCRIPTION"])
        assert event.uid == f"session-{session.pk}-{day:%Y%m%d}@{HOST}"
        assert event.DTSTAMP is not None
    # A UID per course day, the same on every download: a calendar updates instead of doubling.
    assert len({event.uid for event in events}) == len(days)
    again = parse(client.get(ics_url(session)).content)
    assert [event.uid for event in again.events] == [event.uid for event in events]


def test_a_schedule_the_portal_cannot_read_gives_one_event_over_the_whole_session(client, session):
    session.schedule = "mardi et jeudi, 18 h – 21 h, et un samedi sur deux"
    session.save()

    calendar = parse(client.get(ics_url(session)).content)

    (event,) = calendar.events
    assert event.start == datetime.date(2027, 1, 5)
    assert event.end == datetime.date(2027, 1, 29)  # the day after the last: DTEND of a date excludes it
    assert event["DTSTART"].params["VALUE"] == "DATE"
    assert event.uid == f"session-{session.pk}@{HOST}"
    assert "un samedi sur deux" in str(event["DESCRIPTION"])
    assert [tz.tz_name for tz in calendar.timezones] == ["Indian/Mayotte"]


def test_no_schedule_at_all_gives_one_event_too(client, session):
    session.schedule = ""
    session.save()

    (event,) = parse(client.get(ics_url(session)).content).events

    assert (event.start, event.end) == (datetime.date(2027, 1, 5), datetime.date(2027, 1, 29))


def test_a_remote_session_says_so_as_its_place(client, session):
    session.site = SiteFactory(remote=True)
    session.save()

    events = parse(client.get(ics_url(session)).content).events

    assert {str(event["LOCATION"]) for event in events} == {"À distance"}


def test_the_commune_is_added_when_the_address_does_not_name_it(client, session):
    session.site = SiteFactory(name="Salle polyvalente", commune="chirongui", address="Rue du marché")
    session.save()

    events = parse(client.get(ics_url(session)).content).events

    assert str(events[0]["LOCATION"]) == "Salle polyvalente, Rue du marché, Chirongui"


@pytest.mark.parametrize(
    "change",
    [
        {"state": Session.State.DRAFT},
        {"state": Session.State.CANCELLED},
    ],
)
def test_a_session_not_in_the_catalogue_has_no_public_calendar(client, session, change):
    Session.objects.filter(pk=session.pk).update(**change)

    assert client.get(ics_url(session)).status_code == 404


def test_a_reserved_session_has_no_public_calendar(client):
    reserved = SessionFactory(reserved=True)

    assert client.get(ics_url(reserved)).status_code == 404


def test_a_session_of_an_unpublished_programme_has_no_public_calendar(client, session):
    Programme.objects.filter(pk=session.programme_id).update(status=Programme.Status.DRAFT)

    assert client.get(ics_url(session)).status_code == 404
    assert client.get("/formations/sessions/999999/agenda.ics").status_code == 404


def test_the_file_takes_one_query_then_is_served_as_kept_until_the_session_changes(
    client, session, django_capture_on_commit_callbacks
):
    def fetch() -> tuple[icalendar.Calendar, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(ics_url(session))
        assert response.status_code == 200
        return parse(response.content), len(queries)

    first, rendered = fetch()
    again, kept = fetch()
    assert (rendered, kept) == (1, 0)
    assert len(again.events) == len(first.events) == 8

    with django_capture_on_commit_callbacks(execute=True):
        session.schedule = "le samedi, 8 h – 12 h"
        session.save()
    changed, rendered_again = fetch()
    assert rendered_again == 1
    assert [event.start.date() for event in changed.events] == [datetime.date(2027, 1, d) for d in (9, 16, 23)]


def test_a_session_leaving_the_catalogue_loses_its_kept_file(client, session, django_capture_on_commit_callbacks):
    assert client.get(ics_url(session)).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        session.state = Session.State.CANCELLED
        session.save()

    assert client.get(ics_url(session)).status_code == 404


def test_the_programme_page_links_each_session_to_its_calendar_for_visitors_and_kept(client, session):
    other = SessionFactory(programme=session.programme, start_date=datetime.date(2027, 3, 1))
    page = session.programme.get_absolute_url()

    first = client.get(page).content.decode()
    kept = client.get(page).content.decode()

    for html in (first, kept):
        assert f'href="{ics_url(session)}"' in html
        assert f'href="{ics_url(other)}"' in html
        assert "Ajouter à mon agenda" in html


def test_the_calendar_states_its_name_and_time_zone(session):
    calendar = parse(calendars.session_calendar(session))

    assert str(calendar["X-WR-CALNAME"]) == "Comptabilité et gestion — CNAM Mayotte"
    assert str(calendar["X-WR-TIMEZONE"]) == "Indian/Mayotte"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "PUBLISH"
