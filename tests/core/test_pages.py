"""The pages any visitor may meet outside the catalogue: not found, server error, the favicon."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_unknown_page_answers_a_french_404(client):
    response = client.get("/formations/cette-formation-n-existe-pas/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page introuvable" in html
    assert reverse("programs:catalogue") in html


def test_server_error_page_renders_without_context_or_database():
    from django.template import loader

    html = loader.get_template("500.html").render()
    assert "Le service rencontre un problème" in html
    assert 'lang="fr"' in html


def test_favicon_ico_leads_to_the_design_system_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith("dsfr/dist/favicon/favicon.ico")
    assert "max-age=86400" in response["Cache-Control"]
