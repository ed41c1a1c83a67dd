"""The integrity hashes the pages print are those of the files the server sends."""

import base64
import hashlib
import re

import pytest
from django.template import Context, Template
from django.test import override_settings

from core import static_assets
from tests import static_cache


def _sha384(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


@pytest.fixture
def collected(settings):
    """Static files collected as production collects them: hashed copies with rewritten url()s.

    ``collectstatic`` runs once per set of sources and is reused after (tests/static_cache.py).
    """
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    settings.STATIC_ROOT = static_cache.collected(static_cache.sources_key())
    from django.contrib.staticfiles.storage import staticfiles_storage

    staticfiles_storage._setup()
    yield settings.STATIC_ROOT
    static_assets._digest.cache_clear()


def _links(html: str) -> list[tuple[str, str]]:
    return re.findall(r'(?:href|src)="/static/([^"]+)" integrity="([^"]+)"', html)


def test_collected_stylesheets_and_scripts_carry_the_hash_of_the_served_copy(collected):
    html = Template("{% load portal_assets %}{% dsfr_stylesheets %}{% dsfr_scripts nonce='n' %}").render(Context())
    links = _links(html)
    assert len(links) == 4
    for path, integrity in links:
        # The served name is the hashed copy, whose url()s differ from the original file's.
        assert re.search(r"\.[0-9a-f]{12}\.(css|js)$", path), path
        assert integrity == _sha384((collected / path).read_bytes()), path
    dsfr_css = next(path for path, _ in links if "dsfr.min" in path and path.endswith(".css"))
    original = (collected / re.sub(r"\.[0-9a-f]{12}\.css$", ".css", dsfr_css)).read_bytes()
    assert _sha384(original) != _sha384((collected / dsfr_css).read_bytes())


@override_settings(STORAGES={"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}})
def test_in_development_the_hash_is_that_of_the_source_file():
    from django.contrib.staticfiles import finders

    name = "dsfr-subset/portal-dsfr.css"
    with open(finders.find(name), "rb") as source:
        assert static_assets.integrity(name) == _sha384(source.read())
