"""The trainer's space (/formateur/): who may enter, today's slots, the live sheet, marks and the closing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from attendance import codes
from attendance.models import Attendance, AttendanceSheet, AttendanceStatus, RenderState, Slot
from attendance.services import sheets as services
from tests.attendance.conftest import PASSWORD
from tests.factories import (
    ApplicationFactory,
    SessionFactory,
    SlotFactory,
    StaffUserFactory,
    TrainerFactory,
    UserFactory,
)
from tests.helpers import messages_of, visible_text

pytestmark = pytest.mark.django_db

FORBIDDEN = "L'espace formateur est réservé aux formateurs et formatrices du CNAM Mayotte."
# The user, the trainer, the slots with their sheet, the sessions (the session is cached): whatever their number.
HOME_QUERIES = 4
# The user, the trainer, the sheet (slot, session, programme, place), the trainer's right, the lines, the people.
LIVE_QUERIES = 6


@pytest.fixture
def sheet(live):
    return services.sheet_open(slot=live.slot, user=live.user)


def trainer_client(client, live):
    client.force_login(live.user)
    return client


def test_anonymous_people_are_asked_to_sign_in(client):
    response = client.get(reverse("attendance:trainer_home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("who", ["applicant", "staff", "inactive trainer"])
def test_only_active_trainers_enter_the_space(client, live, who):
    user = {
        "applicant": lambda: live.people[0].applicant,
        "staff": StaffUserFactory,
        "inactive trainer": lambda: TrainerFactory(sessions=[live.session], is_active=False).user,
    }[who]()
    client.force_login(user)
    for url in (reverse("attendance:trainer_home"), reverse("attendance:trainer_sheet_open", args=[live.slot.pk])):
        response = client.get(url) if url.endswith("formateur/") else client.post(url)
        assert response.status_code == 403
        assert FORBIDDEN in visible_text(response)
    assert not AttendanceSheet.objects.exists()


def test_the_home_lists_the_trainer_s_sessions_and_today_s_slots(client, live, django_assert_num_queries):
    other = SlotFactory(session=SessionFactory(), date=live.today)  # a session someone else runs
    later_day = SlotFactory(session=live.session, date=live.today + datetime.timedelta(days=2))
    trainer_client(client, live)

    with django_assert_num_queries(HOME_QUERIES):
        response = client.get(reverse("attendance:trainer_home"))

    text = visible_text(response)
    assert response.status_code == 200
    assert live.session.programme.title in text and live.session.reference in text
    assert "Ouvrir la feuille" in text
    assert other.session.reference not in text
    assert later_day.pk not in [slot.pk for slot in response.context["slots"]]


def test_the_home_s_query_count_does_not_grow_with_slots_and_sessions(client, live, django_assert_num_queries):
    for _ in range(4):
        session = SessionFactory(start_date=live.today, end_date=live.today + datetime.timedelta(days=30))
        live.trainer.sessions.add(session)
        slot = SlotFactory(
            session=session, date=live.today, start_time=live.slot.start_time, end_time=live.slot.end_time
        )
        services.sheet_open(slot=slot, user=live.user)
    trainer_client(client, live)
    with django_assert_num_queries(HOME_QUERIES):
        response = client.get(reverse("attendance:trainer_home"))
    assert len(response.context["slots"]) == 5
    assert visible_text(response).count("Reprendre la feuille") == 4


def test_a_cancelled_slot_says_so_and_offers_no_sheet(client, live):
    Slot.objects.filter(pk=live.slot.pk).update(state=Slot.State.CANCELLED, cancel_reason="Grève des transports.")
    trainer_client(client, live)
    text = visible_text(client.get(reverse("attendance:trainer_home")))
    assert "Créneau annulé" in text
    assert "Ouvrir la feuille" not in text


def test_opening_the_sheet_leads_to_its_page_with_the_code_the_qr_code_and_the_people(client, live):
    trainer_client(client, live)

    response = client.post(reverse("attendance:trainer_sheet_open", args=[live.slot.pk]))

    sheet = AttendanceSheet.objects.get(slot=live.slot)
    assert response.status_code == 302
    assert response["Location"] == reverse("attendance:trainer_sheet", args=[sheet.pk])
    page = client.get(response["Location"])
    html = page.content.decode()
    text = visible_text(page)
    code = codes.code_for(sheet.secret, codes.step_at(timezone.now()))
    previous = codes.code_for(sheet.secret, codes.step_at(timezone.now()) - 1)
    assert f"{code[:3]} {code[3:]}" in text or f"{previous[:3]} {previous[3:]}" in text
    assert '<svg role="img" focusable="false"' in html and "attendance-qr__image" in html
    assert "Change dans" in text
    assert "ABDALLAH" in text and "BOINA" in text and "CHANFI" in text
    assert "Signatures : 0 sur 3 personnes inscrites" in text
    # Without JavaScript the page reloads itself; with it, the script polls the fragment.
    assert '<noscript><meta http-equiv="refresh" content="' in html
    assert "js/attendance-live.js" in html
    assert f'data-live-url="{reverse("attendance:trainer_sheet_live", args=[sheet.pk])}"' in html
    # Opening again, from the home page's button, gives the same sheet.
    client.post(reverse("attendance:trainer_sheet_open", args=[live.slot.pk]))
    assert AttendanceSheet.objects.count() == 1


def test_the_qr_code_encodes_the_signing_address_of_the_current_step(client, live, sheet):
    trainer_client(client, live)
    response = client.get(reverse("attendance:trainer_sheet", args=[sheet.pk]))
    url = response.context["sign_url"]
    token = url.rsplit("/emargement/", 1)[1].strip("/")
    parsed = codes.token_parse(token)
    assert parsed.sheet_id == sheet.pk and parsed.is_genuine(sheet.secret)
    assert parsed.age(timezone.now()) in (0, 1)


def test_outside_the_window_no_opening_is_offered(client, live):
    Slot.objects.filter(pk=live.slot.pk).update(date=live.today + datetime.timedelta(days=1))
    trainer_client(client, live)
    text = visible_text(client.get(reverse("attendance:trainer_home")))
    assert "Aucun créneau de vos sessions aujourd'hui." in text
    response = client.post(reverse("attendance:trainer_sheet_open", args=[live.slot.pk]), follow=True)
    assert any("La feuille de ce créneau s'ouvre le" in message for message in messages_of(response))
    assert not AttendanceSheet.objects.exists()


def test_the_live_fragment_runs_a_fixed_number_of_queries(client, live, sheet, django_assert_num_queries):
    services.attendance_sign(
        user=live.people[0].applicant, token=codes.token_for(sheet.pk, sheet.secret, codes.step_at(timezone.now()))
    )
    trainer_client(client, live)
    url = reverse("attendance:trainer_sheet_live", args=[sheet.pk])
    with django_assert_num_queries(LIVE_QUERIES):
        small = client.get(url)
    for _ in range(20):
        ApplicationFactory(session=live.session, enrolled=True)
    with django_assert_num_queries(LIVE_QUERIES):
        large = client.get(url)
    assert "Signatures : 1 sur 3 personnes inscrites" in visible_text(small)
    assert "Signatures : 1 sur 23 personnes inscrites" in visible_text(large)
    assert "no-store" in large["Cache-Control"]
    assert b"<html" not in large.content  # a fragment, not a page


def test_trainers_do_not_see_sheets_of_sessions_they_do_not_run(client, live, sheet):
    outsider = TrainerFactory(sessions=[SessionFactory()])
    client.force_login(outsider.user)
    person = live.people[0]
    for method, url in (
        ("get", reverse("attendance:trainer_sheet", args=[sheet.pk])),
        ("get", reverse("attendance:trainer_sheet_live", args=[sheet.pk])),
        ("post", reverse("attendance:trainer_mark", args=[sheet.pk, person.pk])),
        ("get", reverse("attendance:trainer_excuse", args=[sheet.pk, person.pk])),
        ("get", reverse("attendance:trainer_close", args=[sheet.pk])),
        ("post", reverse("attendance:trainer_sheet_open", args=[live.slot.pk])),
    ):
        response = getattr(client, method)(url, {"status": "absent"} if method == "post" else None)
        assert response.status_code == 404, url
        assert "Page introuvable" in visible_text(response)
    assert not Attendance.objects.exists()


def test_the_trainer_marks_absent_late_and_present_with_one_tap(client, live, sheet):
    trainer_client(client, live)
    first, second, third = live.people
    for person, status in ((first, "absent"), (second, "retard"), (third, "present")):
        response = client.post(reverse("attendance:trainer_mark", args=[sheet.pk, person.pk]), {"status": status})
        assert response.status_code == 302
        assert response["Location"].endswith(f"#personne-{person.pk}")
    statuses = dict(Attendance.objects.filter(sheet=sheet).values_list("application_id", "status"))
    assert statuses == {first.pk: "absent", second.pk: "retard", third.pk: "present"}
    page = client.get(reverse("attendance:trainer_sheet", args=[sheet.pk]))
    assert "ABDALLAH" in visible_text(page)


def test_a_mark_is_a_post_with_a_known_status(client, live, sheet):
    trainer_client(client, live)
    url = reverse("attendance:trainer_mark", args=[sheet.pk, live.people[0].pk])
    assert client.get(url).status_code == 405
    response = client.post(url, {"status": "excuse"}, follow=True)  # an excuse needs its form and a reason
    assert messages_of(response) == ["Choisissez une présence parmi celles proposées."]
    assert not Attendance.objects.exists()


def test_an_excused_absence_asks_for_its_reason(client, live, sheet):
    trainer_client(client, live)
    person = live.people[0]
    url = reverse("attendance:trainer_excuse", args=[sheet.pk, person.pk])
    assert "Motif de l'absence" in visible_text(client.get(url))

    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400
    assert "Précisez le motif de l'absence excusée." in visible_text(refused)
    assert not Attendance.objects.exists()

    done = client.post(url, {"reason": "Convocation au tribunal."})
    assert done.status_code == 302
    line = Attendance.objects.get(sheet=sheet, application=person)
    assert (line.status, line.reason) == (AttendanceStatus.EXCUSED, "Convocation au tribunal.")


def test_closing_asks_for_the_password_again(client, live, sheet, django_capture_on_commit_callbacks):
    trainer_client(client, live)
    url = reverse("attendance:trainer_close", args=[sheet.pk])
    page = visible_text(client.get(url))
    assert "3 personnes n'ont ni signé ni été marquées" in page
    assert "ABDALLAH" in page

    wrong = client.post(url, {"password": "pas-le-bon"})
    assert wrong.status_code == 400
    assert "Mot de passe incorrect : la feuille n'est pas close." in visible_text(wrong)
    sheet.refresh_from_db()
    assert sheet.state == AttendanceSheet.State.OPEN
    assert not Attendance.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"password": PASSWORD}, follow=True)
    sheet.refresh_from_db()
    assert sheet.state == AttendanceSheet.State.CLOSED
    assert sheet.render_state == RenderState.READY
    assert "La feuille est close et contresignée" in " ".join(messages_of(done))
    text = visible_text(done)
    assert "Feuille close et contresignée par" in text
    assert "Change dans" not in text  # no code once closed
    assert Attendance.objects.filter(sheet=sheet, status=AttendanceStatus.ABSENT).count() == 3
    # A closed sheet's close page leads back to the sheet.
    assert client.get(url).status_code == 302


def test_password_tries_at_closing_are_limited(client, live, sheet):
    trainer_client(client, live)
    url = reverse("attendance:trainer_close", args=[sheet.pk])
    answers = [client.post(url, {"password": "pas-le-bon"}).status_code for _ in range(11)]
    assert answers[:10] == [400] * 10
    assert answers[10] == 429
    sheet.refresh_from_db()
    assert sheet.state == AttendanceSheet.State.OPEN


def test_a_user_without_any_role_sees_the_french_refusal(client):
    client.force_login(UserFactory())
    response = client.get(reverse("attendance:trainer_home"))
    assert response.status_code == 403
    assert FORBIDDEN in visible_text(response)
