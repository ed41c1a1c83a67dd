"""The demo catalogue shows what a programme costs, who may pay for it and how fast CNAM answers."""

import pytest

from centre.models import Centre
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


def test_every_published_certifying_demo_programme_names_its_certifier_and_fiche(demo):
    certifying = [programme for programme in demo if programme.is_certifying]
    assert certifying
    for programme in certifying:
        assert programme.certifier, programme.slug
        assert programme.certification_code, programme.slug
    assert demo.exclude(rs_code="").exists() and demo.exclude(rncp_code="").exists()
    assert demo.exclude(expected_results="").count() == demo.count()
    assert len({programme.training_path for programme in demo}) > 1


def test_the_demo_centre_names_its_referent_handicap_on_the_programme_pages(demo, client):
    body = Centre.objects.get()
    body.full_clean()
    assert body.disability_referent_name and body.disability_referent_phone
    assert body.disability_referent_email.endswith(".example")
    french = Programme.objects.get(slug="francais-professionnel")
    html = client.get(french.get_absolute_url()).content.decode()
    assert f"Votre référent handicap : {body.disability_referent_name}" in html
    # The past session recorded who completed it: 2 of its 3 enrolled people.
    assert "taux d'achèvement 67\u00a0% (3 stagiaires, 1 session)" in html
    assert f"SIRET : {body.siret}" in html
