"""The staff pages of course days: the list, a slot's page with its history, and the forms that move,
cancel or add one, each through its service (history and emails come with every change)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.admin_kit import LocalDatesMixin, form_action, log_admin_action
from core.formatting import datetime_long, hours_text
from programs.models import Session, Site

from ..models import AttendanceSheet, Slot, SlotChange
from ..notifications import day_text, times_text
from ..selectors import session_enrolled_applications
from ..services import slots as services

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _reason_field(label, help_text=""):
    return forms.CharField(
        label=label,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=2000,
        error_messages={"required": _("Le motif est obligatoire : il est écrit aux personnes inscrites.")},
    )


class SlotCancelForm(forms.Form):
    reason = _reason_field(_("Motif de l'annulation (écrit aux personnes inscrites)"))


class SlotMoveForm(forms.Form):
    date = forms.DateField(label=_("nouvelle date"), widget=DATE_INPUT)
    start_time = forms.TimeField(label=_("début"), widget=TIME_INPUT)
    end_time = forms.TimeField(label=_("fin"), widget=TIME_INPUT)
    site = forms.ModelChoiceField(label=_("lieu"), queryset=Site.objects.order_by("is_remote", "commune", "name"))
    reason = _reason_field(_("Motif du déplacement (écrit aux personnes inscrites)"))


def add_refusal(form: forms.Form, error: ValidationError) -> None:
    """A service's refusal, at the fields it names when the form has them, above the form otherwise."""
    if hasattr(error, "error_dict") and set(error.error_dict) <= set(form.fields):
        form.add_error(None, error)
    else:
        for message in error.messages:
            form.add_error(None, message)


