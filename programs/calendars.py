"""Sessions as iCalendar files (RFC 5545): the public ``.ics`` of a session, the private feeds, the email's.

One event per course day when the session's schedule states its weekdays and hours
(``programs.schedules``), in Mayotte time with its ``VTIMEZONE``; otherwise one all-day event
from the first day to the last. Each event's UID is stable (the session and the day), so a
calendar that imports the file twice, or refreshes a feed, updates its events instead of
doubling them. Pure rendering: the sessions come with their programme and site loaded.
"""

import datetime
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Session
from .schedules import parse_schedule

CONTENT_TYPE = "text/calendar; charset=utf-8"
PRODID = "-//CNAM Mayotte//Portail des formations//FR"
# How often a calendar application should fetch a feed again (they may ask less often).
FEED_REFRESH = datetime.timedelta(hours=12)


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def programme_url(session: Session) -> str:
    return settings.SITE_URL + session.programme.get_absolute_url()


def location(session: Session) -> str:
    """Where the session takes place, as a calendar shows it: the site, its address, its commune."""
    site = session.site
    if site.is_remote:
        return _("À distance")
    parts = [site.name]
    if site.address:
        parts.append(site.address)
    commune = site.get_commune_display()
    if commune and commune.casefold() not in site.address.casefold():
        parts.append(commune)
    return ", ".join(parts)


def _description(session: Session, extra: str) -> str:
    lines = [_("Session %(reference)s") % {"reference": session.reference}]
    if session.schedule:
        lines.append(_("Horaires : %(schedule)s") % {"schedule": session.schedule})
    if extra:
        lines.append(extra)
    lines.append(_("Programme et informations pratiques : %(url)s") % {"url": programme_url(session)})
    return "\n".join(lines)


def session_events(session: Session, *, stamp: datetime.datetime, extra: str = "") -> list[icalendar.Event]:
    """The events of one session: its course days, or one event over its whole span."""
    common = {
        "summary": session.programme.title,
        "location": location(session),
        "url": programme_url(session),
        "description": _description(session, extra),
    }
    schedule = parse_schedule(session.schedule)
    days = schedule.days(session.start_date, session.end_date) if schedule else []
    if not days:
        event = _event(
            uid=f"session-{session.pk}@{_host()}",
            start=session.start_date,
            end=session.end_date + datetime.timedelta(days=1),  # DTEND of a DATE is exclusive
            stamp=stamp,
            **common,
        )
        return [event]
    zone = timezone.get_default_timezone()
    return [
        _event(
            uid=f"session-{session.pk}-{day:%Y%m%d}@{_host()}",
            start=datetime.datetime.combine(day, schedule.start, tzinfo=zone),
            end=datetime.datetime.combine(day, schedule.end, tzinfo=zone),
            stamp=stamp,
            **common,
        )
        for day in days
    ]


def _event(*, uid, start, end, stamp, summary, location, url, description) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", summary)
    event.add("location", location)
    event.add("url", url)
    event.add("description", description)
    return event


def calendar_bytes(
    entries: Iterable[tuple[Session, str]], *, name: str, feed: bool = False, now: datetime.datetime | None = None
) -> bytes:
    """An iCalendar file of ``entries`` (each a session and a line of its own for its description)."""
    stamp = (now or timezone.now()).astimezone(datetime.UTC).replace(microsecond=0)
    with translation.override(settings.LANGUAGE_CODE):
        calendar = icalendar.Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        calendar.add("x-wr-calname", name)
        calendar.add("x-wr-timezone", settings.TIME_ZONE)
        if feed:
            calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
            calendar.add("x-published-ttl", FEED_REFRESH)
        # Always stated, even when every event lasts whole days: the calendar's own time zone.
        calendar.add_component(icalendar.Timezone.from_tzid(settings.TIME_ZONE))
        for session, extra in entries:
            for event in session_events(session, stamp=stamp, extra=extra):
                calendar.add_component(event)
        return calendar.to_ical()


def session_calendar(session: Session, *, now: datetime.datetime | None = None) -> bytes:
    """The ``.ics`` of one session (its page's link, the enrollment email's attachment)."""
    with translation.override(settings.LANGUAGE_CODE):
        name = _("%(programme)s — CNAM Mayotte") % {"programme": session.programme.title}
    return calendar_bytes([(session, "")], name=name, now=now)


def session_filename(session: Session) -> str:
    """``cnam-mayotte-2027-compta-mam-01.ics``: the session's reference, safe in any file system."""
    reference = re.sub(r"[^a-z0-9]+", "-", session.reference.lower()).strip("-") or str(session.pk)
    return f"cnam-mayotte-{reference}.ics"


def calendar_response(content: bytes, *, filename: str, private: bool = False) -> HttpResponse:
    """An HTTP response carrying an iCalendar file; a private feed is never kept by a shared cache."""
    response = HttpResponse(content, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'{"inline" if private else "attachment"}; filename="{filename}"'
    if private:
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex, nofollow"
    return response
