"""CNAM staff invite partner members from the admin; members land in their space after login."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail

from partners.models import PartnerMember
from tests.factories import PartnerFactory, PartnerMemberFactory, StaffUserFactory, UserFactory
from tests.helpers import ACTION_CHECKBOX

pytestmark = pytest.mark.django_db

PARTNERSHIPS = "Chargé de partenariats"


@pytest.fixture
def officer_client(client):
    client.force_login(StaffUserFactory(role=PARTNERSHIPS))
    return client


def _invite(client, partner, email, role="referent"):
    return client.post(
        "/admin/partners/partnermember/add/",
        {
            "partner": partner.pk,
            "email": email,
            "full_name": "Mme Zaïnaba Abdou",
            "job_title": "Responsable RH",
            "role": role,
            "is_active": "on",
        },
        follow=True,
    )


def test_adding_a_member_invites_them_by_email(officer_client, django_capture_on_commit_callbacks):
    partner = PartnerFactory(name="Commune de Tsingoni")
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(officer_client, partner, "Zainaba.Abdou@Mairie-Tsingoni.yt")

    assert response.status_code == 200
    member = PartnerMember.objects.get(partner=partner)
    assert member.email == "zainaba.abdou@mairie-tsingoni.yt"
    assert member.role == PartnerMember.Role.REFERENT
    assert member.job_title == "Responsable RH"
    assert member.invited_at is not None
    assert member.user.email == "zainaba.abdou@mairie-tsingoni.yt"
    assert [m.to for m in mail.outbox] == [["zainaba.abdou@mairie-tsingoni.yt"]]
    assert "Commune de Tsingoni" in mail.outbox[0].body


def test_inviting_an_existing_account_reuses_it(officer_client, django_capture_on_commit_callbacks):
    partner = PartnerFactory()
    existing = UserFactory(email="agent@ac-mayotte.fr")
    users_before = get_user_model().objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        _invite(officer_client, partner, "AGENT@ac-mayotte.fr", role="lecteur")

    member = PartnerMember.objects.get(partner=partner)
    assert member.user == existing
    assert get_user_model().objects.count() == users_before
    assert EmailAddress.objects.filter(email__iexact="agent@ac-mayotte.fr").count() == 1


def test_a_malformed_email_is_refused_and_nothing_is_saved(officer_client):
    partner = PartnerFactory()
    response = _invite(officer_client, partner, "pas-une-adresse")
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "email" in errors
    assert "adresse" in errors["email"][0].lower()
    assert not PartnerMember.objects.exists()
    assert mail.outbox == []


def test_resend_invitation_action_sends_a_new_email(officer_client, django_capture_on_commit_callbacks):
    member = PartnerMemberFactory(role=PartnerMember.Role.VIEWER)
    with django_capture_on_commit_callbacks(execute=True):
        officer_client.post(
            "/admin/partners/partnermember/",
            {"action": "resend_invitation", ACTION_CHECKBOX: [member.pk], "index": 0},
        )
    assert [m.to for m in mail.outbox] == [[member.email]]
    assert PartnerMember.objects.count() == 1


def test_a_partner_member_lands_in_the_partner_space_after_login(client):
    member = PartnerMemberFactory(user=UserFactory(email="rh@rectorat.yt"), role=PartnerMember.Role.REFERENT)
    response = client.post("/compte/login/", {"login": "rh@rectorat.yt", "password": "motdepasse-solide-2026"})
    assert response.status_code == 302
    assert response["Location"] == "/partenaires/"

    page = client.get("/candidatures/")
    assert "Espace partenaire" in page.content.decode()
    assert member.partner.name


def test_an_applicant_lands_in_their_applications_after_login(client):
    UserFactory(email="candidat@example.yt")
    response = client.post("/compte/login/", {"login": "candidat@example.yt", "password": "motdepasse-solide-2026"})
    assert response["Location"] == "/candidatures/"
    assert "Espace partenaire" not in client.get("/candidatures/").content.decode()
