"""sitemap.xml: the public pages and every published programme, addressed from SITE_URL."""

import datetime

import pytest
from defusedxml import ElementTree as ET
from django.test import RequestFactory
from django.urls import resolve, reverse
from django.utils import timezone

from core.middleware import is_private
from programs.models import Programme, Session
from tests.factories import ProgrammeFactory, SessionFactory, build_catalogue

pytestmark = pytest.mark.django_db

SITE = "https://formations.cnam-mayotte.fr"
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
PUBLIC_PAGES = ["/", "/formations/", "/contact/", "/accessibilite/", "/mentions-legales/", "/donnees-personnelles/"]


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def sitemap(client, **headers) -> dict[str, str | None]:
    """Each address the sitemap lists, with its lastmod (None when it gives none)."""
    response = client.get(reverse("sitemap"), **headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    root = ET.fromstring(response.content)
    urls = {}
    for url in root.findall("s:url", NS):
        lastmod = url.find("s:lastmod", NS)
        urls[url.find("s:loc", NS).text] = None if lastmod is None else lastmod.text
    assert len(urls) == len(root.findall("s:url", NS)), "an address listed twice"
    return urls


def test_sitemap_lists_the_public_pages_and_every_published_programme_only(client):
    published = ProgrammeFactory.create_batch(3)
    SessionFactory(programme=published[0])
    draft = ProgrammeFactory(status=Programme.Status.DRAFT)
    archived = ProgrammeFactory(status=Programme.Status.ARCHIVED)
    # A session reserved for a partner's staff has no page of its own; its programme is public.
    SessionFactory(programme=published[1], reserved=True)

    urls = sitemap(client)

    expected = [SITE + path for path in PUBLIC_PAGES] + [SITE + p.get_absolute_url() for p in published]
    assert sorted(urls) == sorted(expected)
    assert SITE + draft.get_absolute_url() not in urls
    assert SITE + archived.get_absolute_url() not in urls
    # Every address is one any visitor may read.
    for url in urls:
        path = url.removeprefix(SITE)
        assert not path.startswith(("/admin/", "/candidatures/", "/partenaires/", "/compte/")), url
        request = RequestFactory().get(path)
        request.resolver_match = resolve(path)
        assert not is_private(request), url


def test_a_public_page_answers_at_each_address_the_sitemap_lists(client):
    SessionFactory()

    for url in sitemap(client):
        assert client.get(url.removeprefix(SITE)).status_code == 200, url


def test_a_programmes_lastmod_is_its_pages_last_change(client):
    programme = ProgrammeFactory()
    unchanged = ProgrammeFactory()
    session = SessionFactory(programme=programme)
    reserved = SessionFactory(programme=programme, reserved=True)
    long_ago = timezone.now() - datetime.timedelta(days=40)
    Programme.objects.filter(pk__in=[programme.pk, unchanged.pk]).update(updated_at=long_ago)
    Session.objects.filter(pk=session.pk).update(updated_at=timezone.now() - datetime.timedelta(days=10))
    # What a partner's reserved session changes is not on the public page.
    Session.objects.filter(pk=reserved.pk).update(updated_at=timezone.now())

    urls = sitemap(client)

    today = timezone.localdate()
    assert urls[SITE + programme.get_absolute_url()] == (today - datetime.timedelta(days=10)).isoformat()
    assert urls[SITE + unchanged.get_absolute_url()] == timezone.localdate(long_ago).isoformat()
    assert urls[SITE + "/"] is None


def test_a_programme_published_or_withdrawn_shows_in_the_sitemap_at_once(client, django_capture_on_commit_callbacks):
    programme = ProgrammeFactory(status=Programme.Status.DRAFT)
    url = SITE + programme.get_absolute_url()
    assert url not in sitemap(client)

    with django_capture_on_commit_callbacks(execute=True):
        programme.status = Programme.Status.PUBLISHED
        programme.save()
    assert url in sitemap(client)

    with django_capture_on_commit_callbacks(execute=True):
        programme.status = Programme.Status.ARCHIVED
        programme.save()
    assert url not in sitemap(client)


def test_sitemap_addresses_come_from_site_url_never_from_the_host_header(client, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, ".attaquant.example"]
    programme = ProgrammeFactory()

    hostile = client.get(reverse("sitemap"), HTTP_HOST="www.attaquant.example").content.decode()
    kept = client.get(reverse("sitemap")).content.decode()

    for body in (hostile, kept):
        assert "attaquant" not in body
        assert f"<loc>{SITE}{programme.get_absolute_url()}</loc>" in body


# The published programmes with their pages' dates; the sites framework is not asked.
SITEMAP_QUERIES = 1


@pytest.mark.parametrize("programmes", [5, 2000])
def test_sitemap_runs_one_query_whatever_the_catalogue_size(client, django_assert_num_queries, programmes):
    build_catalogue(programmes)

    with django_assert_num_queries(SITEMAP_QUERIES):
        response = client.get(reverse("sitemap"))

    assert response.status_code == 200
    assert response.content.count(b"<url>") == len(PUBLIC_PAGES) + programmes
    # Kept for the next crawler until the catalogue changes.
    with django_assert_num_queries(0):
        assert client.get(reverse("sitemap")).content == response.content
