"""Admin forms of the partners app: they check input with the services' own rules, never write."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import services
from .models import SeatAllocation


class SeatAllocationForm(forms.ModelForm):
    """For the allocation inline and admin: early, field-level errors.

    Saving must still go through ``services.allocation_set`` / ``allocation_remove`` (in
    ``save_formset`` / ``save_model`` / ``delete_model``), which check again under lock.
    """

    class Meta:
        model = SeatAllocation
        fields = ["convention", "session", "seats"]

    def clean(self):
        cleaned = super().clean()
        convention = cleaned.get("convention") or getattr(self.instance, "convention", None)
        session = cleaned.get("session")
        seats = cleaned.get("seats")
        if convention is None or convention.pk is None or session is None or seats is None:
            return cleaned
        if self.instance.pk and self.instance.session_id != session.pk:
            # Moving an allocation to another session is a removal plus a new reservation.
            raise ValidationError(
                {"session": _("Supprimez cette ligne et ajoutez-en une pour changer de session.")},
                code="session_changed",
            )
        try:
            services.allocation_validate(convention=convention, session=session, seats=seats)
        except ValidationError as error:
            self._add_service_error(error)
        return cleaned

    def _add_service_error(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        else:
            self.add_error(None, error)


class ConventionSignatureForm(forms.Form):
    """Intermediate page of the « Enregistrer la signature » admin action."""

    signed_on = forms.DateField(
        label=_("Date de signature"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Date à laquelle les deux parties ont signé."),
    )

    def clean_signed_on(self) -> datetime.date:
        value = self.cleaned_data["signed_on"]
        if value > timezone.localdate():
            raise ValidationError(_("La date de signature ne peut pas être dans le futur."), code="future")
        return value


class ConventionTransitionForm(forms.Form):
    """Reason asked when a convention is terminated (kept in the convention's history)."""

    reason = forms.CharField(label=_("Motif"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)
