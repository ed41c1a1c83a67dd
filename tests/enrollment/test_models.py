"""Applications' rules about one row: the database refuses a bad row, full_clean() explains it in French."""

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone

from core.models import Notification
from enrollment.models import ApplicantProfile, Application, ApplicationDocument, ApplicationStatus, Situation
from enrollment.validators import normalize_phone, validate_france_travail_id, validate_phone
from tests.factories import (
    ApplicantProfileFactory,
    ApplicationFactory,
    ConventionFactory,
    UserFactory,
)
from tests.helpers import clean_errors, refused_by_database

pytestmark = pytest.mark.django_db

PHONE_MESSAGE = "Numéro de téléphone invalide : indiquez par exemple 0639 12 34 56 ou +262 269 61 00 00."
FRANCE_TRAVAIL_MESSAGE = (
    "L'identifiant France Travail compte 7 chiffres suivis d'un chiffre ou d'une lettre (ex. 1234567A)."
)


# --- Phone numbers ---------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0639 12 34 56", "+262639123456"),
        ("0639123456", "+262639123456"),
        ("06.39.12.34.56", "+262639123456"),
        ("0269 61 00 00", "+262269610000"),
        ("+262 269 61 00 00", "+262269610000"),
        ("+262 639 12 34 56", "+262639123456"),
        ("00262 639 12 34 56", "+262639123456"),
        ("0692 12 34 56", "+262692123456"),  # La Réunion
        ("06 12 34 56 78", "+33612345678"),
        ("+33 1 44 55 66 77", "+33144556677"),
        ("(01) 44-55-66-77", "+33144556677"),
    ],
)
def test_phone_numbers_are_stored_in_international_form(typed, stored):
    assert normalize_phone(typed) == stored
    validate_phone(typed)


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "bonjour",
        "0639 12 34",  # too short
        "0639 12 34 56 78",  # too long
        "00 12 34 56 78",  # no 00 area
        "+262 123 45 67 89",  # not a Mayotte or Réunion number
        "+33 0 12 34 56 78",
        "+1 202 555 0143",
        "1234567890",
    ],
)
def test_garbage_phone_numbers_are_refused(typed):
    with pytest.raises(ValidationError) as info:
        validate_phone(typed)

    assert info.value.messages == [PHONE_MESSAGE]


def test_profile_refuses_a_bad_phone_number():
    profile = ApplicantProfileFactory.build(user=UserFactory(), phone="06 39")

    assert clean_errors(profile)["phone"] == [PHONE_MESSAGE]


# --- France Travail identifier ---------------------------------------------


@pytest.mark.parametrize("identifier", ["1234567A", "12345678", "1234567a", "0000001Z"])
def test_valid_france_travail_identifiers(identifier):
    assert validate_france_travail_id(identifier) is None  # accepted: no ValidationError


@pytest.mark.parametrize("identifier", ["", "123456A", "123456789", "A1234567", "1234567-", "1234 567A"])
def test_invalid_france_travail_identifiers_are_refused(identifier):
    with pytest.raises(ValidationError) as info:
        validate_france_travail_id(identifier)

    assert info.value.messages == [FRANCE_TRAVAIL_MESSAGE]


# --- Applicant profile -----------------------------------------------------


def test_job_seeker_gives_a_france_travail_identifier():
    profile = ApplicantProfileFactory.build(user=UserFactory(), situation=Situation.JOB_SEEKER, france_travail_id="")

    assert clean_errors(profile)[NON_FIELD_ERRORS] == ["Un demandeur d'emploi indique son identifiant France Travail."]
    with refused_by_database():
        profile.save()


def test_other_situations_need_no_france_travail_identifier():
    profile = ApplicantProfileFactory.build(user=UserFactory(), situation=Situation.EMPLOYEE, france_travail_id="")

    profile.full_clean()
    profile.save()

    assert ApplicantProfile.objects.filter(pk=profile.pk, france_travail_id="").exists()


def test_consent_is_stored_with_its_text():
    profile = ApplicantProfileFactory()

    with refused_by_database():
        ApplicantProfile.objects.filter(pk=profile.pk).update(consent_text="")


def test_a_user_has_one_applicant_profile():
    profile = ApplicantProfileFactory()

    with refused_by_database():
        ApplicantProfileFactory(user=profile.user)


# --- Applications ----------------------------------------------------------


def test_one_live_application_per_person_and_session():
    first = ApplicationFactory()
    second = ApplicationFactory.build(session=first.session, applicant=first.applicant)

    assert clean_errors(second)[NON_FIELD_ERRORS] == ["Une candidature est déjà en cours pour cette session."]
    with refused_by_database():
        second.save()


@pytest.mark.parametrize("live", [ApplicationStatus.WAITLISTED, ApplicationStatus.OFFERED, ApplicationStatus.ENROLLED])
def test_every_live_status_blocks_a_second_application(live):
    extra = {"offer_expires_at": timezone.now()} if live == ApplicationStatus.OFFERED else {}
    first = ApplicationFactory(status=live, **extra)

    with refused_by_database():
        ApplicationFactory(session=first.session, applicant=first.applicant)


