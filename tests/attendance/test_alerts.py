"""Missed slots: an alert on 2 consecutive absences without excuse, the person asked if they need
help, staff handling it, and the managers' daily digest (one email each per day, never twice)."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from attendance.models import AbsenceAlert, AttendanceStatus, ExitKind, Participation
from attendance.services import followup
from attendance.tasks import send_absence_digest
from cnam_portal.celery import app
from cnam_portal.roles import DIRECTION, GESTIONNAIRE
from core.formatting import date_long
from core.models import Notification
from enrollment import notifications
from tests.factories import CentreFactory, StaffUserFactory
from tests.helpers import refused

from .followup_scene import enrolled, mark, past_session, slots_of

pytestmark = pytest.mark.django_db

P, A, E = AttendanceStatus.PRESENT, AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED


@pytest.fixture
def slots():
    session = past_session()
    return slots_of(session, [session.start_date + datetime.timedelta(days=2 * n) for n in range(6)])


@pytest.fixture
def person(slots):
    return enrolled(slots[0].session)


def attend(person, slots, statuses, *, closed=True):
    for slot, status in zip(slots, statuses, strict=False):
        mark(slot, person, status, closed=closed)
    followup.participations_refresh(application_ids=[person.pk])


def help_emails(person):
    return Notification.objects.filter(template="absence_help", application=person)


def test_two_unexcused_absences_in_a_row_raise_one_alert_and_ask_the_person(slots, person):
    CentreFactory(name="CNAM Mayotte", phone="+262269612345", email="accueil@cnam-mayotte.fr")
    attend(person, slots, [P, A, A])
    alert = AbsenceAlert.objects.get()
    assert (alert.application, alert.slot, alert.missed_count) == (person, slots[2], 2)
    assert alert.handled_at is None and alert.digest_sent_at is None
    email = help_emails(person).get()
    assert email.subject == "[CNAM Mayotte] Vous avez manqué plusieurs cours : avez-vous besoin d'aide ?"
    rendered = notifications.render(email)
    assert "avez-vous besoin" in rendered.subject
    assert "Tout va bien ?" in rendered.text
    assert "par téléphone : 02 69 61 23 45" in rendered.text
    assert "par courriel : accueil@cnam-mayotte.fr" in rendered.text
    assert date_long(slots[1].date) in rendered.text and date_long(slots[2].date) in rendered.text


@pytest.mark.parametrize(
    "statuses",
    [
        [A],  # one absence is not a streak
        [A, E],  # an excused absence is not one
        [E, A],
        [A, P, A],  # a presence in between ends the streak
        [A, E, A],
    ],
)
def test_no_alert_without_two_unexcused_absences_in_a_row(slots, person, statuses):
    attend(person, slots, statuses)
    assert not AbsenceAlert.objects.exists()
    assert not help_emails(person).exists()


def test_open_sheets_are_not_absences_yet(slots, person):
    attend(person, slots, [A, A], closed=False)
    assert not AbsenceAlert.objects.exists()


def test_a_streak_alerts_once_and_its_count_grows(slots, person):
    attend(person, slots, [A, A])
    attend(person, slots, [A, A])
    attend(person, slots, [A, A, A])
    alert = AbsenceAlert.objects.get()
    assert (alert.slot, alert.missed_count) == (slots[1], 3)
    assert help_emails(person).count() == 1


def test_a_presence_starts_a_new_streak_with_its_own_alert(slots, person):
    attend(person, slots, [A, A])
    attend(person, slots, [A, A, P, A])
    attend(person, slots, [A, A, P, A, A])
    assert list(AbsenceAlert.objects.order_by("slot__date").values_list("slot", "missed_count")) == [
        (slots[1].pk, 2),
        (slots[4].pk, 2),
    ]
    assert help_emails(person).count() == 2


def test_a_person_who_never_came_is_alerted_too(slots, person):
    attend(person, slots, [A, A])
    assert not Participation.objects.exists()
    assert AbsenceAlert.objects.filter(application=person).exists()


def test_a_person_who_exited_is_not_alerted(slots, person):
    attend(person, slots, [P])
    followup.participation_exit(
        participation=Participation.objects.get(application=person),
        kind=ExitKind.COMPLETED,
        exited_on=slots[0].date,
        by=StaffUserFactory(),
    )
    attend(person, slots, [P, A, A])
    assert not AbsenceAlert.objects.exists()


# --- Staff handle an alert --------------------------------------------------------------------------


def test_staff_handle_an_alert_with_a_note(slots, person):
    attend(person, slots, [A, A])
    alert = AbsenceAlert.objects.get()
    staff = StaffUserFactory(role=GESTIONNAIRE)
    followup.alert_handle(alert=alert, note="  Appelée : reprend lundi.  ", by=staff)
    alert.refresh_from_db()
    assert (alert.note, alert.handled_by) == ("Appelée : reprend lundi.", staff)
    assert alert.handled_at is not None


def test_handling_needs_a_note_and_happens_once(slots, person):
    attend(person, slots, [A, A])
    alert = AbsenceAlert.objects.get()
    staff = StaffUserFactory(role=GESTIONNAIRE)
    assert refused(followup.alert_handle, alert=alert, note=" ", by=staff) == (
        "Indiquez la suite donnée à l'alerte (appel, message, rendez-vous…)."
    )
    alert.refresh_from_db()
    assert alert.handled_at is None
    followup.alert_handle(alert=alert, note="Message laissé.", by=staff)
    assert refused(followup.alert_handle, alert=alert, note="Rappelée.", by=staff).startswith(
        "Cette alerte a déjà été traitée le "
    )
    alert.refresh_from_db()
    assert alert.note == "Message laissé."


# --- The daily digest -------------------------------------------------------------------------------


@pytest.fixture
def managers():
    return [
        StaffUserFactory(username="gestionnaire-1", role=GESTIONNAIRE),
        StaffUserFactory(username="gestionnaire-2", role=GESTIONNAIRE),
    ]


def digests():
    return Notification.objects.filter(template="absence_digest")


def test_the_digest_emails_each_active_manager_once(slots, person, managers, django_capture_on_commit_callbacks):
    StaffUserFactory(username="gestionnaire-parti", role=GESTIONNAIRE, is_active=False)
    StaffUserFactory(username="direction", role=DIRECTION)
    attend(person, slots, [A, A])
    with django_capture_on_commit_callbacks(execute=True):
        assert send_absence_digest.delay().get() == 2
    assert sorted(digests().values_list("recipient_email", flat=True)) == sorted(m.email for m in managers)
    assert AbsenceAlert.objects.get().digest_sent_at is not None
    sent = [message for message in mail.outbox if "Absences répétées" in message.subject]
    assert len(sent) == 2
    assert sent[0].subject == "[CNAM Mayotte] Absences répétées : 1 personne à appeler"
    body = sent[0].body
    assert person.reference in body and person.session.reference in body
    assert "/admin/attendance/absencealert/?etat=ouvertes" in body


def test_running_the_digest_twice_sends_nothing_twice(slots, person, managers):
    attend(person, slots, [A, A])
    assert followup.absence_digest_send() == 2
    assert followup.absence_digest_send() == 0
    assert digests().count() == 2


def test_alerts_raised_after_the_day_s_digest_wait_for_the_next_day(slots, managers):
    first, second = enrolled(slots[0].session), enrolled(slots[0].session)
    attend(first, slots, [A, A])
    now = timezone.now()
    assert followup.absence_digest_send(now=now) == 2
    attend(second, slots, [A, A])
    assert followup.absence_digest_send(now=now + datetime.timedelta(hours=1)) == 0
    assert AbsenceAlert.objects.get(application=second).digest_sent_at is None
    assert followup.absence_digest_send(now=now + datetime.timedelta(days=1)) == 2
    latest = digests().order_by("-pk").first()
    assert [row["reference"] for row in latest.context["alerts"]] == [second.reference]


def test_handled_alerts_and_no_alert_send_no_digest(slots, person, managers):
    assert followup.absence_digest_send() == 0
    attend(person, slots, [A, A])
    followup.alert_handle(alert=AbsenceAlert.objects.get(), note="Appelée.", by=managers[0])
    assert followup.absence_digest_send() == 0
    assert not digests().exists()


def test_the_digest_and_the_follow_up_sweeps_run_on_beat():
    tasks = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    assert tasks["attendance.tasks.send_absence_digest"].hour == {7}
    monthly = tasks["attendance.tasks.request_monthly_statements"]
    assert (monthly.day_of_month, monthly.hour, monthly.minute) == ({1}, {3}, {0})
    assert "attendance.tasks.retry_funder_documents" in tasks
