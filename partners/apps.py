from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Partenariats"

    def ready(self):
        from core import health
        from programs import freshness

        from . import freshness as partner_freshness
        from .models import Convention, ConventionDocument, SeatAllocation

        # The seats a convention reserves are not the public's: the catalogue's counts change with them.
        freshness.connect([Convention, SeatAllocation])
        partner_freshness.connect()

        # /healthz counts the convention PDFs that failed.
        health.failed_documents["conventions"] = lambda: ConventionDocument.objects.filter(
            state=ConventionDocument.State.FAILED
        )
