import datetime
import re
from decimal import Decimal
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from core.formatting import date_long
from enrollment.models import ApplicationStatus
from programs.models import Audience, Commune, FundingRoute, Programme, QualificationLevel, Session
from tests.factories import (
    ApplicationFactory,
    DomainFactory,
    ProgrammeFactory,
    SessionFactory,
    SiteFactory,
    build_catalogue,
)

pytestmark = pytest.mark.django_db

CATALOGUE = reverse("programs:catalogue")


def titles(response) -> list[str]:
    return [programme.title for programme in response.context["programmes"]]


def get(client, **params):
    response = client.get(CATALOGUE, params)
    assert response.status_code == 200
    return response


def test_catalogue_lists_published_programmes_only(client):
    ProgrammeFactory(plain=True, title="Comptabilité générale")
    ProgrammeFactory(plain=True, title="Projet en brouillon", status=Programme.Status.DRAFT)
    ProgrammeFactory(plain=True, title="Ancienne formation", status=Programme.Status.ARCHIVED)

    response = get(client)

    assert titles(response) == ["Comptabilité générale"]
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert re.search(r'<form role="search"[^>]*method="get"', html)
    assert "1 formation" in html


def test_card_shows_domain_certification_next_session_and_badges(client):
    domain = DomainFactory(name="Bâtiment et travaux publics", slug="btp")
    programme = ProgrammeFactory(
        plain=True,
        title="Brevet professionnel maçon",
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
    ProgrammeFactory(plain=True, title="Maçonnerie", domain=btp)
    ProgrammeFactory(plain=True, title="Comptabilité")

    assert titles(get(client, domaine="btp")) == ["Maçonnerie"]


def test_audience_filter(client):
    youth = ProgrammeFactory(plain=True, title="Remise à niveau")
    youth.audiences.add(Audience.objects.get(code="jeunes"))
    employees = ProgrammeFactory(plain=True, title="Management d'équipe")
    employees.audiences.add(Audience.objects.get(code="salaries"))

    assert titles(get(client, public="jeunes")) == ["Remise à niveau"]


def test_modality_certification_level_work_study_and_vae_filters(client):
    ProgrammeFactory(plain=True, title="A distance niveau 6", modality=Programme.Modality.REMOTE, certification_level=6)
    ProgrammeFactory(plain=True, title="Alternance BTP", is_work_study=True, certification_level=4)
    ProgrammeFactory(plain=True, title="Accompagnement VAE", vae_available=True, certification_level=5)

    assert titles(get(client, modalite="distance")) == ["A distance niveau 6"]
    assert titles(get(client, niveau="4")) == ["Alternance BTP"]
    assert titles(get(client, alternance="1")) == ["Alternance BTP"]
    assert titles(get(client, vae="1")) == ["Accompagnement VAE"]
    assert len(titles(get(client, vae="0"))) == 3


def test_commune_filter_includes_remote(client):
    in_sada = ProgrammeFactory(plain=True, title="A Sada")
    SessionFactory(programme=in_sada, site=SiteFactory(name="Lycée de Sada", commune=Commune.SADA))
    remote = ProgrammeFactory(plain=True, title="En ligne")
    SessionFactory(programme=remote, site=SiteFactory(remote=True), rhythm=Session.Rhythm.REMOTE)
    ProgrammeFactory(plain=True, title="Sans session")

    assert titles(get(client, commune="sada")) == ["A Sada"]
    assert titles(get(client, commune="distance")) == ["En ligne"]


def test_rhythm_filter_and_cards_show_the_matching_session(client):
    programme = ProgrammeFactory(plain=True, title="Gestion de la paie")
    evening = SessionFactory(programme=programme, rhythm=Session.Rhythm.EVENING)
    saturday = SessionFactory(
        programme=programme,
        rhythm=Session.Rhythm.SATURDAY,
        start_date=evening.start_date + datetime.timedelta(days=30),
    )
    SessionFactory(programme=ProgrammeFactory(plain=True, title="Autre"), rhythm=Session.Rhythm.EVENING)

    response = get(client, rythme="samedi")

    assert titles(response) == ["Gestion de la paie"]
    assert [s.pk for s in response.context["programmes"][0].public_sessions] == [saturday.pk]


def test_session_filters_must_match_the_same_session(client):
    programme = ProgrammeFactory(plain=True, title="Deux sessions")
    SessionFactory(programme=programme, site=SiteFactory(name="Lycée de Sada", commune=Commune.SADA))
    SessionFactory(programme=programme, rhythm=Session.Rhythm.SATURDAY)  # in Mamoudzou

    assert titles(get(client, commune="sada", rythme="samedi")) == []
    assert titles(get(client, commune="mamoudzou", rythme="samedi")) == ["Deux sessions"]


def test_start_date_filter_accepts_iso_and_french_dates(client):
    today = timezone.localdate()
    SessionFactory(
        programme=ProgrammeFactory(plain=True, title="Bientôt"), start_date=today + datetime.timedelta(days=10)
    )
    SessionFactory(
        programme=ProgrammeFactory(plain=True, title="Plus tard"), start_date=today + datetime.timedelta(days=100)
    )
    after = today + datetime.timedelta(days=50)

    assert titles(get(client, debut_apres=after.isoformat())) == ["Plus tard"]
    assert titles(get(client, debut_apres=after.strftime("%d/%m/%Y"))) == ["Plus tard"]


def test_past_and_cancelled_sessions_are_not_shown(client):
    programme = ProgrammeFactory(plain=True, title="Formation")
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
    reserved_only = ProgrammeFactory(plain=True, title="Réorganisation des services")
    SessionFactory(reserved=True, programme=reserved_only, site=tsingoni)
    mixed = ProgrammeFactory(plain=True, title="Accueil du public")
    public = SessionFactory(programme=mixed)
    SessionFactory(
        reserved=True, programme=mixed, site=tsingoni, start_date=public.start_date - datetime.timedelta(days=5)
    )

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
    ProgrammeFactory(plain=True, title="Maçonnerie", domain=btp)
    ProgrammeFactory(plain=True, title="Comptabilité", domain=btp, modality=Programme.Modality.REMOTE)

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
    ProgrammeFactory(plain=True, title="Comptabilité")
    response = get(client, q="x" * 300)
    assert titles(response) == ["Comptabilité"]
    assert "La recherche est limitée à 200 caractères" in response.content.decode()


def test_empty_state_explains_what_to_do(client):
    ProgrammeFactory(plain=True, title="Comptabilité")

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


def summary_text(html: str) -> str:
    match = re.search(r'<summary class="fr-btn[^"]*">(.*?)</summary>', html, re.S)
    assert match, "no Filtrer button"
    return match.group(1)


def test_filters_fold_behind_one_button_that_works_without_javascript(client):
    html = get(client).content.decode()

    # A closed <details>: the browser opens it, no script involved.
    assert '<details class="catalogue-filters__panel" id="filtres">' in html
    assert summary_text(html) == "Filtrer"
    panel = html[html.index('id="filtres"') : html.index("</details>")]
    for name in ("domaine", "public", "modalite", "commune", "rythme", "niveau", "debut_apres", "alternance", "vae"):
        assert f'<label class="fr-label" for="filtre-{name}">' in panel
    assert "Appliquer les filtres" in panel
    # The search stays in view, outside the folded panel.
    assert html.index('id="filtre-q"') < html.index('id="filtres"')


@pytest.mark.parametrize(
    ("params", "visible", "spoken"),
    [
        ({"domaine": "btp"}, "(1)", ", 1 filtre actif"),
        ({"domaine": "btp", "rythme": "soir", "q": "maçon"}, "(2)", ", 2 filtres actifs"),
        ({"alternance": "1", "vae": "1", "debut_apres": "2027-03-01"}, "(3)", ", 3 filtres actifs"),
    ],
)
def test_filtrer_button_counts_the_active_filters(client, params, visible, spoken):
    DomainFactory(name="BTP", slug="btp")

    summary = summary_text(get(client, **params).content.decode())

    assert summary.startswith("Filtrer")
    assert f'<span aria-hidden="true">&nbsp;{visible}</span>' in summary
    assert f'<span class="fr-sr-only">{spoken}</span>' in summary


def test_filters_open_when_a_value_was_refused(client):
    html = get(client, commune="paris").content.decode()
    assert '<details class="catalogue-filters__panel" id="filtres" open>' in html


TAG = re.compile(r'<a class="fr-tag fr-tag--dismiss" href="([^"]*)" aria-label="([^"]*)">([^<]*)</a>')


def tags(html: str) -> dict[str, tuple[str, str]]:
    """Visible text of each removable tag -> (its link's query as a dict, its accessible label)."""
    found = {}
    for href, label, text in TAG.findall(html):
        url = urlsplit(unescape(href))
        assert url.path == CATALOGUE
        found[unescape(text)] = (parse_qs(url.query), unescape(label))
    return found


def test_each_tag_removes_exactly_its_filter_and_keeps_the_others_and_the_search(client):
    btp = DomainFactory(name="Bâtiment & travaux publics", slug="btp")
    ProgrammeFactory(plain=True, title="Maçonnerie", domain=btp, is_work_study=True)
    params = {
        "q": "maçonnerie",
        "domaine": "btp",
        "rythme": "soir",
        "alternance": "1",
        "debut_apres": "2027-03-01",
        "vae": "0",
        "page": "2",
    }

    response = get(client, **params)
    found = tags(response.content.decode())

    expected = {
        "« maçonnerie »": ("q", "Retirer la recherche « maçonnerie »"),
        "Domaine : Bâtiment & travaux publics": ("domaine", "Retirer le filtre Domaine : Bâtiment & travaux publics"),
        "Rythme : Cours du soir": ("rythme", "Retirer le filtre Rythme : Cours du soir"),
        "Début à partir du 1er mars 2027": ("debut_apres", "Retirer le filtre Début à partir du 1er mars 2027"),
        "En alternance": ("alternance", "Retirer le filtre En alternance"),
    }
    assert set(found) == set(expected)
    kept = {name: [value] for name, value in params.items() if name != "page"}
    for text, (dropped, label) in expected.items():
        query, aria_label = found[text]
        assert aria_label == label
        assert query == {name: value for name, value in kept.items() if name != dropped}, text

    # Following a tag gives the same search minus that filter.
    query, _label = found["Rythme : Cours du soir"]
    after = get(client, **{name: values[0] for name, values in query.items()})
    assert after.context["form"].active_filter_count() == 3
    assert set(tags(after.content.decode())) == set(expected) - {"Rythme : Cours du soir"}


def test_clear_all_goes_back_to_the_whole_catalogue(client):
    html = get(client, q="compta", modalite="distance").content.decode()
    assert re.search(rf'<a class="fr-link fr-link--sm[^"]*" href="{CATALOGUE}">Tout effacer', html)


def test_refused_values_get_no_tag_and_leave_the_other_tags_links(client):
    DomainFactory(name="BTP", slug="btp")

    found = tags(get(client, domaine="btp", commune="paris", niveau="douze").content.decode())

    assert set(found) == {"Domaine : BTP"}
    query, _label = found["Domaine : BTP"]
    assert query == {}


def test_no_tags_without_search_or_filter(client):
    html = get(client, vae="0").content.decode()
    assert "fr-tag--dismiss" not in html
    assert "Tout effacer" not in html


def card(html: str, title: str) -> str:
    """The text of one catalogue card, tags removed."""
    start = html.index(f">{title}</a>")
    end = html.index("</li>", html.index('class="fr-card__end"', start))
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html[start:end]))


