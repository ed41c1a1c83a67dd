from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every app shares and that depends on no other app of the portal."""

    name = "core"
    verbose_name = "Messages du portail"
