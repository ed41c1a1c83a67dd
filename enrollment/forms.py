"""Forms of the applicant's side: the profile, the application, the moves on an application."""

import datetime
import hashlib

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import TextChoices
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from programs.models import Commune, Programme, QualificationLevel

from .models import ApplicantProfile, Application, ApplicationDocument, Situation
from .uploads import inspect_upload
from .validators import normalize_phone, validate_france_travail_id

# Stored word for word with the consent, so it is not passed through gettext: what
# the person read is what we keep, whatever the interface language becomes.
CONSENT_TEXT = (
    "J'accepte que le CNAM Mayotte traite les données de ce profil et des pièces que je dépose "
    "pour instruire mes candidatures, organiser ma formation et, si je suis inscrit(e), établir "
    "mon attestation d'inscription. Ces données sont conservées trois ans après ma dernière "
    "candidature ; je peux y accéder, les faire rectifier ou effacer en écrivant au CNAM Mayotte."
)
# The version is the text itself: any change to the wording asks for a new consent.
CONSENT_VERSION = hashlib.sha256(CONSENT_TEXT.encode()).hexdigest()[:12]

MIN_AGE = 15
MAX_AGE = 100
MOTIVATION_MAX_LENGTH = 3000
JUSTIFICATION_MAX_LENGTH = 3000
MAX_DOCUMENTS = 6


