"""Every page's breadcrumb comes from one tag (``portal_nav.breadcrumb``) drawing django-dsfr's markup."""

import re

import pytest
from django.template import Context, Template, TemplateSyntaxError


def _render(source: str, **context) -> str:
    return Template("{% load portal_nav %}" + source).render(Context(context))


def _trail(html: str) -> list[tuple[str, str | None]]:
    links = re.findall(r'<a class="fr-breadcrumb__link"(?: href="([^"]*)")?(?: aria-current="page")?>([^<]*)</a>', html)
    return [(label.strip(), href or None) for href, label in links]


def test_breadcrumb_starts_at_home_lists_the_links_and_ends_on_the_page():
    html = _render('{% breadcrumb "Candidater" "Catalogue" "/catalogue/" title url %}', title="BTS SIO", url="/f/sio/")
    assert _trail(html) == [
        ("Accueil", "/"),
        ("Catalogue", "/catalogue/"),
        ("BTS SIO", "/f/sio/"),
        ("Candidater", None),
    ]
    assert 'aria-current="page">Candidater</a>' in html
    assert "vous êtes ici" in html  # django-dsfr's French wording
    assert 'aria-controls="fil-ariane"' in html and 'id="fil-ariane"' in html


def test_breadcrumb_refuses_a_link_without_its_url():
    with pytest.raises(TemplateSyntaxError):
        _render('{% breadcrumb "Page" "Catalogue" %}')


@pytest.mark.django_db
def test_a_page_shows_the_shared_breadcrumb(client):
    html = client.get("/contact/").content.decode()
    assert _trail(html) == [("Accueil", "/"), ("Contact", None)]
