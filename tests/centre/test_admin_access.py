"""Who opens the centre record in the admin: its list, a shortcut to its form, checks the rights first."""

import pytest
from django.urls import reverse

from centre.models import Centre
from cnam_portal.roles import CHARGE_PARTENARIATS, DIRECTION, GESTIONNAIRE
from tests.factories import CentreFactory, StaffUserFactory
from tests.helpers import visible_text

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:centre_centre_changelist")


@pytest.mark.parametrize("account", [{"role": CHARGE_PARTENARIATS}, {"plain": True}])
def test_staff_who_may_not_read_the_record_are_refused_its_list_in_french(client, account):
    CentreFactory()
    client.force_login(StaffUserFactory(**account))

    response = client.get(CHANGELIST)

    # Not sent on to the form: the list's redirect said which record exists and where.
    assert response.status_code == 403
    assert "Votre compte ne permet pas d'ouvrir cette page." in visible_text(response)


def test_staff_without_the_right_do_not_make_the_record_by_opening_its_list(client):
    Centre.objects.all().delete()
    client.force_login(StaffUserFactory(plain=True))

    assert client.get(CHANGELIST).status_code == 403
    assert not Centre.objects.exists()


@pytest.mark.parametrize("role", [GESTIONNAIRE, DIRECTION])
def test_staff_who_read_the_record_go_straight_to_its_form(client, role):
    centre = CentreFactory()
    client.force_login(StaffUserFactory(role=role))

    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:centre_centre_change", args=[centre.pk])
