"""Partners' rules about one row: the database refuses a bad row, full_clean() explains it in French."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from partners.models import (
    CallForProjects,
    Convention,
    ConventionArticle,
    ConventionDocument,
    Partner,
    PartnerMember,
    SeatAllocation,
    validate_siret,
)
from tests.factories import (
    ConventionFactory,
    PartnerFactory,
    PartnerMemberFactory,
    SeatAllocationFactory,
    luhn_siret,
)
from tests.helpers import clean_errors, refused_by_database

pytestmark = pytest.mark.django_db


# --- SIRET -----------------------------------------------------------------


@pytest.mark.parametrize(
    "siret",
    [
        "73282932000074",  # a real establishment
        "732 829 320 00074",  # as printed, with spaces
        luhn_siret(21976000001),
        "35600000000010",  # La Poste: digit sum divisible by 5
    ],
)
def test_valid_siret_is_accepted(siret):
    assert validate_siret(siret) is None  # accepted: no ValidationError


@pytest.mark.parametrize("siret", ["73282932000075", "35600000000011"])
def test_siret_with_a_bad_checksum_is_refused(siret):
    with pytest.raises(ValidationError) as info:
        validate_siret(siret)

    assert info.value.messages == ["Ce numéro SIRET n'est pas valide (clé de contrôle)."]
    assert info.value.code == "siret_checksum"


@pytest.mark.parametrize("siret", ["7328293200007", "732829320000740", "7328293200007A", ""])
def test_siret_of_the_wrong_length_is_refused(siret):
    with pytest.raises(ValidationError) as info:
        validate_siret(siret)

    assert info.value.messages == ["Le SIRET compte exactement 14 chiffres."]


def test_partner_form_refuses_a_bad_siret():
    partner = PartnerFactory.build(siret="73282932000075")

    assert clean_errors(partner)["siret"] == ["Ce numéro SIRET n'est pas valide (clé de contrôle)."]


def test_siret_is_unique_but_may_be_left_blank():
    existing = PartnerFactory()
    PartnerFactory(siret="")
    PartnerFactory(siret="")  # several partners without SIRET (e.g. a State service)

    twin = PartnerFactory.build(siret=existing.siret)
    assert clean_errors(twin)[NON_FIELD_ERRORS] == ["Un partenaire porte déjà ce SIRET."]
    with refused_by_database():
        twin.save()


def test_partner_name_is_unique():
    existing = PartnerFactory()

    with refused_by_database():
        Partner.objects.create(name=existing.name, kind=Partner.Kind.COMMUNE)


# --- Members ---------------------------------------------------------------


def test_member_email_is_unique_within_a_partner():
    member = PartnerMemberFactory()
    PartnerMemberFactory(user=None, email=member.email)  # the same person at another partner

    with refused_by_database():
        PartnerMember.objects.create(partner=member.partner, email=member.email)


def test_an_account_is_a_member_of_a_partner_once():
    member = PartnerMemberFactory()

    with refused_by_database():
        PartnerMember.objects.create(partner=member.partner, user=member.user, email="autre@partenaire.yt")


def test_invitations_without_an_account_do_not_collide():
    partner = PartnerFactory()

    PartnerMember.objects.create(partner=partner, email="a@partenaire.yt")
    PartnerMember.objects.create(partner=partner, email="b@partenaire.yt")

    assert partner.members.filter(user=None).count() == 2


# --- Conventions -----------------------------------------------------------


def test_convention_ends_after_it_starts():
    convention = ConventionFactory.build(
        partner=PartnerFactory(), start_date=datetime.date(2026, 6, 1), end_date=datetime.date(2026, 5, 31)
    )

    assert clean_errors(convention)[NON_FIELD_ERRORS] == ["La date de fin doit suivre la date de début."]
    with refused_by_database():
        convention.save()


def test_signed_convention_has_its_signature_date():
    convention = ConventionFactory.build(partner=PartnerFactory(), state=Convention.State.SIGNED, signed_on=None)

    assert clean_errors(convention)[NON_FIELD_ERRORS] == ["Une convention signée porte sa date de signature."]
    with refused_by_database():
        convention.save()


def test_draft_convention_needs_no_signature_date():
    convention = ConventionFactory.build(partner=PartnerFactory(), state=Convention.State.DRAFT, signed_on=None)

    convention.full_clean()
    convention.save()

    assert Convention.objects.get(pk=convention.pk).signed_on is None


def test_convention_amount_is_not_negative():
    convention = ConventionFactory(amount=Decimal("1500.00"))

    with refused_by_database():
        Convention.objects.filter(pk=convention.pk).update(amount=Decimal("-1.00"))

    convention.amount = Decimal("-1.00")
    assert clean_errors(convention)


@pytest.mark.parametrize("reference", ["CONV-2026-001", "CONV-2026-1234"])
def test_convention_reference_format_is_accepted(reference):
    convention = ConventionFactory.build(partner=PartnerFactory(), reference=reference)

    convention.full_clean()
    convention.save()

    assert Convention.objects.filter(pk=convention.pk, reference=reference).exists()


@pytest.mark.parametrize("reference", ["CONV-26-001", "conv-2026-001", "CONV-2026-01", "2026-001", "CONV-2026-00A"])
def test_convention_reference_format_is_enforced(reference):
    convention = ConventionFactory.build(partner=PartnerFactory(), reference=reference)

    assert clean_errors(convention)[NON_FIELD_ERRORS]
    with refused_by_database():
        convention.save()


def test_convention_reference_is_unique():
    existing = ConventionFactory()
    twin = ConventionFactory.build(partner=existing.partner, reference=existing.reference)

    assert "reference" in clean_errors(twin)
    with refused_by_database():
        twin.save()


def test_article_numbers_are_unique_within_a_convention():
    convention = ConventionFactory()
    ConventionArticle.objects.create(convention=convention, number=1, title="Objet", body="…")

    with refused_by_database():
        ConventionArticle.objects.create(convention=convention, number=1, title="Durée", body="…")


def test_document_versions_are_unique_within_a_convention():
    convention = ConventionFactory()
    ConventionDocument.objects.create(convention=convention, version=1)

    with refused_by_database():
        ConventionDocument.objects.create(convention=convention, version=1)


def test_ready_convention_document_has_a_file():
    convention = ConventionFactory()

    with refused_by_database():
        ConventionDocument.objects.create(convention=convention, version=1, state=ConventionDocument.State.READY)

    ConventionDocument.objects.create(
        convention=convention, version=1, state=ConventionDocument.State.READY, file="conventions/conv.pdf"
    )


# --- Seat allocations ------------------------------------------------------


def test_allocation_reserves_at_least_one_seat():
    allocation = SeatAllocationFactory()

    with refused_by_database():
        SeatAllocation.objects.filter(pk=allocation.pk).update(seats=0)

    allocation.seats = 0
    assert "seats" in clean_errors(allocation)


def test_a_convention_allocates_a_session_once():
    allocation = SeatAllocationFactory()
    twin = SeatAllocation(convention=allocation.convention, session=allocation.session, seats=2)

    assert clean_errors(twin)
    with refused_by_database():
        twin.save()


# --- Calls for projects ----------------------------------------------------


def make_call(**kwargs) -> CallForProjects:
    values = {
        "title": "Appel à projets FSE+ — insertion des jeunes",
        "funder": CallForProjects.Funder.EUROPE,
        "deadline": datetime.date(2026, 9, 30),
        **kwargs,
    }
    return CallForProjects(**values)


def test_won_call_states_the_amount_obtained():
    call = make_call(state=CallForProjects.State.WON)

    assert clean_errors(call)[NON_FIELD_ERRORS] == ["Un appel à projets retenu indique le montant obtenu."]
    with refused_by_database():
        call.save()

    call.amount_obtained = Decimal("120000.00")
    call.full_clean()
    call.save()


@pytest.mark.parametrize("field", ["amount_requested", "amount_obtained"])
def test_call_amounts_are_not_negative(field):
    call = make_call(**{field: Decimal("-5.00")})

    assert clean_errors(call)
    with refused_by_database():
        call.save()
