"""Isolation of the partner space: every URL, every role, two partners side by side.

The rules: another partner's objects answer 404 (as if they did not exist); a lecteur on
a page that enrolls gets 403 with a French message; a logged-in person without
membership gets 403; an anonymous visitor is sent to the login page.
"""

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from enrollment.models import Application
from partners.models import Convention, ConventionDocument, PartnerMember
from tests.factories import (
    ConventionFactory,
    PartnerApplicationFactory,
    PartnerFactory,
    PartnerMemberFactory,
    SeatAllocationFactory,
    UserFactory,
)
from tests.helpers import csv_bytes

pytestmark = pytest.mark.django_db

LECTEUR_MESSAGE = "Votre rôle de lecteur permet de consulter"
NON_MEMBER_MESSAGE = "L&#x27;espace partenaire est réservé aux membres"


@pytest.fixture
def two_partners():
    """Tsingoni and the rectorat, each with a convention, a ready PDF, seats and enrolled staff."""
    scene = {}
    for key, name in (("a", "Commune de Tsingoni"), ("b", "Rectorat de Mayotte")):
        partner = PartnerFactory(name=name)
        allocation = SeatAllocationFactory(partner=partner, seats=4, session__reference=f"S-2027-{key.upper()}")
        document = ConventionDocument(convention=allocation.convention, version=1, state=ConventionDocument.State.READY)
        document.file.save(f"{key}.pdf", ContentFile(b"%PDF-1.4 " + name.encode()), save=False)
        document.save()
        staff = PartnerApplicationFactory(allocation=allocation, email=f"agent.{key}@partenaire.yt")
        draft = ConventionFactory(partner=partner, state=Convention.State.DRAFT, signed_on=None)
        scene[key] = {
            "partner": partner,
            "allocation": allocation,
            "convention": allocation.convention,
            "draft": draft,
            "staff": staff,
            "referent": PartnerMemberFactory(partner=partner),
            "viewer": PartnerMemberFactory(partner=partner, viewer=True),
        }
    return scene


def reading_urls(scene):
    convention = scene["convention"].reference
    return [
        reverse("partners:dashboard"),
        reverse("partners:convention", args=[convention]),
        reverse("partners:convention_pdf", args=[convention]),
        reverse("partners:import_template"),
    ]


def enrolling_urls():
    return [reverse("partners:enroll"), reverse("partners:import"), reverse("partners:import_preview")]


def foreign_urls(scene):
    convention = scene["convention"].reference
    draft = scene["draft"].reference
    return [
        reverse("partners:convention", args=[convention]),
        reverse("partners:convention_pdf", args=[convention]),
        reverse("partners:convention", args=[draft]),
        reverse("partners:convention_pdf", args=[draft]),
        reverse("partners:convention", args=["CONV-2099-999"]),
    ]


@pytest.mark.parametrize("role", ["referent", "viewer"])
def test_another_partners_objects_answer_404(client, two_partners, role):
    client.force_login(two_partners["a"][role].user)
    for url in foreign_urls(two_partners["b"]):
        assert client.get(url).status_code == 404, url
    # A's own drafts are not shown to A either.
    assert client.get(reverse("partners:convention", args=[two_partners["a"]["draft"].reference])).status_code == 404
    assert not ConventionDocument.objects.filter(convention=two_partners["b"]["draft"]).exists()


@pytest.mark.parametrize("role", ["referent", "viewer"])
def test_pages_show_nothing_of_the_other_partner(client, two_partners, role):
    client.force_login(two_partners["a"][role].user)
    b = two_partners["b"]
    for url in reading_urls(two_partners["a"]):
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        for secret in (b["convention"].reference, b["allocation"].session.reference, b["staff"].applicant.email):
            assert secret.encode() not in body, (url, secret)
        assert b"Rectorat de Mayotte" not in body
    dashboard = client.get(reverse("partners:dashboard"))
    assert dashboard.context["counts"]["total"] == 1
    assert [a.pk for a in dashboard.context["allocations"]] == [two_partners["a"]["allocation"].pk]
    assert dashboard.context["seats"] == {"reserved": 4, "used": 1, "left": 3}


