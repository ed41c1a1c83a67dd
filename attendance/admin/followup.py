"""Staff follow each person's course: participations (entry, exit through a form) and absence alerts."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _

from attendance.models import (
    AbandonReason,
    AbsenceAlert,
    ExitKind,
    Participation,
    ParticipationChange,
    ParticipationState,
)
from attendance.progress import hours_text, rate_text
from attendance.services import followup
from core.admin_kit import LocalDatesMixin, form_action, log_admin_action
from core.formatting import date_long, time_short
from enrollment.models import Application


@admin.display(description=_("inscription"), ordering="application__reference")
def application_link(obj):
    url = reverse("admin:enrollment_application_change", args=[obj.application_id])
    return format_html('<a href="{}">{}</a>', url, obj.application.reference)


def person_name(application: Application) -> str:
    profile = getattr(application.applicant, "applicant_profile", None)
    return profile.full_name if profile else application.applicant.email


PERSON_RELATED = ["application__applicant__applicant_profile", "application__session__programme"]
PERSON_SEARCH = [
    "application__reference",
    "=application__session__reference",
    "application__applicant__email",
    "application__applicant__applicant_profile__last_name",
    "application__applicant__applicant_profile__first_name",
]


class ParticipationHistoryInline(LocalDatesMixin, admin.TabularInline):
    model = ParticipationChange
    extra = 0
    can_delete = False
    fields = ["changed_at", "from_state", "to_state", "changed_by", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("participation", "changed_by")


class ExitForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type de sortie"), choices=ExitKind.choices)
    abandon_reason = forms.ChoiceField(
        label=_("Motif de l'abandon"),
        choices=[("", "—"), *AbandonReason.choices],
        required=False,
        help_text=_("Pour un abandon seulement."),
    )
    exited_on = forms.DateField(label=_("Date de sortie"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(
        label=_("Précisions"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Obligatoires pour une exclusion ou un abandon « Autre »."),
    )


class EnterForm(forms.Form):
    reference = forms.CharField(label=_("Référence de l'inscription"), max_length=24)
    entered_on = forms.DateField(label=_("Entrée en formation le"), widget=forms.DateInput(attrs={"type": "date"}))


@admin.register(Participation)
class ParticipationAdmin(LocalDatesMixin, admin.ModelAdmin):
    list_display = [
        application_link,
        "person",
        "session_reference",
        "state",
        "entered_on",
        "exited_on",
        "exit_kind",
        "completion",
    ]
    list_filter = ["state", "exit_kind", "abandon_reason", "entered_on"]
    search_fields = PERSON_SEARCH
    list_select_related = PERSON_RELATED
    show_full_result_count = False
    inlines = [ParticipationHistoryInline]
    # Every field is the services' to write: the sheets keep the hours, entry and exit go through forms.
    fields = readonly_fields = [
        application_link,
        "person",
        "state",
        "entered_on",
        "exited_on",
        "exit_kind",
        "abandon_reason",
        "exit_note",
        "hours_planned",
        "hours_attended",
        "completion",
        "exit_link",
        "updated_at",
    ]
    change_list_template = "admin/attendance/participation/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # The list's « entrée sans feuille » link, for those who may record it.
        extra_context = {**(extra_context or {}), "may_enter": self.has_change_permission(request)}
        return super().changelist_view(request, extra_context=extra_context)

    @admin.display(description=_("personne"), ordering="application__applicant__applicant_profile__last_name")
    def person(self, obj):
        return person_name(obj.application)

    @admin.display(description=_("session"), ordering="application__session__reference")
    def session_reference(self, obj):
        return obj.application.session.reference

    @admin.display(description=_("assiduité"))
    def completion(self, obj):
        rate = rate_text(obj.completion_rate)
        if not rate:
            return "—"
        return f"{rate} ({hours_text(obj.hours_attended)} / {hours_text(obj.hours_planned)})"

    @admin.display(description=_("sortie"))
    def exit_link(self, obj):
        if obj.pk is None or obj.state == ParticipationState.EXITED:
            return "—"
        url = reverse("admin:attendance_participation_exit", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _gettext("Enregistrer la sortie"))

    def get_urls(self):
        return [
            path(
                "<int:object_id>/sortie/",
                self.admin_site.admin_view(self.exit_view),
                name="attendance_participation_exit",
            ),
            path("entree/", self.admin_site.admin_view(self.enter_view), name="attendance_participation_enter"),
            *super().get_urls(),
        ]

    def _form_page(self, request, *, form, title, objects, original=None, cancel_url="", submit_label=""):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "objects": objects,
            "original": original,
            "opts": self.opts,
            "cancel_url": cancel_url,
            "submit_label": submit_label,
        }
        return TemplateResponse(
            request, "admin/intermediate_form.html", context, status=400 if request.method == "POST" else 200
        )

    def exit_view(self, request, object_id):
        """The exit of one person: its type, the abandon's reason, the date, then ``participation_exit``."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        participation = get_object_or_404(Participation.objects.select_related(*PERSON_RELATED), pk=object_id)
        change_url = reverse("admin:attendance_participation_change", args=[participation.pk])
        form = ExitForm(request.POST if request.method == "POST" else None, initial={"exited_on": timezone.localdate()})
        if form.is_valid():
            data = form.cleaned_data
            try:
                followup.participation_exit(
                    participation=participation,
                    kind=data["kind"],
                    abandon_reason=data["abandon_reason"],
                    note=data["note"],
                    exited_on=data["exited_on"],
                    by=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                log_admin_action(request.user, [participation], _gettext("Sortie de formation enregistrée."))
                self.message_user(request, _gettext("La sortie de formation est enregistrée."), messages.SUCCESS)
                return HttpResponseRedirect(change_url)
        return self._form_page(
            request,
            form=form,
            title=_gettext("Sortie de formation — %(person)s") % {"person": person_name(participation.application)},
            objects=[participation],
            original=participation,
            cancel_url=change_url,
            submit_label=_gettext("Enregistrer la sortie"),
        )

    def enter_view(self, request):
        """A person who started without a sheet: their enrollment's reference and the day they started."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = EnterForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            application = (
                Application.objects.select_related("session__programme", "applicant")
                .filter(reference=form.cleaned_data["reference"].strip())
                .first()
            )
            if application is None:
                form.add_error("reference", _gettext("Aucune inscription ne porte cette référence."))
            else:
                try:
                    participation = followup.participation_enter(
                        application=application, entered_on=form.cleaned_data["entered_on"], by=request.user
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    log_admin_action(request.user, [participation], _gettext("Entrée en formation enregistrée."))
                    self.message_user(request, _gettext("L'entrée en formation est enregistrée."), messages.SUCCESS)
                    return HttpResponseRedirect(
                        reverse("admin:attendance_participation_change", args=[participation.pk])
                    )
        return self._form_page(
            request,
            form=form,
            title=_gettext("Entrée en formation sans feuille d'émargement"),
            objects=[],
            cancel_url=reverse("admin:attendance_participation_changelist"),
            submit_label=_gettext("Enregistrer l'entrée"),
        )


class OpenAlertFilter(admin.SimpleListFilter):
    title = _("état")
    parameter_name = "etat"

    def lookups(self, request, model_admin):
        return [("ouvertes", _("À traiter")), ("traitees", _("Traitées"))]

    def queryset(self, request, queryset):
        if self.value() == "ouvertes":
            return queryset.filter(handled_at__isnull=True)
        if self.value() == "traitees":
            return queryset.filter(handled_at__isnull=False)
        return queryset


class HandleForm(forms.Form):
    note = forms.CharField(
        label=_("Suite donnée"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Par exemple : appelée le 3 mars, reprend lundi ; message laissé ; rendez-vous fixé."),
    )


@admin.action(description=_("Marquer comme traitée (suite donnée demandée)"), permissions=["change"])
def mark_handled(modeladmin, request, queryset):
    return form_action(
        modeladmin,
        request,
        queryset.select_related(*PERSON_RELATED),
        form_class=HandleForm,
        title=_gettext("Alertes traitées : la suite donnée"),
        apply=lambda alert, data: followup.alert_handle(alert=alert, note=data["note"], by=request.user),
        log=lambda alert, data: _gettext("Alerte traitée : %(note)s") % {"note": data["note"]},
    )


@admin.register(AbsenceAlert)
class AbsenceAlertAdmin(LocalDatesMixin, admin.ModelAdmin):
    list_display = [
        application_link,
        "person",
        "session_reference",
        "last_missed",
        "missed_count",
        "created_at",
        "handled_at",
        "handled_by",
    ]
    list_filter = [OpenAlertFilter, "created_at"]
    search_fields = PERSON_SEARCH
    list_select_related = [*PERSON_RELATED, "slot", "handled_by"]
    actions = [mark_handled]
    fields = readonly_fields = [
        application_link,
        "person",
        "last_missed",
        "missed_count",
        "created_at",
        "digest_sent_at",
        "handled_at",
        "handled_by",
        "note",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("personne"), ordering="application__applicant__applicant_profile__last_name")
    def person(self, obj):
        return person_name(obj.application)

    @admin.display(description=_("session"), ordering="application__session__reference")
    def session_reference(self, obj):
        return obj.application.session.reference

    @admin.display(description=_("dernier créneau manqué"), ordering="slot__date")
    def last_missed(self, obj):
        return f"{date_long(obj.slot.date)}, {time_short(obj.slot.start_time)}"