def _years_between(born: datetime.date, today: datetime.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


class ApplicantProfileForm(forms.ModelForm):
    # Wider than the stored E.164 value: people type spaces, dots and prefixes.
    phone = forms.CharField(
        label=_("Téléphone"),
        max_length=30,
        help_text=_("Ex. : 0639 12 34 56 ou +262 269 61 00 00."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    consent = forms.BooleanField(
        label=CONSENT_TEXT,
        required=True,
        error_messages={"required": _("Votre accord est nécessaire pour que le CNAM puisse étudier vos candidatures.")},
    )

    class Meta:
        model = ApplicantProfile
        fields = [
            "first_name",
            "last_name",
            "birth_date",
            "phone",
            "commune",
            "address",
            "highest_level",
            "situation",
            "france_travail_id",
        ]
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "address": forms.TextInput(attrs={"autocomplete": "street-address"}),
            "france_travail_id": forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        }
        help_texts = {
            "birth_date": _("Format attendu : JJ/MM/AAAA."),
            "commune": _("Laissez vide si vous résidez hors de Mayotte."),
            "france_travail_id": _(
                "Obligatoire si vous êtes demandeur d'emploi : 7 chiffres et un caractère (ex. 1234567A)."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name", "birth_date", "phone", "highest_level", "situation"):
            self.fields[name].required = True
        self.fields["birth_date"].input_formats = ["%Y-%m-%d", "%d/%m/%Y"]
        self.fields["commune"].choices = [("", _("Hors de Mayotte / non précisée")), *Commune.choices]
        self.fields["highest_level"].choices = [("", _("Choisissez votre niveau")), *QualificationLevel.choices]
        self.fields["situation"].choices = [("", _("Choisissez votre situation")), *Situation.choices]
        # An earlier consent to the same wording is shown as given; a new wording asks again.
        if self.instance.pk and self.instance.consent_at and self.instance.consent_text == CONSENT_TEXT:
            self.fields["consent"].initial = True

    def clean_birth_date(self):
        born = self.cleaned_data["birth_date"]
        age = _years_between(born, timezone.localdate())
        if born > timezone.localdate() or age < MIN_AGE:
            raise ValidationError(
                _("Vous devez avoir au moins %(age)d ans pour candidater : vérifiez votre date de naissance."),
                code="too_young",
                params={"age": MIN_AGE},
            )
        if age > MAX_AGE:
            raise ValidationError(_("Cette date de naissance semble erronée : vérifiez l'année."), code="too_old")
        return born

    def clean_phone(self):
        return normalize_phone(self.cleaned_data["phone"])

    def clean_france_travail_id(self):
        value = "".join(self.cleaned_data.get("france_travail_id", "").split()).upper()
        if value:
            validate_france_travail_id(value)
        return value

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("situation") == Situation.JOB_SEEKER
            and not cleaned.get("france_travail_id")
            and "france_travail_id" not in self.errors
        ):
            self.add_error(
                "france_travail_id",
                ValidationError(
                    _("Indiquez votre identifiant France Travail : il est demandé aux demandeurs d'emploi."),
                    code="required_for_job_seeker",
                ),
            )
        return cleaned

    def save(self, commit=True):
        profile = super().save(commit=False)
        profile.consent_at = timezone.now()
        profile.consent_text = CONSENT_TEXT
        if commit:
            profile.save()
        return profile


def _route_choices(programme: Programme):
    choices = [(Application.EntryRoute.DEROGATION, _("Je demande une dérogation au niveau d'entrée"))]
    if programme.vae_available:
        choices.append(
            (Application.EntryRoute.VAE, _("Je demande à entrer par la VAE (validation des acquis de l'expérience)"))
        )
    return choices


class DocumentFieldsMixin:
    """Up to ``max_documents`` (kind, file) field pairs, the kinds taken from the ``document_kinds``
    choices; ``clean()`` gives the filled pairs as ``cleaned_data["documents"]``.

    Each file is checked here already, so that a refused one is shown at its own field rather
    than above the form; the service checks the list again before writing anything.
    """

    document_kinds: type[TextChoices]
    max_documents = MAX_DOCUMENTS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kind_choices = [("", _("Type de pièce")), *self.document_kinds.choices]
        limit = filesizeformat(settings.DOCUMENT_MAX_BYTES)
        for index in range(1, self.max_documents + 1):
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
        """(kind field, file field) pairs, in order, for the template."""
        return [(self[f"document_{i}_kind"], self[f"document_{i}_file"]) for i in range(1, self.max_documents + 1)]

    def clean(self):
        cleaned = super().clean()
        documents = []
        for index in range(1, self.max_documents + 1):
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


class ApplicationForm(DocumentFieldsMixin, forms.Form):
    """One application: the entry route when the level is not reached, the motivation, up to six documents."""

    document_kinds = ApplicationDocument.Kind

    entry_route = forms.ChoiceField(label=_("Voie d'accès demandée"), widget=forms.RadioSelect, required=False)
    entry_justification = forms.CharField(
        label=_("Expliquez votre demande"),
        help_text=format_lazy(
            _(
                "Votre expérience professionnelle ou bénévole, vos formations, ce qui vous prépare à suivre cette "
                "formation ({max} caractères au plus)."
            ),
            max=JUSTIFICATION_MAX_LENGTH,
        ),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=JUSTIFICATION_MAX_LENGTH,
        required=False,
    )
    motivation = forms.CharField(
        label=_("Votre motivation"),
        help_text=format_lazy(
            _(
                "Pourquoi cette formation, ce que vous en attendez, comment elle s'inscrit dans votre projet "
                "({max} caractères au plus)."
            ),
            max=MOTIVATION_MAX_LENGTH,
        ),
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=MOTIVATION_MAX_LENGTH,
        error_messages={"required": _("Expliquez votre motivation : c'est ce que lit d'abord le CNAM.")},
    )

    def __init__(self, *args, programme: Programme, below_entry_level: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.programme = programme
        self.below_entry_level = below_entry_level
        if below_entry_level:
            self.fields["entry_route"].choices = _route_choices(programme)
            self.fields["entry_route"].required = True
            self.fields["entry_route"].error_messages["required"] = _(
                "Votre niveau est inférieur au niveau d'entrée : choisissez une voie d'accès."
            )
            self.fields["entry_justification"].required = True
            self.fields["entry_justification"].error_messages["required"] = _(
                "Expliquez pourquoi vous demandez cette voie d'accès."
            )
        else:
            del self.fields["entry_route"]
            del self.fields["entry_justification"]

    def clean(self):
        cleaned = super().clean()
        if not self.below_entry_level:
            cleaned["entry_route"] = Application.EntryRoute.DIRECT
            cleaned["entry_justification"] = ""
        return cleaned


class WithdrawForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Je confirme retirer ma candidature. Ce retrait est définitif."),
        error_messages={"required": _("Cochez la case pour confirmer le retrait de votre candidature.")},
    )
    reason = forms.CharField(
        label=_("Motif (facultatif)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class OfferAnswerForm(forms.Form):
    answer = forms.ChoiceField(choices=[("accepter", _("J'accepte la place")), ("refuser", _("Je refuse la place"))])
