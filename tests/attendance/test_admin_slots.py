"""Course days in the admin: the list, a slot's page, the move and cancel forms, « Générer les créneaux »,
and the session's page with its slots and trainers; each change goes through the services."""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from attendance.models import Slot, SlotChange
from attendance.notifications import day_text
from cnam_portal.roles import CHARGE_PARTENARIATS, DIRECTION, GESTIONNAIRE
from core.models import Notification
from tests.factories import (
    ApplicationFactory,
    AttendanceSheetFactory,
    SessionFactory,
    SiteFactory,
    SlotFactory,
    StaffUserFactory,
    TrainerFactory,
)
from tests.helpers import messages_of, run_action, visible_text

pytestmark = pytest.mark.django_db

D = datetime.date
T = datetime.time
SLOTS = reverse("admin:attendance_slot_changelist")
SESSIONS = reverse("admin:programs_session_changelist")
EVENINGS = "Mardi et jeudi, 17 h 30 – 20 h 30"


@pytest.fixture
def manager(client):
    """A « Gestionnaire formations »: they run the courses."""
    user = StaffUserFactory(role=GESTIONNAIRE, first_name="Fatima", last_name="Said")
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def officer(client):
    """A « Chargé de partenariats »: the catalogue read-only, nothing of the course days."""
    client.force_login(StaffUserFactory(role=CHARGE_PARTENARIATS))
    return client


def _soon(days):
    return timezone.localdate() + datetime.timedelta(days=days)


def _upcoming_session(**fields):
    return SessionFactory(start_date=_soon(5), end_date=_soon(120), **fields)


