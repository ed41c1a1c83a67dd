"""A convention's staff list as a spreadsheet: the partner's people enrolled through it."""

from django.utils.translation import gettext_lazy as _
from import_export import fields, resources
from import_export.formats.base_formats import CSV, XLSX

from enrollment.exports import format_date
from enrollment.models import Application

FORMATS = {"csv": CSV, "xlsx": XLSX}


def _column(name):
    return fields.Field(column_name=name, readonly=True)


class ConventionStaffResource(resources.ModelResource):
    convention = _column(_("Convention"))
    last_name = _column(_("Nom"))
    first_name = _column(_("Prénom"))
    email = _column(_("Courriel"))
    job_title = _column(_("Fonction"))
    programme = _column(_("Formation"))
    session = _column(_("Session"))
    session_start = _column(_("Début de la session"))
    status = _column(_("Statut"))

    class Meta:
        model = Application
        fields = (
            "convention",
            "last_name",
            "first_name",
            "email",
            "job_title",
            "programme",
            "session",
            "session_start",
            "status",
        )
        export_order = fields
        import_id_fields = ()

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("applicant__applicant_profile", "session__programme", "convention").order_by(
            "convention__reference",
            "applicant__applicant_profile__last_name",
            "applicant__applicant_profile__first_name",
            "session__start_date",
            "pk",
        )

    @staticmethod
    def _profile(application):
        return getattr(application.applicant, "applicant_profile", None)

    def dehydrate_convention(self, application):
        return application.convention.reference

    def dehydrate_last_name(self, application):
        profile = self._profile(application)
        return profile.last_name if profile else ""

    def dehydrate_first_name(self, application):
        profile = self._profile(application)
        return profile.first_name if profile else ""

    def dehydrate_email(self, application):
        return application.applicant.email

    def dehydrate_job_title(self, application):
        profile = self._profile(application)
        return profile.job_title if profile else ""

    def dehydrate_programme(self, application):
        return application.session.programme.title

    def dehydrate_session(self, application):
        return application.session.reference

    def dehydrate_session_start(self, application):
        return format_date(application.session.start_date)

    def dehydrate_status(self, application):
        return str(application.get_status_display())


def convention_staff_export(*, conventions, file_format: str) -> tuple[bytes | str, int]:
    """The staff list of ``conventions`` in ``file_format`` ("csv" or "xlsx"), with its row count."""
    queryset = Application.objects.filter(convention__in=conventions)
    dataset = ConventionStaffResource().export(queryset=queryset)
    return FORMATS[file_format]().export_data(dataset), len(dataset)
