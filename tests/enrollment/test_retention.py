"""The nightly retention run: documents erased when their period ends, inactive accounts warned then anonymised."""

import datetime
import logging
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from centre.models import Centre
from cnam_portal.celery import app as celery_app
from core.models import Notification
from enrollment.models import (
    ApplicantProfile,
    Application,
    ApplicationDocument,
    EnrollmentCertificate,
    VaeDocument,
    VaeRequest,
    VaeStage,
)
from enrollment.models.profiles import CONSENT_TEXT
from enrollment.services import personal_data
from enrollment.tasks import apply_retention
from tests.factories import ApplicantFactory, ApplicationFactory, CentreFactory, SessionFactory, StaffUserFactory
from tests.helpers import PDF_BYTES

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
NOW = datetime.datetime(2031, 6, 15, 9, 0, tzinfo=datetime.UTC)


def _document(application) -> str:
    document = ApplicationDocument.objects.create(
        application=application,
        kind=ApplicationDocument.Kind.CV,
        file=ContentFile(PDF_BYTES, name="cv.pdf"),
        original_name="cv.pdf",
        content_type="application/pdf",
        size=len(PDF_BYTES),
        sha256="0" * 64,
    )
    return document.file.name


def _on_disk(name: str) -> bool:
    return (Path(settings.PRIVATE_MEDIA_ROOT) / name).exists()


def _run(now, capture):
    with capture(execute=True):
        return personal_data.retention_run(now=now)


def _session_ended(on: datetime.date):
    return SessionFactory(
        start_date=on - 90 * DAY,
        end_date=on,
        applications_open_at=datetime.datetime.combine(on - 200 * DAY, datetime.time(), tzinfo=datetime.UTC),
        applications_close_at=datetime.datetime.combine(on - 100 * DAY, datetime.time(), tzinfo=datetime.UTC),
    )


# --- Documents --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status",
    [
        Application.Status.REJECTED,
        Application.Status.WITHDRAWN,
        Application.Status.EXPIRED,
        Application.Status.CANCELLED,
    ],
)
def test_documents_of_a_closed_application_go_three_months_after_the_decision_not_before(
    status, django_capture_on_commit_callbacks
):
    closed_at = NOW - 91 * DAY
    late = ApplicationFactory(status=status, closed_at=closed_at, decided_at=closed_at)
    recent = ApplicationFactory(status=status, closed_at=NOW - 89 * DAY, decided_at=NOW - 89 * DAY)
    late_file, recent_file = _document(late), _document(recent)

    report = _run(NOW, django_capture_on_commit_callbacks)

    assert report.closed_documents == 1
    assert not _on_disk(late_file)
    assert not ApplicationDocument.objects.filter(application=late).exists()
    assert _on_disk(recent_file)
    # The application itself stays, for the figures.
    assert Application.objects.filter(pk=late.pk, status=status).exists()
    # A second run finds nothing more to do.
    assert _run(NOW, django_capture_on_commit_callbacks).closed_documents == 0


def test_the_period_comes_from_the_settings(settings, django_capture_on_commit_callbacks):
    settings.RETENTION_CLOSED_DOCUMENTS_DAYS = 180
    refused = ApplicationFactory(status=Application.Status.REJECTED, closed_at=NOW - 120 * DAY)
    name = _document(refused)

    _run(NOW, django_capture_on_commit_callbacks)

    assert _on_disk(name)


def test_enrolled_evidence_is_kept_for_the_funders_period_after_the_sessions_end(django_capture_on_commit_callbacks):
    today = timezone.localdate(NOW)
    kept = ApplicationFactory(session=_session_ended(today.replace(year=today.year - 4)), enrolled=True)
    over = ApplicationFactory(session=_session_ended(today.replace(year=today.year - 6)), enrolled=True)
    # Decided long ago but the session is still running: kept.
    ongoing = ApplicationFactory(enrolled=True, decided_at=NOW - 400 * DAY)
    files = {application.pk: _document(application) for application in (kept, over, ongoing)}
    certificate = EnrollmentCertificate.objects.create(
        application=over, state=EnrollmentCertificate.State.READY, file=ContentFile(PDF_BYTES, name="a.pdf")
    )
    kept_certificate = EnrollmentCertificate.objects.create(
        application=kept, state=EnrollmentCertificate.State.READY, file=ContentFile(PDF_BYTES, name="b.pdf")
    )

    report = _run(NOW, django_capture_on_commit_callbacks)

    assert report.evidence_documents == 2
    assert not _on_disk(files[over.pk])
    assert not _on_disk(certificate.file.name)
    assert _on_disk(files[kept.pk])
    assert _on_disk(kept_certificate.file.name)
    assert _on_disk(files[ongoing.pk])


