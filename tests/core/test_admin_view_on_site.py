"""The admin's « Voir sur le site » link: followed for staff who may read the object, refused to the others.

Django's own view redirects any staff account: one with no role, trying ids one after the other,
would learn which objects exist and their public addresses (a programme not yet published).
"""

from urllib.parse import urlsplit

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from cnam_portal.roles import CHARGE_PARTENARIATS, GESTIONNAIRE
from programs.models import Programme
from tests.factories import ProgrammeFactory, StaffUserFactory
from tests.helpers import visible_text

pytestmark = pytest.mark.django_db


def view_on_site(obj) -> str:
    # The address the admin's change pages link to, under the admin's own URL name.
    return reverse("admin:view_on_site", args=[ContentType.objects.get_for_model(obj).pk, obj.pk])


@pytest.fixture
def draft():
    return ProgrammeFactory(status=Programme.Status.DRAFT, slug="projet-confidentiel")


def test_a_staff_account_with_no_role_learns_nothing_of_a_draft_programme(client, draft):
    client.force_login(StaffUserFactory(plain=True))

    response = client.get(view_on_site(draft))

    assert response.status_code == 403
    assert "projet-confidentiel" not in response.get("Location", "")
    assert "Votre compte ne permet pas d'ouvrir cette page." in visible_text(response)


def test_an_object_that_does_not_exist_is_refused_the_same_way(client, draft):
    client.force_login(StaffUserFactory(plain=True))
    programmes = ContentType.objects.get_for_model(Programme).pk

    # Refused before the object is looked up: the answer tells nothing of which ids exist.
    assert client.get(reverse("admin:view_on_site", args=[programmes, draft.pk + 1000])).status_code == 403


@pytest.mark.parametrize("role", [GESTIONNAIRE, CHARGE_PARTENARIATS])
def test_a_role_that_reads_the_catalogue_is_sent_to_the_public_page(client, role):
    programme = ProgrammeFactory(slug="comptabilite-gestion")
    client.force_login(StaffUserFactory(role=role))

    response = client.get(view_on_site(programme))

    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/formations/comptabilite-gestion/"


def test_signed_out_visitors_are_sent_to_the_admin_sign_in(client):
    response = client.get(view_on_site(ProgrammeFactory()))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
