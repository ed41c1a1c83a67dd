import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from programs.models import Audience, Commune, Programme, QualificationLevel, Session
from tests.factories import DomainFactory, ProgrammeFactory, SessionFactory, SiteFactory

from .factories import build_catalogue, plain_programme, remote_site, reserved_session

pytestmark = pytest.mark.django_db

CATALOGUE = reverse("programs:catalogue")


def titles(response) -> list[str]:
    return [programme.title for programme in response.context["programmes"]]


def get(client, **params):
    response = client.get(CATALOGUE, params)
    assert response.status_code == 200
    return response


def test_catalogue_lists_published_programmes_only(client):
    plain_programme("Comptabilité générale")
    plain_programme("Projet en brouillon", status=Programme.Status.DRAFT)
    plain_programme("Ancienne formation", status=Programme.Status.ARCHIVED)

    response = get(client)

    assert titles(response) == ["Comptabilité générale"]
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert re.search(r'<form role="search"[^>]*method="get"', html)
    assert "1 formation" in html


def test_card_shows_domain_certification_next_session_and_badges(client):
    domain = DomainFactory(name="Bâtiment et travaux publics", slug="btp")
    programme = plain_programme(
        "Brevet professionnel maçon",
        domain=domain,
        is_work_study=True,
        vae_available=True,
        certification_type=Programme.CertificationType.NATIONAL_DIPLOMA,
        certification_level=QualificationLevel.LEVEL_4,
    )
    first = SessionFactory(
        programme=programme,
        site=SiteFactory(name="Lycée de Sada", commune=Commune.SADA),
        start_date=timezone.localdate() + datetime.timedelta(days=20),
    )
    SessionFactory(programme=programme, start_date=timezone.localdate() + datetime.timedelta(days=200))

    html = get(client).content.decode()

    assert programme.get_absolute_url() in html
    assert "Bâtiment et travaux publics" in html
    assert "Diplôme national · Niveau 4 (baccalauréat)" in html
    assert "Alternance" in html and "VAE possible" in html
    assert f"Prochaine session le {first.start_date:%-d}" in html
    assert "à Sada (Lycée de Sada)" in html
    assert "et 1 autre session" in html


def test_domain_filter_uses_the_slug_the_home_page_links_to(client):
    btp = DomainFactory(name="BTP", slug="btp")
    plain_programme("Maçonnerie", domain=btp)
    plain_programme("Comptabilité")

    assert titles(get(client, domaine="btp")) == ["Maçonnerie"]


def test_audience_filter(client):
    youth = plain_programme("Remise à niveau")
    youth.audiences.add(Audience.objects.get(code="jeunes"))
    employees = plain_programme("Management d'équipe")
    employees.audiences.add(Audience.objects.get(code="salaries"))

    assert titles(get(client, public="jeunes")) == ["Remise à niveau"]


def test_modality_certification_level_work_study_and_vae_filters(client):
    plain_programme("A distance niveau 6", modality=Programme.Modality.REMOTE, certification_level=6)
    plain_programme("Alternance BTP", is_work_study=True, certification_level=4)
    plain_programme("Accompagnement VAE", vae_available=True, certification_level=5)

    assert titles(get(client, modalite="distance")) == ["A distance niveau 6"]
    assert titles(get(client, niveau="4")) == ["Alternance BTP"]
    assert titles(get(client, alternance="1")) == ["Alternance BTP"]
    assert titles(get(client, vae="1")) == ["Accompagnement VAE"]
    assert len(titles(get(client, vae="0"))) == 3


def test_commune_filter_includes_remote(client):
    in_sada = plain_programme("A Sada")
    SessionFactory(programme=in_sada, site=SiteFactory(name="Lycée de Sada", commune=Commune.SADA))
    remote = plain_programme("En ligne")
    SessionFactory(programme=remote, site=remote_site(), rhythm=Session.Rhythm.REMOTE)
    plain_programme("Sans session")

    assert titles(get(client, commune="sada")) == ["A Sada"]
    assert titles(get(client, commune="distance")) == ["En ligne"]


def test_rhythm_filter_and_cards_show_the_matching_session(client):
    programme = plain_programme("Gestion de la paie")
    evening = SessionFactory(programme=programme, rhythm=Session.Rhythm.EVENING)
    saturday = SessionFactory(
        programme=programme,
        rhythm=Session.Rhythm.SATURDAY,
        start_date=evening.start_date + datetime.timedelta(days=30),
    )
    SessionFactory(programme=plain_programme("Autre"), rhythm=Session.Rhythm.EVENING)

    response = get(client, rythme="samedi")

    assert titles(response) == ["Gestion de la paie"]
    assert [s.pk for s in response.context["programmes"][0].public_sessions] == [saturday.pk]


def test_session_filters_must_match_the_same_session(client):
    programme = plain_programme("Deux sessions")
    SessionFactory(programme=programme, site=SiteFactory(name="Lycée de Sada", commune=Commune.SADA))
    SessionFactory(programme=programme, rhythm=Session.Rhythm.SATURDAY)  # in Mamoudzou

    assert titles(get(client, commune="sada", rythme="samedi")) == []
    assert titles(get(client, commune="mamoudzou", rythme="samedi")) == ["Deux sessions"]


def test_start_date_filter_accepts_iso_and_french_dates(client):
    today = timezone.localdate()
    SessionFactory(programme=plain_programme("Bientôt"), start_date=today + datetime.timedelta(days=10))
    SessionFactory(programme=plain_programme("Plus tard"), start_date=today + datetime.timedelta(days=100))
    after = today + datetime.timedelta(days=50)

    assert titles(get(client, debut_apres=after.isoformat())) == ["Plus tard"]
    assert titles(get(client, debut_apres=after.strftime("%d/%m/%Y"))) == ["Plus tard"]


