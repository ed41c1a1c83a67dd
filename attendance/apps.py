from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "attendance"
    verbose_name = "Suivi de la formation et émargement"

    def ready(self):
        from core.models import Notification

        from .notifications import NOTIFICATION_KINDS

        # Staff read each email of the outbox by its French name.
        Notification.kinds.update(NOTIFICATION_KINDS)
