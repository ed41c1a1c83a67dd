from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "cnam_portal"
    verbose_name = "Portail CNAM Mayotte"
