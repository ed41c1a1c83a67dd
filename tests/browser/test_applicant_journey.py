"""A new applicant's whole journey on a phone, from the search box to the certificate."""

import re

import pytest
from playwright.sync_api import expect

from programs.models import Programme
from tests.browser.conftest import DESKTOP
from tests.factories import ProgrammeFactory, SessionFactory, SiteFactory, StaffUserFactory
from tests.helpers import PDF_BYTES

pytestmark = pytest.mark.django_db(transaction=True)

STAFF_PASSWORD = "Gestion-Formations-976"
APPLICANT_PASSWORD = "Mon-Avenir-A-Mayotte-2026"


@pytest.fixture
def electricity_session():
    programme = ProgrammeFactory(
        title="Électricité du bâtiment",
        slug="electricite-du-batiment",
        summary="Installer et dépanner les réseaux électriques des bâtiments.",
        certification_type=Programme.CertificationType.RNCP_TITLE,
    )
    ProgrammeFactory(title="Comptabilité et gestion", slug="comptabilite-et-gestion")
    site = SiteFactory(name="Lycée de Kahani", commune="ouangani")
    return SessionFactory(programme=programme, site=site, reference="2027-ELEC-OUA-01", capacity=12)


def _confirmation_link(portal, address: str) -> str:
    # The email goes out from the web server itself (allauth), written to the stack's mail folder.
    message = portal.wait_for_email(to=address)
    body = message.get_body(("plain",)).get_content()
    return re.search(r"https?://\S+/compte/confirm-email/\S+/", body).group(0)


def _run_admin_action(page, portal, reference: str, action: str) -> None:
    page.goto(f"{portal.url}/admin/enrollment/application/?q={reference}")
    page.locator("input[name='_selected_action']").first.check()
    page.select_option("select[name='action']", action)
    page.locator("button[name='index']").click()
    expect(page.locator(".messagelist")).to_contain_text(reference)


def test_a_new_applicant_finds_applies_and_downloads_the_certificate(
    page, new_context, portal, electricity_session, tmp_path
):
    base = portal.url

    # 1. A search typed without accents finds the accented programme.
    page.goto(f"{base}/formations/")
    page.get_by_role("searchbox").first.fill("electricite")
    page.get_by_role("searchbox").first.press("Enter")
    page.get_by_role("link", name="Électricité du bâtiment").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Électricité du bâtiment")

    # 2. Applying asks for an account: sign up, then confirm from the email received.
    page.locator(f"#session-{electricity_session.pk}").get_by_role("link", name=re.compile("Candidater")).click()
    expect(page).to_have_url(re.compile("/compte/login/"))
    page.get_by_role("link", name=re.compile("Créer (un|mon) compte")).last.click()
    page.get_by_label("Adresse e-mail").or_(page.get_by_label("Courriel")).first.fill("nadia.ali@example.yt")
    page.locator("input[name='password1']").fill(APPLICANT_PASSWORD)
    page.locator("input[name='password2']").fill(APPLICANT_PASSWORD)
    page.locator("form").get_by_role("button", name=re.compile("Créer|Inscri")).click()
    expect(page.locator("main")).to_contain_text("nadia.ali@example.yt")

    page.goto(_confirmation_link(portal, "nadia.ali@example.yt"))
    page.locator("main form").get_by_role("button").click()

    # 3. The application needs a complete profile first.
    page.goto(f"{base}/candidatures/postuler/{electricity_session.pk}/")
    expect(page).to_have_url(re.compile("/candidatures/profil/"))
    page.locator("input[name='first_name']").fill("Nadia")
    page.locator("input[name='last_name']").fill("Ali")
    page.locator("input[name='birth_date']").fill("1998-03-14")
    page.locator("input[name='phone']").fill("0639 12 34 56")
    page.select_option("select[name='commune']", "mamoudzou")
    page.select_option("select[name='highest_level']", "4")
    page.select_option("select[name='situation']", "demandeur_emploi")
    page.locator("input[name='france_travail_id']").fill("1234567A")
    page.locator("input[name='consent']").check(force=True)
    page.locator("main form").get_by_role("button", name=re.compile("Enregistrer")).click()

    # 4. Back on the application: motivation and a PDF.
    expect(page).to_have_url(re.compile(f"/candidatures/postuler/{electricity_session.pk}/"))
    cv = tmp_path / "cv-nadia.pdf"
    cv.write_bytes(PDF_BYTES)
    page.locator("textarea[name='motivation']").fill(
        "Électricienne de formation, je veux valider un titre reconnu pour travailler sur les chantiers de l'île."
    )
    page.select_option("select[name='document_1_kind']", "cv")
    page.set_input_files("input[name='document_1_file']", str(cv))
    page.get_by_role("button", name="Envoyer ma candidature").click()
    expect(page.locator("main")).to_contain_text("Reçue")
    reference = page.locator("main").inner_text().split("CAND-")[1].split()[0].strip(" .,:)")
    reference = f"CAND-{reference}"

    # 5. A training manager decides in the admin, on a desktop screen.
    StaffUserFactory(username="gestionnaire", email="gestion@cnam-mayotte.fr", password=STAFF_PASSWORD)
    staff_context = new_context(viewport=DESKTOP, is_mobile=False, has_touch=False)
    staff = staff_context.new_page()
    staff.goto(f"{base}/admin/login/")
    staff.locator("input[name='username']").fill("gestionnaire")
    staff.locator("input[name='password']").fill(STAFF_PASSWORD)
    staff.locator("input[type='submit']").click()
    _run_admin_action(staff, portal, reference, "accept")

    # 6. The applicant sees the decision in their space.
    page.goto(f"{base}/candidatures/")
    expect(page.locator("main")).to_contain_text("Acceptée")

    # 7. Once enrolled, the attestation d'inscription downloads as a PDF.
    _run_admin_action(staff, portal, reference, "enroll")
    page.goto(f"{base}/candidatures/{reference}/")
    expect(page.locator("main")).to_contain_text("Inscrite")
    # The worker renders the attestation after the enrollment: until then the page says so.
    for _attempt in range(30):
        if "Votre attestation est prête" in page.locator("main").inner_text():
            break
        page.wait_for_timeout(1000)
        page.reload()
    expect(page.locator("main")).to_contain_text("Votre attestation est prête")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("attestation", re.IGNORECASE)).first.click()
    pdf = download_info.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
