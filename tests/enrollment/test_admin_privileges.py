"""Who reaches applicants' personal data in the back office: pages, searches, downloads and exports.

The France Travail identifier, the birth date, the phone, the address and the deposited documents
(ID card first) are read by the roles that instruct or oversee applications (Gestionnaire
formations, Direction). A partnership officer sees an application's person as a convention's staff
list needs them (name, email, employer and job title), also for staff a partner enrolled, and
nothing more: no personal field, no document, no column, no search on them.
"""

import csv
import html
import io
import re

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.urls import reverse

from cnam_portal.roles import CHARGE_PARTENARIATS, DIRECTION, GESTIONNAIRE, ROLES
from enrollment.models import ApplicantProfile, ApplicationDocument
from enrollment.services import vae as services_vae
from tests.factories import PartnerApplicationFactory, ProgrammeFactory, StaffUserFactory
from tests.helpers import PDF_BYTES, pdf_upload, run_action, visible_text

pytestmark = pytest.mark.django_db

# --- The table: what each staff account reaches --------------------------------------------------

FT, BIRTH, PHONE, ADDRESS, DOCS = "France Travail id", "birth date", "phone", "address", "documents"
REFUSED = "refused (403, or the action is not offered)"
NOTHING: frozenset[str] = frozenset()

NO_ROLE, SUPERUSER = "staff with no role", "superuser"

# For each account, per place of the admin: REFUSED, or which personal data it shows.
EXPECTED = {
    GESTIONNAIRE: {
        "application list": NOTHING,
        "application page": {FT, BIRTH, PHONE, DOCS},
        "profile list": {PHONE},
        "profile page": {FT, BIRTH, PHONE, ADDRESS},
        "VAE request page": {DOCS},
        "application document download": {DOCS},
        "VAE document download": {DOCS},
        "application export": {FT, PHONE},
        "convention staff list export": NOTHING,
    },
    CHARGE_PARTENARIATS: {
        "application list": NOTHING,
        "application page": NOTHING,
        "profile list": REFUSED,
        "profile page": REFUSED,
        "VAE request page": REFUSED,
        "application document download": REFUSED,
        "VAE document download": REFUSED,
        "application export": NOTHING,
        "convention staff list export": NOTHING,
    },
    DIRECTION: {
        "application list": NOTHING,
        "application page": {FT, BIRTH, PHONE, DOCS},
        "profile list": {PHONE},
        "profile page": {FT, BIRTH, PHONE, ADDRESS},
        "VAE request page": {DOCS},
        "application document download": {DOCS},
        "VAE document download": {DOCS},
        "application export": {FT, PHONE},
        "convention staff list export": NOTHING,
    },
    NO_ROLE: {
        "application list": REFUSED,
        "application page": REFUSED,
        "profile list": REFUSED,
        "profile page": REFUSED,
        "VAE request page": REFUSED,
        "application document download": REFUSED,
        "VAE document download": REFUSED,
        "application export": REFUSED,
        "convention staff list export": REFUSED,
    },
    SUPERUSER: {
        "application list": NOTHING,
        "application page": {FT, BIRTH, PHONE, DOCS},
        "profile list": {PHONE},
        "profile page": {FT, BIRTH, PHONE, ADDRESS},
        "VAE request page": {DOCS},
        "application document download": {DOCS},
        "VAE document download": {DOCS},
        "application export": {FT, PHONE},
        "convention staff list export": NOTHING,
    },
}

# How each datum reads wherever it shows (spaces removed): a page, a form input, a CSV cell.
MARKERS = {
    FT: ["7654321Y"],
    BIRTH: ["29février1988", "29/02/1988", "1988-02-29"],
    PHONE: ["639123456"],
    ADDRESS: ["12ruedesBadamiers"],
    DOCS: ["piece-identite-zainaba.pdf", "vae-identite-zainaba.pdf"],
}

EXPORT = reverse("admin:enrollment_application_export")
CSV_FORMAT = "0"


