"""Enrollment certificates: the PDF requested after enrollment, rendered by a worker, refreshed when its data change."""

import datetime
import logging
from functools import partial

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
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
# A certificate is tried at most this many times (Celery's own retries included), then staff look.
CERTIFICATE_MAX_ATTEMPTS = 8
# A pending certificate older than this lost its message: the sweep sends it again.
CERTIFICATE_STALE_AFTER = datetime.timedelta(minutes=10)


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
    certificate, created = EnrollmentCertificate.objects.get_or_create(application=application)
    if not created and certificate.state != EnrollmentCertificate.State.READY:
        certificate.requested_at = timezone.now()
        certificate.save(update_fields=["requested_at"])
    outbox.enqueue_on_commit(RENDER_TASK, certificate.pk)
    return certificate


def certificate_render(*, certificate_id: int) -> EnrollmentCertificate:
    """Render the certificate PDF unless the stored one already shows the current data.

    Any failure, in the rendering or in the storing, marks the row « Échec » with a French
    reason (the exception itself in ``error_detail``) before ``CertificateRenderError`` is raised.
    """
    failure = None
    with transaction.atomic():
        certificate = EnrollmentCertificate.objects.select_for_update().get(pk=certificate_id)
        application = Application.objects.select_related(
            "session__programme", "session__site", "applicant__applicant_profile"
        ).get(pk=certificate.application_id)
        if application.status != Status.ENROLLED:
            return certificate
        storage = certificate.file.storage
        previous = certificate.file.name if certificate.file else ""
        new_name = ""
        pdf = None
        try:
            # A savepoint: a failed write leaves the transaction usable for recording the failure.
            with transaction.atomic():
                data = documents.certificate_data(application)
                data_hash = documents.certificate_data_hash(data)
                if (
                    certificate.state == EnrollmentCertificate.State.READY
                    and certificate.data_hash == data_hash
                    and certificate.file.name
                    and storage.exists(certificate.file.name)
                ):
                    return certificate
                pdf = documents.render_certificate(application)
                certificate.file.save(f"attestation-{application.reference}.pdf", ContentFile(pdf), save=False)
                new_name = certificate.file.name or ""
                certificate.state = EnrollmentCertificate.State.READY
                certificate.data_hash = data_hash
                certificate.error = ""
                certificate.error_detail = ""
                certificate.generated_at = timezone.now()
                certificate.attempts += 1
                certificate.save()
        except Exception as exc:
            if new_name:
                _discard_file(storage, new_name)
            certificate.refresh_from_db()
            certificate.state = EnrollmentCertificate.State.FAILED
            if pdf is None:
                reason = _("la mise en page du PDF a échoué.")
            else:
                reason = _("le PDF n'a pas pu être enregistré dans le stockage des documents.")
            certificate.error = _("Échec de la production de l'attestation : %(reason)s") % {"reason": reason}
            certificate.error_detail = f"{type(exc).__name__}: {exc}"[:2000]
            certificate.attempts += 1
            certificate.save(update_fields=["state", "error", "error_detail", "attempts"])
            logger.warning("Certificate %s failed: %s", certificate_id, type(exc).__name__)
            failure = exc
        else:
            if previous and previous != new_name:
                transaction.on_commit(partial(storage.delete, previous))
    if failure is not None:
        raise CertificateRenderError(str(failure)) from failure
    return certificate


def _discard_file(storage, name: str) -> None:
    # The row was not updated: a file left behind would be an orphan nobody serves or erases.
    try:
        storage.delete(name)
    except Exception:
        logger.warning("Could not delete orphan certificate %s", name, exc_info=True)


def certificates_retry(*, now: datetime.datetime | None = None) -> list[int]:
    """The sweep: render again the certificates a failure or a lost message left unrendered.

    Failed ones until ``CERTIFICATE_MAX_ATTEMPTS``; pending ones once older than
    ``CERTIFICATE_STALE_AFTER`` (their message is then presumed lost).
    """
    now = now or timezone.now()
    due = EnrollmentCertificate.objects.filter(
        Q(state=EnrollmentCertificate.State.FAILED, attempts__lt=CERTIFICATE_MAX_ATTEMPTS)
        | Q(state=EnrollmentCertificate.State.PENDING, requested_at__lt=now - CERTIFICATE_STALE_AFTER),
        application__status=Status.ENROLLED,
        application__applicant__is_active=True,
    )
    ids = list(due.order_by("requested_at", "pk").values_list("pk", flat=True))
    if ids:
        EnrollmentCertificate.objects.filter(pk__in=ids).update(
            state=EnrollmentCertificate.State.PENDING, requested_at=now
        )
        outbox.enqueue_on_commit(RENDER_TASK, *ids)
    return ids


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