def test_past_and_cancelled_sessions_are_not_shown(client):
    programme = plain_programme("Formation")
    today = timezone.localdate()
    SessionFactory(
        programme=programme,
        start_date=today - datetime.timedelta(days=200),
        end_date=today - datetime.timedelta(days=10),
    )
    SessionFactory(programme=programme, state=Session.State.CANCELLED)
    SessionFactory(programme=programme, state=Session.State.DRAFT)

    response = get(client)

    assert response.context["programmes"][0].public_sessions == []
    assert "Pas de session programmée pour le moment" in response.content.decode()
    assert titles(get(client, commune="mamoudzou")) == []


def test_reserved_sessions_never_appear(client):
    tsingoni = SiteFactory(name="Mairie de Tsingoni", commune=Commune.TSINGONI)
    reserved_only = plain_programme("Réorganisation des services")
    reserved_session(programme=reserved_only, site=tsingoni)
    mixed = plain_programme("Accueil du public")
    public = SessionFactory(programme=mixed)
    reserved_session(programme=mixed, site=tsingoni, start_date=public.start_date - datetime.timedelta(days=5))

    response = get(client)

    # A published programme appears; its reserved sessions do not.
    assert titles(response) == ["Accueil du public", "Réorganisation des services"]
    by_title = {p.title: p for p in response.context["programmes"]}
    assert [s.pk for s in by_title["Accueil du public"].public_sessions] == [public.pk]
    assert by_title["Réorganisation des services"].public_sessions == []
    assert "Tsingoni (Mairie de Tsingoni)" not in response.content.decode()
    assert titles(get(client, commune="tsingoni")) == []


def test_invalid_filter_values_are_ignored_with_a_french_message(client):
    btp = DomainFactory(name="BTP", slug="btp")
    plain_programme("Maçonnerie", domain=btp)
    plain_programme("Comptabilité", domain=btp, modality=Programme.Modality.REMOTE)

    response = get(
        client,
        domaine="btp",
        commune="paris",
        rythme="nuit",
        niveau="douze",
        public="inconnu",
        modalite="presentiel",
        debut_apres="31/02/2027",
        page="abc",
    )

    assert titles(response) == ["Maçonnerie"]
    html = response.content.decode()
    assert "Certains filtres n'ont pas été appliqués" in html
    assert html.count("Ce choix n&#x27;existe pas : ce filtre n&#x27;a pas été appliqué.") == 4
    assert "Saisissez une date au format jj/mm/aaaa" in html
    assert 'aria-describedby="filtre-commune_error"' in html
    assert 'id="filtre-commune_error"' in html


def test_too_long_search_is_ignored_with_a_message(client):
    plain_programme("Comptabilité")
    response = get(client, q="x" * 300)
    assert titles(response) == ["Comptabilité"]
    assert "La recherche est limitée à 200 caractères" in response.content.decode()


def test_empty_state_explains_what_to_do(client):
    plain_programme("Comptabilité")

    html = get(client, modalite="hybride").content.decode()

    assert "Aucune formation ne correspond à votre recherche" in html
    assert "retirez un filtre" in html
    assert f'href="{CATALOGUE}"' in html


def test_pagination_keeps_the_filters(client):
    btp = DomainFactory(name="BTP", slug="btp")
    ProgrammeFactory.create_batch(25, domain=btp)
    ProgrammeFactory.create_batch(3)

    first = get(client, domaine="btp", vae="0")
    html = first.content.decode()
    assert "25 formations" in html
    assert len(first.context["programmes"]) == 20
    assert "?domaine=btp&amp;vae=0&amp;page=2" in html
    assert 'class="fr-pagination fr-mt-4w"' in html

    second = get(client, domaine="btp", vae="0", page="2")
    assert len(second.context["programmes"]) == 5
    assert {p.domain.slug for p in second.context["programmes"]} == {"btp"}
    assert 'aria-current="page"' in second.content.decode()
    assert "Catalogue des formations — page 2" in second.content.decode()


def test_filter_form_is_open_without_javascript(client):
    html = get(client).content.decode()
    assert 'class="fr-collapse fr-collapse--expanded" id="filtres"' in html
    assert 'aria-expanded="true" aria-controls="filtres"' in html
    for name in ("domaine", "public", "modalite", "commune", "rythme", "niveau", "debut_apres", "alternance", "vae"):
        assert f'<label class="fr-label" for="filtre-{name}">' in html


def test_home_page_domain_links_land_on_filtered_catalogue(client):
    btp = DomainFactory(name="BTP", slug="btp")
    SessionFactory(programme=plain_programme("Maçonnerie", domain=btp))
    home = client.get(reverse("home")).content.decode()
    assert f"{CATALOGUE}?domaine=btp" in home
    assert titles(get(client, domaine="btp")) == ["Maçonnerie"]


# Anonymous visitor: no session or user query. Then: domains and audiences for the filter
# form, the COUNT for pagination, the page of programmes (with their domain), their sessions
# (with site and seats).
CATALOGUE_QUERIES = 5


@pytest.mark.parametrize("size", [10, 500])
def test_catalogue_runs_a_fixed_number_of_queries(client, django_assert_num_queries, size):
    build_catalogue(size)

    with django_assert_num_queries(CATALOGUE_QUERIES):
        response = client.get(CATALOGUE)
    assert len(response.context["programmes"]) == 10 if size == 10 else 20
    assert all(len(p.public_sessions) == 2 for p in response.context["programmes"])

    with django_assert_num_queries(CATALOGUE_QUERIES):
        response = client.get(CATALOGUE, {"q": "formation", "commune": "mamoudzou", "rythme": "soir", "page": "2"})
    assert response.status_code == 200
