"""Admin of VAE requests: staff follow them and move them stage by stage through the services.

The stage never changes by editing the form: only the two actions below move it, and each
move is written to the request's history (who, when, why) with the email to the person.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin_kit import DocumentDownloadMixin, LocalDatesMixin, PrivateDocumentInline, form_action
from enrollment.forms.vae import NextStageForm, NotAdmissibleForm
from enrollment.models import VaeDocument, VaeRequest, VaeStageChange
from enrollment.services import vae as services_vae


class VaeHistoryInline(LocalDatesMixin, admin.TabularInline):
    model = VaeStageChange
    extra = 0
    can_delete = False
    fields = ["changed_at", "from_stage", "to_stage", "changed_by", "reason"]
    readonly_fields = fields
    verbose_name = _("étape")
    verbose_name_plural = _("historique des étapes")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # Each row names its request and who moved it: read them with the rows.
        return super().get_queryset(request).select_related("request", "changed_by")


class VaeDocumentInline(PrivateDocumentInline):
    model = VaeDocument
    owner_field = "request"
    download_url_name = "admin:enrollment_vaerequest_document"

    def has_change_permission(self, request, obj=None):
        return False


def _ordered(queryset):
    return queryset.select_related("programme", "applicant").order_by("pk")


@admin.action(description=_("Passer à l'étape suivante"), permissions=["change"])
def advance_to_next_stage(modeladmin, request, queryset):
    return form_action(
        modeladmin,
        request,
        _ordered(queryset),
        form_class=NextStageForm,
        title=_("Passer des demandes de VAE à l'étape suivante"),
        apply=lambda obj, data: services_vae.vae_request_advance_next(
            request=obj, by=request.user, reason=data["reason"], result=data["result"] or None
        ),
    )


@admin.action(description=_("Déclarer non recevable (motif demandé)"), permissions=["change"])
def declare_not_admissible(modeladmin, request, queryset):
    return form_action(
        modeladmin,
        request,
        _ordered(queryset),
        form_class=NotAdmissibleForm,
        title=_("Déclarer des demandes de VAE non recevables"),
        apply=lambda obj, data: services_vae.vae_request_declare_not_admissible(
            request=obj, by=request.user, reason=data["reason"]
        ),
    )


@admin.register(VaeRequest)
class VaeRequestAdmin(LocalDatesMixin, DocumentDownloadMixin, admin.ModelAdmin):
    document_model = VaeDocument
    document_owner_field = "request"
    document_url_name = "enrollment_vaerequest_document"

    list_display = [
        "reference",
        "applicant_name",
        "programme",
        "stage",
        "result",
        "years_of_experience",
        "submitted_at",
    ]
    list_filter = ["stage", "result", "programme"]
    search_fields = [
        "reference",
        "applicant__email",
        "applicant__applicant_profile__last_name",
        "applicant__applicant_profile__first_name",
        "programme__title",
    ]
    list_select_related = ["applicant__applicant_profile", "programme"]
    date_hierarchy = "submitted_at"
    inlines = [VaeDocumentInline, VaeHistoryInline]
    actions = [advance_to_next_stage, declare_not_admissible]
    readonly_fields = [
        "reference",
        "applicant",
        "programme",
        "experience_summary",
        "years_of_experience",
        "stage",
        "result",
        "decision_reason",
        "submitted_at",
        "closed_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["reference", "applicant", "programme", "stage", "result", "decision_reason"]}),
        (_("Demande"), {"fields": ["experience_summary", "years_of_experience"]}),
        (_("Dates"), {"fields": ["submitted_at", "closed_at", "updated_at"]}),
    ]

    def has_add_permission(self, request):
        # Requests come from the public site, through the service.
        return False

    def has_delete_permission(self, request, obj=None):
        # The history is the audit trail of the request: it is closed, never deleted.
        return False

    @admin.display(description=_("candidat"), ordering="applicant__applicant_profile__last_name")
    def applicant_name(self, obj):
        profile = getattr(obj.applicant, "applicant_profile", None)
        return profile.full_name if profile else obj.applicant.email