def _queries(client, url, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return len(queries)


def _slot_url(slot, view="change"):
    return reverse(f"admin:attendance_slot_{view}", args=[slot.pk])


def _generate_url(session):
    return reverse("admin:programs_session_generate_slots", args=[session.pk])


# --- The list --------------------------------------------------------------------------------------


def _slots_of_sessions(count):
    for _ in range(count):
        session = _upcoming_session()
        for offset in range(3):
            SlotFactory(session=session, date=_soon(7 + offset))


def test_the_slot_list_runs_a_fixed_number_of_queries(manager):
    _slots_of_sessions(2)
    few = _queries(manager, SLOTS)
    _slots_of_sessions(18)
    many = _queries(manager, SLOTS)
    assert Slot.objects.count() == 60
    # Session and user, the page and its count, the session and place filters' choices, the date hierarchy.
    assert few == many == 10, f"{few} queries for 6 slots, {many} for 60"


def test_the_slot_list_finds_a_sessions_slots_by_reference_and_state(manager):
    session = _upcoming_session(reference="S-2027-RECHERCHE")
    planned = SlotFactory(session=session, date=_soon(7))
    cancelled = SlotFactory(session=session, date=_soon(9), state=Slot.State.CANCELLED, cancel_reason="Grève.")
    SlotFactory(session=_upcoming_session(), date=_soon(7))

    found = manager.get(SLOTS, {"q": "RECHERCHE"})
    only_cancelled = manager.get(SLOTS, {"q": "RECHERCHE", "state__exact": "annule"})
    by_session = manager.get(SLOTS, {"session__id__exact": session.pk})

    assert set(found.context["cl"].result_list) == {planned, cancelled}
    assert list(only_cancelled.context["cl"].result_list) == [cancelled]
    assert set(by_session.context["cl"].result_list) == {planned, cancelled}
    text = visible_text(found)
    assert day_text(planned.date) in text and "17 h 30 – 20 h 30" in text and "S-2027-RECHERCHE" in text


# --- Adding one ------------------------------------------------------------------------------------


def _add_data(session, **overrides):
    return {
        "session": session.pk,
        "date": _soon(10).isoformat(),
        "start_time": "08:00",
        "end_time": "12:00",
        "site": session.site_id,
        "reason": "Séance de rattrapage.",
        **overrides,
    }


def test_a_slot_added_in_the_admin_goes_through_the_service(manager):
    session = _upcoming_session()
    page = manager.get(reverse("admin:attendance_slot_add"), {"session": session.pk})
    assert page.context["adminform"].form.initial["site"] == session.site_id

    response = manager.post(reverse("admin:attendance_slot_add"), _add_data(session))

    assert response.status_code == 302
    slot = Slot.objects.get(session=session)
    assert (slot.date, slot.start_time, slot.end_time) == (_soon(10), T(8), T(12))
    change = slot.history.get()
    assert (change.kind, change.reason, change.changed_by) == (
        SlotChange.Kind.CREATED,
        "Séance de rattrapage.",
        manager.user,
    )


def test_a_duplicate_slot_is_refused_on_the_add_form(manager):
    session = _upcoming_session()
    SlotFactory(session=session, date=_soon(10), start_time=T(8), end_time=T(12))

    response = manager.post(reverse("admin:attendance_slot_add"), _add_data(session, start_time="09:00"))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["start_time"] == [
        f"Un créneau de la session est déjà prévu le {day_text(_soon(10))} de 8 h 00 – 12 h 00."
    ]
    assert Slot.objects.count() == 1 and SlotChange.objects.count() == 0


def test_a_slot_outside_its_session_is_refused_on_the_add_form(manager):
    session = _upcoming_session()
    response = manager.post(reverse("admin:attendance_slot_add"), _add_data(session, date=_soon(200).isoformat()))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["date"][0].startswith("Un créneau se tient pendant sa session")
    assert not Slot.objects.exists()


# --- A slot's page, moving, cancelling ---------------------------------------------------------------


@pytest.fixture
def scene():
    session = _upcoming_session(reference="S-2027-DEPLACE")
    enrolled = ApplicationFactory(session=session, enrolled=True, applicant__email="amina@example.yt")
    ApplicationFactory(session=session, status="retiree", applicant__email="partie@example.yt")
    ApplicationFactory(session=session, status="liste_attente", applicant__email="attente@example.yt")
    slot = SlotFactory(session=session, date=_soon(10))
    return session, enrolled, slot


def test_a_slots_page_is_read_only_and_offers_the_move_and_cancel_forms(manager, scene):
    _session, _enrolled, slot = scene
    SlotChange.objects.create(slot=slot, kind=SlotChange.Kind.CREATED, reason="Généré.")

    with CaptureQueriesContext(connection) as queries:
        page = manager.get(_slot_url(slot))

    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="_save"' not in html and 'name="_continue"' not in html
    assert _slot_url(slot, "move") in html and _slot_url(slot, "cancel") in html
    text = visible_text(page)
    assert "Généré." in text and day_text(slot.date) in text
    assert len(queries) <= 14, len(queries)
    assert manager.get(reverse("admin:attendance_slot_delete", args=[slot.pk])).status_code == 403


def test_the_pages_of_a_slot_run_a_fixed_number_of_queries(manager, scene):
    session, _enrolled, slot = scene
    SlotChange.objects.create(slot=slot, kind=SlotChange.Kind.CREATED, reason="Généré.")
    manager.get(_slot_url(slot))  # the content types, cached once per process
    counts = {}
    for name, url in (
        ("page", _slot_url(slot)),
        ("move", _slot_url(slot, "move")),
        ("cancel", _slot_url(slot, "cancel")),
        ("add", reverse("admin:attendance_slot_add") + f"?session={session.pk}"),
    ):
        counts[name] = _queries(manager, url)
    for _ in range(12):
        SlotChange.objects.create(
            slot=slot, kind=SlotChange.Kind.MOVED, previous_date=slot.date, reason="Report.", changed_by=manager.user
        )
        ApplicationFactory(session=session, enrolled=True)

    assert _queries(manager, _slot_url(slot)) == counts["page"]
    assert _queries(manager, _slot_url(slot, "move")) == counts["move"]
    # Session and user, permissions, the slot, whether its sheet exists, the people enrolled, the history,
    # the places offered.
    assert counts == {"page": 9, "move": 7, "cancel": 6, "add": 7}, counts


def test_moving_a_slot_from_the_admin_emails_the_enrolled_and_keeps_the_trail(
    manager, scene, django_capture_on_commit_callbacks
):
    _session, _enrolled, slot = scene
    page = manager.get(_slot_url(slot, "move"))
    assert page.status_code == 200
    assert "1 personne inscrite en sera avertie par courriel." in visible_text(page)
    new_day = slot.date + datetime.timedelta(days=1)
    site = SiteFactory(name="MJC de Tsingoni", commune="tsingoni", address="Rue de la mairie, 97680 Tsingoni")

    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(
            _slot_url(slot, "move"),
            {
                "date": new_day.isoformat(),
                "start_time": "17:30",
                "end_time": "20:30",
                "site": site.pk,
                "reason": "Salle du centre en travaux.",
            },
        )

    assert response.status_code == 302 and response["Location"] == _slot_url(slot)
    slot.refresh_from_db()
    assert (slot.date, slot.site) == (new_day, site)
    assert slot.history.get(kind=SlotChange.Kind.MOVED).reason == "Salle du centre en travaux."
    assert [message.to for message in mail.outbox] == [["amina@example.yt"]]
    assert "MJC de Tsingoni (Tsingoni), Rue de la mairie, 97680 Tsingoni" in mail.outbox[0].body
    assert "Attention, le lieu change" in mail.outbox[0].body
    assert LogEntry.objects.filter(
        object_id=str(slot.pk), change_message__contains="Salle du centre en travaux."
    ).exists()


def test_a_move_without_reason_is_refused_and_nothing_changes(manager, scene):
    _session, _enrolled, slot = scene
    data = {
        "date": _soon(11).isoformat(),
        "start_time": "17:30",
        "end_time": "20:30",
        "site": slot.site_id,
        "reason": " ",
    }

    response = manager.post(_slot_url(slot, "move"), data)

    assert response.status_code == 400
    assert response.context["form"].errors["reason"] == [
        "Le motif est obligatoire : il est écrit aux personnes inscrites."
    ]
    slot.refresh_from_db()
    assert slot.date == _soon(10)
    assert not SlotChange.objects.exists() and not Notification.objects.exists()


def test_a_refused_move_shows_the_services_reason_at_the_field(manager, scene):
    session, _enrolled, slot = scene
    data = {
        "date": (session.end_date + datetime.timedelta(days=3)).isoformat(),
        "start_time": "17:30",
        "end_time": "20:30",
        "site": slot.site_id,
        "reason": "Report.",
    }

    response = manager.post(_slot_url(slot, "move"), data)

    assert response.status_code == 400
    assert response.context["form"].errors["date"][0].startswith("Un créneau se tient pendant sa session, du ")
    assert not SlotChange.objects.exists()


def test_cancelling_a_slot_from_its_page_asks_the_reason(manager, scene, django_capture_on_commit_callbacks):
    _session, _enrolled, slot = scene
    assert manager.post(_slot_url(slot, "cancel"), {"reason": ""}).status_code == 400
    assert Slot.objects.get(pk=slot.pk).state == Slot.State.PLANNED

    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(_slot_url(slot, "cancel"), {"reason": "Cyclone annoncé."}, follow=True)

    assert "Créneau annulé ; les personnes inscrites en sont averties." in messages_of(response)
    slot.refresh_from_db()
    assert (slot.state, slot.cancel_reason) == (Slot.State.CANCELLED, "Cyclone annoncé.")
    assert [message.to for message in mail.outbox] == [["amina@example.yt"]]
    assert _slot_url(slot, "move") not in response.content.decode()
    assert "Ce créneau est annulé : il ne se déplace plus." in visible_text(response)


def test_a_slot_whose_sheet_exists_offers_no_move_and_its_forms_refuse(manager, scene):
    _session, _enrolled, slot = scene
    AttendanceSheetFactory(slot=slot)

    page = manager.get(_slot_url(slot))
    moved = manager.post(
        _slot_url(slot, "move"),
        {
            "date": _soon(12).isoformat(),
            "start_time": "17:30",
            "end_time": "20:30",
            "site": slot.site_id,
            "reason": "x",
        },
        follow=True,
    )

    assert _slot_url(slot, "move") not in page.content.decode()
    assert "La feuille d'émargement de ce créneau est ouverte" in visible_text(page)
    assert any(
        message.startswith("La feuille d'émargement de ce créneau est ouverte") for message in messages_of(moved)
    )
    slot.refresh_from_db()
    assert slot.date == _soon(10) and not SlotChange.objects.exists()


def test_the_list_action_cancels_each_slot_with_the_reason_and_reports_refusals(
    manager, scene, django_capture_on_commit_callbacks
):
    session, _enrolled, slot = scene
    second = SlotFactory(session=session, date=_soon(12))
    fixed = SlotFactory(session=session, date=_soon(14))
    AttendanceSheetFactory(slot=fixed)

    form = run_action(manager, SLOTS, "cancel_slots", [slot, second, fixed])
    assert form.status_code == 200 and "reason" in form.context["form"].fields
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(
            manager,
            SLOTS,
            "cancel_slots",
            [slot, second, fixed],
            apply="1",
            reason="Grève des transports.",
            follow=True,
        )

    assert set(Slot.objects.filter(state=Slot.State.CANCELLED)) == {slot, second}
    assert Slot.objects.get(pk=fixed.pk).state == Slot.State.PLANNED
    messages = messages_of(response)
    assert any(message.startswith("Fait pour 2 éléments") for message in messages)
    assert any(message.startswith(f"Refusé — {fixed} : La feuille d'émargement") for message in messages)
    assert len(mail.outbox) == 2


def test_the_list_action_refuses_an_empty_reason(manager, scene):
    _session, _enrolled, slot = scene
    response = run_action(manager, SLOTS, "cancel_slots", [slot], apply="1", reason="")
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert Slot.objects.get(pk=slot.pk).state == Slot.State.PLANNED


# --- The session's page ------------------------------------------------------------------------------


def _session_url(session):
    return reverse("admin:programs_session_change", args=[session.pk])


def test_the_sessions_page_lists_its_slots_and_planned_hours_in_a_fixed_number_of_queries(manager):
    session = _upcoming_session(hours=120)
    trainer = TrainerFactory(sessions=[session])
    SlotFactory(session=session, date=_soon(7))
    manager.get(_session_url(session))  # the content types, cached once per process
    few = _queries(manager, _session_url(session))
    for offset in range(20):
        SlotFactory(session=session, date=_soon(8 + offset), start_time=T(8), end_time=T(12))
    SlotFactory(session=session, date=_soon(40), state=Slot.State.CANCELLED, cancel_reason="Grève.")
    TrainerFactory(sessions=[session])

    many = _queries(manager, _session_url(session))
    page = manager.get(_session_url(session))

    # User, session, permissions (2), the trainers chosen and offered, the programme (twice: the field and
    # the title), the slots with their place, the site field, the people enrolled.
    assert few == many == 11, f"{few} queries with one slot, {many} with 22"
    text = visible_text(page, field_contents=False)
    assert "21 créneaux prévus, 83 h en tout (les créneaux annulés ne comptent pas)." in text
    assert "Le volume horaire annoncé de la session est de 120 h." in text
    assert "Grève." in text
    html = page.content.decode()
    assert _generate_url(session) in html
    assert f'<option value="{trainer.pk}" selected>' in html


def test_the_session_changelist_offers_generation(manager):
    _upcoming_session()
    page = manager.get(SESSIONS)
    assert 'value="generate_slots"' in page.content.decode()


def test_assigning_a_trainer_from_the_sessions_page(manager):
    from tests.programs.test_admin import session_change_data

    session = _upcoming_session()
    trainer = TrainerFactory()
    page = manager.get(_session_url(session))

    response = manager.post(_session_url(session), {**session_change_data(page), "trainers": [trainer.pk]})

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert list(session.trainers.all()) == [trainer]
    # Sent back untouched (no trainer field in the helper's data), the trainers stay as they were.
    page = manager.get(_session_url(session))
    assert manager.post(_session_url(session), session_change_data(page, notes="Salle 2")).status_code == 302
    assert list(session.trainers.all()) == [trainer]


def test_a_trainer_who_applied_to_the_session_is_refused_there(manager):
    from tests.programs.test_admin import session_change_data

    session = _upcoming_session()
    trainer = TrainerFactory()
    ApplicationFactory(session=session, applicant=trainer.user)
    page = manager.get(_session_url(session))

    response = manager.post(
        _session_url(session), {**session_change_data(page), "trainers": [trainer.pk], "notes": "x"}
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["trainers"]
    assert "une personne ne peut être formatrice et stagiaire d'une même session" in errors[0]
    session.refresh_from_db()
    assert session.notes == "" and not session.trainers.exists()


# --- « Générer les créneaux » ------------------------------------------------------------------------


def _spring_session(**fields):
    return SessionFactory(
        reference="S-2027-PRINTEMPS", start_date=D(2027, 4, 1), end_date=D(2027, 5, 31), schedule=EVENINGS, **fields
    )


def test_the_generate_form_is_prefilled_with_the_sessions_schedule(manager):
    session = _spring_session()
    page = manager.get(_generate_url(session))
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial == {"patterns": EVENINGS, "site": session.site_id}
    assert "Générer les créneaux de la session S-2027-PRINTEMPS" in visible_text(page)


def test_the_preview_shows_what_is_created_and_what_is_skipped_and_writes_nothing(manager):
    session = _spring_session()
    data = {
        "patterns": f"{EVENINGS}\nle samedi, 8 h – 12 h",
        "closures": "15/05/2027 : portes ouvertes",
        "site": session.site_id,
    }

    with CaptureQueriesContext(connection) as queries:
        preview = manager.post(_generate_url(session), {**data, "preview": "1"})

    assert preview.status_code == 200
    assert not Slot.objects.exists()
    assert len(queries) <= 12, len(queries)
    text = visible_text(preview, field_contents=False)
    assert "21 créneaux seront créés (69 h)." in text
    assert "5 jours ne sont pas retenus" in text
    for line in (
        "mardi 27 avril 2027 17 h 30 – 20 h 30 Jour férié : Abolition de l'esclavage",
        "samedi 1er mai 2027 8 h 00 – 12 h 00 Jour férié : Fête du Travail",
        "jeudi 6 mai 2027 17 h 30 – 20 h 30 Jour férié : Ascension",
        "samedi 8 mai 2027 8 h 00 – 12 h 00 Jour férié : Fête de la Victoire",
        "samedi 15 mai 2027 8 h 00 – 12 h 00 Fermeture : portes ouvertes",
        "jeudi 1er avril 2027 17 h 30 – 20 h 30 Centre CNAM de Mamoudzou",
    ):
        assert line in text, line
    previewed = re.search(r'name="previewed" value="([0-9a-f]{64})"', preview.content.decode()).group(1)

    created = manager.post(_generate_url(session), {**data, "confirm": "1", "previewed": previewed}, follow=True)

    assert Slot.objects.filter(session=session).count() == 21
    assert "21 créneaux créés (69 h prévues en tout) ; 5 jours non retenus." in messages_of(created)
    assert created.redirect_chain[-1][0] == _session_url(session)
    assert LogEntry.objects.filter(object_id=str(session.pk), change_message__startswith="Créneaux générés").exists()


def test_a_confirmation_of_other_inputs_than_the_preview_shows_their_preview_first(manager):
    session = _spring_session()
    data = {"patterns": EVENINGS, "closures": "", "site": session.site_id}
    preview = manager.post(_generate_url(session), {**data, "preview": "1"})
    previewed = re.search(r'name="previewed" value="([0-9a-f]{64})"', preview.content.decode()).group(1)

    response = manager.post(
        _generate_url(session), {**data, "patterns": "le samedi, 8 h – 12 h", "confirm": "1", "previewed": previewed}
    )

    assert response.status_code == 200
    assert not Slot.objects.exists()
    assert "Les rythmes ou les fermetures ont changé depuis l'aperçu : vérifiez ce nouvel aperçu." in messages_of(
        response
    )
    assert "7 créneaux seront créés (28 h)." in visible_text(response, field_contents=False)


def test_an_unreadable_line_is_refused_on_the_generate_form_by_its_number(manager):
    session = _spring_session()
    response = manager.post(
        _generate_url(session),
        {"patterns": f"{EVENINGS}\nun samedi sur deux", "closures": "", "site": session.site_id, "confirm": "1"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["patterns"][0].startswith("Ligne 2 : « un samedi sur deux » ne se lit pas")
    assert not Slot.objects.exists()


def test_generating_again_creates_no_duplicate(manager):
    session = _spring_session()
    data = {"patterns": EVENINGS, "closures": "", "site": session.site_id}
    for _ in range(2):
        preview = manager.post(_generate_url(session), {**data, "preview": "1"})
        previewed = re.search(r'name="previewed" value="([0-9a-f]{64})"', preview.content.decode())
        if previewed is None:
            break
        manager.post(_generate_url(session), {**data, "confirm": "1", "previewed": previewed.group(1)})

    assert Slot.objects.filter(session=session).count() == 15
    again = visible_text(manager.post(_generate_url(session), {**data, "preview": "1"}), field_contents=False)
    assert "0 créneau sera créé" not in again
    assert "Un créneau de la session est déjà prévu à ces heures" in again
    assert 'name="confirm"' not in manager.post(_generate_url(session), {**data, "preview": "1"}).content.decode()


def test_the_list_action_opens_the_generate_form_for_one_session(manager):
    session, other = _spring_session(), _upcoming_session()

    one = run_action(manager, SESSIONS, "generate_slots", [session])
    two = run_action(manager, SESSIONS, "generate_slots", [session, other], follow=True)

    assert one.status_code == 302 and one["Location"] == _generate_url(session)
    assert "Choisissez une seule session : ses créneaux se génèrent à partir de son propre rythme." in messages_of(two)


# --- Roles -----------------------------------------------------------------------------------------


def test_a_partnership_officer_reaches_no_course_day(officer, scene):
    session, _enrolled, slot = scene
    for url in (
        SLOTS,
        reverse("admin:attendance_slot_add"),
        _slot_url(slot),
        _slot_url(slot, "move"),
        _slot_url(slot, "cancel"),
        _generate_url(session),
    ):
        assert officer.get(url).status_code == 403, url
    assert officer.post(_slot_url(slot, "cancel"), {"reason": "Essai."}).status_code == 403
    assert Slot.objects.get(pk=slot.pk).state == Slot.State.PLANNED

    changelist = officer.get(SESSIONS).content.decode()
    page = officer.get(_session_url(session))
    assert 'value="generate_slots"' not in changelist
    assert page.status_code == 200
    assert _generate_url(session) not in page.content.decode()
    assert "Créneaux" not in visible_text(page, field_contents=False).split("Formateurs")[-1]
    run_action(officer, SESSIONS, "generate_slots", [session])
    assert not Slot.objects.filter(session=session, date__lt=slot.date).exists()


def test_direction_reads_the_slots_and_changes_none(client, scene):
    client.force_login(StaffUserFactory(role=DIRECTION))
    session, _enrolled, slot = scene
    TrainerFactory(sessions=[session], user__first_name="Nadia", user__last_name="Ali")

    assert client.get(SLOTS).status_code == 200
    page = client.get(_slot_url(slot))
    assert page.status_code == 200 and _slot_url(slot, "move") not in page.content.decode()
    assert client.get(_slot_url(slot, "move")).status_code == 403
    assert client.get(_generate_url(session)).status_code == 403
    session_page = client.get(_session_url(session))
    assert "Nadia Ali" in visible_text(session_page, field_contents=False)
    assert 'name="trainers"' not in session_page.content.decode()


def test_the_planned_hours_shown_are_the_services(manager):
    session = _upcoming_session(hours=None)
    SlotFactory(session=session, date=_soon(7), start_time=T(8), end_time=T(12, 45))
    text = visible_text(manager.get(_session_url(session)), field_contents=False)
    assert "1 créneau prévu, 4 h 45 en tout" in text
    from attendance.selectors import session_planned_hours

    assert session_planned_hours(session_id=session.pk) == Decimal("4.75")
