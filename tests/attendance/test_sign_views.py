"""The trainees' signing pages (/emargement/): the typed code, the QR code's address, their refusals."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from attendance import codes
from attendance.models import Attendance, AttendanceSheet
from attendance.services import sheets as services
from enrollment.models import ApplicationStatus
from tests.factories import ApplicantFactory, SessionFactory, SlotFactory, TrainerFactory
from tests.helpers import messages_of, visible_text

pytestmark = pytest.mark.django_db

# The user, the open sheets (slot, session, programme, place), the person's own lines (the session is cached).
SIGN_PAGE_QUERIES = 3
# The user, the sheet (slot, session, programme, place), the person's application, their signature if any.
TOKEN_PAGE_QUERIES = 4


@pytest.fixture
def sheet(live):
    return services.sheet_open(slot=live.slot, user=live.user)


def current_code(sheet) -> str:
    return codes.code_for(sheet.secret, codes.step_at(timezone.now()))


def current_token(sheet, *, steps_ago: int = 0) -> str:
    return codes.token_for(sheet.pk, sheet.secret, codes.step_at(timezone.now()) - steps_ago)


def token_url(sheet, **kwargs) -> str:
    return reverse("attendance:sign_token", args=[current_token(sheet, **kwargs)])


def test_the_pages_ask_anonymous_people_to_sign_in_and_come_back(client, sheet):
    url = token_url(sheet)
    for address in (reverse("attendance:sign"), url):
        response = client.get(address)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        assert response["Location"].endswith(f"?next={address}")


def test_the_code_page_lists_the_person_s_slots_open_now(client, live, sheet, django_assert_num_queries):
    person = live.people[0]
    other = SlotFactory(  # not theirs
        session=SessionFactory(), date=live.today, start_time=live.slot.start_time, end_time=live.slot.end_time
    )
    services.sheet_open(slot=other, user=TrainerFactory(sessions=[other.session]).user)
    client.force_login(person.applicant)

    with django_assert_num_queries(SIGN_PAGE_QUERIES):
        response = client.get(reverse("attendance:sign"))

    text = visible_text(response)
    assert live.session.programme.title in text
    assert other.session.programme.title not in text
    assert "À signer" in text
    assert 'inputmode="numeric"' in response.content.decode()


def test_the_code_page_says_when_nothing_is_open(client, live):
    client.force_login(live.people[0].applicant)
    assert "Aucun de vos créneaux n'est ouvert à l'émargement en ce moment" in visible_text(
        client.get(reverse("attendance:sign"))
    )


def test_a_typed_code_signs_and_says_so(client, live, sheet):
    person = live.people[0]
    client.force_login(person.applicant)
    code = current_code(sheet)

    response = client.post(reverse("attendance:sign"), {"code": f"{code[:3]} {code[3:]}"}, follow=True)

    line = Attendance.objects.get(sheet=sheet, application=person)
    assert line.signed_at is not None
    [message] = messages_of(response)
    assert message.startswith(f"Votre présence est enregistrée : {live.session.programme.title}, le ")
    assert "Signé" in visible_text(response)


def test_a_wrong_code_is_refused_in_french_and_many_are_limited(client, live, sheet):
    client.force_login(live.people[0].applicant)
    wrong = f"{(int(current_code(sheet)) + 500_000) % 1_000_000:06d}"
    first = client.post(reverse("attendance:sign"), {"code": wrong})
    assert first.status_code == 400
    assert "Ce code ne correspond à aucun créneau ouvert à l'émargement pour vous." in visible_text(first)
    for _ in range(services.CODE_TRIES - 1):
        client.post(reverse("attendance:sign"), {"code": wrong})

    limited = client.post(reverse("attendance:sign"), {"code": current_code(sheet)})

    assert limited.status_code == 429
    assert "Trop de codes erronés" in visible_text(limited)
    assert not Attendance.objects.exists()


def test_an_empty_or_malformed_code_is_refused(client, live, sheet):
    client.force_login(live.people[0].applicant)
    for typed in ("", "12 34"):
        response = client.post(reverse("attendance:sign"), {"code": typed})
        assert response.status_code == 400
        assert "Saisissez les 6 chiffres du code qu'affiche le formateur." in visible_text(response)


def test_the_qr_address_shows_the_slot_and_a_button_and_a_get_signs_nothing(
    client, live, sheet, django_assert_num_queries
):
    client.force_login(live.people[0].applicant)
    url = token_url(sheet)

    with django_assert_num_queries(TOKEN_PAGE_QUERIES):
        response = client.get(url)

    text = visible_text(response)
    assert response.status_code == 200
    assert live.session.programme.title in text
    assert "Je signe ma présence" in text
    assert not Attendance.objects.exists()


def test_the_qr_address_s_post_signs_once(client, live, sheet):
    person = live.people[0]
    client.force_login(person.applicant)
    url = token_url(sheet)

    signed = client.post(url, follow=True)
    again = client.post(url, follow=True)

    assert Attendance.objects.filter(sheet=sheet, application=person).count() == 1
    assert messages_of(signed)[0].startswith("Votre présence est enregistrée")
    assert messages_of(again)[0].startswith("Votre présence est enregistrée")
    page = visible_text(client.get(url))
    assert "Vous avez déjà signé ce créneau à" in page
    assert "Je signe ma présence" not in page


def test_a_stale_qr_address_says_to_scan_again(client, live, sheet):
    client.force_login(live.people[0].applicant)
    url = token_url(sheet, steps_ago=2)
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 400
        assert "Ce code a expiré : il change toutes les 30 secondes." in visible_text(response)
        assert "Je signe ma présence" not in visible_text(response)
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("who", ["not enrolled", "withdrawn"])
def test_people_not_enrolled_are_refused_on_the_qr_address(client, live, sheet, who):
    if who == "withdrawn":
        person = live.people[0]
        person.status = ApplicationStatus.WITHDRAWN
        person.save(update_fields=["status"])
        user, expected = person.applicant, "Vous avez retiré votre candidature à cette session"
    else:
        user, expected = ApplicantFactory(), "Ce code est celui d'une session où vous n'êtes pas inscrit ou inscrite"
    client.force_login(user)
    response = client.post(token_url(sheet))
    assert response.status_code == 400
    assert expected in visible_text(response)
    assert not Attendance.objects.exists()


def test_a_closed_sheet_s_address_says_it_is_closed(client, live, sheet):
    AttendanceSheet.objects.filter(pk=sheet.pk).update(
        state=AttendanceSheet.State.CLOSED, closed_at=timezone.now(), countersigned_by=live.user
    )
    client.force_login(live.people[0].applicant)
    response = client.post(token_url(sheet))
    assert response.status_code == 400
    assert "La feuille d'émargement de ce créneau est close" in visible_text(response)


def test_a_made_up_address_is_refused(client, live, sheet):
    client.force_login(live.people[0].applicant)
    for token in ("n-importe-quoi", f"{sheet.pk}-{codes.step_at(timezone.now())}-{'A' * 22}"):
        response = client.get(reverse("attendance:sign_token", args=[token]))
        assert response.status_code == 400
        assert "Ce lien d'émargement n'est pas valide" in visible_text(response)


def test_outside_the_window_the_address_says_when(client, live, sheet):
    from attendance.models import Slot

    Slot.objects.filter(pk=live.slot.pk).update(date=live.today - datetime.timedelta(days=1))
    client.force_login(live.people[0].applicant)
    response = client.post(token_url(sheet))
    assert response.status_code == 400
    assert "L'émargement de ce créneau a fermé le" in visible_text(response)
