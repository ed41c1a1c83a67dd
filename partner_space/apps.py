from django.apps import AppConfig


class PartnerSpaceConfig(AppConfig):
    """The pages partner organisations use: their conventions, staff enrollments and imports."""

    name = "partner_space"
    verbose_name = "Espace partenaire"