@pytest.mark.parametrize(
    "closed", [ApplicationStatus.WITHDRAWN, ApplicationStatus.EXPIRED, ApplicationStatus.CANCELLED]
)
def test_a_person_may_apply_again_once_the_first_application_is_closed(closed):
    first = ApplicationFactory()
    Application.objects.filter(pk=first.pk).update(status=closed)

    second = ApplicationFactory.build(session=first.session, applicant=first.applicant)
    second.full_clean()
    second.save()

    assert Application.objects.filter(session=first.session, applicant=first.applicant).count() == 2


def test_the_same_person_may_apply_to_two_sessions():
    first = ApplicationFactory()

    second = ApplicationFactory(applicant=first.applicant)

    assert second.session != first.session
    assert Application.objects.filter(applicant=first.applicant).count() == 2


def test_application_reference_is_unique():
    first = ApplicationFactory()
    twin = ApplicationFactory.build(reference=first.reference, session=first.session, applicant=UserFactory())

    assert "reference" in clean_errors(twin)
    with refused_by_database():
        twin.save()


def test_offered_seat_has_a_deadline():
    application = ApplicationFactory(status=ApplicationStatus.WAITLISTED)

    with refused_by_database():
        Application.objects.filter(pk=application.pk).update(status=ApplicationStatus.OFFERED)

    application.status = ApplicationStatus.OFFERED
    assert clean_errors(application)[NON_FIELD_ERRORS]

    application.offer_expires_at = timezone.now()
    application.full_clean()
    application.save()


def test_rejection_is_motivated():
    application = ApplicationFactory()
    application.status = ApplicationStatus.REJECTED

    assert clean_errors(application)[NON_FIELD_ERRORS] == ["Un refus doit être motivé."]
    with refused_by_database():
        application.save()

    application.rejection_reason = "Le niveau requis n'est pas atteint et aucune dérogation n'a été demandée."
    application.full_clean()
    application.save()


def test_partner_channel_names_its_convention():
    application = ApplicationFactory.build(
        session=ApplicationFactory().session, applicant=UserFactory(), channel=Application.Channel.PARTNER
    )

    assert clean_errors(application)[NON_FIELD_ERRORS]
    with refused_by_database():
        application.save()

    application.convention = ConventionFactory()
    application.full_clean()
    application.save()


@pytest.mark.parametrize("route", [Application.EntryRoute.DEROGATION, Application.EntryRoute.VAE])
def test_derogation_and_vae_routes_are_explained(route):
    application = ApplicationFactory.build(
        session=ApplicationFactory().session, applicant=UserFactory(), entry_route=route, entry_justification=""
    )

    assert clean_errors(application)[NON_FIELD_ERRORS] == ["Une demande de dérogation ou de VAE doit être expliquée."]
    with refused_by_database():
        application.save()

    application.entry_justification = "Dix ans d'expérience comme agent d'entretien des bâtiments communaux."
    application.full_clean()
    application.save()


# --- Documents -------------------------------------------------------------


def make_document(application, **kwargs) -> ApplicationDocument:
    values = {
        "application": application,
        "kind": ApplicationDocument.Kind.CV,
        "file": "documents/2026/01/0123456789abcdef.pdf",
        "original_name": "cv.pdf",
        "content_type": "application/pdf",
        "size": 2048,
        "sha256": "0" * 64,
        **kwargs,
    }
    return ApplicationDocument(**values)


@pytest.mark.parametrize("content_type", ["application/pdf", "image/jpeg", "image/png"])
def test_documents_of_an_allowed_type_are_stored(content_type):
    document = make_document(ApplicationFactory(), content_type=content_type)
    document.save()

    assert ApplicationDocument.objects.get(pk=document.pk).content_type == content_type


@pytest.mark.parametrize("content_type", ["text/html", "application/x-msdownload", "image/svg+xml", ""])
def test_documents_of_another_type_are_refused(content_type):
    document = make_document(ApplicationFactory(), content_type=content_type)

    with refused_by_database():
        document.save()


def test_empty_documents_are_refused():
    document = make_document(ApplicationFactory(), size=0)

    with refused_by_database():
        document.save()


# --- Notifications ---------------------------------------------------------


def make_notification(**kwargs) -> Notification:
    values = {
        "idempotency_key": "application-submitted:1",
        "template": "application_submitted",
        "recipient_email": "candidate@example.yt",
        **kwargs,
    }
    return Notification(**values)


def test_sent_notification_records_when():
    notification = make_notification(state=Notification.State.SENT)

    assert clean_errors(notification)[NON_FIELD_ERRORS]
    with refused_by_database():
        notification.save()

    notification.sent_at = timezone.now()
    notification.full_clean()
    notification.save()


def test_a_notification_is_written_once_per_event():
    make_notification().save()
    twin = make_notification()

    assert "idempotency_key" in clean_errors(twin)
    with refused_by_database():
        twin.save()
