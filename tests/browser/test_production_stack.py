"""What the deployed portal sends, read over HTTP from gunicorn and WhiteNoise (no browser needed)."""

import base64
import gzip
import hashlib
import re
import urllib.request

from tests.factories import ProgrammeFactory


def _get(url: str, **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - our own server
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our own server
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def test_every_stylesheet_and_script_matches_its_integrity_hash(portal):
    status, _headers, body = _get(portal.url + "/formations/")
    assert status == 200
    links = re.findall(r'(?:href|src)="(/static/[^"]+)" integrity="(sha384-[^"]+)"', body.decode())
    assert len(links) == 4, links
    for path, integrity in links:
        status, _headers, asset = _get(portal.url + path)
        assert status == 200, path
        assert integrity == "sha384-" + base64.b64encode(hashlib.sha384(asset).digest()).decode(), path


def test_collected_files_are_cached_for_long_and_sent_compressed(portal):
    _status, _headers, body = _get(portal.url + "/")
    stylesheet = re.search(r'href="(/static/dsfr/dist/dsfr/dsfr\.min\.[0-9a-f]{12}\.css)"', body.decode()).group(1)
    status, headers, _asset = _get(portal.url + stylesheet, **{"Accept-Encoding": "br, gzip"})
    assert status == 200
    max_age = int(re.search(r"max-age=(\d+)", headers["cache-control"]).group(1))
    assert max_age >= 365 * 24 * 3600 and "immutable" in headers["cache-control"]
    assert headers["content-encoding"] == "br"


def test_pages_are_sent_compressed_and_personal_ones_are_never_stored(portal):
    status, headers, body = _get(portal.url + "/formations/", **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert "Catalogue des formations" in gzip.decompress(body).decode()
    assert "no-store" not in headers.get("cache-control", "")
    status, headers, _body = _get(portal.url + "/compte/login/")
    assert status == 200
    assert "private" in headers["cache-control"] and "no-store" in headers["cache-control"]


def test_an_error_shows_the_portal_page_never_a_debug_page(portal):
    status, _headers, body = _get(portal.url + "/cette-page-n-existe-pas/")
    assert status == 404
    html = body.decode()
    assert "Page introuvable" in html
    assert "Traceback" not in html and "DEBUG = True" not in html and "urlpatterns" not in html


def test_robots_txt_and_the_sitemap_answer_as_deployed(portal):
    programme = ProgrammeFactory()
    status, headers, body = _get(portal.url + "/robots.txt")
    assert status == 200 and headers["content-type"] == "text/plain; charset=utf-8"
    assert "Disallow: /candidatures/" in body.decode()
    assert f"Sitemap: {portal.url}/sitemap.xml" in body.decode()
    status, headers, body = _get(portal.url + "/sitemap.xml", **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["content-type"] == "application/xml; charset=utf-8"
    assert headers["content-encoding"] == "gzip"
    assert f"<loc>{portal.url}{programme.get_absolute_url()}</loc>" in gzip.decompress(body).decode()
