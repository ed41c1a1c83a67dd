from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from enrollment.selectors import allocations_with_usage

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


class PartnerMemberInline(admin.TabularInline):
    model = PartnerMember
    extra = 0
    fields = ["email", "full_name", "job_title", "role", "user", "is_active", "invited_at", "joined_at"]
    readonly_fields = ["invited_at", "joined_at"]
    raw_id_fields = ["user"]


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "siret", "commune", "contact_name", "contact_email"]
    list_filter = ["kind", "commune"]
    search_fields = ["name", "siret", "contact_name", "contact_email"]
    inlines = [PartnerMemberInline]


@admin.register(PartnerMember)
class PartnerMemberAdmin(admin.ModelAdmin):
    list_display = ["email", "full_name", "partner", "role", "is_active", "joined_at"]
    list_filter = ["role", "is_active", "partner"]
    search_fields = ["email", "full_name", "partner__name"]
    list_select_related = ["partner"]
    raw_id_fields = ["user"]


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


class DocumentInline(admin.TabularInline):
    model = ConventionDocument
    extra = 0
    can_delete = False
    fields = ["version", "state", "file", "error", "requested_at", "rendered_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Convention)
class ConventionAdmin(admin.ModelAdmin):
    list_display = ["reference", "partner", "title", "state", "start_date", "end_date", "signed_on"]
    list_filter = ["state", "partner__kind", "axes"]
    search_fields = ["reference", "title", "partner__name"]
    list_select_related = ["partner"]
    autocomplete_fields = ["partner"]
    filter_horizontal = ["axes"]
    date_hierarchy = "start_date"
    inlines = [SignatoryInline, ArticleInline, AllocationInline, DocumentInline]


@admin.register(SeatAllocation)
class SeatAllocationAdmin(admin.ModelAdmin):
    list_display = ["convention", "session", "seats", "used", "left"]
    list_filter = ["convention__partner"]
    search_fields = ["convention__reference", "session__reference", "session__programme__title"]
    list_select_related = ["convention", "session__programme"]
    autocomplete_fields = ["convention", "session"]

    def get_queryset(self, request):
        return allocations_with_usage(super().get_queryset(request))

    @admin.display(description=_("utilisées"), ordering="seats_used")
    def used(self, obj):
        return obj.seats_used

    @admin.display(description=_("restantes"), ordering="seats_left")
    def left(self, obj):
        return obj.seats_left


@admin.register(ConventionDocument)
class ConventionDocumentAdmin(admin.ModelAdmin):
    list_display = ["convention", "version", "state", "requested_at", "rendered_at"]
    list_filter = ["state"]
    search_fields = ["convention__reference"]
    readonly_fields = ["convention", "version", "state", "file", "content_hash", "error", "attempts", "rendered_at"]

    def has_add_permission(self, request):
        return False


@admin.register(CallForProjects)
class CallForProjectsAdmin(admin.ModelAdmin):
    list_display = ["title", "funder", "deadline", "amount_requested", "amount_obtained", "state"]
    list_filter = ["state", "funder", "deadline"]
    search_fields = ["title", "funder_name", "description"]
    filter_horizontal = ["partners", "axes"]
    autocomplete_fields = ["convention"]
    date_hierarchy = "deadline"
