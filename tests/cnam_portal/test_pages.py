import pytest
from django.urls import reverse

from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


def test_home_introduces_the_portal_and_links_to_the_catalogue(client):
    session = SessionFactory()
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Se former avec le CNAM à Mayotte" in html
    assert reverse("programs:catalogue") in html
    assert session.programme.title in html
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
