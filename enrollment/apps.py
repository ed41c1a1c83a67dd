from django.apps import AppConfig


class EnrollmentConfig(AppConfig):
    name = "enrollment"
    verbose_name = "Candidatures et inscriptions"

    def ready(self):
        from core import health
        from core.models import Notification

        from . import freshness
        from .models import EnrollmentCertificate
        from .notifications import NOTIFICATION_KINDS

        freshness.connect()
        # Staff read each email of the outbox by its French name.
        Notification.kinds.update(NOTIFICATION_KINDS)
        # /healthz counts the attestations d'inscription that failed.
        health.failed_documents["attestations"] = lambda: EnrollmentCertificate.objects.filter(
            state=EnrollmentCertificate.State.FAILED
        )
