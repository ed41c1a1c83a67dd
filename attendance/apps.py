from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "attendance"
    verbose_name = "Suivi de la formation et émargement"

    def ready(self):
        from core import health
        from core.models import Notification

        from .models import FunderDocument, RenderState
        from .services.followup import NOTIFICATION_KINDS as FOLLOWUP_EMAILS

        # Staff read each email of the outbox by its French name: the follow-up's.
        Notification.kinds.update(FOLLOWUP_EMAILS)
        # /healthz counts the funders' documents (entry, monthly statements, certificats) that failed.
        health.failed_documents["documents_financeurs"] = lambda: FunderDocument.objects.filter(
            render_state=RenderState.FAILED
        )
