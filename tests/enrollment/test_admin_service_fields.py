"""What the enrollment admins leave to the services: whose profile, request, document, certificate or email it is.

Each attack posts the change form with a foreign key pointed at someone else (the application's own
fields are covered in test_admin.py); the row keeps its owner, so nobody reaches another person's data.
"""

import pytest
from django.urls import reverse

from cnam_portal.roles import GESTIONNAIRE
from core.models import Notification
from enrollment.models import ApplicantProfile, ApplicationDocument, EnrollmentCertificate, VaeStage
from enrollment.services import applications
from enrollment.services import vae as services_vae
from tests.factories import ApplicantFactory, ApplicationFactory, ProgrammeFactory, SessionFactory, StaffUserFactory
from tests.helpers import change_form_data, inline_management, pdf_upload, visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client):
    client.force_login(StaffUserFactory(role=GESTIONNAIRE))
    return client


def test_a_manager_cannot_give_a_profile_to_another_account(client, manager):
    owner = ApplicantFactory(profile__last_name="Attoumani", profile__france_travail_id="7654321Y")
    profile = owner.applicant_profile
    stranger = StaffUserFactory(plain=True, is_staff=False)  # an account with no profile yet
    url = reverse("admin:enrollment_applicantprofile_change", args=[profile.pk])
    page = manager.get(url)
    assert 'name="user"' not in page.content.decode()

    manager.post(url, change_form_data(page, user=stranger.pk, job_title="Aide-soignante"))

    profile.refresh_from_db()
    assert profile.user_id == owner.pk
    assert profile.job_title == "Aide-soignante"  # what staff may correct still saves
    assert not ApplicantProfile.objects.filter(user=stranger).exists()
    # The stranger's own profile page does not show the first person's identity.
    client.force_login(stranger)
    assert "7654321Y" not in visible_text(client.get(reverse("enrollment:profile")))


def test_a_manager_cannot_move_a_vae_request_to_another_person_or_stage(manager):
    person, other = ApplicantFactory(), ApplicantFactory()
    vae_request = services_vae.vae_request_submit(
        user=person,
        programme=ProgrammeFactory(vae_available=True),
        experience_summary="Dix ans d'accueil du public en mairie.",
        years=10,
        documents=[("identite", pdf_upload("piece-identite.pdf"))],
    )
    url = reverse("admin:enrollment_vaerequest_change", args=[vae_request.pk])
    page = manager.get(url)
    for field in ("applicant", "programme", "stage", "result"):
        assert f'name="{field}"' not in page.content.decode(), field

    document = vae_request.documents.get()
    manager.post(
        url,
        {
            "applicant": other.pk,
            "programme": ProgrammeFactory(vae_available=True).pk,
            "stage": VaeStage.RESULT,
            "result": "validation_totale",
            **inline_management(page, {"documents-0-request": other.pk, "documents-0-kind": "cv"}),
        },
    )

    vae_request.refresh_from_db()
    document.refresh_from_db()
    assert (vae_request.applicant_id, vae_request.stage, vae_request.result) == (person.pk, VaeStage.SUBMITTED, "")
    assert (document.request_id, document.kind) == (vae_request.pk, "identite")


def test_a_document_stays_with_its_application(manager):
    application = applications.application_submit(
        user=ApplicantFactory(),
        session=SessionFactory(),
        motivation="Motivée.",
        documents=[("identite", pdf_upload("piece-identite.pdf"))],
    )
    other = ApplicationFactory()
    document = application.documents.get()
    url = reverse("admin:enrollment_application_change", args=[application.pk])
    page = manager.get(url)

    manager.post(
        url,
        change_form_data(
            page,
            **{"documents-0-application": other.pk, "documents-0-kind": "cv", "documents-0-original_name": "cv.pdf"},
        ),
    )

    document.refresh_from_db()
    assert (document.application_id, document.kind, document.original_name) == (
        application.pk,
        ApplicationDocument.Kind.IDENTITY,
        "piece-identite.pdf",
    )
    assert not other.documents.exists()


def test_a_certificate_and_an_email_keep_their_application_even_for_a_superuser(client):
    client.force_login(StaffUserFactory())
    first, other = ApplicationFactory(enrolled=True), ApplicationFactory(enrolled=True)
    certificate = EnrollmentCertificate.objects.create(application=first)
    notification = Notification.objects.create(
        idempotency_key="essai-1", template="application_enrolled", recipient_email="a@example.yt", application=first
    )

    client.post(
        reverse("admin:enrollment_enrollmentcertificate_change", args=[certificate.pk]),
        {"application": other.pk, "state": EnrollmentCertificate.State.READY, "file": "attestations/autre.pdf"},
    )
    client.post(
        reverse("admin:core_notification_change", args=[notification.pk]),
        {"application": other.pk, "recipient_email": "pirate@example.yt", "state": Notification.State.SENT},
    )

    certificate.refresh_from_db()
    notification.refresh_from_db()
    assert (certificate.application_id, certificate.state, certificate.file.name) == (
        first.pk,
        EnrollmentCertificate.State.PENDING,
        "",
    )
    assert (notification.application_id, notification.recipient_email, notification.state) == (
        first.pk,
        "a@example.yt",
        Notification.State.PENDING,
    )