def test_card_states_duration_price_funding_and_response_time(client):
    ProgrammeFactory(
        plain=True,
        title="Comptabilité",
        duration_hours=450,
        duration_months=12,
        price_eur=Decimal("1250"),
        funding_routes=[FundingRoute.REGION, FundingRoute.CPF],
        response_days=21,
    )
    ProgrammeFactory(
        plain=True,
        title="Remise à niveau",
        duration_hours=70,
        price_eur=Decimal("0"),
        funding_routes=[FundingRoute.REGION],
    )
    ProgrammeFactory(plain=True, title="Sur devis", duration_hours=1, price_eur=None, response_days=1)

    html = get(client).content.decode()

    paid = card(html, "Comptabilité")
    assert "450 heures sur 12 mois · 1\u202f250\u00a0€ · réponse sous 21 jours" in paid
    assert "Financements : CPF, Région" in paid
    free = card(html, "Remise à niveau")
    assert "70 heures · Gratuit · réponse sous 15 jours" in free
    assert "Financement : Région" in free
    unset = card(html, "Sur devis")
    assert "1 heure · Tarif sur demande · réponse sous 1 jour" in unset
    assert "Financement" not in unset


def test_card_shows_the_deadline_and_seats_left_of_the_next_open_session(client):
    now = timezone.now()
    today = timezone.localdate()
    programme = ProgrammeFactory(plain=True, title="Électricité")
    # Running already, applications closed: the card puts the next open session forward.
    SessionFactory(
        programme=programme,
        start_date=today - datetime.timedelta(days=5),
        end_date=today + datetime.timedelta(days=50),
        applications_open_at=now - datetime.timedelta(days=60),
        applications_close_at=now - datetime.timedelta(days=10),
    )
    open_session = SessionFactory(
        programme=programme,
        capacity=5,
        start_date=today + datetime.timedelta(days=40),
        applications_close_at=now + datetime.timedelta(days=20),
    )
    ApplicationFactory.create_batch(2, session=open_session, status=ApplicationStatus.ACCEPTED)
    ApplicationFactory(session=open_session, status=ApplicationStatus.SUBMITTED)  # holds no seat

    text = card(get(client).content.decode(), "Électricité")

    assert f"Prochaine session le {date_long(open_session.start_date)}" in text
    assert f"Candidatures jusqu'au {date_long(open_session.applications_close_at)}" in text
    assert "3 places restantes" in text
    assert "et 1 autre session" in text


