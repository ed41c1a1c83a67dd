"""The demo catalogue shows what a programme costs, who may pay for it and how fast CNAM answers."""

import pytest

from programs.models import FundingRoute, Programme

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo_data")]


@pytest.fixture
def demo(demo_seeded):
    return Programme.objects.published()


def test_every_published_demo_programme_states_price_funding_and_response_time(demo):
    for programme in demo:
        programme.full_clean()
        assert programme.price_eur is not None, programme.slug
        assert programme.funding_routes, programme.slug
        assert 1 <= programme.response_days <= 90
    prices = [programme.price_eur for programme in demo]
    assert any(price == 0 for price in prices) and any(price >= 1000 for price in prices)
    assert demo.exclude(price_note="").exists()
    assert {route for programme in demo for route in programme.funding_routes} == set(FundingRoute.values)
    assert len({programme.response_days for programme in demo}) > 1
    assert demo.filter(duration_months__isnull=False).count() > demo.count() / 2


def test_demo_pages_show_them(demo, client):
    free = demo.filter(price_eur=0).exclude(sessions=None).first()
    html = client.get(free.get_absolute_url()).content.decode()
    assert "Gratuit" in html
    assert "Réponse sous" in html
    assert "Région (Conseil départemental de Mayotte)" in html
    catalogue = client.get("/formations/").content.decode()
    assert "Candidatures jusqu'au" in catalogue
    assert "places restantes" in catalogue
    assert "Complet — liste d'attente" in catalogue