class SlotAddForm(forms.ModelForm):
    reason = forms.CharField(
        label=_("motif (facultatif)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        max_length=2000,
        help_text=_("Gardé dans l'historique du créneau."),
    )

    class Meta:
        model = Slot
        fields = ["session", "date", "start_time", "end_time", "site"]
        widgets = {"date": DATE_INPUT, "start_time": TIME_INPUT, "end_time": TIME_INPUT}

    def clean(self):
        cleaned_data = super().clean()
        values = [cleaned_data.get(name) for name in ("session", "date", "start_time", "end_time")]
        if all(value is not None for value in values):
            session, date, start_time, end_time = values
            try:
                services.slot_check(session=session, date=date, start_time=start_time, end_time=end_time)
            except ValidationError as error:
                add_refusal(self, error)
        return cleaned_data


class SessionFilter(admin.RelatedOnlyFieldListFilter):
    """The sessions that have slots, by reference: one query, not one per session for its programme's title."""

    def field_choices(self, field, request, model_admin):
        ids = model_admin.get_queryset(request).values("session_id")
        return list(Session.objects.filter(pk__in=ids).order_by("reference").values_list("pk", "reference"))


class SlotChangeInline(LocalDatesMixin, admin.TabularInline):
    model = SlotChange
    extra = 0
    can_delete = False
    fields = readonly_fields = [
        "changed_at",
        "kind",
        "previous_date",
        "previous_times",
        "previous_site",
        "reason",
        "changed_by",
    ]
    verbose_name_plural = _("historique du créneau")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("previous_site", "changed_by")

    @admin.display(description=_("horaires précédents"))
    def previous_times(self, obj):
        if obj.previous_start_time is None:
            return "—"
        return times_text(obj.previous_start_time, obj.previous_end_time)


@admin.action(
    description=_("Annuler les créneaux choisis (motif écrit aux personnes inscrites)"), permissions=["change"]
)
def cancel_slots(modeladmin, request, queryset):
    return form_action(
        modeladmin,
        request,
        queryset.select_related("session", "site").order_by("date", "start_time", "pk"),
        form_class=SlotCancelForm,
        title=gettext("Annuler des créneaux"),
        apply=lambda slot, data: services.slot_cancel(slot=slot, reason=data["reason"], by=request.user),
        log=lambda slot, data: gettext("Annulé : %(reason)s") % {"reason": data["reason"]},
    )


ADD_FIELDS = ["session", "date", "start_time", "end_time", "site", "reason"]
# A slot's page shows it; it changes through the move and cancel forms only (history and emails).
SHOWN_FIELDS = ["session", "day", "times", "site", "state", "hours_text", "cancel_reason", "cancelled_on"]


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin):
    form = SlotAddForm
    list_display = ["day", "times", "session_reference", "programme", "site", "state", "hours_text", "has_sheet"]
    list_filter = ["state", "date", "site__is_remote", "site", ("session", SessionFilter)]
    search_fields = ["session__reference", "session__programme__title"]
    search_help_text = _("Référence ou intitulé de la session.")
    list_select_related = ["session__programme", "site"]
    autocomplete_fields = ["session", "site"]
    date_hierarchy = "date"
    actions = [cancel_slots]
    inlines = [SlotChangeInline]
    change_form_template = "admin/attendance/slot/change_form.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(sheet_exists=Exists(AttendanceSheet.objects.filter(slot=OuterRef("pk"))))
        )

    def get_fields(self, request, obj=None):
        return ADD_FIELDS if obj is None else SHOWN_FIELDS

    def get_inlines(self, request, obj):
        # A new slot has no history yet.
        return [] if obj is None else super().get_inlines(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else SHOWN_FIELDS

    def has_delete_permission(self, request, obj=None):
        # A slot is cancelled, with a reason the people enrolled read; never deleted.
        return False

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        # « Ajouter un créneau » from a session's page: its own place by default.
        if str(initial.get("session", "")).isdigit() and "site" not in initial:
            site_id = Session.objects.filter(pk=initial["session"]).values_list("site_id", flat=True).first()
            if site_id:
                initial["site"] = site_id
        return initial

    # --- The list's columns ---

    @admin.display(description=_("date"), ordering="date")
    def day(self, obj):
        return day_text(obj.date)

    @admin.display(description=_("annulé le"), ordering="cancelled_at")
    def cancelled_on(self, obj):
        return datetime_long(obj.cancelled_at) if obj.cancelled_at else self.get_empty_value_display()

    @admin.display(description=_("horaires"), ordering="start_time")
    def times(self, obj):
        return times_text(obj.start_time, obj.end_time)

    @admin.display(description=_("session"), ordering="session__reference")
    def session_reference(self, obj):
        return obj.session.reference

    @admin.display(description=_("formation"), ordering="session__programme__title")
    def programme(self, obj):
        return obj.session.programme.title

    @admin.display(description=_("heures"))
    def hours_text(self, obj):
        return hours_text(obj.hours)

    @admin.display(description=_("feuille d'émargement"), boolean=True)
    def has_sheet(self, obj):
        return getattr(obj, "sheet_exists", None)

    # --- Adding: the service writes the slot and its history ---

    def save_model(self, request, obj, form, change):
        if change:
            # Nothing of a slot is edited here: the move and cancel forms change it.
            return
        created = services.slot_add(
            session=obj.session,
            date=obj.date,
            start_time=obj.start_time,
            end_time=obj.end_time,
            site=obj.site,
            by=request.user,
            reason=form.cleaned_data.get("reason", ""),
        )
        obj.pk = created.pk
        obj._state.adding = False

    # --- Moving and cancelling one slot ---

    def get_urls(self):
        return [
            path(
                "<int:object_id>/deplacer/",
                self.admin_site.admin_view(self.move_view),
                name="attendance_slot_move",
            ),
            path(
                "<int:object_id>/annuler/",
                self.admin_site.admin_view(self.cancel_view),
                name="attendance_slot_cancel",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and not add:
            refusal = services.slot_change_refusal(slot=obj)
            context["slot_refusal"] = refusal
            context["slot_changeable"] = refusal is None and self.has_change_permission(request, obj)
            context.update(show_save=False, show_save_and_continue=False, show_save_and_add_another=False)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def _slot_for_change(self, request, object_id) -> Slot:
        slot = get_object_or_404(Slot.objects.select_related("session__programme", "site"), pk=object_id)
        if not self.has_change_permission(request, slot):
            raise PermissionDenied
        return slot

    def _change_page(self, request, slot, form, *, title, submit_label):
        enrolled = session_enrolled_applications(session_id=slot.session_id).count()
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "objects": [slot],
            "original": slot,
            "opts": self.opts,
            "cancel_url": reverse("admin:attendance_slot_change", args=[slot.pk]),
            "submit_label": submit_label,
            "notice": ngettext(
                "%(count)d personne inscrite en sera avertie par courriel.",
                "%(count)d personnes inscrites en seront averties par courriel.",
                enrolled,
            )
            % {"count": enrolled},
        }
        return TemplateResponse(
            request,
            "admin/attendance/slot/change_action.html",
            context,
            status=400 if request.method == "POST" else 200,
        )

    def move_view(self, request, object_id):
        slot = self._slot_for_change(request, object_id)
        change_url = reverse("admin:attendance_slot_change", args=[slot.pk])
        if refusal := services.slot_change_refusal(slot=slot):
            self.message_user(request, refusal, messages.ERROR)
            return HttpResponseRedirect(change_url)
        initial = {"date": slot.date, "start_time": slot.start_time, "end_time": slot.end_time, "site": slot.site_id}
        form = SlotMoveForm(request.POST if request.method == "POST" else None, initial=initial)
        if form.is_valid():
            data = form.cleaned_data
            before = f"{slot.date:%d/%m/%Y} {times_text(slot.start_time, slot.end_time)}"
            try:
                moved = services.slot_move(
                    slot=slot,
                    date=data["date"],
                    start_time=data["start_time"],
                    end_time=data["end_time"],
                    site=data["site"],
                    reason=data["reason"],
                    by=request.user,
                )
            except ValidationError as error:
                add_refusal(form, error)
            else:
                log_admin_action(
                    request.user,
                    [moved],
                    gettext("Déplacé (était le %(before)s) : %(reason)s")
                    % {"before": before, "reason": data["reason"]},
                )
                self.message_user(
                    request,
                    gettext("Créneau déplacé au %(when)s ; les personnes inscrites en sont averties.")
                    % {"when": datetime_long(moved.starts_at)},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(change_url)
        return self._change_page(
            request,
            slot,
            form,
            title=gettext("Déplacer le créneau %(slot)s") % {"slot": slot},
            submit_label=gettext("Déplacer le créneau"),
        )

    def cancel_view(self, request, object_id):
        slot = self._slot_for_change(request, object_id)
        change_url = reverse("admin:attendance_slot_change", args=[slot.pk])
        if refusal := services.slot_change_refusal(slot=slot):
            self.message_user(request, refusal, messages.ERROR)
            return HttpResponseRedirect(change_url)
        form = SlotCancelForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                services.slot_cancel(slot=slot, reason=form.cleaned_data["reason"], by=request.user)
            except ValidationError as error:
                add_refusal(form, error)
            else:
                log_admin_action(
                    request.user, [slot], gettext("Annulé : %(reason)s") % {"reason": form.cleaned_data["reason"]}
                )
                self.message_user(
                    request, gettext("Créneau annulé ; les personnes inscrites en sont averties."), messages.SUCCESS
                )
                return HttpResponseRedirect(change_url)
        return self._change_page(
            request,
            slot,
            form,
            title=gettext("Annuler le créneau %(slot)s") % {"slot": slot},
            submit_label=gettext("Annuler le créneau"),
        )
