"""A partner's dashboard is kept for each member's session, and what changes for the partner shows at once.

Every change below commits (``django_capture_on_commit_callbacks(execute=True)``), as a
request or a task does, so that its bumps run as they do in production.
"""

import html

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import fragments
from enrollment.services import applications
from partners import services as partner_services
from partners.models import ConventionDocument, PartnerMember
from tests.factories import (
    PartnerApplicationFactory,
    PartnerMemberFactory,
    SeatAllocationFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("partners:dashboard")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def referent(client):
    member = PartnerMemberFactory(partner__name="Commune de Tsingoni")
    client.force_login(member.user)
    return member


@pytest.fixture
def agent(referent):
    allocation = SeatAllocationFactory(partner=referent.partner, seats=5)
    return PartnerApplicationFactory(
        allocation=allocation, applicant__profile__first_name="Zaïnaba", applicant__profile__last_name="Ali"
    )


def _get(client, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(DASHBOARD, params or {})
    assert response.status_code == 200
    return html.unescape(response.content.decode()), len(queries)


def test_the_dashboard_is_rendered_once_then_served_as_kept(client, agent):
    _get(client)  # the first visit is recorded: nothing of it is kept
    second, rendered_again = _get(client)
    third, kept = _get(client)
    assert "Zaïnaba Ali" in second
    assert "Zaïnaba Ali" in third
    # Kept: the account alone. The membership is not looked up again: whatever changes it bumps the page.
    assert kept == 1
    assert rendered_again > 8


def test_a_membership_ended_is_refused_at_once_though_its_page_was_kept(client, referent, agent, committed):
    _get(client)
    _get(client)
    with committed():
        referent.delete()
    response = client.get(DASHBOARD)
    assert response.status_code == 403
    assert "réservé aux membres des organisations partenaires" in html.unescape(response.content.decode())
    assert "Zaïnaba Ali" not in response.content.decode()


def test_a_referent_made_a_reader_loses_the_enrollment_buttons_at_once(client, referent, agent, committed):
    _get(client)
    assert "Importer une liste d'agents" in _get(client)[0]
    referent.role = PartnerMember.Role.VIEWER
    with committed():
        referent.save()
    page, _ = _get(client)
    assert "Lecteur : consultation seulement" in page
    assert "Importer une liste d'agents" not in page


def test_a_membership_of_another_partner_shows_in_the_switcher_at_once(client, referent, agent, committed):
    _get(client)
    assert "Changer d'organisation" not in _get(client)[0]
    with committed():
        PartnerMemberFactory(user=referent.user, partner__name="Rectorat de Mayotte")
    page, _ = _get(client)
    assert "Changer d'organisation" in page
    assert "Rectorat de Mayotte" in page
    assert "Zaïnaba Ali" in page  # still the partner the session chose


def test_a_deactivated_account_is_signed_out_though_its_page_was_kept(client, referent, agent, committed):
    _get(client)
    _get(client)
    referent.user.is_active = False
    with committed():
        referent.user.save()
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert "/compte/login/" in response["Location"]


def test_a_decision_on_an_agent_shows_at_once(client, agent, committed):
    assert "Inscrite" in _get(client)[0]
    with committed():
        applications.application_cancel(application=agent, by=StaffUserFactory(), reason="Session reportée.")
    page, _ = _get(client)
    assert "Annulée" in page


def test_an_agents_new_name_shows_at_once(client, agent, committed):
    _get(client)
    profile = agent.applicant.applicant_profile
    profile.last_name = "Combo"
    with committed():
        profile.save()
    page, _ = _get(client)
    assert "Zaïnaba Combo" in page
    assert "Zaïnaba Ali" not in page


def test_a_convention_pdf_sent_again_shows_at_once(client, agent, committed):
    document = ConventionDocument.objects.create(
        convention=agent.convention, version=1, state=ConventionDocument.State.FAILED
    )
    assert "Échec" in _get(client)[0]
    with committed():
        assert partner_services.convention_documents_retry() == [document.pk]
    assert "Échec" not in _get(client)[0]


def test_each_member_gets_their_own_and_switching_partner_shows_the_other_at_once(client, referent, agent, committed):
    _get(client)
    _get(client)
    colleague = Client()
    colleague.force_login(PartnerMemberFactory(partner=referent.partner, role=PartnerMember.Role.VIEWER).user)
    _get(colleague)
    page, queries = _get(colleague)
    assert "Zaïnaba Ali" in page
    assert queries > 8  # rendered for the colleague's own session, never handed the référent's page

    with committed():
        elsewhere = PartnerMemberFactory(user=referent.user, partner__name="Rectorat de Mayotte")
    assert client.get(DASHBOARD, {"partenaire": elsewhere.partner_id}).status_code == 302
    page, _ = _get(client)
    assert "Rectorat de Mayotte" in page
    assert "Zaïnaba Ali" not in page


def test_an_agents_application_saved_makes_the_dashboard_stale_once_committed(
    agent, django_capture_on_commit_callbacks
):

    scope = fragments.partner_scope(agent.convention.partner_id)
    before = fragments.version(scope)
    with django_capture_on_commit_callbacks(execute=True):
        agent.save()
        assert fragments.version(scope) == before  # looked up and bumped after commit, not under a seat lock
    assert fragments.version(scope) != before
