from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Partenariats"

    def ready(self):
        from core import health

        from .models import ConventionDocument

        # /healthz counts the convention PDFs that failed.
        health.failed_documents["conventions"] = lambda: ConventionDocument.objects.filter(
            state=ConventionDocument.State.FAILED
        )
