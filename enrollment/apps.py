from django.apps import AppConfig


class EnrollmentConfig(AppConfig):
    name = "enrollment"
    verbose_name = "Candidatures et inscriptions"

    def ready(self):
        from core.models import Notification

        from .notifications import NOTIFICATION_KINDS

        # Staff read each email of the outbox by its French name.
        Notification.kinds.update(NOTIFICATION_KINDS)
