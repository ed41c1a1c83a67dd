"""Forms of VAE requests: the public request and the inputs of the staff actions."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .models import VAE_YEARS_MAX, VAE_YEARS_MIN, VaeDocument, VaeResult
from .services_vae import MAX_DOCUMENTS, REASON_MAX_CHARS, SUMMARY_MAX_CHARS
from .uploads import inspect_upload


class VaeRequestForm(forms.Form):
    """The experience, the years it covers and up to six documents proving it."""

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
        error_messages={"required": _("Décrivez votre expérience : postes, missions, durée, responsabilités.")},
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kind_choices = [("", _("Type de pièce")), *VaeDocument.Kind.choices]
        limit = filesizeformat(settings.DOCUMENT_MAX_BYTES)
        for index in range(1, MAX_DOCUMENTS + 1):
            self.fields[f"document_{index}_kind"] = forms.ChoiceField(
                label=_("Type de la pièce n° %(n)d") % {"n": index}, choices=kind_choices, required=False
            )
            self.fields[f"document_{index}_file"] = forms.FileField(
                label=_("Fichier de la pièce n° %(n)d") % {"n": index},
                help_text=_("PDF, JPEG ou PNG, %(limit)s au plus.") % {"limit": limit},
                required=False,
                widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}),
            )

    def document_rows(self):
        return [(self[f"document_{i}_kind"], self[f"document_{i}_file"]) for i in range(1, MAX_DOCUMENTS + 1)]

    def clean(self):
        cleaned = super().clean()
        documents = []
        for index in range(1, MAX_DOCUMENTS + 1):
            kind = cleaned.get(f"document_{index}_kind")
            upload = cleaned.get(f"document_{index}_file")
            if f"document_{index}_file" in self.errors or not upload:
                continue
            if not kind:
                self.add_error(f"document_{index}_kind", _("Indiquez de quelle pièce il s'agit."))
                continue
            try:
                inspect_upload(upload)
            except ValidationError as error:
                self.add_error(f"document_{index}_file", error)
                continue
            finally:
                upload.seek(0)
            documents.append((kind, upload))
        cleaned["documents"] = documents
        return cleaned


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
