"""An applicant takes a copy of their data, then deletes their account, on a phone."""

import json
import re
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from enrollment.models import ApplicationDocument
from tests.factories import ApplicantFactory, ApplicationFactory
from tests.helpers import PDF_BYTES

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Mon-Avenir-A-Mayotte-2026"
ADDRESS = "fatima.combo@example.yt"


@pytest.fixture
def applicant():
    person = ApplicantFactory(
        username=ADDRESS, email=ADDRESS, password=PASSWORD, profile__first_name="Fatima", profile__last_name="Combo"
    )
    application = ApplicationFactory(applicant=person, motivation="Devenir comptable à Mamoudzou.")
    document = ApplicationDocument.objects.create(
        application=application,
        kind=ApplicationDocument.Kind.CV,
        file=ContentFile(PDF_BYTES, name="cv.pdf"),
        original_name="cv-fatima.pdf",
        content_type="application/pdf",
        size=len(PDF_BYTES),
        sha256="0" * 64,
    )
    return person, application, Path(settings.PRIVATE_MEDIA_ROOT) / document.file.name


def _log_in(page, base):
    page.goto(f"{base}/compte/login/")
    page.locator("input[name='login']").fill(ADDRESS)
    page.locator("input[name='password']").fill(PASSWORD)
    page.locator("main form").get_by_role("button", name=re.compile("connecter", re.I)).click()


def test_an_applicant_downloads_their_data_then_deletes_their_account(page, portal, applicant, tmp_path):
    person, application, stored = applicant
    base = portal.url
    assert stored.exists()

    _log_in(page, base)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes candidatures")
    page.get_by_role("link", name=re.compile("Mes données personnelles")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes données personnelles")

    # 1. The copy of their data: a ZIP with their JSON and their CV.
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Télécharger mes données")).click()
    saved = tmp_path / "donnees.zip"
    download_info.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        data = json.loads(archive.read("mes-donnees.json"))
        assert data["profil"]["prenom"] == "Fatima"
        [row] = data["candidatures"]
        assert row["reference"] == application.reference
        assert archive.read(row["pieces"][0]["fichier"]) == PDF_BYTES

    # 2. The deletion: the password first, then the link emailed to them.
    page.locator("input[name='password']").fill(PASSWORD)
    page.get_by_role("button", name="Demander la suppression de mon compte").click()
    expect(page.locator("main")).to_contain_text(f"Un courriel vient d'être envoyé à {ADDRESS}")
    message = portal.wait_for_email(to=ADDRESS, subject_contains="suppression")
    body = message.get_body(("plain",)).get_content()
    link = re.search(r"https?://\S+/candidatures/mes-donnees/suppression/\S+/", body).group(0)

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Supprimer définitivement mon compte ?")
    page.get_by_role("button", name="Supprimer définitivement mon compte").click()
    expect(page.locator("main, body").first).to_contain_text("Votre compte est supprimé")

    # 3. The file is gone, and signing in again is refused.
    assert not stored.exists()
    _log_in(page, base)
    expect(page).to_have_url(re.compile("/compte/login/"))
    expect(page.locator("main")).to_contain_text("Adresse de courriel ou mot de passe incorrect")
    person.refresh_from_db()
    assert not person.is_active
