from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cnam_portal.admin_tools import private_file_response

from . import admin_actions
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


class DocumentInline(admin.TabularInline):
    model = ApplicationDocument
    extra = 0
    can_delete = False
    fields = ["kind", "download", "content_type", "size", "uploaded_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("fichier"))
    def download(self, obj):
        url = reverse("admin:enrollment_application_document", args=[obj.application_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.original_name)


class NotificationInline(admin.TabularInline):
    model = Notification
    extra = 0
    can_delete = False
    fields = ["created_at", "template", "recipient_email", "state", "attempts", "sent_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
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
        "session",
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
    list_select_related = ["applicant__applicant_profile", "session__programme"]
    date_hierarchy = "submitted_at"
    raw_id_fields = ["applicant", "enrolled_by"]
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
    ]
    fieldsets = [
        (None, {"fields": ["reference", "session", "applicant", "status", "channel", "convention", "enrolled_by"]}),
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

    def get_urls(self):
        return [
            path(
                "<int:application_id>/documents/<int:document_id>/",
                self.admin_site.admin_view(self.document_view),
                name="enrollment_application_document",
            ),
            *super().get_urls(),
        ]

    def document_view(self, request, application_id, document_id):
        """Stream an applicant's document to staff allowed to view applications."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        document = get_object_or_404(ApplicationDocument, pk=document_id, application_id=application_id)
        return private_file_response(document.file, filename=document.original_name, content_type=document.content_type)


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
