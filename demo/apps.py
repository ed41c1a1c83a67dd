from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for a local portal (manage.py seed_demo)."""

    name = "demo"
    verbose_name = "Démonstration"
