from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ExportForm

from cnam_portal.admin_tools import (
    DocumentDownloadMixin,
    PrivateDocumentInline,
    log_admin_action,
    private_file_response,
)

from . import admin_actions
from .exports import ApplicationResource
from .models import (
    ApplicantProfile,
    Application,
    ApplicationDocument,
    ApplicationStatusChange,
    EnrollmentCertificate,
    Notification,
)


@admin.register(ApplicantProfile)
class ApplicantProfileAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "email", "phone", "commune", "situation", "highest_level", "consent_at"]
    list_filter = ["situation", "highest_level", "commune", "employer"]
    search_fields = ["last_name", "first_name", "user__email", "france_travail_id", "phone"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    readonly_fields = ["consent_at", "consent_text", "created_at", "updated_at"]

    @admin.display(description=_("courriel"), ordering="user__email")
    def email(self, obj):
        return obj.user.email


class HistoryInline(admin.TabularInline):
    model = ApplicationStatusChange
    extra = 0
    can_delete = False
    fields = ["changed_at", "from_status", "to_status", "changed_by", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class DocumentInline(PrivateDocumentInline):
    model = ApplicationDocument
    owner_field = "application"
    download_url_name = "admin:enrollment_application_document"


class NotificationInline(admin.TabularInline):
    model = Notification
    extra = 0
    can_delete = False
    fields = ["created_at", "template", "recipient_email", "state", "attempts", "sent_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class SessionListFilter(admin.RelatedFieldListFilter):
    """The session filter, its choices read in one query (a session's name shows its programme)."""

    def field_choices(self, field, request, model_admin):
        from programs.models import Session

        sessions = Session.objects.select_related("programme").order_by("-start_date", "reference")
        return [(session.pk, str(session)) for session in sessions]


PROFILE_FIELDS = [
    "profile_name",
    "profile_email",
    "profile_birth_date",
    "profile_phone",
    "profile_commune",
    "profile_level",
    "profile_situation",
    "profile_france_travail_id",
    "profile_employer",
    "profile_consent_at",
]


@admin.register(Application)
class ApplicationAdmin(DocumentDownloadMixin, ExportMixin, admin.ModelAdmin):
    document_model = ApplicationDocument
    document_owner_field = "application"
    document_url_name = "enrollment_application_document"

    list_display = [
        "reference",
        "applicant_name",
        "session",
        "status",
        "channel",
        "entry_route",
        "submitted_at",
        "offer_expires_at",
    ]
    list_filter = [
        "status",
        "channel",
        "entry_route",
        "session__programme",
        ("session", SessionListFilter),
        "applicant__applicant_profile__situation",
        "applicant__applicant_profile__commune",
        "convention__partner",
        "submitted_at",
    ]
    search_fields = [
        "reference",
        "applicant__email",
        "applicant__applicant_profile__last_name",
        "applicant__applicant_profile__first_name",
        "applicant__applicant_profile__france_travail_id",
    ]
    search_help_text = _("Nom, prénom, courriel, référence ou identifiant France Travail.")
    list_select_related = ["applicant__applicant_profile", "session__programme"]
    date_hierarchy = "submitted_at"
    raw_id_fields = ["applicant", "enrolled_by"]
    # Export only (CSV and Excel), honouring the list's filters and search; no import.
    resource_classes = [ApplicationResource]
    export_form_class = ExportForm
    import_export_change_list_template = "admin/enrollment/application/change_list_export.html"
    autocomplete_fields = ["session", "convention"]
    inlines = [DocumentInline, HistoryInline, NotificationInline]
    actions = [
        admin_actions.accept,
        admin_actions.waitlist,
        admin_actions.enroll,
        admin_actions.reject,
        admin_actions.cancel,
        admin_actions.offer_next,
    ]
    # Status moves only through the decision actions, which keep seats, history and emails right.
    readonly_fields = [
        "reference",
        "status",
        "submitted_at",
        "decided_at",
        "waitlisted_at",
        "offered_at",
        "offer_expires_at",
        "enrolled_at",
        "closed_at",
        "rejection_reason",
        "updated_at",
        *PROFILE_FIELDS,
    ]
    fieldsets = [
        (None, {"fields": ["reference", "session", "applicant", "status", "channel", "convention", "enrolled_by"]}),
        (_("Profil du candidat"), {"fields": PROFILE_FIELDS}),
        (_("Candidature"), {"fields": ["motivation", "entry_route", "entry_justification", "rejection_reason"]}),
        (
            _("Dates"),
            {
                "fields": [
                    "submitted_at",
                    "decided_at",
                    "waitlisted_at",
                    "offered_at",
                    "offer_expires_at",
                    "enrolled_at",
                    "closed_at",
                    "updated_at",
                ]
            },
        ),
    ]

    def has_add_permission(self, request):
        # Applications come from the public flow or the partner space, through the services.
        return False

    @admin.display(description=_("candidat"), ordering="applicant__applicant_profile__last_name")
    def applicant_name(self, obj):
        profile = getattr(obj.applicant, "applicant_profile", None)
        return profile.full_name if profile else obj.applicant.email

    # --- The applicant's profile, read-only on the application ---

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            # The profile block reads the account, the profile and its employer: fetch them once.
            obj = (
                type(obj)
                .objects.select_related("applicant__applicant_profile__employer", "session__programme")
                .get(pk=obj.pk)
            )
        return obj

    @staticmethod
    def _profile(obj):
        return getattr(obj.applicant, "applicant_profile", None) if obj and obj.applicant_id else None

    def _profile_value(self, obj, read):
        profile = self._profile(obj)
        if profile is None:
            return gettext("Profil non renseigné")
        return read(profile) or "—"

    @admin.display(description=_("nom"))
    def profile_name(self, obj):
        return self._profile_value(obj, lambda p: p.full_name)

    @admin.display(description=_("courriel"))
    def profile_email(self, obj):
        return obj.applicant.email if obj and obj.applicant_id else "—"

    @admin.display(description=_("date de naissance"))
    def profile_birth_date(self, obj):
        return self._profile_value(obj, lambda p: p.birth_date and date_format(p.birth_date, "j F Y"))

    @admin.display(description=_("téléphone"))
    def profile_phone(self, obj):
        return self._profile_value(obj, lambda p: p.phone)

    @admin.display(description=_("commune de résidence"))
    def profile_commune(self, obj):
        return self._profile_value(obj, lambda p: p.get_commune_display())

    @admin.display(description=_("plus haut niveau atteint"))
    def profile_level(self, obj):
        return self._profile_value(obj, lambda p: p.get_highest_level_display() if p.highest_level is not None else "")

    @admin.display(description=_("situation"))
    def profile_situation(self, obj):
        return self._profile_value(obj, lambda p: p.get_situation_display())

    @admin.display(description=_("identifiant France Travail"))
    def profile_france_travail_id(self, obj):
        return self._profile_value(obj, lambda p: p.france_travail_id)

    @admin.display(description=_("employeur partenaire"))
    def profile_employer(self, obj):
        return self._profile_value(
            obj, lambda p: " — ".join(filter(None, [p.employer.name if p.employer_id else "", p.job_title]))
        )

    @admin.display(description=_("consentement RGPD donné le"))
    def profile_consent_at(self, obj):
        return self._profile_value(
            obj, lambda p: p.consent_at and date_format(timezone.localtime(p.consent_at), "j F Y à H\\hi")
        )

    # --- Exports ---

    def get_export_formats(self):
        return [CSV, XLSX]

    def get_export_filename(self, request, queryset, file_format):
        return f"candidatures-{timezone.localdate():%Y-%m-%d}.{file_format.get_extension()}"

    def get_export_data(self, file_format, request, queryset, **kwargs):
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        count = queryset.count()
        log_admin_action(
            request.user,
            queryset.select_related(None).only("pk", "reference"),
            gettext("Exportée (%(format)s) depuis l'administration, dans un export de %(count)d candidature(s).")
            % {"format": file_format.get_title(), "count": count},
        )
        return data

    def changelist_view(self, request, extra_context=None):
        params = request.GET.copy()
        params["status__exact"] = Application.Status.ENROLLED
        params.pop("p", None)
        extra_context = {**(extra_context or {}), "enrolled_query_string": "?" + params.urlencode()}
        return super().changelist_view(request, extra_context)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "template", "recipient_email", "state", "attempts", "sent_at"]
    list_filter = ["state", "template"]
    search_fields = ["recipient_email", "idempotency_key", "application__reference"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(EnrollmentCertificate)
class EnrollmentCertificateAdmin(admin.ModelAdmin):
    list_display = ["application", "state", "generated_at", "attempts", "download"]
    list_filter = ["state"]
    search_fields = ["application__reference"]
    list_select_related = ["application"]
    readonly_fields = ["application", "state", "download", "data_hash", "error", "attempts", "generated_at"]
    exclude = ["file"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("PDF"))
    def download(self, obj):
        if not obj.file:
            return "—"
        url = reverse("admin:enrollment_enrollmentcertificate_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Télécharger"))

    def get_urls(self):
        return [
            path(
                "<int:certificate_id>/pdf/",
                self.admin_site.admin_view(self.download_view),
                name="enrollment_enrollmentcertificate_download",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request, certificate_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        certificate = get_object_or_404(EnrollmentCertificate.objects.select_related("application"), pk=certificate_id)
        return private_file_response(
            certificate.file,
            filename=f"attestation-{certificate.application.reference}.pdf",
            content_type="application/pdf",
        )


from . import admin_vae  # noqa: E402,F401
