"""Course days through their services: generated, added, moved and cancelled, with history, hours and emails."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from attendance import selectors
from attendance.models import Participation, Slot, SlotChange
from attendance.notifications import day_text
from attendance.recurrence import Closure, SkipKind
from attendance.services import slots
from core.formatting import date_long
from core.models import Notification
from enrollment.models import ApplicationStatus
from programs.models import Session
from tests.concurrency import needs_row_locks, run_in_threads
from tests.factories import (
    ApplicationFactory,
    AttendanceSheetFactory,
    ParticipationFactory,
    SessionFactory,
    SiteFactory,
    SlotFactory,
    StaffUserFactory,
    TrainerFactory,
)
from tests.helpers import refused

pytestmark = pytest.mark.django_db

D = datetime.date
T = datetime.time
EVENINGS = "mardi et jeudi, 17 h 30 – 20 h 30"
SATURDAYS = "le samedi, 8 h – 12 h"


@pytest.fixture
def staff():
    return StaffUserFactory(first_name="Fatima", last_name="Said")


def _spring_session(**fields):
    """A session of the spring of 2027: 27 April, 1 and 8 May, Ascension and Whit Monday fall in it."""
    return SessionFactory(start_date=D(2027, 4, 1), end_date=D(2027, 5, 31), schedule=EVENINGS, **fields)


def _soon(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def _upcoming_session(**fields):
    return SessionFactory(start_date=_soon(5), end_date=_soon(120), **fields)


def _counts():
    return Slot.objects.count(), SlotChange.objects.count(), Notification.objects.count()


# --- Generation ----------------------------------------------------------------------------------


def test_generation_creates_the_evenings_and_saturdays_without_the_holidays(staff):
    session = _spring_session()

    result = slots.slots_generate(session=session, patterns=f"{EVENINGS}\n{SATURDAYS}", by=staff)

    created = list(Slot.objects.filter(session=session))
    # 17 Tuesdays and Thursdays, 9 Saturdays; 27 April, Ascension, 1 and 8 May are public holidays.
    assert len(created) == len(result.created) == 15 + 7
    assert {(slot.date, slot.start_time) for slot in created} >= {(D(2027, 4, 1), T(17, 30)), (D(2027, 4, 3), T(8))}
    assert not {D(2027, 4, 27), D(2027, 5, 1), D(2027, 5, 6), D(2027, 5, 8)} & {slot.date for slot in created}
    assert {(item.spec.date, item.name) for item in result.skipped} == {
        (D(2027, 4, 27), "Abolition de l'esclavage"),
        (D(2027, 5, 1), "Fête du Travail"),
        (D(2027, 5, 6), "Ascension"),
        (D(2027, 5, 8), "Fête de la Victoire"),
    }
    assert {slot.site_id for slot in created} == {session.site_id}
    assert result.planned_hours == Decimal(15 * 3 + 7 * 4)
    assert selectors.session_planned_hours(session_id=session.pk) == Decimal(73)
    history = SlotChange.objects.filter(slot__session=session)
    assert history.count() == 22
    assert {change.kind for change in history} == {SlotChange.Kind.CREATED}
    assert {change.changed_by for change in history} == {staff}
    assert history.filter(reason="Créé à partir du rythme « le samedi, 8 h – 12 h ».").count() == 7
    assert Notification.objects.count() == 0  # nobody is told of a first planning


def test_generating_twice_creates_nothing_the_second_time(staff):
    session = _spring_session()
    slots.slots_generate(session=session, patterns=EVENINGS, by=staff)
    before = _counts()

    again = slots.slots_generate(session=session, patterns=EVENINGS, by=staff)

    assert again.created == ()
    assert _counts() == before
    existing = [item for item in again.skipped if item.kind == SkipKind.EXISTING]
    assert len(existing) == 15
    assert slots.generation_summary(again) == "Aucun créneau créé (45 h prévues en tout) ; 17 jours non retenus."


def test_a_day_where_a_slot_already_overlaps_is_left_out(staff):
    session = _spring_session()
    SlotFactory(session=session, date=D(2027, 4, 6), start_time=T(18), end_time=T(21))

    result = slots.slots_generate(session=session, patterns=EVENINGS, by=staff, first=D(2027, 4, 5), last=D(2027, 4, 9))

    assert [(slot.date, slot.start_time) for slot in result.created] == [(D(2027, 4, 8), T(17, 30))]
    assert [(item.spec.date, item.kind) for item in result.skipped] == [(D(2027, 4, 6), SkipKind.EXISTING)]
    assert Slot.objects.filter(session=session, date=D(2027, 4, 6)).count() == 1


def test_closures_staff_list_are_left_out_with_their_label(staff):
    session = _spring_session()
    closures = slots.closures_read(text="13/04/2027\n19/04/2027 au 23/04/2027 : inventaire")

    result = slots.slots_generate(
        session=session, patterns=EVENINGS, closures=closures, by=staff, first=D(2027, 4, 12), last=D(2027, 4, 30)
    )

    assert [slot.date for slot in result.created] == [D(2027, 4, 15), D(2027, 4, 29)]
    assert [(item.spec.date, slots.skipped_text(item)) for item in result.skipped] == [
        (D(2027, 4, 13), "Fermeture"),
        (D(2027, 4, 20), "Fermeture : inventaire"),
        (D(2027, 4, 22), "Fermeture : inventaire"),
        (D(2027, 4, 27), "Jour férié : Abolition de l'esclavage"),
    ]


def test_a_remote_site_can_be_given_to_generated_slots(staff):
    session = _spring_session()
    remote = SiteFactory(remote=True)

    result = slots.slots_generate(
        session=session, patterns=SATURDAYS, by=staff, site=remote, first=D(2027, 4, 1), last=D(2027, 4, 10)
    )

    assert [(slot.date, slot.site) for slot in result.created] == [(D(2027, 4, 3), remote), (D(2027, 4, 10), remote)]
    assert all(slot.is_remote for slot in result.created)


def test_an_unreadable_pattern_is_refused_by_its_line_and_nothing_is_created(staff):
    session = _spring_session()

    message = refused(
        slots.slots_generate, session=session, patterns=f"{EVENINGS}\nun samedi sur deux, 8 h – 12 h", by=staff
    )

    assert message == (
        "Ligne 2 : « un samedi sur deux, 8 h – 12 h » ne se lit pas comme un rythme de la semaine. Écrivez les "
        "jours puis les heures, par exemple « mardi et jeudi, 17 h 30 – 20 h 30 » ou « le samedi, 8 h – 12 h »."
    )
    assert _counts() == (0, 0, 0)


@pytest.mark.parametrize(
    ("patterns", "expected"),
    [
        ("  \n", "Indiquez au moins un rythme, par exemple « mardi et jeudi, 17 h 30 – 20 h 30 »."),
        (
            f"{EVENINGS}\nle jeudi, 18 h – 21 h",
            "Les lignes 1 et 2 donnent le jeudi des créneaux qui se chevauchent : séparez leurs heures.",
        ),
    ],
)
def test_missing_or_overlapping_patterns_are_refused(staff, patterns, expected):
    assert refused(slots.slots_generate, session=_spring_session(), patterns=patterns, by=staff) == expected
    assert _counts() == (0, 0, 0)


def test_an_unreadable_closure_is_refused_by_its_line():
    with pytest.raises(ValidationError) as caught:
        slots.closures_read(text="13/04/2027\nvacances de Pâques")
    assert caught.value.message_dict["closures"] == [
        "Ligne 2 des fermetures : « vacances de Pâques » n'est ni une date (JJ/MM/AAAA) ni une période "
        "(JJ/MM/AAAA au JJ/MM/AAAA), suivie si besoin de « : » et d'un libellé."
    ]


def test_days_outside_the_session_are_refused(staff):
    session = _spring_session()

    message = refused(
        slots.slots_generate, session=session, patterns=EVENINGS, by=staff, first=D(2027, 3, 15), last=D(2027, 4, 30)
    )

    assert message == (
        "Les créneaux se tiennent pendant la session, du 1er avril 2027 au 31 mai 2027 : la période du "
        "15 mars 2027 au 30 avril 2027 en sort."
    )
    assert _counts() == (0, 0, 0)


def test_a_period_that_ends_before_it_starts_is_refused(staff):
    session = _spring_session()
    message = refused(
        slots.slots_generate, session=session, patterns=EVENINGS, by=staff, first=D(2027, 5, 1), last=D(2027, 4, 1)
    )
    assert message == "La période demandée finit avant de commencer."
    assert _counts() == (0, 0, 0)


def test_a_cancelled_session_gets_no_slots(staff):
    session = _spring_session(state=Session.State.CANCELLED)
    message = refused(slots.slots_generate, session=session, patterns=EVENINGS, by=staff)
    assert message == f"La session {session.reference} est annulée : ses créneaux ne changent plus."
    assert _counts() == (0, 0, 0)


def test_the_plan_shows_what_generation_would_do_and_writes_nothing():
    session = _spring_session()

    plan = slots.slots_plan(session=session, patterns=EVENINGS, closures=[Closure(D(2027, 4, 1), D(2027, 4, 1))])

    assert len(plan.specs) == 14
    assert plan.hours == Decimal(42)
    assert [slots.skipped_text(item) for item in plan.skipped] == [
        "Fermeture",
        "Jour férié : Abolition de l'esclavage",
        "Jour férié : Ascension",
    ]
    assert _counts() == (0, 0, 0)


# --- Adding one slot ------------------------------------------------------------------------------


def test_a_slot_is_added_with_its_history_and_the_planned_hours_follow(staff):
    session = _upcoming_session()
    participation = ParticipationFactory(application__session=session)

    slot = slots.slot_add(
        session=session, date=_soon(10), start_time=T(8), end_time=T(12, 30), by=staff, reason="Séance de rattrapage."
    )

    assert (slot.site, slot.state, slot.hours) == (session.site, Slot.State.PLANNED, Decimal("4.50"))
    change = slot.history.get()
    assert (change.kind, change.reason, change.changed_by) == (SlotChange.Kind.CREATED, "Séance de rattrapage.", staff)
    participation.refresh_from_db()
    assert participation.hours_planned == Decimal("4.50")


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        (T(17, 30), T(20, 30), "start_time", "Un créneau de la session est déjà prévu le"),  # the same slot again
        (T(19), T(21), "start_time", "Un créneau de la session est déjà prévu le"),  # overlapping it
        (T(20), T(18), "end_time", "L'heure de fin doit suivre l'heure de début."),
    ],
)
def test_a_slot_that_duplicates_overlaps_or_ends_first_is_refused(staff, start, end, field, message):
    session = _upcoming_session()
    existing = SlotFactory(session=session, date=_soon(10))
    before = _counts()

    with pytest.raises(ValidationError) as caught:
        slots.slot_add(session=session, date=existing.date, start_time=start, end_time=end, by=staff)

    assert caught.value.message_dict[field][0].startswith(message)
    assert _counts() == before


def test_a_slot_outside_its_session_is_refused(staff):
    session = _upcoming_session()
    with pytest.raises(ValidationError) as caught:
        slots.slot_add(
            session=session,
            date=session.end_date + datetime.timedelta(days=1),
            start_time=T(8),
            end_time=T(12),
            by=staff,
        )
    assert caught.value.message_dict["date"] == [
        f"Un créneau se tient pendant sa session, du {date_long(session.start_date)} au {date_long(session.end_date)}."
    ]
    assert _counts() == (0, 0, 0)


def test_a_cancelled_session_gets_no_slot_added(staff):
    session = _upcoming_session(state=Session.State.CANCELLED)
    message = refused(slots.slot_add, session=session, date=_soon(10), start_time=T(8), end_time=T(12), by=staff)
    assert message == f"La session {session.reference} est annulée : ses créneaux ne changent plus."
    assert _counts() == (0, 0, 0)


def test_a_cancelled_slot_does_not_block_a_new_one_at_its_hours(staff):
    session = _upcoming_session()
    cancelled = SlotFactory(session=session, date=_soon(10), state=Slot.State.CANCELLED, cancel_reason="Grève.")
    slot = slots.slot_add(session=session, date=cancelled.date, start_time=T(17, 30), end_time=T(20, 30), by=staff)
    assert slot.pk != cancelled.pk


# --- Moving and cancelling -----------------------------------------------------------------------


@pytest.fixture
def enrolled_scene():
    """A session with two people enrolled, one withdrawn, one waitlisted, one accepted, and a slot in ten days."""
    session = _upcoming_session(schedule=EVENINGS)
    enrolled = [
        ApplicationFactory(session=session, enrolled=True, applicant__email="amina@example.yt"),
        ApplicationFactory(session=session, enrolled=True, applicant__email="said@example.yt"),
    ]
    for status in (ApplicationStatus.WITHDRAWN, ApplicationStatus.WAITLISTED, ApplicationStatus.ACCEPTED):
        ApplicationFactory(session=session, status=status)
    slot = SlotFactory(session=session, date=_soon(10))
    return session, enrolled, slot


def _new_day(slot, days=2):
    return slot.date + datetime.timedelta(days=days)


def test_moving_a_slot_keeps_what_it_was_and_emails_the_enrolled_only(
    enrolled_scene, staff, django_capture_on_commit_callbacks
):
    session, _enrolled, slot = enrolled_scene
    remote = SiteFactory(remote=True)
    old_day = day_text(slot.date)

    with django_capture_on_commit_callbacks(execute=True):
        moved = slots.slot_move(
            slot=slot,
            date=_new_day(slot),
            start_time=T(18),
            end_time=T(21),
            site=remote,
            reason="Salle indisponible : le cours se tient en classe virtuelle.",
            by=staff,
        )

    assert (moved.date, moved.start_time, moved.end_time, moved.site) == (_new_day(slot), T(18), T(21), remote)
    change = moved.history.get(kind=SlotChange.Kind.MOVED)
    assert (change.previous_date, change.previous_start_time, change.previous_end_time, change.previous_site) == (
        slot.date,
        T(17, 30),
        T(20, 30),
        session.site,
    )
    assert (change.reason, change.changed_by) == ("Salle indisponible : le cours se tient en classe virtuelle.", staff)
    assert sorted(message.to[0] for message in mail.outbox) == ["amina@example.yt", "said@example.yt"]
    message = mail.outbox[0]
    assert message.subject == f"[CNAM Mayotte] Cours du {old_day} déplacé : {session.programme.title}"
    body = " ".join(message.body.split())
    new_day = day_text(_new_day(slot))
    assert f"Il était prévu : {old_day}, 17 h 30 – 20 h 30, Centre CNAM de Mamoudzou (Mamoudzou), Place Mariage" in body
    assert f"Il aura lieu : {new_day}, 18 h 00 – 21 h 00, à distance" in body
    assert "Motif : Salle indisponible : le cours se tient en classe virtuelle." in body
    assert session.programme.title in body
    html = message.alternatives[0][0]
    assert old_day in html and new_day in html


def test_the_emails_of_a_move_are_keyed_by_the_change_so_none_is_written_twice(enrolled_scene, staff):
    _session, enrolled, slot = enrolled_scene
    slots.slot_move(
        slot=slot,
        date=_new_day(slot),
        start_time=T(17, 30),
        end_time=T(20, 30),
        site=slot.site,
        reason="Jour de grève.",
        by=staff,
    )
    moved_again = Slot.objects.get(pk=slot.pk)
    slots.slot_move(
        slot=moved_again,
        date=_new_day(slot, 4),
        start_time=T(17, 30),
        end_time=T(20, 30),
        site=slot.site,
        reason="Encore.",
        by=staff,
    )

    rows = Notification.objects.filter(template="slot_moved")
    assert rows.count() == 4
    assert len({row.idempotency_key for row in rows}) == 4
    assert {row.application_id for row in rows} == {application.pk for application in enrolled}
    latest = rows.order_by("-pk").first()
    assert latest.context["old_day"] == day_text(_new_day(slot))
    assert latest.context["reason"] == "Encore."


def test_cancelling_a_slot_emails_the_enrolled_and_removes_its_hours(
    enrolled_scene, staff, django_capture_on_commit_callbacks
):
    session, enrolled, slot = enrolled_scene
    other = SlotFactory(session=session, date=_soon(12))
    participation = ParticipationFactory(application=enrolled[0], hours_planned=Decimal(6))

    with django_capture_on_commit_callbacks(execute=True):
        cancelled = slots.slot_cancel(slot=slot, reason="Formateur malade.", by=staff)

    assert (cancelled.state, cancelled.cancel_reason) == (Slot.State.CANCELLED, "Formateur malade.")
    assert cancelled.cancelled_at is not None
    change = cancelled.history.get()
    assert (change.kind, change.previous_date, change.reason) == (
        SlotChange.Kind.CANCELLED,
        slot.date,
        "Formateur malade.",
    )
    assert selectors.session_planned_hours(session_id=session.pk) == other.hours == Decimal(3)
    participation.refresh_from_db()
    assert participation.hours_planned == Decimal(3)
    assert sorted(message.to[0] for message in mail.outbox) == ["amina@example.yt", "said@example.yt"]
    day = day_text(slot.date)
    assert mail.outbox[0].subject == f"[CNAM Mayotte] Cours du {day} annulé : {session.programme.title}"
    body = " ".join(mail.outbox[0].body.split())
    assert f"Cours annulé : {day}, 17 h 30 – 20 h 30, Centre CNAM de Mamoudzou (Mamoudzou)" in body
    assert "Motif : Formateur malade." in body


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_move_or_cancellation_without_reason_is_refused_and_nothing_changes(enrolled_scene, staff, reason):
    _session, _enrolled, slot = enrolled_scene
    before = _counts()

    with pytest.raises(ValidationError) as moving:
        slots.slot_move(
            slot=slot, date=_new_day(slot), start_time=T(18), end_time=T(21), site=slot.site, reason=reason, by=staff
        )
    with pytest.raises(ValidationError) as cancelling:
        slots.slot_cancel(slot=slot, reason=reason, by=staff)

    assert moving.value.message_dict["reason"] == [
        "Indiquez le motif du déplacement : il est écrit aux personnes inscrites."
    ]
    assert cancelling.value.message_dict["reason"] == [
        "Indiquez le motif de l'annulation : il est écrit aux personnes inscrites."
    ]
    assert _counts() == before
    slot.refresh_from_db()
    assert (slot.date, slot.state) == (_soon(10), Slot.State.PLANNED)


def test_a_slot_whose_sheet_exists_is_neither_moved_nor_cancelled(enrolled_scene, staff):
    _session, _enrolled, slot = enrolled_scene
    AttendanceSheetFactory(slot=slot)
    before = _counts()
    expected = (
        "La feuille d'émargement de ce créneau est ouverte : il a eu lieu ou se tient en ce moment, "
        "il ne se déplace ni ne s'annule plus."
    )

    assert refused(slots.slot_cancel, slot=slot, reason="Erreur.", by=staff) == expected
    assert (
        refused(
            slots.slot_move,
            slot=slot,
            date=_new_day(slot),
            start_time=T(18),
            end_time=T(21),
            site=slot.site,
            reason="Erreur.",
            by=staff,
        )
        == expected
    )
    assert _counts() == before


def test_a_past_or_started_slot_is_neither_moved_nor_cancelled(staff):
    today = timezone.localdate()
    session = SessionFactory(
        start_date=today - datetime.timedelta(days=30), end_date=today + datetime.timedelta(days=30)
    )
    past = SlotFactory(session=session, date=today - datetime.timedelta(days=2))
    started = SlotFactory(session=session, date=today, start_time=T(0), end_time=T(23, 59))
    before = _counts()

    for slot in (past, started):
        message = refused(slots.slot_cancel, slot=slot, reason="Erreur.", by=staff)
        assert message.startswith("Ce créneau a commencé le ")
        assert message.endswith(": un créneau passé ne se déplace ni ne s'annule.")
        assert (
            refused(
                slots.slot_move,
                slot=slot,
                date=today + datetime.timedelta(days=3),
                start_time=T(18),
                end_time=T(21),
                site=slot.site,
                reason="Erreur.",
                by=staff,
            )
            == message
        )
    assert _counts() == before


def test_a_slot_is_not_moved_outside_its_session_nor_into_the_past(enrolled_scene, staff):
    session, _enrolled, slot = enrolled_scene
    before = _counts()

    with pytest.raises(ValidationError) as outside:
        slots.slot_move(
            slot=slot,
            date=session.end_date + datetime.timedelta(days=1),
            start_time=T(18),
            end_time=T(21),
            site=slot.site,
            reason="Report.",
            by=staff,
        )

    assert list(outside.value.message_dict) == ["date"]
    assert outside.value.message_dict["date"][0].startswith("Un créneau se tient pendant sa session, du ")
    # Yesterday, within the session once it starts earlier: a day gone by.
    session.start_date = timezone.localdate() - datetime.timedelta(days=1)
    session.save(update_fields=["start_date"])
    with pytest.raises(ValidationError) as past:
        slots.slot_move(
            slot=slot,
            date=session.start_date,
            start_time=T(18),
            end_time=T(21),
            site=slot.site,
            reason="Report.",
            by=staff,
        )
    assert past.value.message_dict["date"][0].startswith("Le nouveau créneau commencerait le ")
    assert _counts() == before


def test_a_move_that_changes_nothing_or_lands_on_another_slot_is_refused(enrolled_scene, staff):
    session, _enrolled, slot = enrolled_scene
    other = SlotFactory(session=session, date=_new_day(slot))
    before = _counts()

    assert (
        refused(
            slots.slot_move,
            slot=slot,
            date=slot.date,
            start_time=slot.start_time,
            end_time=slot.end_time,
            site=slot.site,
            reason="Rien.",
            by=staff,
        )
        == "Le créneau est déjà prévu ainsi : changez sa date, ses heures ou son lieu."
    )
    with pytest.raises(ValidationError) as clash:
        slots.slot_move(
            slot=slot, date=other.date, start_time=T(19), end_time=T(22), site=slot.site, reason="Report.", by=staff
        )
    assert clash.value.message_dict["start_time"][0].startswith("Un créneau de la session est déjà prévu le ")
    assert _counts() == before


def test_a_cancelled_slot_is_not_cancelled_twice(enrolled_scene, staff):
    _session, _enrolled, slot = enrolled_scene
    slots.slot_cancel(slot=slot, reason="Grève.", by=staff)
    before = _counts()
    assert (
        refused(slots.slot_cancel, slot=slot, reason="Encore.", by=staff)
        == "Ce créneau est annulé : il ne se déplace plus."
    )
    assert _counts() == before


def test_a_longer_slot_raises_the_planned_hours_of_every_participation(enrolled_scene, staff):
    _session, enrolled, slot = enrolled_scene
    first = ParticipationFactory(application=enrolled[0])
    second = ParticipationFactory(application=enrolled[1])

    slots.slot_move(
        slot=slot, date=slot.date, start_time=T(17), end_time=T(21), site=slot.site, reason="Séance allongée.", by=staff
    )

    assert list(Participation.objects.filter(pk__in=[first.pk, second.pk]).values_list("hours_planned", flat=True)) == [
        Decimal(4),
        Decimal(4),
    ]


# --- Reads -----------------------------------------------------------------------------------------


def test_planned_hours_count_planned_slots_only_in_one_query(django_assert_num_queries):
    session, other, empty = SessionFactory(), SessionFactory(), SessionFactory()
    SlotFactory(session=session, date=session.start_date, start_time=T(8), end_time=T(12, 15))
    SlotFactory(
        session=session, date=session.start_date + datetime.timedelta(days=1), start_time=T(17, 30), end_time=T(20, 30)
    )
    SlotFactory(
        session=session,
        date=session.start_date + datetime.timedelta(days=2),
        state=Slot.State.CANCELLED,
        cancel_reason="Grève.",
    )
    SlotFactory(session=other, start_time=T(13), end_time=T(15, 40))

    with django_assert_num_queries(1):
        hours = selectors.sessions_planned_hours(session_ids=[session.pk, other.pk, empty.pk])

    assert hours == {session.pk: Decimal("7.25"), other.pk: Decimal("2.67"), empty.pk: Decimal("0.00")}
    assert selectors.session_planned_hours(session_id=session.pk) == Decimal("7.25")


def test_a_sessions_slots_come_in_date_order_with_their_place():
    session = SessionFactory()
    late = SlotFactory(session=session, date=session.start_date + datetime.timedelta(days=7))
    early = SlotFactory(session=session, start_time=T(8), end_time=T(12))
    cancelled = SlotFactory(
        session=session,
        date=session.start_date + datetime.timedelta(days=3),
        state=Slot.State.CANCELLED,
        cancel_reason="Grève.",
    )

    assert list(selectors.session_slots(session_id=session.pk)) == [early, cancelled, late]
    assert list(selectors.session_slots(session_id=session.pk, include_cancelled=False)) == [early, late]


def test_a_trainers_sessions_and_todays_slots_in_a_fixed_number_of_queries(django_assert_num_queries):
    today = timezone.localdate()
    running = [
        SessionFactory(start_date=today - datetime.timedelta(days=5), end_date=today + datetime.timedelta(days=30))
        for _ in range(3)
    ]
    ended = SessionFactory(start_date=today - datetime.timedelta(days=60), end_date=today - datetime.timedelta(days=1))
    cancelled_session = SessionFactory(state=Session.State.CANCELLED)
    someone_elses = SessionFactory(start_date=today, end_date=today + datetime.timedelta(days=10))
    trainer = TrainerFactory(sessions=[*running, ended, cancelled_session])
    evening = [SlotFactory(session=session, date=today) for session in running]
    morning = SlotFactory(session=running[0], date=today, start_time=T(8), end_time=T(12))
    SlotFactory(session=running[1], date=today + datetime.timedelta(days=1))
    SlotFactory(
        session=running[2],
        date=today,
        start_time=T(13),
        end_time=T(15),
        state=Slot.State.CANCELLED,
        cancel_reason="Grève.",
    )
    SlotFactory(session=someone_elses, date=today)

    with django_assert_num_queries(2):
        sessions = list(selectors.trainer_sessions(trainer=trainer))
        today_slots = list(selectors.trainer_today_slots(trainer=trainer))
        titles = [slot.session.programme.title for slot in today_slots] + [slot.site.name for slot in today_slots]

    assert sessions == sorted(running, key=lambda s: (s.start_date, s.reference))
    assert today_slots[0] == morning
    assert set(today_slots[1:]) == set(evening)
    assert len(titles) == 8
    with_cancelled = selectors.trainer_slots_on(trainer=trainer, day=today, include_cancelled=True)
    assert len(with_cancelled) == 5


def test_todays_slots_follow_mayottes_date_not_utcs(monkeypatch):
    session = SessionFactory(start_date=D(2027, 3, 1), end_date=D(2027, 3, 31))
    trainer = TrainerFactory(sessions=[session])
    monday = SlotFactory(session=session, date=D(2027, 3, 1))
    tuesday = SlotFactory(session=session, date=D(2027, 3, 2), start_time=T(8), end_time=T(12))
    # 22 h 30 in UTC on Monday is already 1 h 30 on Tuesday in Mayotte.
    monkeypatch.setattr(timezone, "now", lambda: datetime.datetime(2027, 3, 1, 22, 30, tzinfo=datetime.UTC))

    assert list(selectors.trainer_today_slots(trainer=trainer)) == [tuesday]
    assert monday not in selectors.trainer_today_slots(trainer=trainer)


def test_a_deactivated_trainer_has_no_sessions_nor_slots():
    session = SessionFactory(start_date=timezone.localdate(), end_date=timezone.localdate())
    SlotFactory(session=session)
    trainer = TrainerFactory(sessions=[session], is_active=False)

    assert list(selectors.trainer_sessions(trainer=trainer)) == []
    assert list(selectors.trainer_today_slots(trainer=trainer)) == []
    assert selectors.trainer_for_user(user=trainer.user) is None


def test_trainer_for_user_finds_the_active_trainer_only(client):
    from django.contrib.auth.models import AnonymousUser

    trainer = TrainerFactory()
    assert selectors.trainer_for_user(user=trainer.user) == trainer
    assert selectors.trainer_for_user(user=AnonymousUser()) is None
    assert selectors.trainer_for_user(user=StaffUserFactory()) is None


def test_the_enrolled_of_a_session_are_those_inscrites(enrolled_scene):
    session, _enrolled, _slot = enrolled_scene
    with CaptureQueriesContext(connection) as queries:
        emails = [
            application.applicant.email
            for application in selectors.session_enrolled_applications(session_id=session.pk)
        ]
    assert emails == ["amina@example.yt", "said@example.yt"]
    assert len(queries) == 1


# --- Concurrency (PostgreSQL row locks) ------------------------------------------------------------


@needs_row_locks
def test_parallel_generations_create_each_course_day_once(transactional_db):
    staff = StaffUserFactory()
    session = _spring_session()

    results = run_in_threads(
        [lambda: slots.slots_generate(session=session, patterns=EVENINGS, by=staff) for _ in range(4)]
    )

    assert [outcome for outcome, _value in results] == ["ok"] * 4, results
    assert sorted(len(result.created) for _outcome, result in results) == [0, 0, 0, 15]
    assert Slot.objects.filter(session=session).count() == 15
    assert SlotChange.objects.filter(slot__session=session).count() == 15


@needs_row_locks
def test_parallel_additions_of_the_same_slot_keep_one(transactional_db):
    staff = StaffUserFactory()
    session = _upcoming_session()
    day = _soon(10)

    results = run_in_threads(
        [lambda: slots.slot_add(session=session, date=day, start_time=T(8), end_time=T(12), by=staff) for _ in range(5)]
    )

    outcomes = [outcome for outcome, _value in results]
    assert outcomes.count("ok") == 1 and outcomes.count("refused") == 4, results
    assert all(
        message.startswith("Un créneau de la session est déjà prévu le")
        for kind, message in results
        if kind == "refused"
    )
    assert Slot.objects.filter(session=session).count() == 1