@pytest.mark.parametrize(
    ("capacity", "accepted", "expected"), [(3, 2, "1 place restante"), (2, 2, "Complet — liste d'attente")]
)
def test_card_seats_agree_in_number_and_say_when_full(client, capacity, accepted, expected):
    session = SessionFactory(programme=ProgrammeFactory(plain=True, title="Paie"), capacity=capacity)
    ApplicationFactory.create_batch(accepted, session=session, status=ApplicationStatus.ENROLLED)

    assert expected in card(get(client).content.decode(), "Paie")


def test_card_says_when_applications_open_or_that_they_are_closed(client):
    now = timezone.now()
    soon = SessionFactory(
        programme=ProgrammeFactory(plain=True, title="Bientôt"),
        applications_open_at=now + datetime.timedelta(days=3),
        applications_close_at=now + datetime.timedelta(days=30),
    )
    SessionFactory(
        programme=ProgrammeFactory(plain=True, title="Fermée"),
        applications_open_at=now - datetime.timedelta(days=30),
        applications_close_at=now - datetime.timedelta(days=1),
    )

    html = get(client).content.decode()

    assert f"Candidatures à partir du {date_long(soon.applications_open_at)}" in card(html, "Bientôt")
    closed = card(html, "Fermée")
    assert "Candidatures closes" in closed
    assert "places restantes" not in closed


