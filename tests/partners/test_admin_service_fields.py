"""What the partner admins leave to the services: a convention's partner, an allocation's, a member's.

Each attack posts the change form with the foreign key pointed elsewhere, as a partnership officer
could by editing the form; the row keeps its owner and nobody gains access to another partner's staff.
"""

import pytest
from django.urls import reverse

from cnam_portal.roles import CHARGE_PARTENARIATS
from partners.models import ConventionDocument, PartnerMember, SeatAllocation
from tests.factories import (
    ConventionFactory,
    PartnerApplicationFactory,
    PartnerFactory,
    PartnerMemberFactory,
    SeatAllocationFactory,
    StaffUserFactory,
)
from tests.helpers import change_form_data, visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(client):
    client.force_login(StaffUserFactory(role=CHARGE_PARTENARIATS))
    return client


def test_a_convention_cannot_be_moved_to_another_partner(client, officer):
    application = PartnerApplicationFactory()
    staff_session = application.session.reference
    convention = application.convention
    home_referent = PartnerMemberFactory(partner=convention.partner)
    other_partner = PartnerFactory(name="Commune de Sada")
    other_referent = PartnerMemberFactory(partner=other_partner)
    url = reverse("admin:partners_convention_change", args=[convention.pk])
    page = officer.get(url)
    assert 'name="partner"' not in page.content.decode()

    officer.post(url, change_form_data(page, partner=other_partner.pk))

    convention.refresh_from_db()
    assert convention.partner_id == application.applicant.applicant_profile.employer_id
    # The other partner's référent does not see the first partner's staff in their space; its own does.
    client.force_login(home_referent.user)
    assert staff_session in visible_text(client.get("/partenaires/"))
    client.force_login(other_referent.user)
    assert staff_session not in visible_text(client.get("/partenaires/"))


def test_an_allocation_cannot_be_moved_to_another_convention(officer):
    allocation = SeatAllocationFactory(seats=3)
    other = ConventionFactory()
    url = reverse("admin:partners_seatallocation_change", args=[allocation.pk])
    page = officer.get(url)
    assert 'name="convention"' not in page.content.decode()

    officer.post(url, {"convention": other.pk, "session": allocation.session_id, "seats": 3})

    allocation.refresh_from_db()
    assert allocation.convention_id != other.pk
    # Nor is it copied there: the other convention reserves no seat it was not given.
    assert not SeatAllocation.objects.filter(convention=other).exists()


def test_a_member_cannot_be_moved_to_another_partner(officer):
    member = PartnerMemberFactory()
    home = member.partner_id
    other = PartnerFactory()
    url = reverse("admin:partners_partnermember_change", args=[member.pk])
    page = officer.get(url)
    assert 'name="partner"' not in page.content.decode()

    officer.post(url, change_form_data(page, partner=other.pk, full_name="Référente RH (modifiée)"))

    member.refresh_from_db()
    assert member.partner_id == home
    assert member.full_name == "Référente RH (modifiée)"  # what the officer may change still saves
    assert not PartnerMember.objects.filter(partner=other).exists()


def test_a_convention_pdf_keeps_its_convention(officer):
    document = ConventionDocument.objects.create(convention=ConventionFactory(), version=1)
    other = ConventionFactory()
    url = reverse("admin:partners_conventiondocument_change", args=[document.pk])
    page = officer.get(url)
    assert page.status_code == 200

    officer.post(url, {"convention": other.pk, "version": 7, "state": ConventionDocument.State.READY})

    document.refresh_from_db()
    assert document.convention_id != other.pk
    assert (document.version, document.state) == (1, ConventionDocument.State.PENDING)
