"""A partner's référent imports a staff list on a phone: one bad row, fixed, then confirmed."""

import re

import pytest
from playwright.sync_api import expect

from enrollment.models import Application
from partners.models import PartnerMember
from tests import helpers as make
from tests.factories import PartnerFactory, PartnerMemberFactory, SeatAllocationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Mairie-Tsingoni-2026"


@pytest.fixture
def referent():
    partner = PartnerFactory(name="Commune de Tsingoni")
    user = UserFactory(username="rh@mairie-tsingoni.yt", email="rh@mairie-tsingoni.yt", password=PASSWORD)
    member = PartnerMemberFactory(partner=partner, user=user, role=PartnerMember.Role.REFERENT, full_name="Mme Assani")
    SeatAllocationFactory(partner=partner, seats=3, session__capacity=12, session__reference="S-2027-TSG-01")
    return member


def test_referent_fixes_a_bad_row_and_confirms_the_import(page, portal, referent, tmp_path):
    base = portal.url
    page.goto(f"{base}/compte/login/?next=/partenaires/import/")
    page.locator("input[name='login']").fill("rh@mairie-tsingoni.yt")
    page.locator("input[name='password']").fill(PASSWORD)
    page.locator("main form").get_by_role("button", name=re.compile("connecter", re.I)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Importer une liste d'agents")

    bad = tmp_path / "agents.csv"
    bad.write_bytes(
        make.csv_bytes(
            [
                ["Zaïnaba", "Ali", "zainaba.ali@mairie-tsingoni.yt", "Agente d'accueil", "S-2027-TSG-01"],
                ["Mohamed", "Saïd", "mohamed.said-mairie-tsingoni.yt", "Jardinier", "S-2027-TSG-01"],
            ]
        )
    )
    page.set_input_files("input[name='file']", str(bad))
    page.get_by_role("button", name="Vérifier le fichier").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Aperçu de l'import")
    expect(page.locator("#resume-erreurs")).to_contain_text(
        "Ligne 3 : L'adresse de courriel « mohamed.said-mairie-tsingoni.yt » n'est pas valide."
    )
    expect(page.locator("#ligne-3")).to_contain_text("Erreur")
    expect(page.locator("#ligne-2")).to_contain_text("OK")
    assert Application.objects.count() == 0

    page.get_by_role("link", name="Déposer un fichier corrigé").click()
    fixed = tmp_path / "agents-corrige.csv"
    fixed.write_bytes(
        make.csv_bytes(
            [
                ["Zaïnaba", "Ali", "zainaba.ali@mairie-tsingoni.yt", "Agente d'accueil", "S-2027-TSG-01"],
                ["Mohamed", "Saïd", "mohamed.said@mairie-tsingoni.yt", "Jardinier", "S-2027-TSG-01"],
            ]
        )
    )
    page.set_input_files("input[name='file']", str(fixed))
    page.get_by_role("button", name="Vérifier le fichier").click()
    expect(page.locator("main")).to_contain_text("Les 2 lignes sont valides")
    page.get_by_role("button", name=re.compile("Confirmer l'inscription")).click()

    expect(page).to_have_url(f"{base}/partenaires/")
    expect(page.locator("main")).to_contain_text("2 agents inscrits")
    staff = page.locator("#table-agents")
    expect(staff).to_contain_text("mohamed.said@mairie-tsingoni.yt")
    expect(staff).to_contain_text("zainaba.ali@mairie-tsingoni.yt")
    expect(staff.locator(".fr-badge", has_text="Inscrite")).to_have_count(2)
    assert Application.objects.filter(status="inscrite", convention__partner=referent.partner).count() == 2
