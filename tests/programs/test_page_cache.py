"""Public pages are rendered once and served from the cache, and never show a stale seat count.

The cache is the test settings' own (Redis in CI); each test starts with it empty.
"""

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import fragments
from enrollment.models import ApplicationStatus
from enrollment.services import applications
from partners.models import SeatAllocation
from tests.factories import (
    ApplicationFactory,
    ConventionFactory,
    ProgrammeFactory,
    SessionFactory,
    StaffUserFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CATALOGUE = reverse("programs:catalogue")


@pytest.fixture
def session():
    now = timezone.now()
    return SessionFactory(
        programme=ProgrammeFactory(plain=True, title="Électricité du bâtiment", slug="electricite"),
        capacity=4,
        start_date=timezone.localdate() + datetime.timedelta(days=40),
        applications_open_at=now - datetime.timedelta(days=1),
        applications_close_at=now + datetime.timedelta(days=20),
    )


def pages(session) -> list[str]:
    return [CATALOGUE, reverse("home"), session.programme.get_absolute_url()]


def main(html: str) -> str:
    """The page's <main>: what the fragment holds (the scripts around it carry each response's nonce)."""
    return html[html.index("<main") : html.index("</main>")]


def _queries(client, url) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_a_second_visit_is_served_from_the_cache(client, session):
    for url in pages(session):
        first, cold = _queries(client, url)
        second, warm = _queries(client, url)
        assert warm < cold, url
        assert main(first) == main(second)
    # A visitor's page runs no query at all once cached (no session, no account to read).
    assert _queries(client, CATALOGUE)[1] == 0


def test_the_seats_left_change_at_once_after_a_decision(client, session, django_capture_on_commit_callbacks):
    waiting = ApplicationFactory(session=session, status=ApplicationStatus.SUBMITTED)
    for url in (CATALOGUE, session.programme.get_absolute_url()):
        assert "4 places restantes" in client.get(url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        applications.application_accept(application=waiting, by=StaffUserFactory())
    for url in (CATALOGUE, session.programme.get_absolute_url()):
        assert "3 places restantes" in client.get(url).content.decode(), url

    with django_capture_on_commit_callbacks(execute=True):
        applications.application_cancel(application=waiting, by=StaffUserFactory(), reason="Désistement")
    for url in (CATALOGUE, session.programme.get_absolute_url()):
        assert "4 places restantes" in client.get(url).content.decode(), url


def test_a_catalogue_edit_shows_at_once(client, session, django_capture_on_commit_callbacks):
    for url in pages(session):
        client.get(url)

    with django_capture_on_commit_callbacks(execute=True):
        session.programme.title = "Électricité et domotique"
        session.programme.save()
    for url in pages(session):
        assert "Électricité et domotique" in client.get(url).content.decode(), url
    with django_capture_on_commit_callbacks(execute=True):
        session.capacity = 6
        session.save()
    assert "6 places restantes" in client.get(CATALOGUE).content.decode()


def test_seats_a_new_convention_reserves_leave_the_public_count_at_once(
    client, session, django_capture_on_commit_callbacks
):
    assert "4 places restantes" in client.get(CATALOGUE).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        SeatAllocation.objects.create(convention=ConventionFactory(), session=session, seats=3)
    assert "1 place restante" in client.get(CATALOGUE).content.decode()


def test_a_signed_in_person_sees_their_own_page_not_the_visitors(client, session):
    visitor_page = client.get(session.programme.get_absolute_url()).content.decode()
    application = ApplicationFactory(session=session, status=ApplicationStatus.SUBMITTED)
    client.force_login(application.applicant)

    own = client.get(session.programme.get_absolute_url()).content.decode()

    assert application.reference in own and application.reference not in visitor_page
    home = client.get(reverse("home")).content.decode()
    assert "Créer mon compte" not in home  # the visitor's home offers it; a signed-in person's does not


def test_a_refused_filter_is_explained_to_every_asker(client, session):
    for _ in range(2):
        refused = client.get(CATALOGUE, {"domaine": "nexistepas"}).content.decode()
        assert "Certains filtres n" in refused and "ont pas été appliqués" in refused


def test_each_visitor_gets_a_nonce_of_their_own_that_the_policy_names(client, session):
    seen = set()
    for url in pages(session):
        for _ in range(2):
            response = client.get(url)
            policy = response["Content-Security-Policy"]
            nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
            html = response.content.decode()
            assert f'nonce="{nonce}"' in html and fragments.NONCE_PLACEHOLDER not in html
            seen.add(nonce)
    assert len(seen) == 2 * len(pages(session))


def test_a_message_waiting_for_a_visitor_is_shown_to_them_and_to_no_one_else(client, session):
    client.get(CATALOGUE)  # kept
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("account_logout"), follow=True)  # "Vous êtes déconnecté·e." on the home page
    assert response.status_code == 200
    farewell = [str(message) for message in response.context["messages"]]
    assert farewell and farewell[0] in response.content.decode()
    assert farewell[0] not in Client().get(reverse("home")).content.decode()


def test_a_missing_programme_is_not_kept_and_appears_once_published(client, django_capture_on_commit_callbacks):
    url = reverse("programs:detail", kwargs={"slug": "nouvelle-formation"})
    assert client.get(url).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        ProgrammeFactory(plain=True, slug="nouvelle-formation", title="Nouvelle formation")
    assert "Nouvelle formation" in client.get(url).content.decode()


def test_links_in_the_cached_results_keep_the_asker_s_query(client, session):
    for index in range(25):
        SessionFactory(programme=ProgrammeFactory(plain=True, title=f"Gestion {index:02d}"))
    first = client.get(CATALOGUE, {"q": "gestion"}).content.decode()
    other = client.get(CATALOGUE, {"q": "gestion", "utm_source": "sms"}).content.decode()
    assert "q=gestion&amp;page=2" in first
    assert "utm_source=sms" in other and "utm_source" not in first


def test_pages_render_without_a_cache(client, session, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    for url in pages(session):
        assert client.get(url).status_code == 200
    assert "4 places restantes" in client.get(CATALOGUE).content.decode()


def test_a_signed_in_person_s_catalogue_keeps_its_results_and_shows_a_decision_at_once(
    client, session, django_capture_on_commit_callbacks
):
    client.force_login(UserFactory())
    _first, cold = _queries(client, CATALOGUE)
    second, warm = _queries(client, CATALOGUE)
    assert warm < cold and "4 places restantes" in second
    waiting = ApplicationFactory(session=session, status=ApplicationStatus.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        applications.application_accept(application=waiting, by=StaffUserFactory())
    assert "3 places restantes" in client.get(CATALOGUE).content.decode()
