"""Enrollment certificates: the PDF requested after enrollment, rendered by a worker, refreshed when its data change."""

import logging
from functools import partial

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import outbox
from enrollment import documents
from enrollment.models import (
    Application,
    ApplicationStatus,
    EnrollmentCertificate,
)

logger = logging.getLogger(__name__)
Status = ApplicationStatus
RENDER_TASK = "enrollment.tasks.render_certificate"


class CertificateRenderError(Exception):
    pass


def certificate_request(*, application: Application) -> EnrollmentCertificate:
    """Make sure the enrolled application has a certificate row and (re)render it after commit;
    the render task skips the work when the data shown has not changed."""
    if application.status != Status.ENROLLED:
        raise ValidationError(
            _("Seule une inscription confirmée donne droit à une attestation (statut actuel : « %(status)s »).")
            % {"status": application.get_status_display()},
            code="not_enrolled",
        )
    certificate, _created = EnrollmentCertificate.objects.get_or_create(application=application)
    outbox.enqueue_on_commit(RENDER_TASK, certificate.pk)
    return certificate


def certificate_render(*, certificate_id: int) -> EnrollmentCertificate:
    """Render the certificate PDF unless the stored one already shows the current data."""
    failure = None
    with transaction.atomic():
        certificate = EnrollmentCertificate.objects.select_for_update().get(pk=certificate_id)
        application = Application.objects.select_related(
            "session__programme", "session__site", "applicant__applicant_profile"
        ).get(pk=certificate.application_id)
        if application.status != Status.ENROLLED:
            return certificate
        data = documents.certificate_data(application)
        data_hash = documents.certificate_data_hash(data)
        storage = certificate.file.storage
        if (
            certificate.state == EnrollmentCertificate.State.READY
            and certificate.data_hash == data_hash
            and certificate.file.name
            and storage.exists(certificate.file.name)
        ):
            return certificate
        previous = certificate.file.name if certificate.file else ""
        new_name = ""
        try:
            pdf = documents.render_certificate(application)
            certificate.file.save(f"attestation-{application.reference}.pdf", ContentFile(pdf), save=False)
            new_name = certificate.file.name or ""
            certificate.state = EnrollmentCertificate.State.READY
            certificate.data_hash = data_hash
            certificate.error = ""
            certificate.generated_at = timezone.now()
            certificate.attempts += 1
            certificate.save()
        except Exception as exc:
            if new_name:
                storage.delete(new_name)
            certificate.refresh_from_db()
            certificate.state = EnrollmentCertificate.State.FAILED
            certificate.error = f"{type(exc).__name__}: {exc}"[:2000]
            certificate.attempts += 1
            certificate.save(update_fields=["state", "error", "attempts"])
            failure = exc
        else:
            if previous and previous != new_name:
                transaction.on_commit(partial(storage.delete, previous))
    if failure is not None:
        raise CertificateRenderError(str(failure)) from failure
    return certificate


def session_certificates_refresh(*, session_id: int) -> int:
    """After a session's details change, re-render the certificates whose content changed."""
    # An anonymised account's enrollment stays in the figures, with no one left to certify.
    applications = Application.objects.filter(session_id=session_id, status=Status.ENROLLED, applicant__is_active=True)
    count = 0
    with transaction.atomic():
        for application in applications:
            certificate_request(application=application)
            count += 1
    return count