def test_vae_documents_follow_the_request_outcome(django_capture_on_commit_callbacks):
    person = ApplicantFactory()

    def request(stage, closed_at, **fields):
        vae_request = VaeRequest.objects.create(
            reference=f"VAE-2026-{VaeRequest.objects.count() + 100001}",
            applicant=person,
            programme=ApplicationFactory().session.programme,
            experience_summary="Expérience.",
            years_of_experience=5,
            stage=stage,
            closed_at=closed_at,
            **fields,
        )
        return VaeDocument.objects.create(
            request=vae_request,
            kind="cv",
            file=ContentFile(PDF_BYTES, name="cv.pdf"),
            original_name="cv.pdf",
            content_type="application/pdf",
            size=10,
            sha256="0" * 64,
        ).file.name

    not_admissible = request(VaeStage.NOT_ADMISSIBLE, NOW - 91 * DAY, decision_reason="Hors champ.")
    decided_recently = request(VaeStage.RESULT, NOW - 400 * DAY, result="validation_totale")
    decided_long_ago = request(VaeStage.RESULT, NOW - 6 * 366 * DAY, result="validation_totale")

    report = _run(NOW, django_capture_on_commit_callbacks)

    assert report.vae_documents == 2
    assert not _on_disk(not_admissible)
    assert not _on_disk(decided_long_ago)
    assert _on_disk(decided_recently)


