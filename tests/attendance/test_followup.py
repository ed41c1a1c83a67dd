"""The follow-up's states: entry on the first attendance, en formation, exit with each kind, refusals."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from attendance.models import (
    AbandonReason,
    AttendanceStatus,
    ExitKind,
    FunderDocument,
    Participation,
    ParticipationChange,
    ParticipationState,
    Slot,
)
from attendance.services import followup
from core.models import Notification
from enrollment.models import Application
from tests.factories import ApplicationFactory, ParticipationFactory, StaffUserFactory
from tests.helpers import refused, task_callbacks

from .followup_scene import enrolled, mark, past_session, slots_of

pytestmark = pytest.mark.django_db

P, L, A, E = AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED


@pytest.fixture
def course():
    session = past_session()
    start = session.start_date
    days = [start, start + datetime.timedelta(days=2), start + datetime.timedelta(days=7)]
    return session, slots_of(session, days)


def refresh(*applications):
    followup.participations_refresh(application_ids=[application.pk for application in applications])


def states(participation):
    return list(participation.history.values_list("from_state", "to_state"))


def test_nothing_attended_no_follow_up(course):
    session, slots = course
    person = enrolled(session)
    mark(slots[0], person, A)
    mark(slots[1], person, E)
    refresh(person)
    assert not Participation.objects.filter(application=person).exists()


def test_the_first_attended_slot_enters_the_person(course, django_capture_on_commit_callbacks):
    session, slots = course
    person = enrolled(session)
    mark(slots[0], person, L)
    with django_capture_on_commit_callbacks() as callbacks:
        refresh(person)
    participation = Participation.objects.get(application=person)
    assert participation.state == ParticipationState.ENTERED
    assert participation.entered_on == slots[0].date
    assert states(participation) == [("", ParticipationState.ENTERED)]
    assert participation.history.get().changed_by is None
    email = Notification.objects.get(template="participation_entered")
    assert (email.application, email.recipient_email) == (person, person.applicant.email)
    assert email.subject == f"[CNAM Mayotte] Votre entrée en formation est enregistrée : {session.programme.title}"
    entry = FunderDocument.objects.get(application=person)
    assert entry.kind == FunderDocument.Kind.ENTRY
    # The attestation and the email are handed to workers once the transaction commits.
    assert {callback.args[0] for callback in task_callbacks(callbacks)} == {
        "attendance.tasks.render_funder_document",
        "enrollment.tasks.send_notification",
    }


def test_another_day_attended_moves_to_en_formation_once(course):
    session, slots = course
    person = enrolled(session)
    mark(slots[0], person, P)
    refresh(person)
    refresh(person)  # the same sheets again change nothing
    participation = Participation.objects.get(application=person)
    assert states(participation) == [("", ParticipationState.ENTERED)]
    mark(slots[1], person, P)
    refresh(person)
    refresh(person)
    participation.refresh_from_db()
    assert participation.state == ParticipationState.IN_TRAINING
    assert participation.entered_on == slots[0].date
    assert states(participation) == [
        ("", ParticipationState.ENTERED),
        (ParticipationState.ENTERED, ParticipationState.IN_TRAINING),
    ]
    assert Notification.objects.filter(template="participation_entered").count() == 1


def test_two_slots_of_the_same_day_stay_an_entry(course):
    session, slots = course
    afternoon = slots_of(session, [slots[0].date], start=datetime.time(13, 0), end=datetime.time(16, 0))[0]
    person = enrolled(session)
    mark(slots[0], person, P)
    mark(afternoon, person, P)
    refresh(person)
    assert Participation.objects.get(application=person).state == ParticipationState.ENTERED


def test_a_late_refresh_that_finds_two_days_enters_then_moves(course):
    session, slots = course
    person = enrolled(session)
    mark(slots[0], person, P)
    mark(slots[2], person, P)
    refresh(person)
    participation = Participation.objects.get(application=person)
    assert participation.state == ParticipationState.IN_TRAINING
    assert len(states(participation)) == 2


def test_hours_planned_and_attended_and_the_completion_rate(course):
    session, slots = course
    short = slots_of(
        session, [slots[2].date + datetime.timedelta(days=1)], start=datetime.time(8), end=datetime.time(10, 30)
    )
    person = enrolled(session)
    mark(slots[0], person, P)
    mark(slots[1], person, L)
    mark(slots[2], person, A)
    mark(short[0], person, E)
    refresh(person)
    participation = Participation.objects.get(application=person)
    assert participation.hours_planned == Decimal("11.50")
    assert participation.hours_attended == Decimal("6.00")
    assert participation.completion_rate == Decimal("6.00") / Decimal("11.50")


def test_completion_rate_is_capped_and_none_without_plan():
    participation = ParticipationFactory.build(hours_planned=Decimal(0), hours_attended=Decimal(3))
    assert participation.completion_rate is None
    participation.hours_planned = Decimal(2)
    assert participation.completion_rate == 1


def test_the_sheet_of_a_cancelled_slot_does_not_count(course):
    session, slots = course
    person = enrolled(session)
    mark(slots[0], person, P)
    mark(slots[1], person, P)
    Slot.objects.filter(pk=slots[1].pk).update(state=Slot.State.CANCELLED, cancel_reason="Formatrice malade.")
    refresh(person)
    participation = Participation.objects.get(application=person)
    assert participation.hours_planned == Decimal("6.00")  # two planned slots of 3 h left
    assert participation.hours_attended == Decimal("3.00")
    assert participation.state == ParticipationState.ENTERED


def test_a_correction_to_an_earlier_day_moves_the_entry_back(course):
    session, slots = course
    person = enrolled(session)
    mark(slots[1], person, P)
    refresh(person)
    mark(slots[0], person, L)
    refresh(person)
    participation = Participation.objects.get(application=person)
    assert participation.entered_on == slots[0].date
    assert participation.state == ParticipationState.IN_TRAINING


def test_an_exited_participation_stays_exited_with_its_hours_refreshed(course):
    session, slots = course
    person = enrolled(session)
    mark(slots[0], person, P)
    refresh(person)
    participation = Participation.objects.get(application=person)
    followup.participation_exit(
        participation=participation,
        kind=ExitKind.ABANDON,
        abandon_reason=AbandonReason.JOB,
        exited_on=slots[0].date,
        by=StaffUserFactory(),
    )
    mark(slots[1], person, P)  # a correction after the exit
    refresh(person)
    participation.refresh_from_db()
    assert participation.state == ParticipationState.EXITED
    assert participation.hours_attended == Decimal("6.00")


def test_applications_not_enrolled_are_left_alone(course):
    session, slots = course
    person = enrolled(session)
    mark(slots[0], person, P)
    Application.objects.filter(pk=person.pk).update(status=Application.Status.CANCELLED)
    refresh(person)
    assert not Participation.objects.exists()


def test_refreshing_a_whole_sheet_costs_the_same_queries_for_3_or_30_people(course, django_assert_num_queries):
    session, slots = course

    def sheet_of(count):
        people = [enrolled(session) for _ in range(count)]
        for person in people:
            mark(slots[0], person, P)
            mark(slots[1], person, P)
            ParticipationFactory(application=person, entered_on=slots[0].date, state=ParticipationState.IN_TRAINING)
        return people

    few, many = sheet_of(3), sheet_of(30)
    # A savepoint around applications, slots, lines, participations (locked), alerts, one update
    # of the hours, the documents to ask again.
    with django_assert_num_queries(9):
        refresh(*few)
    with django_assert_num_queries(9):
        refresh(*many)


# --- Staff enter a person -------------------------------------------------------------------------


def test_staff_enter_a_person_who_started_without_a_sheet(course):
    session, slots = course
    person = enrolled(session)
    staff = StaffUserFactory()
    participation = followup.participation_enter(application=person, entered_on=slots[0].date, by=staff)
    assert participation.state == ParticipationState.ENTERED
    change = participation.history.get()
    assert (change.changed_by, change.reason) == (staff, "Entrée enregistrée par le personnel.")
    assert Notification.objects.filter(template="participation_entered", application=person).exists()
    assert FunderDocument.objects.filter(application=person, kind=FunderDocument.Kind.ENTRY).exists()
    assert participation.hours_planned == Decimal("9.00")


def test_staff_entry_then_a_sheet_of_a_later_day_moves_to_en_formation(course):
    session, slots = course
    person = enrolled(session)
    followup.participation_enter(application=person, entered_on=slots[0].date, by=StaffUserFactory())
    mark(slots[1], person, P)
    refresh(person)
    assert Participation.objects.get(application=person).state == ParticipationState.IN_TRAINING


@pytest.mark.parametrize(
    ("scene", "message"),
    [
        ("not_enrolled", "Seule une inscription confirmée peut entrer en formation (statut actuel : « Reçue »)."),
        ("future", "La date d'entrée en formation ne peut pas être dans le futur."),
        ("before_session", "La date d'entrée doit se situer pendant la session, du "),
        ("twice", "Cette personne est déjà entrée en formation le "),
    ],
)
def test_staff_entry_refusals_leave_nothing(course, scene, message):
    session, slots = course
    person = enrolled(session)
    day = slots[0].date
    if scene == "not_enrolled":
        person = ApplicationFactory(session=session)
    elif scene == "future":
        day = timezone.localdate() + datetime.timedelta(days=1)
    elif scene == "before_session":
        day = session.start_date - datetime.timedelta(days=1)
    else:
        ParticipationFactory(application=person, entered_on=day)
    before = (Participation.objects.count(), ParticipationChange.objects.count(), Notification.objects.count())
    assert message in refused(followup.participation_enter, application=person, entered_on=day, by=StaffUserFactory())
    assert (Participation.objects.count(), ParticipationChange.objects.count(), Notification.objects.count()) == before


# --- Staff record the exit ------------------------------------------------------------------------


@pytest.fixture
def in_training(course):
    session, slots = course
    person = enrolled(session)
    mark(slots[0], person, P)
    mark(slots[1], person, P)
    refresh(person)
    return Participation.objects.get(application=person)


@pytest.mark.parametrize(
    ("kind", "reason", "note", "history"),
    [
        (ExitKind.COMPLETED, "", "", "Formation achevée"),
        (ExitKind.ABANDON, AbandonReason.HEALTH, "", "Abandon — Santé"),
        (
            ExitKind.ABANDON,
            AbandonReason.OTHER,
            "Déménagement à La Réunion.",
            "Abandon — Autre : Déménagement à La Réunion.",
        ),
        (
            ExitKind.EXCLUSION,
            "",
            "Absences répétées malgré trois rappels.",
            "Exclusion : Absences répétées malgré trois rappels.",
        ),
    ],
)
def test_each_exit_kind(in_training, kind, reason, note, history, django_capture_on_commit_callbacks):
    staff = StaffUserFactory()
    exited_on = in_training.entered_on + datetime.timedelta(days=3)
    with django_capture_on_commit_callbacks() as callbacks:
        participation = followup.participation_exit(
            participation=in_training, kind=kind, abandon_reason=reason, note=note, exited_on=exited_on, by=staff
        )
    assert participation.state == ParticipationState.EXITED
    assert (participation.exit_kind, participation.abandon_reason, participation.exited_on) == (kind, reason, exited_on)
    last = participation.history.last()
    assert (last.from_state, last.to_state, last.changed_by, last.reason) == (
        ParticipationState.IN_TRAINING,
        ParticipationState.EXITED,
        staff,
        history,
    )
    email = Notification.objects.get(template="participation_exited")
    assert email.context["exited_text"] and email.context["completed"] == (kind == ExitKind.COMPLETED)
    certificate = FunderDocument.objects.get(application=participation.application, kind=FunderDocument.Kind.COMPLETION)
    rendered = [callback.args for callback in task_callbacks(callbacks) if callback.args[0].startswith("attendance")]
    assert any(certificate.pk in args[1] for args in rendered)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "partie"}, "Choisissez le type de sortie : achevée, abandon ou exclusion."),
        ({"kind": ExitKind.ABANDON}, "Un abandon a un motif : a trouvé un emploi, santé, raisons personnelles"),
        ({"kind": ExitKind.ABANDON, "abandon_reason": "lassitude"}, "Un abandon a un motif"),
        (
            {"kind": ExitKind.ABANDON, "abandon_reason": AbandonReason.OTHER},
            "Précisez le motif de l'abandon « Autre ».",
        ),
        ({"kind": ExitKind.COMPLETED, "abandon_reason": AbandonReason.JOB}, "Seul un abandon a un motif d'abandon."),
        ({"kind": ExitKind.EXCLUSION}, "Une exclusion doit être motivée."),
        ({"exited_on": "tomorrow"}, "La date de sortie ne peut pas être dans le futur."),
        ({"exited_on": "before"}, "La date de sortie ne peut précéder l'entrée en formation (le "),
    ],
)
def test_exit_refusals_leave_nothing(in_training, changes, message):
    arguments = {
        "participation": in_training,
        "kind": ExitKind.COMPLETED,
        "exited_on": in_training.entered_on,
        "by": StaffUserFactory(),
        **changes,
    }
    if changes.get("exited_on") == "tomorrow":
        arguments["exited_on"] = timezone.localdate() + datetime.timedelta(days=1)
    elif changes.get("exited_on") == "before":
        arguments["exited_on"] = in_training.entered_on - datetime.timedelta(days=1)
    before = (ParticipationChange.objects.count(), Notification.objects.count(), FunderDocument.objects.count())
    assert message in refused(followup.participation_exit, **arguments)
    in_training.refresh_from_db()
    assert in_training.state == ParticipationState.IN_TRAINING
    assert (in_training.exited_on, in_training.exit_kind) == (None, "")
    assert (ParticipationChange.objects.count(), Notification.objects.count(), FunderDocument.objects.count()) == before


def test_a_second_exit_is_refused(in_training):
    followup.participation_exit(
        participation=in_training, kind=ExitKind.COMPLETED, exited_on=in_training.entered_on, by=StaffUserFactory()
    )
    message = refused(
        followup.participation_exit,
        participation=in_training,
        kind=ExitKind.COMPLETED,
        exited_on=in_training.entered_on,
        by=StaffUserFactory(),
    )
    assert message.startswith("La sortie de formation est déjà enregistrée (le ")
    assert ParticipationChange.objects.filter(to_state=ParticipationState.EXITED).count() == 1
