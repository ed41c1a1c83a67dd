from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "attendance"
    verbose_name = "Suivi de la formation et émargement"

    def ready(self):
        from core import health
        from core.models import Notification

        from .models import AttendanceSheet, FunderDocument, RenderState
        from .notifications import NOTIFICATION_KINDS
        from .services.followup import NOTIFICATION_KINDS as FOLLOWUP_EMAILS

        # Staff read each email of the outbox by its French name: the course days', the
        # trainers' and the follow-up's.
        Notification.kinds.update(NOTIFICATION_KINDS)
        Notification.kinds.update(FOLLOWUP_EMAILS)
        # /healthz counts the funders' documents and the attendance sheets whose PDF failed.
        health.failed_documents["documents_financeurs"] = lambda: FunderDocument.objects.filter(
            render_state=RenderState.FAILED
        )
        health.failed_documents["feuilles_emargement"] = lambda: AttendanceSheet.objects.filter(
            render_state=RenderState.FAILED
        )
