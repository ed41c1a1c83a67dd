"""robots.txt keeps crawlers out of every private space and points them at the sitemap."""

from urllib.robotparser import RobotFileParser

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from core.middleware import PRIVATE_NAMESPACES, PRIVATE_URL_NAME_PREFIXES
from tests.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

SITE = "https://formations.cnam-mayotte.fr"


@pytest.fixture
def robots(client, settings) -> RobotFileParser:
    settings.SITE_URL = SITE
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    parser = RobotFileParser()
    parser.parse(response.content.decode().splitlines())
    return parser


def _private_prefixes() -> list[str]:
    """The start of every address of the URLconf that core.middleware treats as private."""
    prefixes = []
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            # A namespace of its own (the admin, enrollment, partners) or named pages (allauth's).
            if entry.namespace in PRIVATE_NAMESPACES or any(
                isinstance(name, str) and name.startswith(PRIVATE_URL_NAME_PREFIXES) for name in entry.reverse_dict
            ):
                prefixes.append("/" + str(entry.pattern))
        elif isinstance(entry, URLPattern) and (entry.name or "").startswith(PRIVATE_URL_NAME_PREFIXES):
            prefixes.append("/" + str(entry.pattern))
    return prefixes


def test_robots_txt_disallows_every_private_space_and_names_the_sitemap(client, settings, robots):
    prefixes = _private_prefixes()
    assert {"/admin/", "/compte/", "/candidatures/", "/partenaires/", "/admin/rapports/"} <= set(prefixes)
    for prefix in prefixes:
        assert not robots.can_fetch("Googlebot", SITE + prefix.split("<")[0] + "x"), prefix
    for path in (reverse("healthz"), reverse("healthz_ready"), reverse("account_signup")):
        assert not robots.can_fetch("Googlebot", SITE + path), path
    assert robots.site_maps() == [SITE + "/sitemap.xml"]


def test_robots_txt_lets_crawlers_read_every_public_page(robots):
    programme = ProgrammeFactory()
    for path in ("/", "/formations/", "/formations/?domaine=btp", programme.get_absolute_url(), "/contact/"):
        assert robots.can_fetch("Googlebot", SITE + path), path
    # The pages' styles, so a crawler sees them as a person does.
    assert robots.can_fetch("Googlebot", SITE + "/static/css/portal.css")


def test_robots_txt_and_sitemap_answer_with_debug_off_and_the_security_headers(client, settings):
    assert settings.DEBUG is False
    for path, content_type in (("/robots.txt", "text/plain"), ("/sitemap.xml", "application/xml")):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Content-Type"].startswith(content_type), path
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert "Content-Security-Policy" in response, path
        # Not a personal page: a proxy may keep it.
        assert "no-store" not in response.get("Cache-Control", ""), path
    assert client.post("/robots.txt").status_code == 405
    assert client.post("/sitemap.xml").status_code == 405
