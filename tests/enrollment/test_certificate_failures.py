"""An attestation whose storage fails: marked « Échec » with a French reason, shown to staff, swept again."""

import datetime

import pytest
from celery.schedules import crontab
from django.urls import reverse
from django.utils import timezone

from cnam_portal.celery import app
from enrollment import tasks
from enrollment.models import EnrollmentCertificate
from enrollment.services import certificates
from tests.factories import ApplicationFactory, StaffUserFactory
from tests.helpers import unwritable_storage, visible_text

pytestmark = pytest.mark.django_db

Cert = EnrollmentCertificate.State
STORAGE_REASON = (
    "Échec de la production de l'attestation : le PDF n'a pas pu être enregistré dans le stockage des documents."
)


def storage():
    return EnrollmentCertificate._meta.get_field("file").storage


@pytest.fixture
def enrolled():
    return ApplicationFactory(enrolled=True)


# Committed for real, as in production: the in-process render runs when the request's write commits.
@pytest.mark.django_db(transaction=True)
def test_unwritable_storage_marks_the_certificate_failed_then_the_sweep_renders_it(enrolled, client, tmp_path):
    client.force_login(enrolled.applicant)
    with unwritable_storage(storage(), tmp_path):
        client.get(reverse("enrollment:certificate", args=[enrolled.reference]))

    certificate = EnrollmentCertificate.objects.get(application=enrolled)
    assert certificate.state == Cert.FAILED
    assert certificate.attempts == 1
    assert certificate.error == STORAGE_REASON
    assert certificate.error_detail.split(":")[0] in {"NotADirectoryError", "FileExistsError", "FileNotFoundError"}
    assert not certificate.file

    # Storage back: the periodic sweep renders it, and the person downloads it.
    assert tasks.retry_failed_certificates.delay().get() == 1
    certificate.refresh_from_db()
    assert (certificate.state, certificate.error, certificate.error_detail) == (Cert.READY, "", "")
    assert certificate.attempts == 2
    response = client.get(reverse("enrollment:certificate", args=[enrolled.reference]))
    assert response["Content-Type"] == "application/pdf"


def test_staff_see_the_failure_its_reason_and_detail_in_the_admin(enrolled, client, tmp_path):
    certificate = EnrollmentCertificate.objects.create(application=enrolled)
    with unwritable_storage(storage(), tmp_path), pytest.raises(certificates.CertificateRenderError):
        certificates.certificate_render(certificate_id=certificate.pk)
    client.force_login(StaffUserFactory())

    listing = visible_text(client.get(reverse("admin:enrollment_enrollmentcertificate_changelist")))
    assert "Échec" in listing
    assert STORAGE_REASON in listing
    page = visible_text(client.get(reverse("admin:enrollment_enrollmentcertificate_change", args=[certificate.pk])))
    assert STORAGE_REASON in page
    assert "Détail technique de l'échec" in page
    certificate.refresh_from_db()
    assert certificate.error_detail.split(":")[0] in page


def test_sweep_takes_failed_and_lost_certificates_only(monkeypatch):
    now = timezone.now()
    failed = EnrollmentCertificate.objects.create(
        application=ApplicationFactory(enrolled=True), state=Cert.FAILED, attempts=2
    )
    exhausted = EnrollmentCertificate.objects.create(
        application=ApplicationFactory(enrolled=True), state=Cert.FAILED, attempts=certificates.CERTIFICATE_MAX_ATTEMPTS
    )
    lost = EnrollmentCertificate.objects.create(
        application=ApplicationFactory(enrolled=True),
        state=Cert.PENDING,
        requested_at=now - certificates.CERTIFICATE_STALE_AFTER - datetime.timedelta(minutes=1),
    )
    recent = EnrollmentCertificate.objects.create(application=ApplicationFactory(enrolled=True), state=Cert.PENDING)
    withdrawn = EnrollmentCertificate.objects.create(
        application=ApplicationFactory(status="retiree"), state=Cert.FAILED, attempts=1
    )
    enqueued = []
    monkeypatch.setattr(certificates.outbox, "enqueue_on_commit", lambda name, *pks: enqueued.extend(pks))
    sent = certificates.certificates_retry(now=now)
    assert sorted(sent) == sorted([failed.pk, lost.pk])
    assert sorted(enqueued) == sorted(sent)
    failed.refresh_from_db()
    assert failed.state == Cert.PENDING
    for untouched in (exhausted, recent, withdrawn):
        state = untouched.state
        untouched.refresh_from_db()
        assert untouched.state == state


def test_the_sweep_that_retries_certificates_runs_at_least_every_ten_minutes():
    entries = [
        entry
        for entry in app.conf.beat_schedule.values()
        if entry["task"] == "enrollment.tasks.retry_failed_certificates"
    ]
    assert len(entries) == 1
    schedule = entries[0]["schedule"]
    assert isinstance(schedule, crontab)
    start = datetime.datetime(2026, 12, 1, 10, 0, 30, tzinfo=datetime.UTC)
    waits = [
        schedule.remaining_estimate(start + datetime.timedelta(minutes=minute)).total_seconds() for minute in range(60)
    ]
    assert max(waits) <= 10 * 60
