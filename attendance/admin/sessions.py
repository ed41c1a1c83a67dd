"""The session's admin page, extended from the follow-up's side: its course days, its trainers, and
« Générer les créneaux » (the catalogue knows nothing of the follow-up, so it is extended here)."""

import hashlib
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin_kit import log_admin_action
from core.formatting import hours_text
from programs.admin import SessionAdmin as CatalogueSessionAdmin
from programs.admin import SessionAdminForm
from programs.models import Session, Site

from ..models import Slot, Trainer
from ..notifications import day_text, place_text, times_text
from ..services import slots as services
from ..services import trainers as trainer_services
from .slots import add_refusal

# Who may generate course days: those who may add slots.
ADD_SLOT = "attendance.add_slot"
VIEW_SLOT = "attendance.view_slot"
CHANGE_TRAINER = "attendance.change_trainer"


class TrainerChoices(forms.ModelMultipleChoiceField):
    def clean(self, value):
        # A form sent back as shown, without any trainer, posts one blank value.
        return super().clean([item for item in (value or []) if item not in ("", None)])


class SessionTrainersForm(SessionAdminForm):
    """The session's form with its trainers, given through the service (nobody trains a session they applied to)."""

    trainers = TrainerChoices(
        label=_("formateurs"),
        queryset=Trainer.objects.select_related("user").order_by("user__last_name", "user__first_name", "pk"),
        required=False,
        widget=FilteredSelectMultiple(_("formateurs"), is_stacked=False),
        help_text=_("Les formateurs de la session voient ses créneaux et ouvrent ses feuilles d'émargement."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = list(self.instance.trainers.values_list("pk", flat=True)) if self.instance.pk else []
        self.initial.setdefault("trainers", current)

    def clean(self):
        cleaned_data = super().clean()
        trainers = cleaned_data.get("trainers")
        if self.instance.pk and trainers:
            current = set(self.initial.get("trainers") or [])
            for trainer in trainers:
                if trainer.pk in current:
                    continue
                try:
                    trainer_services.session_trainer_check(session=self.instance, trainer=trainer)
                except ValidationError as error:
                    self.add_error(None, error)
        return cleaned_data


class SlotGenerateForm(forms.Form):
    patterns = forms.CharField(
        label=_("Rythmes (un par ligne)"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=_(
            "Les jours puis les heures, comme « mardi et jeudi, 17 h 30 – 20 h 30 » ; une ligne par rythme "
            "(par exemple les soirs, puis « le samedi, 8 h – 12 h »)."
        ),
        error_messages={
            "required": _("Indiquez au moins un rythme, par exemple « mardi et jeudi, 17 h 30 – 20 h 30 ».")
        },
    )
    closures = forms.CharField(
        label=_("Fermetures du centre (une date ou une période par ligne)"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        required=False,
        help_text=_(
            "Par exemple « 24/12/2027 au 02/01/2028 : congés de fin d'année ». Les jours fériés de Mayotte "
            "(dont le 27 avril) sont retirés d'office."
        ),
    )
    site = forms.ModelChoiceField(
        label=_("Lieu des créneaux"),
        queryset=Site.objects.order_by("is_remote", "commune", "name"),
        help_text=_("Par défaut, le lieu de la session ; choisissez le lieu à distance pour des classes virtuelles."),
    )

    def __init__(self, *args, session: Session, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session
        self.plan: services.SlotPlan | None = None

    def clean(self):
        cleaned_data = super().clean()
        if self.errors:
            return cleaned_data
        try:
            closures = services.closures_read(text=cleaned_data.get("closures", ""))
            self.plan = services.slots_plan(
                session=self.session,
                patterns=cleaned_data["patterns"],
                closures=closures,
                site=cleaned_data["site"],
            )
        except ValidationError as error:
            add_refusal(self, error)
        else:
            cleaned_data["closure_list"] = closures
        return cleaned_data

    def fingerprint(self) -> str:
        """What the preview showed was made from: a confirmation of other inputs shows their preview first."""
        data = self.cleaned_data
        text = "\n".join([data["patterns"].strip(), data.get("closures", "").strip(), str(data["site"].pk)])
        return hashlib.sha256(text.encode()).hexdigest()


@admin.action(description=_("Générer les créneaux"), permissions=["generate_slots"])
def generate_slots(modeladmin, request, queryset):
    sessions = list(queryset.values_list("pk", flat=True)[:2])
    if len(sessions) != 1:
        modeladmin.message_user(
            request,
            gettext("Choisissez une seule session : ses créneaux se génèrent à partir de son propre rythme."),
            messages.WARNING,
        )
        return None
    return HttpResponseRedirect(reverse("admin:programs_session_generate_slots", args=[sessions[0]]))


admin.site.unregister(Session)


@admin.register(Session)
class SessionAdmin(CatalogueSessionAdmin):
    form = SessionTrainersForm
    change_form_template = "admin/attendance/session_change_form.html"
    actions = [*CatalogueSessionAdmin.actions, generate_slots]
    readonly_fields = [*CatalogueSessionAdmin.readonly_fields, "trainer_names"]

    def has_generate_slots_permission(self, request, obj=None):
        return self.has_view_or_change_permission(request, obj) and request.user.has_perm(ADD_SLOT)

    def _may_assign_trainers(self, request, obj=None) -> bool:
        allowed = self.has_change_permission(request, obj) if obj is not None else self.has_add_permission(request)
        return allowed and request.user.has_perm(CHANGE_TRAINER)

    def get_form(self, request, obj=None, **kwargs):
        if not self._may_assign_trainers(request, obj):
            kwargs["form"] = SessionAdminForm
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        trainers = "trainers" if self._may_assign_trainers(request, obj) else "trainer_names"
        return [*fieldsets, (_("Formateurs"), {"fields": [trainers]})]

    @admin.display(description=_("formateurs"))
    def trainer_names(self, obj):
        if obj is None or obj.pk is None:
            return self.get_empty_value_display()
        names = [str(trainer) for trainer in obj.trainers.select_related("user")]
        return ", ".join(names) or self.get_empty_value_display()

    def save_model(self, request, obj, form, change):
        # The trainers are no field of the session: the catalogue's service never sees them.
        form.trainers_changed = "trainers" in form.changed_data
        if form.trainers_changed:
            form.changed_data.remove("trainers")
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not (getattr(form, "trainers_changed", False) and "trainers" in form.cleaned_data):
            return
        try:
            trainer_services.session_trainers_set(
                session=form.instance, trainers=form.cleaned_data["trainers"], by=request.user
            )
        except ValidationError as error:
            # Someone applied meanwhile: the other changes are kept, the trainers are not.
            for message in error.messages:
                self.message_user(request, message, messages.ERROR)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and not add:
            context.update(self._slots_context(request, obj))
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def _slots_context(self, request, session: Session) -> dict:
        if not request.user.has_perm(VIEW_SLOT):
            return {}
        slots = list(Slot.objects.filter(session=session).select_related("site").order_by("date", "start_time", "pk"))
        planned = [slot for slot in slots if slot.state == Slot.State.PLANNED]
        hours = sum((slot.hours for slot in planned), Decimal(0))
        rows = [
            {
                "slot": slot,
                "day": day_text(slot.date),
                "times": times_text(slot.start_time, slot.end_time),
                "place": place_text(slot.site),
                "hours": hours_text(slot.hours),
            }
            for slot in slots
        ]
        return {
            "slot_rows": rows,
            "slots_planned_count": len(planned),
            "slots_planned_hours": hours_text(hours),
            "session_hours_differ": session.hours is not None and hours != session.hours,
            "can_add_slots": request.user.has_perm(ADD_SLOT),
            "can_view_slots": True,
        }

    # --- « Générer les créneaux » ---

    def get_urls(self):
        return [
            path(
                "<int:object_id>/creneaux/generer/",
                self.admin_site.admin_view(self.generate_slots_view),
                name="programs_session_generate_slots",
            ),
            *super().get_urls(),
        ]

    def generate_slots_view(self, request, object_id):
        session = get_object_or_404(Session.objects.select_related("programme", "site"), pk=object_id)
        if not self.has_generate_slots_permission(request, session):
            raise PermissionDenied
        change_url = reverse("admin:programs_session_change", args=[session.pk])
        data = request.POST if request.method == "POST" else None
        form = SlotGenerateForm(data, session=session, initial={"patterns": session.schedule, "site": session.site_id})
        if data is not None and form.is_valid() and "confirm" in data and data.get("previewed") != form.fingerprint():
            self.message_user(
                request,
                gettext("Les rythmes ou les fermetures ont changé depuis l'aperçu : vérifiez ce nouvel aperçu."),
                messages.WARNING,
            )
        elif data is not None and form.is_valid() and "confirm" in data:
            try:
                result = services.slots_generate(
                    session=session,
                    patterns=form.cleaned_data["patterns"],
                    closures=form.cleaned_data["closure_list"],
                    site=form.cleaned_data["site"],
                    by=request.user,
                )
            except ValidationError as error:
                add_refusal(form, error)
            else:
                summary = services.generation_summary(result)
                log_admin_action(
                    request.user, [session], gettext("Créneaux générés : %(summary)s") % {"summary": summary}
                )
                self.message_user(request, summary, messages.SUCCESS if result.created else messages.WARNING)
                return HttpResponseRedirect(change_url)
        plan = form.plan if data is not None and form.is_valid() else None
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Générer les créneaux de la session %(reference)s") % {"reference": session.reference},
            "form": form,
            "original": session,
            "session": session,
            "opts": self.opts,
            "cancel_url": change_url,
            "plan": plan,
            "created_rows": _plan_rows(plan.specs, plan.site) if plan else [],
            "skipped_rows": [
                {
                    "day": day_text(item.spec.date),
                    "times": times_text(item.spec.start, item.spec.end),
                    "why": services.skipped_text(item),
                }
                for item in (plan.skipped if plan else ())
            ],
            "plan_hours": hours_text(plan.hours) if plan else "",
            "previewed": form.fingerprint() if plan else "",
            "session_dates": gettext("du %(start)s au %(end)s")
            % {"start": day_text(session.start_date), "end": day_text(session.end_date)},
        }
        return TemplateResponse(
            request,
            "admin/attendance/slot_generate.html",
            context,
            status=400 if data is not None and not form.is_valid() else 200,
        )


def _plan_rows(specs, site) -> list[dict[str, str]]:
    place = place_text(site)
    return [{"day": day_text(spec.date), "times": times_text(spec.start, spec.end), "place": place} for spec in specs]
