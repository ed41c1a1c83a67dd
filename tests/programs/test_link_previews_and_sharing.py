"""What a search engine, a link preview and a person sharing a programme read of the public pages."""

import html
import re
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db

SITE = "https://formations.cnam-mayotte.fr"
TRICKY_TITLE = 'Gestion « d\'un "service" » <b>public</b> & co'
TRICKY_SUMMARY = 'Un parcours "pratique" <script>alert(1)</script> & concret.'


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def head(page: str) -> str:
    return page[page.index("<head>") : page.index("</head>")]


def meta(page: str, attribute: str, name: str) -> str:
    """The content of the head's one ``<meta {attribute}="{name}">``, unescaped."""
    found = re.findall(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)">', head(page))
    assert len(found) == 1, (name, found)
    return html.unescape(found[0])


def canonical(page: str) -> str:
    found = re.findall(r'<link rel="canonical" href="([^"]*)">', head(page))
    assert len(found) == 1, found
    return html.unescape(found[0])


def share_link(page: str, start: str) -> str:
    found = re.findall(rf'href="({re.escape(start)}[^"]*)"', page)
    assert len(found) == 1, (start, found)
    return html.unescape(found[0])


@pytest.fixture
def programme():
    return SessionFactory(programme__title=TRICKY_TITLE, programme__summary=TRICKY_SUMMARY).programme


def test_programme_page_has_its_french_title_description_canonical_and_link_previews(client, programme):
    page = client.get(programme.get_absolute_url() + "?utm_source=whatsapp").content.decode()

    url = SITE + programme.get_absolute_url()
    assert html.unescape(re.search(r"<title>(.*?)</title>", page, re.S).group(1)) == f"{TRICKY_TITLE} — CNAM Mayotte"
    assert meta(page, "name", "description") == TRICKY_SUMMARY
    # Without the query string: one address per programme whatever link led to it.
    assert canonical(page) == url
    assert meta(page, "property", "og:type") == "website"
    assert meta(page, "property", "og:site_name") == "CNAM Mayotte"
    assert meta(page, "property", "og:locale") == "fr_FR"
    assert meta(page, "property", "og:title") == TRICKY_TITLE
    assert meta(page, "property", "og:description") == TRICKY_SUMMARY
    assert meta(page, "property", "og:url") == url
    assert meta(page, "name", "twitter:card") == "summary"
    assert meta(page, "name", "twitter:title") == TRICKY_TITLE
    assert meta(page, "name", "twitter:description") == TRICKY_SUMMARY
    # No image of the programme exists: none is named.
    assert "og:image" not in page and "twitter:image" not in page
    # Escaped: the title's markup and quotes never leave their attribute.
    assert "<b>public</b>" not in head(page) and "<script>alert(1)" not in page


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/", "Formations pour adultes à Mayotte — CNAM Mayotte"),
        ("/formations/", "Catalogue des formations — CNAM Mayotte"),
        ("/contact/", "Contact — CNAM Mayotte"),
        ("/accessibilite/", "Déclaration d'accessibilité — CNAM Mayotte"),
        ("/mentions-legales/", "Mentions légales — CNAM Mayotte"),
        ("/donnees-personnelles/", "Données personnelles — CNAM Mayotte"),
    ],
)
def test_each_public_page_has_a_french_title_a_description_of_its_own_and_a_canonical_address(client, path, title):
    default = client.get("/cette-page-n-existe-pas/").content.decode()

    page = client.get(path, {"page": "1"} if path == "/formations/" else {}).content.decode()

    assert html.unescape(re.search(r"<title>(.*?)</title>", page, re.S).group(1)) == title
    description = meta(page, "name", "description")
    assert 50 <= len(description) <= 170, description
    assert description != meta(default, "name", "description")
    assert canonical(page) == SITE + path


def test_an_error_page_names_no_canonical_address(client):
    page = client.get("/cette-page-n-existe-pas/").content.decode()
    assert 'rel="canonical"' not in page


def test_share_links_carry_the_programmes_address_url_encoded(client, programme):
    page = client.get(programme.get_absolute_url()).content.decode()
    url = SITE + programme.get_absolute_url()

    whatsapp = share_link(page, "https://wa.me/")
    assert whatsapp == "https://wa.me/?text=" + quote(f"{TRICKY_TITLE} {url}", safe="")
    assert parse_qs(urlsplit(whatsapp).query) == {"text": [f"{TRICKY_TITLE} {url}"]}

    email = share_link(page, "mailto:?")  # the page also links the contact's own address
    assert email.startswith("mailto:?subject=")
    # Every reserved character percent-encoded (RFC 6068): the title's « & » cannot end the subject.
    fields = dict(part.split("=", 1) for part in urlsplit(email).query.split("&"))
    assert set(fields) == {"subject", "body"}
    assert unquote(fields["subject"]) == f"Formation du CNAM Mayotte : {TRICKY_TITLE}"
    assert unquote(fields["body"]) == f"Cette formation du CNAM Mayotte peut vous intéresser : {TRICKY_TITLE}\r\n{url}"
    assert "&amp;" in re.search(r'href="(mailto:[^"]*)"', page).group(1)  # the separator, escaped in HTML


def test_share_block_works_without_javascript_and_enhances_with_the_copy_button(client, programme):
    response = client.get(programme.get_absolute_url())
    page = response.content.decode()
    block = page[page.index('<div class="fr-share programme-share') :]
    block = block[: block.index("</div>") + 6]

    assert '<h2 class="fr-share__title fr-h6">Partager</h2>' in block
    # Plain links first; the copy button waits, hidden, for the script to show it.
    assert re.search(r'<li hidden data-share-copy><button type="button"[^>]*>Copier le lien</button></li>', block)
    assert f'data-share-url="{SITE}{programme.get_absolute_url()}"' in block
    assert "onclick" not in block
    # The script: a static file with its integrity hash and this response's nonce (no inline code).
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    script = re.search(
        r'<script src="(/static/js/share[^"]*\.js)" integrity="sha384-[^"]+" nonce="([^"]+)" defer>', page
    )
    assert script and script.group(2) == nonce
    assert finders.find("js/share.js")


def test_previews_and_share_links_follow_a_title_change_at_once(client, programme, django_capture_on_commit_callbacks):
    assert meta(client.get(programme.get_absolute_url()).content.decode(), "property", "og:title") == TRICKY_TITLE

    with django_capture_on_commit_callbacks(execute=True):
        programme.title = "Accueil du public"
        programme.save()
    page = client.get(programme.get_absolute_url()).content.decode()

    assert meta(page, "property", "og:title") == "Accueil du public"
    assert share_link(page, "https://wa.me/").startswith("https://wa.me/?text=Accueil%20du%20public%20https")


def test_a_hostile_host_header_never_reaches_a_kept_page(client, settings, programme):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, ".attaquant.example"]
    paths = [programme.get_absolute_url(), "/", "/formations/", "/contact/", reverse("robots_txt")]

    for path in paths:
        hostile = client.get(path, HTTP_HOST="www.attaquant.example")
        assert hostile.status_code == 200, path
        assert "attaquant" not in hostile.content.decode(), path
    # The next visitor gets the kept page: still the portal's own addresses.
    for path in paths:
        page = client.get(path).content.decode()
        assert "attaquant" not in page, path
        assert SITE in page, path
