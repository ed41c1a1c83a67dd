"""A convention's staff list as a spreadsheet: the partner's people enrolled through it."""

from django.utils.translation import gettext_lazy as _
from import_export import resources

from core.spreadsheets import CSV, XLSX
from enrollment.exports import ApplicantColumns, column
from enrollment.models import Application

FORMATS = {"csv": CSV, "xlsx": XLSX}


class ConventionStaffResource(ApplicantColumns, resources.ModelResource):
    convention = column(_("Convention"))
    last_name = column(_("Nom"))
    first_name = column(_("Prénom"))
    email = column(_("Courriel"))
    job_title = column(_("Fonction"))
    programme = column(_("Formation"))
    session = column(_("Session"))
    session_start = column(_("Début de la session"))
    status = column(_("Statut"))

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

    def dehydrate_convention(self, application):
        return application.convention.reference

    def dehydrate_job_title(self, application):
        profile = self._profile(application)
        return profile.job_title if profile else ""


def convention_staff_export(*, conventions, file_format: str) -> tuple[bytes | str, int]:
    """The staff list of ``conventions`` in ``file_format`` ("csv" or "xlsx"), with its row count."""
    queryset = Application.objects.filter(convention__in=conventions)
    dataset = ConventionStaffResource().export(queryset=queryset)
    return FORMATS[file_format]().export_data(dataset), len(dataset)
