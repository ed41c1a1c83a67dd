"""The catalogue's rules about one row: the database refuses a bad row, full_clean() explains it in French."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection

from programs.models import Commune, FundingRoute, Programme, Session, Site, normalize_text
from tests.factories import DomainFactory, ProgrammeFactory, SessionFactory, SiteFactory
from tests.helpers import clean_errors, refused_by_database

pytestmark = pytest.mark.django_db


# --- Session ---------------------------------------------------------------


def test_session_capacity_cannot_be_negative():
    session = SessionFactory(capacity=0)  # zero seats is allowed (e.g. all reserved, or closed)

    with refused_by_database():
        Session.objects.filter(pk=session.pk).update(capacity=-1)

    session.capacity = -1
    assert "capacity" in clean_errors(session)
    with pytest.raises(ValidationError) as info:
        session.validate_constraints()
    assert info.value.messages == ["Le nombre de places ne peut pas être négatif."]


def test_session_ends_after_it_starts():
    start = datetime.date(2027, 3, 1)
    session = SessionFactory.build(
        programme=ProgrammeFactory(), site=SiteFactory(), start_date=start, end_date=start - datetime.timedelta(days=1)
    )

    assert clean_errors(session)[NON_FIELD_ERRORS] == ["La date de fin doit suivre la date de début."]
    with refused_by_database():
        session.save()


def test_session_may_last_a_single_day():
    day = datetime.date(2027, 3, 1)
    session = SessionFactory(start_date=day, end_date=day)

    session.full_clean()
    assert Session.objects.filter(pk=session.pk, start_date=day, end_date=day).exists()


def test_session_applications_close_after_they_open():
    session = SessionFactory()
    session.applications_close_at = session.applications_open_at - datetime.timedelta(minutes=1)

    assert clean_errors(session)[NON_FIELD_ERRORS] == ["La clôture des candidatures doit suivre leur ouverture."]
    with refused_by_database():
        session.save()


def test_session_reference_is_unique():
    existing = SessionFactory()
    twin = SessionFactory.build(programme=existing.programme, site=existing.site, reference=existing.reference)

    assert "reference" in clean_errors(twin)
    with refused_by_database():
        twin.save()


# --- Site ------------------------------------------------------------------


def test_remote_site_has_no_commune():
    site = Site(name="Plateforme à distance", is_remote=True, commune=Commune.SADA)

    assert clean_errors(site)[NON_FIELD_ERRORS] == [
        "Un lieu est soit à distance, soit situé dans une commune de Mayotte."
    ]
    with refused_by_database():
        site.save()


def test_in_person_site_is_in_a_commune():
    site = Site(name="Salle sans commune", is_remote=False, commune="")

    assert clean_errors(site)[NON_FIELD_ERRORS] == [
        "Un lieu est soit à distance, soit situé dans une commune de Mayotte."
    ]
    with refused_by_database():
        site.save()


def test_sites_either_remote_or_in_a_commune_are_accepted():
    remote = Site(name="Plateforme nationale", is_remote=True)
    in_person = Site(name="Centre de Sada", commune=Commune.SADA)

    for site in (remote, in_person):
        site.full_clean()
        site.save()

    assert set(Site.objects.filter(pk__in=[remote.pk, in_person.pk]).values_list("name", flat=True)) == {
        "Plateforme nationale",
        "Centre de Sada",
    }


def test_site_name_is_unique_within_a_commune():
    SiteFactory(name="Médiathèque", commune=Commune.SADA)
    Site.objects.create(name="Médiathèque", commune=Commune.CHICONI)  # same name elsewhere is fine

    twin = Site(name="Médiathèque", commune=Commune.SADA)
    assert clean_errors(twin)
    with refused_by_database():
        twin.save()


# --- Programme -------------------------------------------------------------


def test_programme_lasts_at_least_one_hour():
    programme = ProgrammeFactory()

    with refused_by_database():
        Programme.objects.filter(pk=programme.pk).update(duration_hours=0)

    programme.duration_hours = 0
    assert "duration_hours" in clean_errors(programme)


def test_programme_entry_level_is_a_framework_level():
    programme = ProgrammeFactory()

    with refused_by_database():
        Programme.objects.filter(pk=programme.pk).update(entry_level=9)

    programme.entry_level = 9
    assert "entry_level" in clean_errors(programme)


def test_published_programme_has_a_publication_date():
    programme = ProgrammeFactory(status=Programme.Status.DRAFT)

    with refused_by_database():
        Programme.objects.filter(pk=programme.pk).update(status=Programme.Status.PUBLISHED, published_at=None)

    # save() dates the publication itself.
    programme.status = Programme.Status.PUBLISHED
    programme.save()
    programme.refresh_from_db()
    assert programme.published_at is not None


def test_programme_slug_is_unique():
    existing = ProgrammeFactory()
    twin = ProgrammeFactory.build(domain=existing.domain, slug=existing.slug)

    assert "slug" in clean_errors(twin)
    with refused_by_database():
        twin.save()


def test_new_programme_defaults_say_15_days_no_price_yet_and_no_funding():
    programme = ProgrammeFactory()
    programme.refresh_from_db()

    assert programme.response_days == 15
    assert programme.price_eur is None and not programme.is_free
    assert programme.funding_routes == []
    assert programme.duration_months is None
    programme.full_clean()


def test_price_cannot_be_negative():
    programme = ProgrammeFactory()

    with refused_by_database():
        Programme.objects.filter(pk=programme.pk).update(price_eur=Decimal("-0.01"))

    programme.price_eur = Decimal("-1")
    message = "Le prix ne peut pas être négatif : indiquez 0 si la formation est gratuite."
    assert clean_errors(programme)["price_eur"] == [message]
    with pytest.raises(ValidationError) as info:
        programme.validate_constraints()
    assert info.value.messages == [message]


@pytest.mark.parametrize("price", [None, Decimal("0"), Decimal("1250.50")])
def test_a_price_may_be_free_unset_or_in_euros_and_cents(price):
    programme = ProgrammeFactory(price_eur=price)
    programme.full_clean()
    programme.refresh_from_db()
    assert programme.price_eur == price
    assert programme.is_free is (price == 0)


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (0, "Le délai de réponse est d'au moins 1 jour."),
        (91, "Le délai de réponse ne peut pas dépasser 90 jours."),
    ],
)
def test_response_time_is_between_1_and_90_days(days, message):
    programme = ProgrammeFactory()

    with refused_by_database():
        Programme.objects.filter(pk=programme.pk).update(response_days=days)

    programme.response_days = days
    assert clean_errors(programme)["response_days"] == [message]
    with pytest.raises(ValidationError) as info:
        programme.validate_constraints()
    assert info.value.messages == ["Le délai de réponse est compris entre 1 et 90 jours."]


@pytest.mark.parametrize("days", [1, 90])
def test_response_time_bounds_are_accepted(days):
    programme = ProgrammeFactory(response_days=days)
    programme.full_clean()
    assert Programme.objects.get(pk=programme.pk).response_days == days


@pytest.mark.parametrize(
    ("months", "message"),
    [
        (0, "Une formation dure au moins 1 mois : laissez vide pour une formation plus courte."),
        (61, "Indiquez une durée de 60 mois au plus."),
    ],
)
def test_duration_in_months_is_between_1_and_60(months, message):
    programme = ProgrammeFactory()

    with refused_by_database():
        Programme.objects.filter(pk=programme.pk).update(duration_months=months)

    programme.duration_months = months
    assert clean_errors(programme)["duration_months"] == [message]


@pytest.mark.parametrize(
    ("routes", "message"),
    [
        (["cpf", "pole_emploi"], "« pole_emploi » ne fait pas partie des choix possibles."),
        (["cpf", "cpf"], "Chaque choix ne s'indique qu'une fois."),
        ("cpf", "Choisissez les valeurs dans la liste proposée."),
        ([1], "Choisissez les valeurs dans la liste proposée."),
    ],
)
def test_funding_routes_are_distinct_codes_of_the_list(routes, message):
    programme = ProgrammeFactory.build(domain=DomainFactory(), funding_routes=routes)
    assert clean_errors(programme)["funding_routes"] == [message]


def test_funding_routes_are_stored_as_given_and_read_in_the_lists_order():
    programme = ProgrammeFactory(funding_routes=[FundingRoute.EMPLOYER, FundingRoute.FRANCE_TRAVAIL, FundingRoute.CPF])
    programme.full_clean()
    programme.refresh_from_db()

    assert programme.funding_routes == ["employeur", "france_travail", "cpf"]
    assert programme.funding_route_labels() == [
        "Compte personnel de formation (CPF)",
        "France Travail",
        "Employeur (plan de développement des compétences)",
    ]
    assert programme.funding_route_short_labels() == ["CPF", "France Travail", "Employeur"]


def test_every_funding_route_is_accepted():
    programme = ProgrammeFactory(funding_routes=list(FundingRoute.values))
    programme.full_clean()
    assert Programme.objects.get(pk=programme.pk).funding_routes == list(FundingRoute.values)


def test_save_fills_the_search_document_without_accents():
    domain = DomainFactory(name="Bâtiment et travaux publics")
    programme = ProgrammeFactory(
        domain=domain,
        title="Électricité générale",
        summary="Habilitation électrique et sécurité",
        prerequisites="Niveau baccalauréat",
        rncp_code="RNCP35010",
    )

    document = programme.search_document
    assert "electricite generale" in document
    assert "habilitation electrique et securite" in document
    assert "niveau baccalaureat" in document
    assert "batiment et travaux publics" in document
    assert "rncp35010" in document
    assert document == normalize_text(document)

    programme.title = "Plomberie et énergies"
    programme.save()
    programme.refresh_from_db()
    assert "plomberie et energies" in programme.search_document
    assert "electricite generale" not in programme.search_document


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the search vector exists on PostgreSQL only")
def test_save_refreshes_the_postgresql_search_vector():
    programme = ProgrammeFactory(title="Électricité générale")

    programme.refresh_from_db()
    assert programme.search_vector is not None
    assert Programme.objects.filter(search_vector="electricite").filter(pk=programme.pk).exists()


def test_normalize_text_strips_accents_and_case():
    assert normalize_text("Bandrélé, Kani-Kéli, M'Tsangamouji") == "bandrele, kani-keli, m'tsangamouji"
    assert normalize_text("") == ""
    assert normalize_text(None) == ""
