"""A partner référent's private calendar: the sessions their organisation's staff attend.

Every feed is read back with a real iCalendar parser.
"""

import datetime
import html
import re
import zoneinfo

import icalendar
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enrollment.models import Application, CalendarFeed
from enrollment.services import calendars as calendar_services
from partners.models import PartnerMember
from tests.factories import (
    ApplicationFactory,
    PartnerApplicationFactory,
    PartnerMemberFactory,
    ProgrammeFactory,
    SeatAllocationFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("partners:dashboard")
RENEW = reverse("partners:calendar_feed_renew")
MAYOTTE = zoneinfo.ZoneInfo("Indian/Mayotte")
Status = Application.Status
FEED_URL = re.compile(r'id="agenda-url" type="text" readonly value="([^"]+)"')


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def referent(client):
    member = PartnerMemberFactory(partner__name="Commune de Tsingoni")
    client.force_login(member.user)
    return member


def reserved_session(partner, title: str, day: int):
    return SessionFactory(
        programme=ProgrammeFactory(title=title),
        reserved_for=partner,
        start_date=datetime.date(2027, 2, day),
        end_date=datetime.date(2027, 2, day) + datetime.timedelta(days=7),
        schedule="lundi et mardi, 8 h – 12 h",
    )


def staff_in(session, partner, *, count: int = 1, status=Status.ENROLLED, **names):
    allocation = SeatAllocationFactory(partner=partner, session=session, seats=10)
    return [PartnerApplicationFactory(allocation=allocation, status=status, **names) for _ in range(count)]


def feed_path(token: str) -> str:
    return reverse("partners:calendar_feed", kwargs={"token": token})


def shown_address(client) -> str:
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    match = FEED_URL.search(html.unescape(response.content.decode()))
    return match.group(1) if match else ""


def fetch(token: str) -> tuple[icalendar.Calendar, str]:
    response = Client().get(feed_path(token))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    return icalendar.Calendar.from_ical(response.content), response.content.decode()


def test_a_referent_sees_the_address_on_the_dashboard_and_a_reader_does_not(client, referent):
    address = shown_address(client)

    feed = CalendarFeed.objects.get(member=referent)
    assert address == settings.SITE_URL + feed_path(feed.token)
    page = html.unescape(client.get(DASHBOARD).content.decode())
    assert "L'agenda indique combien d'agents suivent chaque session, pas leurs noms." in page

    reader = PartnerMemberFactory(partner=referent.partner, viewer=True)
    browser = Client()
    browser.force_login(reader.user)
    assert shown_address(browser) == ""
    assert not CalendarFeed.objects.filter(member=reader).exists()


def test_the_feed_lists_the_staffs_sessions_with_a_head_count_and_no_names(referent):
    partner = referent.partner
    paie = reserved_session(partner, "Gestion de la paie", 1)  # Monday 1 February 2027
    staff_in(paie, partner, count=2, applicant__profile__last_name="Madi")
    staff_in(paie, partner, status=Status.WITHDRAWN)
    management = reserved_session(partner, "Management public", 15)
    staff_in(management, partner, status=Status.ACCEPTED)
    # Not this partner's staff: another partner's, and a member of the public.
    elsewhere = reserved_session(PartnerMemberFactory().partner, "Formation d'un autre partenaire", 8)
    staff_in(elsewhere, elsewhere.reserved_for)
    public = SessionFactory(programme=ProgrammeFactory(title="Ouverte à tous"))
    ApplicationFactory(session=public, status=Status.ENROLLED)
    # Staff whose seat is only offered do not attend yet.
    staff_in(reserved_session(partner, "Place proposée", 22), partner, status=Status.OFFERED)
    feed = calendar_services.calendar_feed_get(member=referent)

    calendar, raw = fetch(feed.token)

    assert [tz.tz_name for tz in calendar.timezones] == ["Indian/Mayotte"]
    assert str(calendar["X-WR-CALNAME"]) == "Formations des agents de Commune de Tsingoni — CNAM Mayotte"
    events = calendar.events
    assert {str(event["SUMMARY"]) for event in events} == {"Gestion de la paie", "Management public"}
    paie_events = [event for event in events if str(event["SUMMARY"]) == "Gestion de la paie"]
    assert [event.start for event in paie_events] == [
        datetime.datetime(2027, 2, day, 8, tzinfo=MAYOTTE) for day in (1, 2, 8)
    ]
    assert "2 personnes de Commune de Tsingoni inscrites" in str(paie_events[0]["DESCRIPTION"])
    management_event = next(event for event in events if str(event["SUMMARY"]) == "Management public")
    assert "1 personne de Commune de Tsingoni inscrite" in str(management_event["DESCRIPTION"])
    assert "Madi" not in raw


def test_renewing_stops_the_old_link_and_the_kept_dashboard_shows_the_new_one(client, referent, committed):
    old = shown_address(client)
    assert shown_address(client) == old
    assert shown_address(client) == old  # kept by now
    old_token = CalendarFeed.objects.get(member=referent).token

    with committed():
        response = client.post(RENEW)

    assert response.status_code == 302
    assert response["Location"] == DASHBOARD + "#agenda"
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert "Le lien de l'agenda des formations de vos agents est renouvelé" in page
    new_token = CalendarFeed.objects.get(member=referent).token
    assert new_token != old_token
    assert shown_address(client) == settings.SITE_URL + feed_path(new_token)
    assert Client().get(feed_path(old_token)).status_code == 404
    assert Client().get(feed_path(new_token)).status_code == 200


def test_only_a_referent_renews_and_only_by_a_protected_post(referent):
    reader = PartnerMemberFactory(partner=referent.partner, viewer=True)
    browser = Client()
    browser.force_login(reader.user)
    assert browser.post(RENEW).status_code == 403
    assert not CalendarFeed.objects.filter(member=reader).exists()

    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(referent.user)
    feed = calendar_services.calendar_feed_get(member=referent)
    assert guarded.get(RENEW).status_code == 405
    assert guarded.post(RENEW).status_code == 403
    assert CalendarFeed.objects.get(pk=feed.pk).token == feed.token
    assert Client().post(RENEW).status_code == 302  # to the sign-in page


@pytest.mark.parametrize(
    "change",
    [{"is_active": False}, {"role": PartnerMember.Role.VIEWER}],
    ids=["left the organisation", "now a reader"],
)
def test_the_feed_closes_when_the_member_is_no_longer_a_referent(referent, change):
    feed = calendar_services.calendar_feed_get(member=referent)
    assert Client().get(feed_path(feed.token)).status_code == 200

    PartnerMember.objects.filter(pk=referent.pk).update(**change)

    assert Client().get(feed_path(feed.token)).status_code == 404


def test_an_applicants_feed_does_not_open_on_the_partner_address(referent):
    applicant_feed = calendar_services.calendar_feed_get(user=UserFactory())

    assert Client().get(feed_path(applicant_feed.token)).status_code == 404
    assert Client().get(feed_path("inconnu")).status_code == 404


def test_the_feed_takes_the_same_queries_whatever_the_number_of_sessions(referent):
    partner = referent.partner
    feed = calendar_services.calendar_feed_get(member=referent)
    staff_in(reserved_session(partner, "Une", 1), partner)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            fetch(feed.token)
        return len(captured)

    one = queries()
    for day in (2, 3, 4, 5):
        staff_in(reserved_session(partner, f"Session {day}", day), partner, count=3)
    assert queries() == one == 2  # the feed with its member and partner, then the sessions with their counts