def test_own_pdf_is_served_and_never_the_other(client, two_partners):
    client.force_login(two_partners["a"]["viewer"].user)
    response = client.get(reverse("partners:convention_pdf", args=[two_partners["a"]["convention"].reference]))
    assert b"".join(response.streaming_content) == b"%PDF-1.4 Commune de Tsingoni"


@pytest.mark.parametrize("method", ["get", "post"])
def test_lecteur_cannot_enroll_on_any_url(client, two_partners, method):
    a = two_partners["a"]
    client.force_login(a["viewer"].user)
    for url in enrolling_urls():
        data = {}
        if url == reverse("partners:enroll"):
            data = {"first_name": "A", "last_name": "B", "email": "a@b.yt", "allocation": a["allocation"].pk}
        elif url == reverse("partners:import"):
            data = {"file": SimpleUploadedFile("a.csv", csv_bytes([["A", "B", "a@b.yt", "", "S-2027-A"]]))}
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, url
        assert LECTEUR_MESSAGE in response.content.decode(), url
    assert Application.objects.count() == 2


def test_logged_in_non_member_gets_403_everywhere(client, two_partners):
    client.force_login(UserFactory())
    for url in [*reading_urls(two_partners["a"]), *enrolling_urls()]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert NON_MEMBER_MESSAGE in response.content.decode()


def test_inactive_member_is_no_member(client, two_partners):
    viewer = two_partners["a"]["viewer"]
    PartnerMember.objects.filter(pk=viewer.pk).update(is_active=False)
    client.force_login(viewer.user)
    assert client.get(reverse("partners:dashboard")).status_code == 403


def test_anonymous_is_sent_to_login(client, two_partners):
    for url in [*reading_urls(two_partners["a"]), *enrolling_urls()]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login")), url


def test_referent_cannot_enroll_into_the_other_partners_seats(client, two_partners):
    a, b = two_partners["a"], two_partners["b"]
    client.force_login(a["referent"].user)

    response = client.post(
        reverse("partners:enroll"),
        {"first_name": "A", "last_name": "B", "email": "intrus@exemple.yt", "allocation": b["allocation"].pk},
    )
    assert response.status_code == 400
    assert "Choisissez une session parmi les places réservées à votre organisation." in response.content.decode()

    client.post(
        reverse("partners:import"),
        {"file": SimpleUploadedFile("a.csv", csv_bytes([["A", "B", "intrus@exemple.yt", "", "S-2027-B"]]))},
    )
    preview = client.get(reverse("partners:import_preview"))
    assert "inconnue ou ne fait pas partie des places réservées" in preview.content.decode()
    token = client.session["partners:import"]["token"]
    client.post(reverse("partners:import_preview"), {"token": token, "mode": "lignes_valides"})
    assert not Application.objects.filter(applicant__email="intrus@exemple.yt").exists()


def test_pending_import_belongs_to_the_member_who_uploaded_it(client, two_partners):
    a = two_partners["a"]
    user = a["referent"].user
    client.force_login(user)
    client.post(
        reverse("partners:import"),
        {"file": SimpleUploadedFile("a.csv", csv_bytes([["A", "B", "x@exemple.yt", "", "S-2027-A"]]))},
    )
    # The same person, switched to another organisation, cannot confirm the first one's file there.
    other = PartnerMemberFactory(partner=two_partners["b"]["partner"], user=user)
    client.get(reverse("partners:dashboard"), {"partenaire": other.partner_id})
    assert client.get(reverse("partners:import_preview"))["Location"] == reverse("partners:import")
    assert client.post(reverse("partners:import_preview"), {"token": "x", "mode": "tout_ou_rien"}).status_code == 302
    assert not Application.objects.filter(applicant__email="x@exemple.yt").exists()
