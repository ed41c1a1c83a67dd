"""A person's private calendar: the sessions they hold a seat in, at an address only they know.

Every feed is read back with a real iCalendar parser.
"""

import datetime
import html
import logging
import re
import zoneinfo

import icalendar
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.log_redaction import MASK, RedactingFilter, redact_uri
from enrollment.models import Application, CalendarFeed
from enrollment.services import calendars as calendar_services
from enrollment.services import personal_data
from programs.models import Session
from tests.factories import (
    ApplicantProfileFactory,
    ApplicationFactory,
    PartnerMemberFactory,
    ProgrammeFactory,
    SessionFactory,
    SiteFactory,
)

pytestmark = pytest.mark.django_db

SPACE = reverse("enrollment:space")
RENEW = reverse("enrollment:calendar_feed_renew")
MAYOTTE = zoneinfo.ZoneInfo("Indian/Mayotte")
Status = Application.Status
FEED_URL = re.compile(r'id="agenda-url" type="text" readonly value="([^"]+)"')


@pytest.fixture
def person(client):
    profile = ApplicantProfileFactory(first_name="Zaïnaba")
    client.force_login(profile.user)
    return profile.user


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def session_on(day: int, title: str, **kwargs) -> Session:
    return SessionFactory(
        programme=ProgrammeFactory(title=title),
        start_date=datetime.date(2027, 1, day),
        end_date=datetime.date(2027, 1, day) + datetime.timedelta(days=9),
        schedule="samedi, 8 h – 12 h",
        **kwargs,
    )


def feed_path(token: str) -> str:
    return reverse("enrollment:calendar_feed", kwargs={"token": token})


def shown_address(client) -> str:
    response = client.get(SPACE)
    assert response.status_code == 200
    match = FEED_URL.search(html.unescape(response.content.decode()))
    return match.group(1) if match else ""


def fetch(token: str) -> icalendar.Calendar:
    # A calendar application: no cookie, no session, no sign-in.
    response = Client().get(feed_path(token))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    return icalendar.Calendar.from_ical(response.content)


def test_the_space_shows_the_address_once_a_seat_is_held(client, person, committed):
    ApplicationFactory(applicant=person, status=Status.SUBMITTED)
    assert shown_address(client) == ""
    assert not CalendarFeed.objects.exists()

    with committed():
        ApplicationFactory(applicant=person, status=Status.ENROLLED)
    address = shown_address(client)

    feed = CalendarFeed.objects.get(user=person)
    assert address == settings.SITE_URL + feed_path(feed.token)
    assert len(feed.token) >= 43  # 32 random bytes
    page = html.unescape(client.get(SPACE).content.decode())
    assert "Ce lien est personnel" in page
    assert "Renouveler le lien" in page
    # Seen again: the same address, not a new one per visit.
    assert shown_address(client) == address
    assert CalendarFeed.objects.count() == 1


def test_the_feed_lists_the_sessions_the_person_holds_a_seat_in_and_nothing_else(person):
    lycee = SiteFactory(name="Lycée", commune="chirongui", address="RN 3")
    enrolled = session_on(2, "Électricité du bâtiment", site=lycee)
    accepted = session_on(9, "Gestion de la paie", site=SiteFactory(remote=True))
    for status in (Status.SUBMITTED, Status.WAITLISTED, Status.OFFERED, Status.WITHDRAWN, Status.REJECTED):
        ApplicationFactory(applicant=person, session=session_on(16, f"Pas dans l'agenda ({status})"), status=status)
    ApplicationFactory(applicant=person, session=enrolled, status=Status.ENROLLED)
    ApplicationFactory(applicant=person, session=accepted, status=Status.ACCEPTED)
    cancelled = session_on(16, "Session annulée")
    ApplicationFactory(applicant=person, session=cancelled, status=Status.ENROLLED)
    Session.objects.filter(pk=cancelled.pk).update(state=Session.State.CANCELLED)
    # Someone else's seat in a session of their own.
    ApplicationFactory(session=session_on(23, "La session d'une autre personne"), status=Status.ENROLLED)
    feed = calendar_services.calendar_feed_get(user=person)

    calendar = fetch(feed.token)

    assert [tz.tz_name for tz in calendar.timezones] == ["Indian/Mayotte"]
    assert str(calendar["X-WR-CALNAME"]) == "Mes formations — CNAM Mayotte"
    events = calendar.events
    assert {str(event["SUMMARY"]) for event in events} == {"Électricité du bâtiment", "Gestion de la paie"}
    # Saturdays 2 and 9 January, 8 h to 12 h in Mayotte; then 9 and 16.
    by_title = {}
    for event in events:
        by_title.setdefault(str(event["SUMMARY"]), []).append(event)
    assert [event.start for event in by_title["Électricité du bâtiment"]] == [
        datetime.datetime(2027, 1, 2, 8, tzinfo=MAYOTTE),
        datetime.datetime(2027, 1, 9, 8, tzinfo=MAYOTTE),
    ]
    assert [event.end for event in by_title["Gestion de la paie"]] == [
        datetime.datetime(2027, 1, 9, 12, tzinfo=MAYOTTE),
        datetime.datetime(2027, 1, 16, 12, tzinfo=MAYOTTE),
    ]
    assert str(by_title["Électricité du bâtiment"][0]["LOCATION"]) == "Lycée, RN 3, Chirongui"
    assert str(by_title["Gestion de la paie"][0]["LOCATION"]) == "À distance"
    assert str(by_title["Gestion de la paie"][0]["URL"]) == settings.SITE_URL + accepted.programme.get_absolute_url()