def test_home_page_dates_and_counts_read_in_french(client):
    btp = DomainFactory(name="BTP", slug="btp")
    first_of_month = (timezone.localdate().replace(day=1) + datetime.timedelta(days=95)).replace(day=1)
    session = SessionFactory(
        programme=ProgrammeFactory(plain=True, title="Maçonnerie", domain=btp), start_date=first_of_month
    )
    fluids = DomainFactory(name="Fluides", slug="fluides")
    ProgrammeFactory(plain=True, title="Plomberie", domain=fluids)
    ProgrammeFactory(plain=True, title="Chauffage", domain=fluids)

    html = client.get(reverse("home")).content.decode()

    assert date_long(first_of_month).startswith("1er ")
    assert f"À partir du {date_long(first_of_month)}" in html
    assert f"Candidatures jusqu'au {date_long(session.applications_close_at)}" in html
    assert "BTP (1 formation)" in html
    assert "Fluides (2 formations)" in html


def test_home_page_domain_links_land_on_filtered_catalogue(client):
    btp = DomainFactory(name="BTP", slug="btp")
    SessionFactory(programme=ProgrammeFactory(plain=True, title="Maçonnerie", domain=btp))
    home = client.get(reverse("home")).content.decode()
    assert f"{CATALOGUE}?domaine=btp" in home
    assert titles(get(client, domaine="btp")) == ["Maçonnerie"]


# Anonymous visitor: no session or user query. Then: domains and audiences for the filter
# form (kept in the cache for the next requests), the COUNT for pagination, the page of
# programmes (with their domain), their sessions (with site and seats).
CATALOGUE_QUERIES = 5
CATALOGUE_QUERIES_CHOICES_KEPT = 3


@pytest.mark.parametrize("size", [10, 500])
def test_catalogue_runs_a_fixed_number_of_queries(client, django_assert_num_queries, size):
    build_catalogue(size)
    # Cards show price, funding, deadline and seats left: all read with the page, none per card.
    Programme.objects.update(
        price_eur=Decimal("1250"), duration_months=6, funding_routes=[FundingRoute.CPF, FundingRoute.OPCO]
    )
    for session in Session.objects.filter(reserved_for__isnull=True).order_by("pk")[:15]:
        ApplicationFactory(session=session, status=ApplicationStatus.ACCEPTED)

    with django_assert_num_queries(CATALOGUE_QUERIES):
        response = client.get(CATALOGUE)
    assert len(response.context["programmes"]) == 10 if size == 10 else 20
    assert all(len(p.public_sessions) == 2 for p in response.context["programmes"])
    html = response.content.decode()
    assert html.count("Candidatures jusqu'au") == len(response.context["programmes"])
    assert html.count("Financements : CPF, OPCO") == len(response.context["programmes"])

    with django_assert_num_queries(CATALOGUE_QUERIES_CHOICES_KEPT):
        response = client.get(CATALOGUE, {"q": "formation", "commune": "mamoudzou", "rythme": "soir", "page": "2"})
    assert response.status_code == 200


def test_home_introduces_the_portal_and_links_to_the_catalogue(client):
    session = SessionFactory()
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Se former avec le CNAM à Mayotte" in html
    assert reverse("programs:catalogue") in html
    assert session.programme.title in html
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
