"""Staff see, download and ask again for the documents funders ask for, and their earlier versions."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _

from attendance.models import FunderDocument, FunderDocumentVersion
from attendance.progress import month_label
from attendance.services import funder_documents
from core.admin_kit import LocalDatesMixin, report_each
from core.storage import private_file_response

from .followup import PERSON_RELATED, PERSON_SEARCH, application_link, person_name


class VersionInline(LocalDatesMixin, admin.TabularInline):
    """The versions a newer one replaced: each kept, as a funder may hold it."""

    model = FunderDocumentVersion
    extra = 0
    can_delete = False
    fields = readonly_fields = ["version", "generated_at", "download"]

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("PDF"))
    def download(self, obj):
        url = reverse("admin:attendance_funderdocument_version_download", args=[obj.document_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, _gettext("Télécharger"))


@admin.action(description=_("Régénérer (nouvelle version si les données ont changé)"), permissions=["change"])
def regenerate(modeladmin, request, queryset):
    report_each(
        modeladmin,
        request,
        queryset.select_related("application"),
        lambda document: funder_documents.document_request(
            application=document.application, kind=document.kind, month=document.month
        ),
        log=lambda document: _gettext("Nouvelle production demandée depuis l'administration."),
    )


@admin.register(FunderDocument)
class FunderDocumentAdmin(LocalDatesMixin, admin.ModelAdmin):
    list_display = [
        application_link,
        "person",
        "kind",
        "month_display",
        "version",
        "render_state",
        "generated_at",
        "download",
    ]
    list_filter = ["kind", "render_state", "month"]
    search_fields = PERSON_SEARCH
    list_select_related = PERSON_RELATED
    show_full_result_count = False
    actions = [regenerate]
    inlines = [VersionInline]
    fields = readonly_fields = [
        application_link,
        "person",
        "kind",
        "month_display",
        "version",
        "render_state",
        "download",
        "error",
        "error_detail",
        "attempts",
        "requested_at",
        "generated_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*PERSON_RELATED)

    @admin.display(description=_("personne"), ordering="application__applicant__applicant_profile__last_name")
    def person(self, obj):
        return person_name(obj.application)

    @admin.display(description=_("mois"), ordering="month")
    def month_display(self, obj):
        return month_label(obj.month) if obj.month else "—"

    @admin.display(description=_("PDF"))
    def download(self, obj):
        if not obj.file:
            return "—"
        url = reverse("admin:attendance_funderdocument_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _gettext("Télécharger"))

    def get_urls(self):
        return [
            path(
                "<int:document_id>/pdf/",
                self.admin_site.admin_view(self.download_view),
                name="attendance_funderdocument_download",
            ),
            path(
                "<int:document_id>/versions/<int:version_id>/pdf/",
                self.admin_site.admin_view(self.version_download_view),
                name="attendance_funderdocument_version_download",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request, document_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        document = get_object_or_404(FunderDocument.objects.select_related("application"), pk=document_id)
        return private_file_response(
            document.file, filename=funder_documents.download_filename(document), content_type="application/pdf"
        )

    def version_download_view(self, request, document_id, version_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        kept = get_object_or_404(
            FunderDocumentVersion.objects.select_related("document__application"),
            pk=version_id,
            document_id=document_id,
        )
        name = funder_documents.download_filename(kept.document).removesuffix(".pdf") + f"-v{kept.version}.pdf"
        return private_file_response(kept.file, filename=name, content_type="application/pdf")
