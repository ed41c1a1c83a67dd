"""Spreadsheet exports of applications (django-import-export resources, export only).

Headers are French, statuses carry their French label, dates read in Mayotte time. Every
row comes from one query: ``filter_export`` joins what the columns read.
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources

from .models import Application

DATE_FORMAT = "%d/%m/%Y"
DATETIME_FORMAT = "%d/%m/%Y %H:%M"


def format_date(value: datetime.date | None) -> str:
    return value.strftime(DATE_FORMAT) if value else ""


def format_datetime(value: datetime.datetime | None) -> str:
    # Stored in UTC; staff read Mayotte's clock.
    return timezone.localtime(value).strftime(DATETIME_FORMAT) if value else ""


def column(name):
    return fields.Field(column_name=name, readonly=True)


class ApplicantColumns:
    """What every export of applications writes the same way: the person, the session, the status.

    Mixed into a resource that declares these columns and joins the applicant's profile and the
    session's programme in ``filter_export``.
    """

    @staticmethod
    def _profile(application):
        return getattr(application.applicant, "applicant_profile", None)

    def dehydrate_last_name(self, application):
        profile = self._profile(application)
        return profile.last_name if profile else ""

    def dehydrate_first_name(self, application):
        profile = self._profile(application)
        return profile.first_name if profile else ""

    def dehydrate_email(self, application):
        return application.applicant.email

    def dehydrate_programme(self, application):
        return application.session.programme.title

    def dehydrate_session(self, application):
        return application.session.reference

    def dehydrate_session_start(self, application):
        return format_date(application.session.start_date)

    def dehydrate_status(self, application):
        return str(application.get_status_display())


class ApplicationResource(ApplicantColumns, resources.ModelResource):
    """All applications as staff filtered them; the personal columns only with ``personal_data=True``.

    The admin passes whether the exporting account may read personal data (enrollment.admin.privacy).
    """

    # Columns only readers of applicants' personal data receive.
    personal_columns = ("phone", "france_travail_id")

    reference = column(_("Référence"))
    last_name = column(_("Nom"))
    first_name = column(_("Prénom"))
    email = column(_("Courriel"))
    phone = column(_("Téléphone"))
    commune = column(_("Commune"))
    situation = column(_("Situation"))
    france_travail_id = column(_("Identifiant France Travail"))
    programme = column(_("Formation"))
    session = column(_("Session"))
    session_start = column(_("Début de la session"))
    session_end = column(_("Fin de la session"))
    status = column(_("Statut"))
    channel = column(_("Canal"))
    convention = column(_("Convention"))
    submitted_at = column(_("Date de dépôt"))
    decided_at = column(_("Date de décision"))

    class Meta:
        model = Application
        fields = (
            "reference",
            "last_name",
            "first_name",
            "email",
            "phone",
            "commune",
            "situation",
            "france_travail_id",
            "programme",
            "session",
            "session_start",
            "session_end",
            "status",
            "channel",
            "convention",
            "submitted_at",
            "decided_at",
        )
        export_order = fields
        # Export only: staff never load applications from a spreadsheet.
        import_id_fields = ()

    def __init__(self, *, personal_data: bool = False, **kwargs):
        super().__init__(**kwargs)
        if not personal_data:
            for name in self.personal_columns:
                del self.fields[name]

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("applicant__applicant_profile", "session__programme", "convention").order_by(
            "session__start_date", "session__reference", "submitted_at", "pk"
        )

    def dehydrate_reference(self, application):
        return application.reference

    def dehydrate_phone(self, application):
        profile = self._profile(application)
        return profile.phone if profile else ""

    def dehydrate_commune(self, application):
        profile = self._profile(application)
        return str(profile.get_commune_display()) if profile else ""

    def dehydrate_situation(self, application):
        profile = self._profile(application)
        return str(profile.get_situation_display()) if profile else ""

    def dehydrate_france_travail_id(self, application):
        profile = self._profile(application)
        return profile.france_travail_id if profile else ""

    def dehydrate_session_end(self, application):
        return format_date(application.session.end_date)

    def dehydrate_channel(self, application):
        return str(application.get_channel_display())

    def dehydrate_convention(self, application):
        return application.convention.reference if application.convention_id else ""

    def dehydrate_submitted_at(self, application):
        return format_datetime(application.submitted_at)

    def dehydrate_decided_at(self, application):
        return format_datetime(application.decided_at)