def test_documents_are_erased_in_batches(monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(personal_data, "RETENTION_BATCH", 2)
    applications = ApplicationFactory.create_batch(5, status=Application.Status.REJECTED, closed_at=NOW - 200 * DAY)
    names = [_document(application) for application in applications]

    report = _run(NOW, django_capture_on_commit_callbacks)

    assert report.closed_documents == 5
    assert not any(_on_disk(name) for name in names)


# --- Inactive accounts ------------------------------------------------------------------------


def _inactive_person(**fields):
    person = ApplicantFactory(**fields)
    type(person).objects.filter(pk=person.pk).update(last_login=NOW - 731 * DAY, date_joined=NOW - 1000 * DAY, **fields)
    person.refresh_from_db()
    return person


def _warnings(person):
    return Notification.objects.filter(user=person, template="account_inactive_warning")


def test_an_inactive_account_is_warned_then_anonymised_thirty_days_later(django_capture_on_commit_callbacks):
    person = _inactive_person()
    old = ApplicationFactory(applicant=person, status=Application.Status.REJECTED, closed_at=NOW - 800 * DAY)
    address = person.email

    first = _run(NOW, django_capture_on_commit_callbacks)
    [warning] = _warnings(person)
    assert first.warned == 1
    assert warning.recipient_email == address
    assert warning.context["inactive_text"] == "2 ans"
    # Run again the same night, or the next one: one warning only.
    assert _run(NOW + DAY, django_capture_on_commit_callbacks).warned == 0
    assert _warnings(person).count() == 1
    Notification.objects.filter(pk=warning.pk).update(created_at=NOW)

    assert _run(NOW + 29 * DAY, django_capture_on_commit_callbacks).anonymised == 0
    person.refresh_from_db()
    assert person.is_active

    report = _run(NOW + 31 * DAY, django_capture_on_commit_callbacks)

    assert report.anonymised == 1
    person.refresh_from_db()
    assert not person.is_active and person.email == ""
    assert not ApplicantProfile.objects.filter(user=person).exists()
    old.refresh_from_db()
    assert old.status == Application.Status.REJECTED  # still counted
    assert not Notification.objects.filter(recipient_email=address).exists()
    assert _run(NOW + 32 * DAY, django_capture_on_commit_callbacks).anonymised == 0


def test_the_warning_email_says_when_and_how_to_keep_the_account(mailoutbox, django_capture_on_commit_callbacks):
    person = _inactive_person()

    _run(NOW, django_capture_on_commit_callbacks)

    [message] = [message for message in mailoutbox if person.email in message.to]
    assert "anonymisé" in message.subject
    assert "depuis plus de 2 ans" in message.body
    assert "d'ici 30 jours" in message.body
    assert reverse("account_login") in message.body


def test_a_person_who_came_back_after_the_warning_is_kept(django_capture_on_commit_callbacks):
    person = _inactive_person()
    _run(NOW, django_capture_on_commit_callbacks)
    [warning] = _warnings(person)
    Notification.objects.filter(pk=warning.pk).update(created_at=NOW)
    type(person).objects.filter(pk=person.pk).update(last_login=NOW + 5 * DAY)

    report = _run(NOW + 31 * DAY, django_capture_on_commit_callbacks)

    assert report.anonymised == 0
    person.refresh_from_db()
    assert person.is_active
    # Gone again for the whole period: warned anew, with a warning of its own.
    later = NOW + 5 * DAY + 731 * DAY
    assert _run(later, django_capture_on_commit_callbacks).warned == 1
    assert _warnings(person).count() == 2


def test_a_never_signed_in_account_counts_from_its_creation(django_capture_on_commit_callbacks):
    fresh = ApplicantFactory()
    old = ApplicantFactory()
    type(old).objects.filter(pk__in=[fresh.pk, old.pk]).update(last_login=None)
    type(old).objects.filter(pk=fresh.pk).update(date_joined=NOW - 100 * DAY)
    type(old).objects.filter(pk=old.pk).update(date_joined=NOW - 800 * DAY)

    _run(NOW, django_capture_on_commit_callbacks)

    assert not _warnings(fresh).exists()
    assert _warnings(old).exists()


def test_accounts_with_something_live_and_staff_are_not_warned(django_capture_on_commit_callbacks):
    applicant = _inactive_person()
    ApplicationFactory(applicant=applicant, status=Application.Status.WAITLISTED)
    staff = StaffUserFactory()
    type(staff).objects.filter(pk=staff.pk).update(last_login=NOW - 900 * DAY)

    report = _run(NOW, django_capture_on_commit_callbacks)

    assert report.warned == 0


def test_the_run_logs_counts_and_never_a_name_or_an_address(caplog, django_capture_on_commit_callbacks):
    person = _inactive_person(first_name="Zaïnaba")
    ApplicantProfile.objects.filter(user=person).update(first_name="Zaïnaba", last_name="Soilihi")
    _document(ApplicationFactory(applicant=person, status=Application.Status.REJECTED, closed_at=NOW - 100 * DAY))
    _run(NOW, django_capture_on_commit_callbacks)
    Notification.objects.filter(user=person).update(created_at=NOW)

    with caplog.at_level(logging.INFO, logger="enrollment.services.personal_data"):
        _run(NOW + 31 * DAY, django_capture_on_commit_callbacks)

    assert "1 anonymised" in caplog.text
    for secret in (person.email, "Zaïnaba", "Soilihi", person.username):
        assert secret not in caplog.text


def test_the_beat_runs_the_retention_task_every_night():
    scheduled = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}

    assert "enrollment.tasks.apply_retention" in scheduled
    assert apply_retention.name == "enrollment.tasks.apply_retention"


# --- What people read states the periods of the settings -------------------------------------


def test_the_consent_states_the_periods_of_the_settings():
    for period in ("3 mois", "5 ans", "2 ans", "30 jours"):
        assert period in CONSENT_TEXT
    assert "trois ans" not in CONSENT_TEXT


def test_the_privacy_page_states_the_periods_of_the_settings(client, settings):
    Centre.objects.all().delete()
    CentreFactory()
    settings.RETENTION_CLOSED_DOCUMENTS_DAYS = 180
    settings.RETENTION_EVIDENCE_YEARS = 10

    text = client.get(reverse("centre:privacy")).content.decode()

    assert "effacées 6 mois après la décision" in text
    assert "conservées 10 ans après la fin de la session" in text
    assert "après 2 ans sans connexion" in text
    assert "{" not in text.split("Combien de temps")[1].split("Qui les reçoit")[0]
