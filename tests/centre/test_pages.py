"""The centre's four public pages and the footer that links to them."""

import datetime
import itertools
import re
from html import unescape
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from centre.models import AccessibilityState, Centre
from centre.selectors import ACCESSIBILITY_STATE_KEY
from centre.services import centre_save
from programs.models import Commune, Session
from tests.factories import CentreFactory, PartnerFactory, SessionFactory, SiteFactory

pytestmark = pytest.mark.django_db

CONTACT = reverse("centre:contact")
LEGAL_NOTICE = reverse("centre:legal_notice")
PRIVACY = reverse("centre:privacy")
ACCESSIBILITY = reverse("centre:accessibility")
PAGES = [CONTACT, LEGAL_NOTICE, PRIVACY, ACCESSIBILITY]


class _Headings(HTMLParser):
    def __init__(self):
        super().__init__()
        self.levels: list[int] = []

    def handle_starttag(self, tag, attrs):
        if re.fullmatch(r"h[1-6]", tag):
            self.levels.append(int(tag[1]))


def headings(html: str) -> list[int]:
    parser = _Headings()
    parser.feed(html)
    return parser.levels


def html_of(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_four_pages_have_french_addresses():
    assert PAGES == ["/contact/", "/mentions-legales/", "/donnees-personnelles/", "/accessibilite/"]


@pytest.mark.parametrize("url", PAGES)
def test_each_page_has_one_title_and_headings_in_order(client, url):
    CentreFactory()
    levels = headings(html_of(client, url))
    assert levels.count(1) == 1
    assert levels[0] == 1
    assert all(after - before <= 1 for before, after in itertools.pairwise(levels)), levels


# --- Contact ------------------------------------------------------------------------------------


def test_contact_page_shows_the_record_with_call_and_write_links(client):
    CentreFactory(
        name="CNAM Mayotte",
        address_line="12 rue du Commerce",
        postal_code="97600",
        city="Mamoudzou",
        phone="+262269615555",
        email="accueil@cnam-mayotte.fr",
        opening_hours="Lundi : 8 h 00 – 12 h 00\n\nMardi : fermé pour inventaire",
    )
    html = html_of(client, CONTACT)

    assert "<h1>Contacter le CNAM Mayotte</h1>" in html
    assert 'href="tel:+262269615555"' in html
    assert "Appeler le 02 69 61 55 55" in html
    assert 'href="mailto:accueil@cnam-mayotte.fr"' in html
    assert "12 rue du Commerce<br>97600 Mamoudzou" in html
    assert "<li>Lundi : 8 h 00 – 12 h 00</li>" in html
    assert "<li>Mardi : fermé pour inventaire</li>" in html
    assert "https://www.openstreetmap.org/search?query=12+rue+du+Commerce%2C+97600+Mamoudzou%2C+Mayotte" in html


def test_contact_page_lists_in_person_places_with_a_public_session_and_a_map_link_each(client):
    CentreFactory()
    koungou = SiteFactory(
        name="Plateau technique BTP", commune=Commune.KOUNGOU, address="Zone artisanale de Longoni, 97690 Koungou"
    )
    sada = SiteFactory(name="Pôle de formation de Sada", commune=Commune.SADA, address="Route nationale 2")
    chirongui = SiteFactory(name="Maison France Services", commune=Commune.CHIRONGUI, address="")
    for site in (koungou, sada, chirongui):
        SessionFactory(site=site)
    remote = SiteFactory(name="À distance", commune="", address="", is_remote=True)
    SessionFactory(site=remote)
    town_hall = SiteFactory(name="Mairie de Tsingoni", commune=Commune.TSINGONI, address="Place de la Mairie")
    SessionFactory(site=town_hall, reserved_for=PartnerFactory())
    past = SiteFactory(name="Ancienne salle", commune=Commune.ACOUA, address="Rue du Port")
    SessionFactory(site=past, start_date=datetime.date(2020, 1, 6), end_date=datetime.date(2020, 6, 30))
    cancelled = SiteFactory(name="Salle annulée", commune=Commune.BOUENI, address="Rue de la Plage")
    SessionFactory(site=cancelled, state=Session.State.CANCELLED)

    response = client.get(CONTACT)
    assert [site.name for site in response.context["sites"]] == [
        "Maison France Services",
        "Plateau technique BTP",
        "Pôle de formation de Sada",
    ]
    html = response.content.decode()
    # The address already names its commune; the other one gets it added; a place without an address is found by name.
    assert "search?query=Zone+artisanale+de+Longoni%2C+97690+Koungou%2C+Mayotte" in html
    assert "search?query=Route+nationale+2%2C+Sada%2C+Mayotte" in html
    assert "search?query=Maison+France+Services%2C+Chirongui%2C+Mayotte" in html
    for hidden in ("À distance</h3>", "Mairie de Tsingoni", "Ancienne salle", "Salle annulée"):
        assert hidden not in html


def test_contact_page_without_in_person_sessions_says_so(client):
    CentreFactory()
    html = html_of(client, CONTACT)
    assert "Aucune session sur place n'est programmée pour le moment" in html


# The centre record, then the places with a public session.
CONTACT_QUERIES = 2


@pytest.mark.parametrize("sites", [1, 15])
def test_contact_page_runs_a_fixed_number_of_queries(client, django_assert_num_queries, sites):
    CentreFactory()
    communes = list(Commune)
    for index in range(sites):
        site = SiteFactory(name=f"Salle {index}", commune=communes[index % len(communes)], address=f"{index} rue Haute")
        SessionFactory.create_batch(2, site=site)

    with django_assert_num_queries(CONTACT_QUERIES):
        response = client.get(CONTACT)
    assert len(response.context["sites"]) == sites


@pytest.mark.parametrize("url", [LEGAL_NOTICE, PRIVACY, ACCESSIBILITY])
def test_legal_pages_run_one_query(client, django_assert_num_queries, url):
    CentreFactory()
    SessionFactory.create_batch(3)
    with django_assert_num_queries(1):
        response = client.get(url)
    assert response.status_code == 200


# --- Mentions légales ---------------------------------------------------------------------------


def test_legal_notice_names_publisher_director_and_host_from_the_record(client):
    CentreFactory(
        legal_name="Conservatoire national des arts et métiers",
        publication_director="Mme Fatima Soilihi, directrice du centre",
        host_name="Hébergeur Océan Indien SAS",
        host_address="3 rue des Badamiers\n97615 Pamandzi",
        host_phone="+262269600001",
        siret="19976000000018",
        activity_declaration_number="06976009999",
        legal_licence="Licence Ouverte 2.0 : https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    )
    html = html_of(client, LEGAL_NOTICE)

    assert "Mme Fatima Soilihi, directrice du centre" in html
    assert "Hébergeur Océan Indien SAS<br>3 rue des Badamiers<br>97615 Pamandzi" in html
    assert '<a href="tel:+262269600001">02 69 60 00 01</a>' in html
    assert "SIRET : 19976000000018" in html
    assert "Déclaration d'activité enregistrée sous le numéro 06976009999" in html
    assert "Cet enregistrement ne vaut pas agrément de l'État." in html
    assert (
        '<a href="https://www.etalab.gouv.fr/licence-ouverte-open-licence/">'
        "https://www.etalab.gouv.fr/licence-ouverte-open-licence/</a>" in html
    )
    assert reverse("centre:privacy") in html
    assert reverse("centre:accessibility") in html


# --- Données personnelles -----------------------------------------------------------------------


def test_privacy_page_shows_the_retention_periods_and_how_to_use_ones_rights(client):
    CentreFactory(
        privacy_retention="Vos pièces sont gardées :\n- 18 mois après la session ;\n- 3 ans pour le compte.",
        dpo_email="protection.donnees@cnam-mayotte.fr",
        email="accueil@cnam-mayotte.fr",
    )
    html = html_of(client, PRIVACY)

    items = "<li>18 mois après la session ;</li><li>3 ans pour le compte.</li>"
    assert f"<p>Vos pièces sont gardées :</p><ul>{items}</ul>" in html
    assert 'href="mailto:protection.donnees@cnam-mayotte.fr"' in html
    assert 'href="mailto:accueil@cnam-mayotte.fr"' in html
    for heading in ("Responsable du traitement", "Données conservées", "Qui les reçoit", "Exercer vos droits"):
        assert heading in html
    assert reverse("centre:contact") in html


def test_privacy_page_first_content_covers_what_the_law_asks(client):
    Centre.objects.all().delete()
    CentreFactory()
    html = unescape(html_of(client, PRIVACY))

    for kept in ("votre compte", "votre profil de candidat", "vos candidatures", "vos pièces justificatives"):
        assert kept in html
    assert "si votre employeur vous inscrit" in html
    # The periods are the settings' (core.retention), filled in when the page is shown.
    assert "effacées 3 mois après la décision" in html
    assert "conservées 5 ans après la fin de la session" in html
    assert "après 2 ans sans connexion ni candidature en cours" in html
    for right in ("droit d'accès", "droit de rectification", "droit à l'effacement", "droit à la limitation"):
        assert right in html
    assert "droit d'opposition" in html
    assert '<a href="https://www.cnil.fr/fr/plaintes">https://www.cnil.fr/fr/plaintes</a>' in html
    assert "mission de service public" in html


# --- Déclaration d'accessibilité ----------------------------------------------------------------


def test_accessibility_declaration_follows_the_rgaa_structure(client):
    CentreFactory(accessibility_declared_on=datetime.date(2027, 3, 1))
    html = unescape(html_of(client, ACCESSIBILITY))

    order = [
        "État de conformité",
        "Résultats des tests",
        "Contenus non accessibles",
        "Non-conformités",
        "Dérogations pour charge disproportionnée",
        "Contenus non soumis à l'obligation d'accessibilité",
        "Établissement de cette déclaration",
        "Retour d'information et contact",
        "Voies de recours",
    ]
    positions = [html.index(f">{title}</h") for title in order]
    assert positions == sorted(positions)
    assert "Accessibilité : partiellement conforme" in html
    assert "en conformité partielle avec le référentiel général d'amélioration de l'accessibilité" in html
    assert "non encore audité" in html
    assert "Cette déclaration a été établie le 1er mars 2027." in html
    assert "09 69 39 00 00" in html
    assert "Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07" in html
    assert '<a href="https://formulaire.defenseurdesdroits.fr/">' in html


def test_accessibility_declaration_gives_the_centres_contact(client):
    CentreFactory(phone="+262639401122", email="handicap@cnam-mayotte.fr")
    html = html_of(client, ACCESSIBILITY)
    assert 'href="tel:+262639401122"' in html
    assert "06 39 40 11 22" in html
    assert 'href="mailto:handicap@cnam-mayotte.fr"' in html
    assert f'href="{CONTACT}"' in html


def test_accessibility_declaration_states_what_staff_declared(client):
    CentreFactory(accessibility_state=AccessibilityState.FULL, accessibility_audit="Audit du 2 mai 2027 : 100 %.")
    html = html_of(client, ACCESSIBILITY)
    assert "en totale conformité avec le référentiel" in html
    assert "Audit du 2 mai 2027 : 100 %." in html
    assert "conformité partielle" not in html


# --- Staff-written texts ------------------------------------------------------------------------


def test_markup_typed_by_staff_is_shown_never_run(client):
    CentreFactory(
        privacy_data='<script>alert("x")</script>\n- <img src=x onerror=alert(1)>',
        publication_director="<b>Directeur</b>",
        opening_hours="<i>Lundi</i>",
        name="CNAM <Mayotte>",
    )
    pages = html_of(client, PRIVACY) + html_of(client, LEGAL_NOTICE) + html_of(client, CONTACT)
    assert "<script>alert" not in pages
    assert "<img src=x" not in pages
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in pages
    assert "<li>&lt;img src=x onerror=alert(1)&gt;</li>" in pages
    assert "&lt;b&gt;Directeur&lt;/b&gt;" in pages
    assert "&lt;i&gt;Lundi&lt;/i&gt;" in pages
    assert "CNAM &lt;Mayotte&gt;" in pages


def test_pages_still_answer_with_the_first_content_when_the_row_is_missing(client):
    Centre.objects.all().delete()
    for url in PAGES:
        assert "CNAM Mayotte" in html_of(client, url)
    assert Centre.objects.count() == 0


# --- Footer -------------------------------------------------------------------------------------


def test_footer_of_the_home_page_links_to_contact_and_the_three_legal_pages(client):
    html = html_of(client, reverse("home"))
    footer = html[html.index('<footer class="fr-footer"') :]

    assert f'class="fr-footer__bottom-link" href="{CONTACT}"' in footer
    assert f'class="fr-footer__bottom-link" href="{LEGAL_NOTICE}"' in footer
    assert f'class="fr-footer__bottom-link" href="{PRIVACY}"' in footer
    assert f'class="fr-footer__bottom-link" href="{ACCESSIBILITY}">Accessibilité : partiellement conforme</a>' in footer
    assert "#donnees-personnelles" not in footer


def test_footer_marks_the_page_one_is_on(client):
    html = html_of(client, PRIVACY)
    assert f'href="{PRIVACY}" aria-current="page">Données personnelles</a>' in html
    assert f'href="{CONTACT}" aria-current="page"' not in html


def test_footer_reads_no_database_whether_the_cache_is_warm_or_cold(django_assert_num_queries):
    request = RequestFactory().get("/")
    cache.clear()
    with django_assert_num_queries(0):
        cold = render_to_string("partials/footer.html", request=request)
    CentreFactory(accessibility_state=AccessibilityState.NOT_COMPLIANT)
    cache.set(ACCESSIBILITY_STATE_KEY, AccessibilityState.NOT_COMPLIANT)
    with django_assert_num_queries(0):
        warm = render_to_string("partials/footer.html", request=request)
    assert "Accessibilité : partiellement conforme" in cold
    assert "Accessibilité : non conforme" in warm


def test_footer_shows_the_state_staff_saved_on_every_page(client, django_capture_on_commit_callbacks):
    centre = CentreFactory()
    centre.accessibility_state = AccessibilityState.FULL
    with django_capture_on_commit_callbacks(execute=True):
        centre_save(centre=centre)

    for url in (reverse("home"), reverse("programs:catalogue"), CONTACT):
        assert "Accessibilité : totalement conforme</a>" in html_of(client, url)


def test_a_lost_cache_heals_when_a_centre_page_is_read(client):
    CentreFactory(accessibility_state=AccessibilityState.NOT_COMPLIANT)
    cache.clear()
    assert "Accessibilité : partiellement conforme" in html_of(client, reverse("home"))

    html_of(client, ACCESSIBILITY)
    assert "Accessibilité : non conforme</a>" in html_of(client, reverse("home"))


def test_last_update_date_is_written_in_french(client):
    centre = CentreFactory()
    Centre.objects.filter(pk=centre.pk).update(updated_at=timezone.make_aware(datetime.datetime(2027, 1, 1, 10, 0)))
    assert "Dernière mise à jour : 1er janvier 2027" in html_of(client, LEGAL_NOTICE)
