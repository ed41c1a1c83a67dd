"""A person's space is kept for their session alone, and what a decision changes shows at once.

Every change below commits (``django_capture_on_commit_callbacks(execute=True)``), as a
request or a task does, so that its bumps run as they do in production.
"""

import datetime
import html
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from enrollment.models import Application, Situation
from enrollment.services import applications
from programs.models import Commune, QualificationLevel
from tests.factories import ApplicantProfileFactory, ApplicationFactory, SessionFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

SPACE = reverse("enrollment:space")
Status = Application.Status


@pytest.fixture
def person(client):
    profile = ApplicantProfileFactory(first_name="Zaïnaba")
    client.force_login(profile.user)
    return profile.user


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _get(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(SPACE)
    assert response.status_code == 200
    return html.unescape(response.content.decode()), len(queries)


def test_the_space_is_rendered_once_then_served_as_kept(client, person):
    ApplicationFactory(applicant=person, session__programme__title="Comptabilité et gestion")
    first, rendered = _get(client)
    second, kept = _get(client)
    assert "Comptabilité et gestion" in first
    assert "Comptabilité et gestion" in second
    # Kept: the account only (the session comes from the cache), not the applications, profile or requests.
    assert rendered == 4
    assert kept == 1


def test_a_decision_shows_at_once(client, person, committed):
    application = ApplicationFactory(applicant=person)
    assert "en cours d'examen" in _get(client)[0]
    with committed():
        applications.application_accept(application=application, by=StaffUserFactory())
    assert "Votre candidature est retenue" in _get(client)[0]


def test_a_waiting_rank_moves_with_someone_elses_withdrawal(client, person, committed):
    session = SessionFactory(capacity=1)
    ahead = ApplicationFactory(session=session, status=Status.WAITLISTED)
    ApplicationFactory(session=session, applicant=person, status=Status.WAITLISTED)
    assert "Vous êtes 2e sur la liste d'attente." in _get(client)[0]
    with committed():
        applications.application_withdraw(application=ahead, by=ahead.applicant)
    assert "Vous êtes en tête de la liste d'attente." in _get(client)[0]


def test_a_new_application_and_a_catalogue_edit_show_at_once(client, person, committed):
    assert "Vous n'avez pas encore de candidature." in _get(client)[0]
    with committed():
        application = ApplicationFactory(applicant=person, session__programme__title="Anglais professionnel")
    assert "Anglais professionnel" in _get(client)[0]
    programme = application.session.programme
    programme.title = "Anglais des affaires"
    with committed():
        programme.save()
    assert "Anglais des affaires" in _get(client)[0]


def test_a_kept_space_reaches_no_other_session_and_no_other_person(client, person):
    ApplicationFactory(applicant=person, session__programme__title="Comptabilité et gestion")
    _get(client)
    _get(client)

    same_person_elsewhere = Client()
    same_person_elsewhere.force_login(person)
    _, queries = _get(same_person_elsewhere)
    assert queries == 4  # rendered for that browser, not handed the other one's page

    someone_else = Client()
    someone_else.force_login(ApplicantProfileFactory().user)
    html, _ = _get(someone_else)
    assert "Comptabilité et gestion" not in html
    assert "Vous n'avez pas encore de candidature." in html


def _token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_a_kept_page_gets_a_fresh_form_token_that_signs_out(person):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(person)
    first, _ = _get(browser)
    second, kept = _get(browser)
    assert kept == 1
    assert "<< csrf token >>" not in second
    assert _token(first) != _token(second)  # masked afresh for each response

    response = browser.post(reverse("account_logout"), {"csrfmiddlewaretoken": _token(second)})
    assert response.status_code == 302
    assert browser.get(SPACE).status_code == 302  # signed out: sent to the login page


def test_a_message_is_shown_once_and_never_kept(client, person):
    _get(client)
    data = {
        "first_name": "Zaïnaba",
        "last_name": "Madi",
        "birth_date": "1998-03-14",
        "phone": "0639 12 34 56",
        "commune": Commune.DEMBENI,
        "address": "12 rue du Lagon, 97660 Dembéni",
        "highest_level": QualificationLevel.LEVEL_4,
        "situation": Situation.JOB_SEEKER,
        "france_travail_id": "1234567a",
        "consent": "on",
    }
    response = client.post(reverse("enrollment:profile"), data, follow=True)
    assert response.redirect_chain[-1][0] == SPACE
    assert "Votre profil est enregistré." in response.content.decode()
    assert "Votre profil est enregistré." not in _get(client)[0]


def test_an_offer_is_not_kept_past_its_deadline(client, person):
    ApplicationFactory(
        applicant=person, status=Status.OFFERED, offer_expires_at=timezone.now() + datetime.timedelta(milliseconds=500)
    )
    assert "Une place vous est proposée" in _get(client)[0]
    # Its deadline is less than a second away: the page is not kept, and the next one says it passed.
    _, queries = _get(client)
    assert queries == 4
