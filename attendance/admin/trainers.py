"""Trainers in the admin: staff create one by email and name (the service finds or makes the account and
sends the invitation), give them sessions, deactivate them."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin_kit import LocalDatesMixin, report_each

from ..models import Trainer
from ..services import trainers as services
from .slots import add_refusal


class TrainerAddForm(forms.ModelForm):
    email = forms.EmailField(
        label=_("adresse de courriel"),
        help_text=_("Le formateur y reçoit son invitation à choisir un mot de passe. Format : nom@exemple.yt"),
    )
    first_name = forms.CharField(label=_("prénom"), max_length=150)
    last_name = forms.CharField(label=_("nom"), max_length=150)

    class Meta:
        model = Trainer
        fields = ["phone", "sessions"]

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("email"):
            try:
                cleaned_data["email"] = services.trainer_invite_check(
                    email=cleaned_data["email"], sessions=cleaned_data.get("sessions") or []
                )
            except ValidationError as error:
                add_refusal(self, error)
        return cleaned_data


class TrainerChangeForm(forms.ModelForm):
    class Meta:
        model = Trainer
        fields = ["phone", "is_active", "sessions"]

    def clean_sessions(self):
        sessions = self.cleaned_data["sessions"]
        current = {session.pk for session in self.initial.get("sessions") or []}
        added = [session for session in sessions if session.pk not in current]
        user = self.instance.user
        try:
            services.trainer_conflicts_check(email=user.email, user=user, sessions=added)
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        return sessions


@admin.action(description=_("Renvoyer l'invitation"), permissions=["change"])
def resend_invitation(modeladmin, request, queryset):
    report_each(
        modeladmin,
        request,
        queryset.select_related("user"),
        lambda trainer: services.trainer_invitation_resend(trainer=trainer, by=request.user),
        log=lambda trainer: gettext("Invitation renvoyée à %(email)s.") % {"email": trainer.user.email},
    )


@admin.action(description=_("Désactiver les formateurs choisis"), permissions=["change"])
def deactivate(modeladmin, request, queryset):
    report_each(
        modeladmin,
        request,
        queryset.select_related("user"),
        lambda trainer: services.trainer_deactivate(trainer=trainer, by=request.user),
        log=lambda trainer: gettext("Désactivé : n'accède plus à l'espace formateur."),
    )


@admin.register(Trainer)
class TrainerAdmin(LocalDatesMixin, admin.ModelAdmin):
    list_display = ["full_name", "email", "is_active", "session_count", "account_state", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    search_help_text = _("Nom, prénom ou adresse de courriel.")
    list_select_related = ["user"]
    autocomplete_fields = ["sessions"]
    readonly_fields = ["full_name", "email", "account_state", "created_at"]
    actions = [resend_invitation, deactivate]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(session_count=Count("sessions", distinct=True))

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = TrainerAddForm if obj is None else TrainerChangeForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["email", "first_name", "last_name", "phone", "sessions"]
        return ["full_name", "email", "account_state", "phone", "is_active", "sessions", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else super().get_readonly_fields(request, obj)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "sessions":
            # The sessions shown are named with their programme: read along, not one query each.
            kwargs["queryset"] = db_field.remote_field.model.objects.select_related("programme")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    # --- Columns ---

    @admin.display(description=_("nom"), ordering="user__last_name")
    def full_name(self, obj):
        return obj.user.get_full_name() or "—"

    @admin.display(description=_("adresse de courriel"), ordering="user__email")
    def email(self, obj):
        return obj.user.email

    @admin.display(description=_("sessions"), ordering="session_count")
    def session_count(self, obj):
        return getattr(obj, "session_count", None)

    @admin.display(description=_("compte"))
    def account_state(self, obj):
        if services.trainer_account_unclaimed(trainer=obj):
            return gettext("invitation en attente (aucun mot de passe choisi)")
        return gettext("compte activé")

    # --- Writes through the services ---

    def save_model(self, request, obj, form, change):
        if not change:
            data = form.cleaned_data
            trainer = services.trainer_invite(
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                sessions=data["sessions"],
                by=request.user,
            )
            if data.get("phone") and trainer.phone != data["phone"]:
                trainer.phone = data["phone"]
                trainer.save(update_fields=["phone"])
            obj.pk, obj.user = trainer.pk, trainer.user
            obj._state.adding = False
            self.message_user(
                request, gettext("Invitation envoyée à %(email)s.") % {"email": trainer.user.email}, messages.SUCCESS
            )
            return
        if "is_active" in form.changed_data:
            # Put back what the form set, and let the service make the change.
            obj.is_active = form.initial["is_active"]
            toggle = services.trainer_activate if form.cleaned_data["is_active"] else services.trainer_deactivate
            toggle(trainer=obj, by=request.user)
        if "phone" in form.changed_data:
            obj.save(update_fields=["phone"])

    def save_related(self, request, form, formsets, change):
        # Sessions are given by the services (invitation, or the check that nobody trains a session
        # they applied to), never by the form's own many-to-many save.
        if change and "sessions" in form.changed_data:
            try:
                services.trainer_sessions_set(
                    trainer=form.instance, sessions=form.cleaned_data["sessions"], by=request.user
                )
            except ValidationError as error:
                # An application came in meanwhile: the other changes are kept, the sessions are not.
                for message in error.messages:
                    self.message_user(request, message, messages.ERROR)
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