@pytest.fixture
def person():
    """Staff a partner enrolled through its convention, with every personal datum, an ID card and a VAE request."""
    application = PartnerApplicationFactory(enrolled=True)
    profile = application.applicant.applicant_profile
    ApplicantProfile.objects.filter(pk=profile.pk).update(
        first_name="Zaïnaba",
        last_name="Attoumani",
        birth_date="1988-02-29",
        phone="+262639123456",
        address="12 rue des Badamiers, Passamaïnty",
        france_travail_id="7654321Y",
    )
    document = ApplicationDocument.objects.create(
        application=application,
        kind=ApplicationDocument.Kind.IDENTITY,
        file=ContentFile(PDF_BYTES, name="cni.pdf"),
        original_name="piece-identite-zainaba.pdf",
        content_type="application/pdf",
        size=len(PDF_BYTES),
        sha256="0" * 64,
    )
    vae_request = services_vae.vae_request_submit(
        user=application.applicant,
        programme=ProgrammeFactory(vae_available=True),
        experience_summary="Dix ans d'accueil du public en mairie.",
        years=10,
        documents=[("identite", pdf_upload("vae-identite-zainaba.pdf"))],
    )
    return {
        "application": application,
        "profile": profile,
        "document": document,
        "vae_request": vae_request,
        "vae_document": vae_request.documents.get(),
    }


def personal_data_in(content: bytes | str) -> frozenset[str]:
    text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
    text = re.sub(r"\s+", "", html.unescape(text))
    return frozenset(datum for datum, markers in MARKERS.items() if any(marker in text for marker in markers))


def reached(response, *, download: bool = False):
    if response.status_code == 403:
        return REFUSED
    assert response.status_code == 200, response.status_code
    if download:
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        return frozenset({DOCS})
    return personal_data_in(response.content)


def what_the_account_reaches(client, person) -> dict:
    application, profile, vae_request = person["application"], person["profile"], person["vae_request"]
    download_urls = {
        "application document download": reverse(
            "admin:enrollment_application_document", args=[application.pk, person["document"].pk]
        ),
        "VAE document download": reverse(
            "admin:enrollment_vaerequest_document", args=[vae_request.pk, person["vae_document"].pk]
        ),
    }
    pages = {
        "application list": reverse("admin:enrollment_application_changelist"),
        "application page": reverse("admin:enrollment_application_change", args=[application.pk]),
        "profile list": reverse("admin:enrollment_applicantprofile_changelist"),
        "profile page": reverse("admin:enrollment_applicantprofile_change", args=[profile.pk]),
        "VAE request page": reverse("admin:enrollment_vaerequest_change", args=[vae_request.pk]),
    }
    found = {name: reached(client.get(url)) for name, url in pages.items()}
    found |= {name: reached(client.get(url), download=True) for name, url in download_urls.items()}
    found["application export"] = reached(client.post(EXPORT, {"format": CSV_FORMAT, "resource": "0"}))
    staff_list = run_action(
        client, reverse("admin:partners_convention_changelist"), "export_staff_csv", [application.convention]
    )
    offered = staff_list.status_code == 200 and staff_list["Content-Type"].startswith("text/csv")
    found["convention staff list export"] = personal_data_in(staff_list.content) if offered else REFUSED
    return found


def _account(name):
    if name == NO_ROLE:
        return StaffUserFactory(plain=True)
    if name == SUPERUSER:
        return StaffUserFactory()
    return StaffUserFactory(role=name)


@pytest.mark.parametrize("account", list(EXPECTED))
def test_each_staff_account_reaches_exactly_the_personal_data_of_its_table_row(client, person, account):
    client.force_login(_account(account))

    assert what_the_account_reaches(client, person) == {
        surface: seen if seen == REFUSED else frozenset(seen) for surface, seen in EXPECTED[account].items()
    }


def test_the_personal_data_permission_belongs_to_the_managers_and_the_direction_only():
    holders = {name for name, perms in ROLES.items() if "enrollment.view_personal_data" in perms}
    assert holders == {GESTIONNAIRE, DIRECTION}


# --- The attacks, one by one ----------------------------------------------------------------------


@pytest.fixture
def officer(client):
    client.force_login(StaffUserFactory(role=CHARGE_PARTENARIATS))
    return client


