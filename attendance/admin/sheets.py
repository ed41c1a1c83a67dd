"""Attendance sheets in the admin: read-only lines and history, staff corrections with a reason, the PDF."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from attendance import presence
from attendance.forms.sheets import CorrectionForm
from attendance.models import Attendance, AttendanceChange, AttendanceSheet
from attendance.services import sheets as sheet_services
from core.admin_kit import LocalDatesMixin, log_admin_action, private_file_response
from core.formatting import datetime_long, time_short
from enrollment.models import Application


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    can_delete = False
    fields = readonly_fields = ("person", "application", "status", "signed_time", "reason", "marked_by")
    verbose_name_plural = gettext_lazy("présences")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("application__applicant__applicant_profile", "marked_by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("personne"))
    def person(self, obj):
        return presence.person_name(obj.application)

    @admin.display(description=gettext_lazy("signé à"))
    def signed_time(self, obj):
        return time_short(obj.signed_at) if obj.signed_at else "—"


class AttendanceChangeInline(admin.TabularInline):
    model = AttendanceChange
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "changed_on",
        "person",
        "from_status",
        "to_status",
        "reason",
        "changed_by",
        "after_closing",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("application__applicant__applicant_profile", "changed_by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("le"))
    def changed_on(self, obj):
        return datetime_long(obj.changed_at)

    @admin.display(description=gettext_lazy("personne"))
    def person(self, obj):
        return presence.person_name(obj.application)


@admin.register(AttendanceSheet)
class AttendanceSheetAdmin(LocalDatesMixin, admin.ModelAdmin):
    list_display = ["slot", "programme", "state", "closed_at", "countersigned_by", "render_state", "download"]
    list_filter = ["state", "render_state", "slot__date"]
    search_fields = ["slot__session__reference", "slot__session__programme__title"]
    list_select_related = ["slot__session__programme", "countersigned_by"]
    date_hierarchy = "slot__date"
    inlines = [AttendanceInline, AttendanceChangeInline]
    readonly_fields = [
        "slot",
        "state",
        "opened_at",
        "opened_by",
        "closed_at",
        "countersigned_by",
        "countersignature",
        "render_state",
        "download",
        "error",
        "attempts",
        "requested_at",
        "generated_at",
    ]
    exclude = ["file", "data_hash", "error_detail"]
    change_form_template = "admin/attendance/attendancesheet/change_form.html"

    def has_add_permission(self, request):
        return False  # a trainer opens a sheet from the slot's window, never staff by hand

    def has_delete_permission(self, request, obj=None):
        return False  # the proof funders pay on: never lost

    @admin.display(description=gettext_lazy("formation"), ordering="slot__session__programme__title")
    def programme(self, obj):
        return obj.slot.session.programme.title

    @admin.display(description=gettext_lazy("PDF"))
    def download(self, obj):
        if not obj.file:
            return "—"
        url = reverse("admin:attendance_attendancesheet_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Télécharger"))

    def get_urls(self):
        return [
            path(
                "<int:sheet_id>/pdf/",
                self.admin_site.admin_view(self.download_view),
                name="attendance_attendancesheet_download",
            ),
            path(
                "<int:sheet_id>/corriger/",
                self.admin_site.admin_view(self.correct_view),
                name="attendance_attendancesheet_correct",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["may_correct"] = (
            obj is not None
            and obj.state == AttendanceSheet.State.CLOSED
            and request.user.has_perm(sheet_services.CORRECT_PERMISSION)
        )
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def download_view(self, request, sheet_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        sheet = get_object_or_404(AttendanceSheet.objects.select_related("slot__session"), pk=sheet_id)
        return private_file_response(
            sheet.file, filename=sheet_services.sheet_filename(sheet), content_type="application/pdf"
        )

    def correct_view(self, request, sheet_id):
        """Correct one line of a closed sheet: the person, the status, the reason (kept in the history)."""
        if not request.user.has_perm(sheet_services.CORRECT_PERMISSION):
            raise PermissionDenied
        sheet = get_object_or_404(AttendanceSheet.objects.select_related("slot__session__programme"), pk=sheet_id)
        change_url = reverse("admin:attendance_attendancesheet_change", args=[sheet.pk])
        if sheet.state != AttendanceSheet.State.CLOSED:
            self.message_user(
                request,
                _("Cette feuille est encore ouverte : le formateur y marque les présences jusqu'à sa clôture."),
                messages.ERROR,
            )
            return HttpResponseRedirect(change_url)
        roster = presence.sheet_roster(sheet)
        people = [
            (row.application.pk, f"{row.name} — {row.line.get_status_display() if row.line else _('sans ligne')}")
            for row in roster
        ]
        form = CorrectionForm(request.POST if request.method == "POST" else None, people=people)
        if request.method == "POST" and form.is_valid():
            application = get_object_or_404(Application, pk=form.cleaned_data["application"])
            try:
                line = sheet_services.attendance_correct(
                    sheet=sheet,
                    application=application,
                    status=form.cleaned_data["status"],
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                message = _("Présence de %(name)s corrigée : %(status)s (%(reason)s).") % {
                    "name": presence.person_name(application),
                    "status": line.get_status_display(),
                    "reason": line.reason,
                }
                log_admin_action(request.user, [sheet], message)
                self.message_user(request, message, messages.SUCCESS)
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Corriger une présence — %(sheet)s") % {"sheet": sheet},
            "form": form,
            "objects": [sheet],
            "original": sheet,
            "opts": self.opts,
            "cancel_url": change_url,
            "submit_label": _("Enregistrer la correction"),
        }
        return TemplateResponse(
            request, "admin/intermediate_form.html", context, status=400 if request.method == "POST" else 200
        )
