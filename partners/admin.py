from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.admin_kit import LocalDatesMixin, form_action, log_admin_action, private_file_response, report_each
from core.formatting import datetime_long
from enrollment.seats import allocations_with_usage
from partner_space import services as services_staff

from . import exports, services
from .forms import ConventionSignatureForm, ConventionTransitionForm, SeatAllocationForm
from .models import (
    Axis,
    CallForProjects,
    Convention,
    ConventionArticle,
    ConventionDocument,
    Partner,
    PartnerMember,
    SeatAllocation,
    Signatory,
)


class PartnerMemberInline(LocalDatesMixin, admin.TabularInline):
    model = PartnerMember
    extra = 0
    fields = ["email", "full_name", "job_title", "role", "user", "is_active", "invited_at", "joined_at"]
    readonly_fields = ["user", "invited_at", "joined_at"]


def invite_member(request, member: PartnerMember) -> PartnerMember:
    """New members are invited by email: their account is found or created, never duplicated."""
    invited = services_staff.member_invite(
        partner=member.partner, email=member.email, full_name=member.full_name, role=member.role, by=request.user
    )
    if member.job_title and invited.job_title != member.job_title:
        invited.job_title = member.job_title
        invited.save(update_fields=["job_title"])
    return invited


@admin.register(Partner)
class PartnerAdmin(LocalDatesMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "siret", "commune", "contact_name", "contact_email"]
    list_filter = ["kind", "commune"]
    search_fields = ["name", "siret", "contact_name", "contact_email"]
    inlines = [PartnerMemberInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is not PartnerMember:
            super().save_formset(request, form, formset, change)
            return
        for member in formset.save(commit=False):
            if member.pk is None:
                invite_member(request, member)
                self.message_user(
                    request, _("Invitation envoyée à %(email)s.") % {"email": member.email}, messages.SUCCESS
                )
            else:
                member.save()
        for member in formset.deleted_objects:
            member.delete()


@admin.action(description=_("Renvoyer l'invitation"), permissions=["change"])
def resend_invitation(modeladmin, request, queryset):
    report_each(modeladmin, request, queryset.select_related("partner"), lambda m: invite_member(request, m))


@admin.register(PartnerMember)
class PartnerMemberAdmin(LocalDatesMixin, admin.ModelAdmin):
    list_display = ["email", "full_name", "partner", "role", "is_active", "invited_at", "joined_at"]
    list_filter = ["role", "is_active", "partner"]
    search_fields = ["email", "full_name", "partner__name"]
    list_select_related = ["partner"]
    autocomplete_fields = ["partner"]
    readonly_fields = ["user", "invited_at", "joined_at"]
    fields = ["partner", "email", "full_name", "job_title", "role", "is_active", "user", "invited_at", "joined_at"]
    actions = [resend_invitation]

    def get_readonly_fields(self, request, obj=None):
        # A member joins a partner by invitation (the service): moving one to another partner would
        # hand that partner's staff list to an account nobody invited there.
        readonly = super().get_readonly_fields(request, obj)
        return readonly if obj is None else ["partner", *readonly]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        invited = invite_member(request, obj)
        obj.pk = invited.pk
        obj._state.adding = False
        self.message_user(request, _("Invitation envoyée à %(email)s.") % {"email": obj.email}, messages.SUCCESS)


@admin.register(Axis)
class AxisAdmin(admin.ModelAdmin):
    list_display = ["number", "title"]


class ArticleInline(admin.StackedInline):
    model = ConventionArticle
    extra = 0


class SignatoryInline(admin.TabularInline):
    model = Signatory
    extra = 0


class AllocationInline(admin.TabularInline):
    model = SeatAllocation
    form = SeatAllocationForm
    extra = 0
    fields = ["session", "seats", "used", "left"]
    readonly_fields = ["used", "left"]
    autocomplete_fields = ["session"]

    def get_queryset(self, request):
        return allocations_with_usage(super().get_queryset(request)).select_related("session__programme")

    @admin.display(description=_("utilisées"))
    def used(self, obj):
        return getattr(obj, "seats_used", "—")

    @admin.display(description=_("restantes"))
    def left(self, obj):
        return getattr(obj, "seats_left", "—")


def document_link(document):
    if document.state != ConventionDocument.State.READY or not document.file:
        return "—"
    url = reverse("admin:partners_conventiondocument_download", args=[document.pk])
    return format_html('<a href="{}">{}</a>', url, _("Télécharger"))


class DocumentInline(LocalDatesMixin, admin.TabularInline):
    model = ConventionDocument
    extra = 0
    can_delete = False
    fields = ["version", "state", "download", "error", "attempts", "requested_at", "rendered_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("PDF"))
    def download(self, obj):
        return document_link(obj)


@admin.action(description=_("Générer ou mettre à jour le PDF"), permissions=["change"])
def generate_pdf(modeladmin, request, queryset):
    unchanged = {}

    def apply(convention):
        before = convention.documents.aggregate(latest=Max("version"))["latest"]
        document = services.convention_document_request(convention=convention, by=request.user)
        # A new version is logged by the service; an unchanged one only here.
        unchanged[convention.pk] = document.version if document.version == before else None

    def log(convention):
        version = unchanged.get(convention.pk)
        if version is None:
            return None
        return gettext("PDF demandé : la version %(v)s est déjà à jour, aucune nouvelle version.") % {"v": version}

    report_each(modeladmin, request, queryset, apply, log=log)


def _export_staff(modeladmin, request, queryset, file_format):
    conventions = list(queryset.order_by("reference"))
    content, rows = exports.convention_staff_export(conventions=conventions, file_format=file_format)
    log_admin_action(
        request.user,
        conventions,
        ngettext(
            "Liste des personnels exportée (%(format)s, %(rows)d ligne).",
            "Liste des personnels exportée (%(format)s, %(rows)d lignes).",
            rows,
        )
        % {"format": file_format.upper(), "rows": rows},
    )
    content_type = exports.FORMATS[file_format]().get_content_type()
    name = conventions[0].reference if len(conventions) == 1 else "conventions"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="personnels-{name}-{timezone.localdate():%Y-%m-%d}.{file_format}"'
    )
    return response


@admin.action(description=_("Exporter la liste des personnels (CSV)"), permissions=["staff_export"])
def export_staff_csv(modeladmin, request, queryset):
    return _export_staff(modeladmin, request, queryset, "csv")


@admin.action(description=_("Exporter la liste des personnels (Excel)"), permissions=["staff_export"])
def export_staff_xlsx(modeladmin, request, queryset):
    return _export_staff(modeladmin, request, queryset, "xlsx")


@admin.action(description=_("Passer à « À signer »"), permissions=["change"])
def to_sign(modeladmin, request, queryset):
    report_each(
        modeladmin,
        request,
        queryset,
        lambda c: services.convention_transition(convention=c, to_state=Convention.State.TO_SIGN, by=request.user),
    )


@admin.action(description=_("Revenir en brouillon"), permissions=["change"])
def back_to_draft(modeladmin, request, queryset):
    report_each(
        modeladmin,
        request,
        queryset,
        lambda c: services.convention_transition(convention=c, to_state=Convention.State.DRAFT, by=request.user),
    )


@admin.action(description=_("Enregistrer la signature"), permissions=["change"])
def record_signature(modeladmin, request, queryset):
    return form_action(
        modeladmin,
        request,
        queryset,
        form_class=ConventionSignatureForm,
        title=_("Enregistrer la signature"),
        apply=lambda convention, data: services.convention_sign(
            convention=convention, signed_on=data["signed_on"], by=request.user
        ),
    )


@admin.action(description=_("Résilier (motif demandé)"), permissions=["change"])
def terminate(modeladmin, request, queryset):
    return form_action(
        modeladmin,
        request,
        queryset,
        form_class=ConventionTransitionForm,
        title=_("Résilier des conventions"),
        apply=lambda c, data: services.convention_transition(
            convention=c, to_state=Convention.State.TERMINATED, by=request.user, reason=data["reason"]
        ),
    )


@admin.register(Convention)
class ConventionAdmin(LocalDatesMixin, admin.ModelAdmin):
    list_display = ["reference", "partner", "title", "state", "start_date", "end_date", "signed_on"]
    list_filter = ["state", "partner__kind", "axes"]
    search_fields = ["reference", "title", "partner__name"]
    list_select_related = ["partner"]
    autocomplete_fields = ["partner"]
    filter_horizontal = ["axes"]
    date_hierarchy = "start_date"
    # The reference is generated and the state moves only through the actions, which check the rules.
    readonly_fields = ["reference", "state", "signed_on", "created_at", "updated_at", "history"]
    fieldsets = [
        (None, {"fields": ["reference", "partner", "title", "state", "signed_on"]}),
        (_("Contenu"), {"fields": ["preamble", "axes", "start_date", "end_date"]}),
        (_("Conditions financières"), {"fields": ["financial_terms", "amount"]}),
        (_("Suivi"), {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
        (_("Historique"), {"fields": ["history"]}),
    ]
    inlines = [SignatoryInline, ArticleInline, AllocationInline, DocumentInline]
    actions = [generate_pdf, to_sign, back_to_draft, record_signature, terminate, export_staff_csv, export_staff_xlsx]

    def get_readonly_fields(self, request, obj=None):
        # The partner is chosen when the convention is created: moving it would show the staff
        # enrolled through it to another partner's référents.
        readonly = super().get_readonly_fields(request, obj)
        return readonly if obj is None else ["partner", *readonly]

    def has_staff_export_permission(self, request):
        # The staff list is personal data of applicants: it needs the right to see applications.
        return self.has_view_permission(request) and request.user.has_perm("enrollment.view_application")

    @admin.display(description=_("historique"))
    def history(self, obj):
        """Who did what and when, from the admin's log (the services and actions write it), in one query."""
        if obj is None or obj.pk is None:
            return "—"
        entries = (
            LogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(Convention, for_concrete_model=False),
                object_id=str(obj.pk),
            )
            .select_related("user")
            .order_by("-action_time", "-pk")
        )
        rows = [
            (
                datetime_long(entry.action_time),
                entry.user.get_full_name() or entry.user.get_username(),
                entry.get_change_message() or entry.get_action_flag_display(),
            )
            for entry in entries
        ]
        if not rows:
            return gettext("Aucune action enregistrée.")
        return format_html(
            '<table class="history"><thead><tr><th scope="col">{}</th><th scope="col">{}</th>'
            '<th scope="col">{}</th></tr></thead><tbody>{}</tbody></table>',
            gettext("Date"),
            gettext("Par"),
            gettext("Action"),
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        fields = {
            name: form.cleaned_data[name]
            for name in ("preamble", "financial_terms", "amount")
            if name in form.cleaned_data
        }
        created = services.convention_create(
            partner=obj.partner, title=obj.title, start_date=obj.start_date, end_date=obj.end_date, **fields
        )
        # The admin goes on with the form's instance (axes, inlines): make it the created row.
        obj.pk, obj.reference, obj.state = created.pk, created.reference, created.state
        obj.created_at, obj.updated_at = created.created_at, created.updated_at
        obj._state.adding = False
        obj._state.db = created._state.db

    def save_formset(self, request, form, formset, change):
        if formset.model is not SeatAllocation:
            super().save_formset(request, form, formset, change)
            return
        # Allocations go through the locked service: seats may have changed since the form was shown.
        instances = formset.save(commit=False)
        for allocation in formset.deleted_objects:
            self._apply(request, lambda a=allocation: services.allocation_remove(allocation=a, by=request.user))
        for allocation in instances:
            self._apply(
                request,
                lambda a=allocation: services.allocation_set(
                    convention=form.instance, session=a.session, seats=a.seats, by=request.user
                ),
            )

    def _apply(self, request, call):
        try:
            call()
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # One new PDF version at most per save, and only when what it shows changed.
        services.convention_document_refresh(convention=form.instance)


@admin.register(SeatAllocation)
class SeatAllocationAdmin(admin.ModelAdmin):
    form = SeatAllocationForm
    list_display = ["convention", "session", "seats", "used", "left"]
    list_filter = ["convention__partner"]
    search_fields = ["convention__reference", "session__reference", "session__programme__title"]
    list_select_related = ["convention", "session__programme"]
    autocomplete_fields = ["convention", "session"]

    def get_readonly_fields(self, request, obj=None):
        # The service keys an allocation on its convention and session: another convention on the
        # change form would reserve seats there instead (the form already refuses another session).
        readonly = super().get_readonly_fields(request, obj)
        return readonly if obj is None else ["convention", *readonly]

    def get_queryset(self, request):
        return allocations_with_usage(super().get_queryset(request))

    @admin.display(description=_("utilisées"), ordering="seats_used")
    def used(self, obj):
        return obj.seats_used

    @admin.display(description=_("restantes"), ordering="seats_left")
    def left(self, obj):
        return obj.seats_left

    def save_model(self, request, obj, form, change):
        saved = services.allocation_set(
            convention=obj.convention, session=obj.session, seats=obj.seats, by=request.user
        )
        obj.pk = saved.pk
        obj._state.adding = False

    def delete_model(self, request, obj):
        services.allocation_remove(allocation=obj, by=request.user)


@admin.register(ConventionDocument)
class ConventionDocumentAdmin(LocalDatesMixin, admin.ModelAdmin):
    list_display = ["convention", "version", "state", "attempts", "error", "requested_at", "rendered_at", "download"]
    list_filter = ["state"]
    search_fields = ["convention__reference"]
    list_select_related = ["convention"]
    exclude = ["file"]
    readonly_fields = [
        "convention",
        "version",
        "state",
        "download",
        "content_hash",
        "error",
        "error_detail",
        "attempts",
        "rendered_at",
    ]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("PDF"))
    def download(self, obj):
        return document_link(obj)

    def get_urls(self):
        return [
            path(
                "<int:document_id>/pdf/",
                self.admin_site.admin_view(self.download_view),
                name="partners_conventiondocument_download",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request, document_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        document = get_object_or_404(
            ConventionDocument.objects.select_related("convention"),
            pk=document_id,
            state=ConventionDocument.State.READY,
        )
        return private_file_response(
            document.file,
            filename=f"{document.convention.reference}-v{document.version}.pdf",
            content_type="application/pdf",
        )


@admin.register(CallForProjects)
class CallForProjectsAdmin(LocalDatesMixin, admin.ModelAdmin):
    list_display = ["title", "funder", "deadline", "amount_requested", "amount_obtained", "state"]
    list_filter = ["state", "funder", "deadline"]
    search_fields = ["title", "funder_name", "description"]
    filter_horizontal = ["partners", "axes"]
    autocomplete_fields = ["convention"]
    date_hierarchy = "deadline"