def test_a_person_with_no_seat_gets_an_empty_but_valid_calendar(person):
    feed = calendar_services.calendar_feed_get(user=person)

    calendar = fetch(feed.token)

    assert calendar.events == []
    assert [tz.tz_name for tz in calendar.timezones] == ["Indian/Mayotte"]


def test_renewing_the_link_stops_the_old_one_and_the_space_shows_the_new_one_at_once(client, person, committed):
    ApplicationFactory(applicant=person, status=Status.ENROLLED)
    old = shown_address(client)
    assert shown_address(client) == old  # now served as kept
    old_token = CalendarFeed.objects.get(user=person).token

    with committed():
        response = client.post(RENEW)

    assert response.status_code == 302
    assert response["Location"] == SPACE + "#agenda"
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert "Le lien de votre agenda est renouvelé : l'ancien ne fonctionne plus." in page
    new = shown_address(client)  # no message waiting: the kept page, made anew
    new_token = CalendarFeed.objects.get(user=person).token
    assert new_token != old_token
    assert new == settings.SITE_URL + feed_path(new_token)
    assert Client().get(feed_path(old_token)).status_code == 404
    assert Client().get(feed_path(new_token)).status_code == 200


def test_a_renewal_from_elsewhere_shows_in_the_kept_space_too(client, person, committed):
    ApplicationFactory(applicant=person, status=Status.ENROLLED)
    old = shown_address(client)
    assert shown_address(client) == old

    with committed():
        feed = calendar_services.calendar_feed_renew(user=person)

    assert shown_address(client) == settings.SITE_URL + feed_path(feed.token)


def test_renewing_is_a_protected_post_of_a_signed_in_person(person):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(person)
    feed = calendar_services.calendar_feed_get(user=person)

    assert browser.get(RENEW).status_code == 405
    assert browser.post(RENEW).status_code == 403  # no CSRF token
    assert CalendarFeed.objects.get(pk=feed.pk).token == feed.token
    anonymous = Client().post(RENEW)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("token", ["inconnu", "x" * 43, "a" * 65, "%20"])
def test_an_unknown_token_is_not_found(token):
    ApplicationFactory(status=Status.ENROLLED)
    calendar_services.calendar_feed_get(user=Application.objects.get().applicant)

    assert Client().get(feed_path(token)).status_code == 404


def test_a_partner_feed_does_not_open_on_the_applicants_address(person):
    member_feed = calendar_services.calendar_feed_get(member=PartnerMemberFactory())

    assert Client().get(feed_path(member_feed.token)).status_code == 404


def test_a_closed_or_anonymised_account_has_no_feed(person):
    ApplicationFactory(applicant=person, status=Status.ENROLLED)
    feed = calendar_services.calendar_feed_get(user=person)
    person.is_active = False
    person.save()
    assert Client().get(feed_path(feed.token)).status_code == 404

    person.is_active = True
    person.save()
    personal_data._forget_person(person, [person.email])
    assert not CalendarFeed.objects.filter(pk=feed.pk).exists()


def test_the_feed_takes_the_same_queries_whatever_the_number_of_sessions(person):
    feed = calendar_services.calendar_feed_get(user=person)
    ApplicationFactory(applicant=person, session=session_on(2, "Une"), status=Status.ENROLLED)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            fetch(feed.token)
        return len(captured)

    one = queries()
    for day in (3, 4, 5, 6, 7):
        ApplicationFactory(applicant=person, session=session_on(day, f"Session {day}"), status=Status.ENROLLED)
    assert queries() == one == 2  # the feed, then the sessions with their programme and site


def test_the_token_never_reaches_a_log(caplog):
    token = "S3cr3t-T0ken_value"

    assert redact_uri(f"/candidatures/agenda/{token}.ics") == f"/candidatures/agenda/{MASK}"
    assert token not in redact_uri(f"https://portail.example/candidatures/agenda/{token}.ics?x=1")
    assert redact_uri("/candidatures/agenda/renouveler/") == "/candidatures/agenda/renouveler/"
    record = logging.LogRecord("django.request", logging.WARNING, "", 0, "Not Found: %s", (feed_path(token),), None)
    RedactingFilter().filter(record)
    assert token not in record.getMessage()
