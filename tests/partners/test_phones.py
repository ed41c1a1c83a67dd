"""The partner's contact phone reads numbers through the one normaliser (E.164 stored)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from partners.models import Partner
from tests.factories import PartnerFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

INVALID = "Numéro de téléphone invalide : indiquez par exemple 0639 12 34 56 ou +262 269 61 00 00."


# --- The partner's contact (admin) -------------------------------------------------------------


@pytest.mark.parametrize(("typed", "stored"), [("0269 61 00 00", "+262269610000"), ("639 12 34 56", "+262639123456")])
def test_partner_contact_phone_is_stored_in_e164(typed, stored):
    partner = PartnerFactory.build(contact_phone=typed)
    partner.full_clean()
    assert partner.contact_phone == stored


def test_partner_contact_phone_that_is_no_number_is_refused():
    partner = PartnerFactory.build(contact_phone="standard")
    with pytest.raises(ValidationError) as refused:
        partner.full_clean()
    assert refused.value.message_dict["contact_phone"] == [INVALID]


def test_partner_admin_saves_the_contact_phone_normalised(client):
    client.force_login(StaffUserFactory())
    response = client.post(
        reverse("admin:partners_partner_add"),
        {
            "name": "Commune de Sada",
            "kind": Partner.Kind.COMMUNE,
            "contact_phone": "+262 (0)269 62 00 00",
            "members-TOTAL_FORMS": "0",
            "members-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Partner.objects.get(name="Commune de Sada").contact_phone == "+262269620000"
