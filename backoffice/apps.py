from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    """The staff report of the back-office."""

    name = "backoffice"
    verbose_name = "Rapports"
