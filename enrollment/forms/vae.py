"""Forms of VAE requests: the public request and the inputs of the staff actions."""

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from enrollment.forms.applications import DocumentFieldsMixin
from enrollment.models import VAE_YEARS_MAX, VAE_YEARS_MIN, VaeDocument, VaeResult
from enrollment.services.vae import REASON_MAX_CHARS, SUMMARY_MAX_CHARS
from enrollment.uploads import MAX_DOCUMENTS


class VaeRequestForm(DocumentFieldsMixin, forms.Form):
    """The experience, the years it covers and up to six documents proving it."""

    document_kinds = VaeDocument.Kind
    max_documents = MAX_DOCUMENTS

    experience_summary = forms.CharField(
        label=_("Votre expérience"),
        help_text=format_lazy(
            _(
                "Les emplois, missions bénévoles ou responsabilités en lien avec la certification visée : "
                "où, combien de temps, ce que vous y faisiez ({max} caractères au plus)."
            ),
            max=SUMMARY_MAX_CHARS,
        ),
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=SUMMARY_MAX_CHARS,
        error_messages={
            "required": _("Décrivez votre expérience : postes, missions, durée, responsabilités."),
            "max_length": _(
                "Votre description compte %(show_value)d caractères : raccourcissez-la à %(limit_value)d "
                "caractères au plus."
            ),
        },
    )
    years_of_experience = forms.IntegerField(
        label=_("Années d'expérience en lien avec la certification"),
        help_text=format_lazy(_("Un nombre entier entre {min} et {max}."), min=VAE_YEARS_MIN, max=VAE_YEARS_MAX),
        min_value=VAE_YEARS_MIN,
        max_value=VAE_YEARS_MAX,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": _("Indiquez votre nombre d'années d'expérience."),
            "invalid": _("Indiquez un nombre entier d'années."),
            "min_value": _("La VAE demande au moins un an d'expérience en lien avec la certification."),
            "max_value": format_lazy(_("Indiquez au plus {max} années."), max=VAE_YEARS_MAX),
        },
    )


class NextStageForm(forms.Form):
    """Admin action input: the jury's result when the next stage is the result, an optional note."""

    result = forms.ChoiceField(
        label=_("Résultat du jury (obligatoire pour passer à l'étape Résultat)"),
        choices=[("", "—"), *VaeResult.choices],
        required=False,
    )
    reason = forms.CharField(
        label=_("Précisions (communiquées à la personne, facultatif)"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=REASON_MAX_CHARS,
        required=False,
    )


class NotAdmissibleForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif de non-recevabilité (communiqué à la personne)"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        max_length=REASON_MAX_CHARS,
        error_messages={"required": _("Le motif est obligatoire.")},
    )