def test_a_partnership_officer_is_refused_an_identity_document_in_french(officer, person):
    application = person["application"]
    url = reverse("admin:enrollment_application_document", args=[application.pk, person["document"].pk])

    response = officer.get(url)

    assert response.status_code == 403
    text = visible_text(response)
    assert "Accès refusé" in text
    assert "Votre compte ne permet pas d'ouvrir cette page." in text
    # The application's page names the person as the staff list does, and links to no document.
    page = officer.get(reverse("admin:enrollment_application_change", args=[application.pk]))
    text = visible_text(page)
    assert "Zaïnaba Attoumani" in text and application.applicant.email in text
    assert "Agent administratif" in text  # the job title the partner gave
    assert url not in page.content.decode()
    assert personal_data_in(page.content) == NOTHING


def test_document_downloads_need_the_documents_own_view_permission(client, person):
    application, vae_request = person["application"], person["vae_request"]
    application_document = reverse(
        "admin:enrollment_application_document", args=[application.pk, person["document"].pk]
    )
    vae_document = reverse("admin:enrollment_vaerequest_document", args=[vae_request.pk, person["vae_document"].pk])
    reader = StaffUserFactory(plain=True)
    reader.user_permissions.add(*Permission.objects.filter(codename__in=["view_application", "view_vaerequest"]))
    client.force_login(reader)

    assert client.get(application_document).status_code == 403
    assert client.get(vae_document).status_code == 403

    reader.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_applicationdocument", "view_vaedocument"])
    )
    assert client.get(application_document).status_code == 200
    assert client.get(vae_document).status_code == 200


def test_the_application_export_of_a_partnership_officer_has_no_personal_column(officer, person):
    form = officer.get(EXPORT)
    assert form.status_code == 200
    assert "Identifiant France Travail" not in visible_text(form)

    response = officer.post(EXPORT, {"format": CSV_FORMAT, "resource": "0"})

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    headers = rows[0]
    for column in ("Identifiant France Travail", "Téléphone", "Date de naissance", "Adresse"):
        assert column not in headers, column
    assert {"Référence", "Nom", "Prénom", "Courriel", "Convention"} <= set(headers)
    row = dict(zip(headers, rows[1], strict=True))
    assert (row["Nom"], row["Courriel"]) == ("Attoumani", person["application"].applicant.email)
    assert personal_data_in(response.content) == NOTHING


def test_searching_by_a_france_travail_id_reveals_nothing_to_a_partnership_officer(client, officer, person):
    changelist = reverse("admin:enrollment_application_changelist")

    response = officer.get(changelist, {"q": "7654321Y"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []
    # Nor does the search box offer it.
    assert "identifiant France Travail" not in visible_text(response)
    expected_help = "Nom, prénom, courriel, référence de la candidature ou référence exacte de la session."
    assert expected_help in visible_text(response)
    # Nor through a hand-written filter on the field.
    probe = officer.get(changelist, {"applicant__applicant_profile__france_travail_id": "7654321Y"})
    assert probe.status_code == 400
    # A manager finds the person by it.
    client.force_login(StaffUserFactory(role=GESTIONNAIRE))
    found = client.get(changelist, {"q": "7654321Y"})
    assert [app.pk for app in found.context["cl"].result_list] == [person["application"].pk]


def test_a_profile_reader_without_the_personal_data_right_cannot_probe_it(client, person):
    reader = StaffUserFactory(plain=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_applicantprofile"))
    client.force_login(reader)
    changelist = reverse("admin:enrollment_applicantprofile_changelist")

    listed = client.get(changelist)
    assert listed.status_code == 200
    assert personal_data_in(listed.content) == NOTHING
    for query in ("7654321Y", "+262639123456"):
        assert list(client.get(changelist, {"q": query}).context["cl"].result_list) == [], query
    for lookup in ("france_travail_id", "phone__startswith", "birth_date__year", "address__icontains"):
        assert client.get(changelist, {lookup: "1988"}).status_code == 400, lookup
    page = client.get(reverse("admin:enrollment_applicantprofile_change", args=[person["profile"].pk]))
    assert page.status_code == 200
    assert "Attoumani" in visible_text(page)
    assert personal_data_in(page.content) == NOTHING
