from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = "Catalogue"

    def ready(self):
        from programs import freshness

        freshness.connect(self.get_models())
