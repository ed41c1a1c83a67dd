"""The emails that tell a person they will attend a session carry its calendar file, made as they leave."""

import datetime
import zoneinfo

import icalendar
import pytest
from django.core import mail
from django.utils import timezone

from core.models import Notification
from enrollment.models import ApplicationStatus
from enrollment.services import applications, reminders
from tests.factories import ApplicationFactory, SessionFactory, StaffUserFactory

pytestmark = pytest.mark.django_db
S = ApplicationStatus
MAYOTTE = zoneinfo.ZoneInfo("Indian/Mayotte")


def calendar_of(message) -> icalendar.Calendar:
    (attachment,) = [a for a in message.attachments if a.mimetype == "text/calendar"]
    assert attachment.filename.endswith(".ics")
    content = attachment.content.encode() if isinstance(attachment.content, str) else attachment.content
    return icalendar.Calendar.from_ical(content)


@pytest.fixture
def session():
    return SessionFactory(
        reference="2027-ELEC-CHI-01",
        start_date=datetime.date(2027, 2, 6),  # a Saturday
        end_date=datetime.date(2027, 2, 27),
        schedule="samedi, 8 h – 12 h",
    )


def test_the_enrollment_email_attaches_the_sessions_calendar(session, django_capture_on_commit_callbacks):
    application = ApplicationFactory(session=session, status=S.ACCEPTED)

    with django_capture_on_commit_callbacks(execute=True):
        applications.application_enroll(application=application, by=StaffUserFactory())

    (message,) = [m for m in mail.outbox if "Inscription confirmée" in m.subject]
    assert message.alternatives[0].mimetype == "text/html"
    (attachment,) = message.attachments
    assert attachment.filename == "cnam-mayotte-2027-elec-chi-01.ics"
    calendar = calendar_of(message)
    assert [tz.tz_name for tz in calendar.timezones] == ["Indian/Mayotte"]
    assert [event.start for event in calendar.events] == [
        datetime.datetime(2027, 2, day, 8, tzinfo=MAYOTTE) for day in (6, 13, 20, 27)
    ]
    assert {str(event["SUMMARY"]) for event in calendar.events} == {session.programme.title}
    assert "Le fichier joint (.ics) ajoute les jours de la session à votre agenda" in message.body
    # The row keeps what the email says, not the file: it is made from the session each time.
    assert Notification.objects.get(template="application_enrolled").context == {}


def test_the_file_says_what_the_session_is_when_the_email_leaves(session, django_capture_on_commit_callbacks):
    application = ApplicationFactory(session=session, status=S.ACCEPTED)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        applications.application_enroll(application=application, by=StaffUserFactory())
    # The session moves to Sundays in March before the worker sends the email.
    session.start_date, session.end_date = datetime.date(2027, 3, 7), datetime.date(2027, 3, 14)
    session.schedule = "le dimanche, 9 h – 11 h"
    session.save()

    for callback in callbacks:
        callback()

    message = next(m for m in mail.outbox if "Inscription confirmée" in m.subject)
    assert [event.start for event in calendar_of(message).events] == [
        datetime.datetime(2027, 3, day, 9, tzinfo=MAYOTTE) for day in (7, 14)
    ]


def test_a_reserved_sessions_staff_get_the_file_too(django_capture_on_commit_callbacks):
    reserved = SessionFactory(reserved=True, schedule="à convenir")
    application = ApplicationFactory(session=reserved, status=S.ACCEPTED)

    with django_capture_on_commit_callbacks(execute=True):
        applications.application_enroll(application=application, by=StaffUserFactory())

    message = next(m for m in mail.outbox if "Inscription confirmée" in m.subject)
    (event,) = calendar_of(message).events
    assert (event.start, event.end) == (reserved.start_date, reserved.end_date + datetime.timedelta(days=1))


def test_the_reminder_attaches_it_and_other_emails_do_not(settings, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    start = today + datetime.timedelta(days=settings.SESSION_REMINDER_DAYS)
    session = SessionFactory(start_date=start, end_date=start + datetime.timedelta(days=30))
    enrolled = ApplicationFactory(session=session, status=S.ENROLLED)
    submitted = ApplicationFactory(session=SessionFactory(), status=S.SUBMITTED)

    with django_capture_on_commit_callbacks(execute=True):
        reminders.session_reminders_send(today=today)
        applications.application_accept(application=submitted, by=StaffUserFactory())

    reminder = next(m for m in mail.outbox if m.to == [enrolled.applicant.email])
    assert calendar_of(reminder).events[0].start.date() >= start
    accepted = next(m for m in mail.outbox if m.to == [submitted.applicant.email])
    assert accepted.attachments == []
