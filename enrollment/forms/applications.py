"""Forms of the applicant's side: the profile, the application, the moves on an application."""

import datetime

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import TextChoices
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from enrollment.models import ApplicantProfile, Application, ApplicationDocument, Situation
from enrollment.models.profiles import CONSENT_TEXT
from enrollment.services.applications import JUSTIFICATION_MAX_CHARS, MOTIVATION_MAX_CHARS
from enrollment.services.profiles import PROFILE_FIELDS
from enrollment.uploads import MAX_DOCUMENTS, inspect_upload
from enrollment.validators import normalize_phone, validate_france_travail_id
from programs.models import Commune, Programme, QualificationLevel

MIN_AGE = 15
MAX_AGE = 100


def _years_between(born: datetime.date, today: datetime.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


class ApplicantProfileForm(forms.ModelForm):
    # Wider than the stored E.164 value: people type spaces, dots and prefixes.
    phone = forms.CharField(
        label=_("Téléphone"),
        max_length=30,
        help_text=_("Ex. : 0639 12 34 56 ou +262 269 61 00 00."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        error_messages={
            "required": _("Indiquez votre numéro de téléphone : le CNAM vous appelle au sujet de vos candidatures."),
            "max_length": _("Votre numéro de téléphone est trop long : indiquez par exemple 0639 12 34 56."),
        },
    )
    consent = forms.BooleanField(
        label=CONSENT_TEXT,
        required=True,
        error_messages={"required": _("Votre accord est nécessaire pour que le CNAM puisse étudier vos candidatures.")},
    )

    class Meta:
        model = ApplicantProfile
        fields = PROFILE_FIELDS
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
        # Each message names what is wrong, so that it still makes sense in the summary above the form.
        error_messages = {
            "first_name": {
                "required": _("Indiquez votre prénom."),
                "max_length": _("Votre prénom ne peut pas dépasser %(limit_value)d caractères."),
            },
            "last_name": {
                "required": _("Indiquez votre nom de famille."),
                "max_length": _("Votre nom ne peut pas dépasser %(limit_value)d caractères."),
            },
            "birth_date": {
                "required": _("Indiquez votre date de naissance."),
                "invalid": _("Indiquez votre date de naissance au format JJ/MM/AAAA, par exemple 25/12/1995."),
            },
            "commune": {
                "invalid_choice": _(
                    "Choisissez votre commune de résidence dans la liste, ou « Hors de Mayotte / non précisée »."
                ),
            },
            "address": {
                "max_length": _("Votre adresse ne peut pas dépasser %(limit_value)d caractères."),
            },
            "highest_level": {
                "required": _("Choisissez le plus haut niveau de formation que vous avez atteint."),
                "invalid_choice": _("Choisissez votre niveau de formation dans la liste proposée."),
            },
            "situation": {
                "required": _("Choisissez votre situation actuelle : demandeur d'emploi, étudiant, salarié…"),
                "invalid_choice": _("Choisissez votre situation dans la liste proposée."),
            },
            "france_travail_id": {
                "max_length": _("L'identifiant France Travail compte 8 caractères (ex. 1234567A)."),
            },
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
        if self.instance.pk and self.instance.has_current_consent:
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

    def __init__(self, *args, kept=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Documents the person deposited on an earlier, refused try (their own, read by the view).
        self.kept = list(kept)
        self.accepted_slots: list[int] = []
        self.kept_slots: set[int] = set()
        kind_choices = [("", _("Type de pièce")), *self.document_kinds.choices]
        limit = filesizeformat(settings.DOCUMENT_MAX_BYTES)
        for index in range(1, self.max_documents + 1):
            self.fields[f"document_{index}_kind"] = forms.ChoiceField(
                label=_("Type de la pièce n° %(n)d") % {"n": index},
                choices=kind_choices,
                required=False,
                error_messages={
                    "invalid_choice": _("Choisissez le type de la pièce n° %(n)d dans la liste.") % {"n": index}
                },
            )
            self.fields[f"document_{index}_file"] = forms.FileField(
                label=_("Fichier de la pièce n° %(n)d") % {"n": index},
                help_text=_("PDF, JPEG ou PNG, %(limit)s au plus.") % {"limit": limit},
                required=False,
                widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}),
                error_messages={
                    "empty": _("Le fichier de la pièce n° %(n)d est vide : choisissez-en un autre.") % {"n": index},
                    "invalid": _(
                        "Le fichier de la pièce n° %(n)d n'a pas été reçu correctement : sélectionnez-le de nouveau."
                    )
                    % {"n": index},
                    "missing": _(
                        "Le fichier de la pièce n° %(n)d n'a pas été reçu correctement : sélectionnez-le de nouveau."
                    )
                    % {"n": index},
                },
            )

    @property
    def dropped_ids(self) -> set[int]:
        """The kept documents the person ticked « Retirer » for; ids of anything else are ignored."""
        if not self.is_bound or not hasattr(self.data, "getlist"):
            return set()
        own = {upload.pk for upload in self.kept}
        return {int(value) for value in self.data.getlist("drop_pending") if value.isdigit() and int(value) in own}

    @property
    def kept_documents(self) -> list:
        """The kept documents that go with this try: those not ticked for removal."""
        dropped = self.dropped_ids
        return [upload for upload in self.kept if upload.pk not in dropped]

    def keep(self, kept) -> None:
        """Record that the files this form accepted are now kept, among ``kept``: the form lists them
        with the other kept documents instead of showing their slots again."""
        self.kept = list(kept)
        self.kept_slots = set(self.accepted_slots)

    def document_rows(self):
        """(kind field, file field) pairs, in order, for the template: those with an error, then as
        many empty ones as the kept documents leave room for."""
        indexes = range(1, self.max_documents + 1)
        with_errors = {i for i in indexes if self[f"document_{i}_kind"].errors or self[f"document_{i}_file"].errors}
        free = max(0, self.max_documents - len(self.kept_documents) - len(with_errors))
        rows = []
        for index in indexes:
            if index not in with_errors:
                if free == 0 or index in self.kept_slots:
                    continue
                free -= 1
            rows.append((self[f"document_{index}_kind"], self[f"document_{index}_file"]))
        return rows

    def clean(self):
        cleaned = super().clean()
        documents = []
        room = self.max_documents - len(self.kept_documents)
        for index in range(1, self.max_documents + 1):
            kind = cleaned.get(f"document_{index}_kind")
            upload = cleaned.get(f"document_{index}_file")
            if f"document_{index}_file" in self.errors or not upload:
                continue
            name = (upload.name or "").rsplit("/", 1)[-1]
            if not kind:
                self.add_error(
                    f"document_{index}_kind",
                    _(
                        "Indiquez de quelle pièce il s'agit (CV, diplôme…), puis sélectionnez de nouveau "
                        "le fichier « %(name)s »."
                    )
                    % {"name": name},
                )
                continue
            try:
                inspect_upload(upload)
            except ValidationError as error:
                self.add_error(f"document_{index}_file", error)
                continue
            finally:
                upload.seek(0)
            if len(documents) >= room:
                self.add_error(
                    f"document_{index}_file",
                    _(
                        "Vous joignez déjà %(max)s pièces, le maximum : retirez une pièce déjà déposée "
                        "pour joindre « %(name)s »."
                    )
                    % {"max": self.max_documents, "name": name},
                )
                continue
            documents.append((kind, upload))
            self.accepted_slots.append(index)
        cleaned["documents"] = documents
        return cleaned


class ApplicationForm(DocumentFieldsMixin, forms.Form):
    """One application: the entry route when the level is not reached, the motivation, up to six documents."""

    document_kinds = ApplicationDocument.Kind

    entry_route = forms.ChoiceField(
        label=_("Voie d'accès demandée"),
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": _("Choisissez l'une des voies d'accès proposées pour cette formation.")},
    )
    entry_justification = forms.CharField(
        label=_("Expliquez votre demande"),
        help_text=format_lazy(
            _(
                "Votre expérience professionnelle ou bénévole, vos formations, ce qui vous prépare à suivre cette "
                "formation ({max} caractères au plus)."
            ),
            max=JUSTIFICATION_MAX_CHARS,
        ),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=JUSTIFICATION_MAX_CHARS,
        required=False,
        error_messages={
            "max_length": _(
                "Votre explication compte %(show_value)d caractères : raccourcissez-la à %(limit_value)d "
                "caractères au plus."
            )
        },
    )
    motivation = forms.CharField(
        label=_("Votre motivation"),
        help_text=format_lazy(
            _(
                "Pourquoi cette formation, ce que vous en attendez, comment elle s'inscrit dans votre projet "
                "({max} caractères au plus)."
            ),
            max=MOTIVATION_MAX_CHARS,
        ),
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=MOTIVATION_MAX_CHARS,
        error_messages={
            "required": _("Expliquez votre motivation : c'est ce que lit d'abord le CNAM."),
            "max_length": _(
                "Votre motivation compte %(show_value)d caractères : raccourcissez-la à %(limit_value)d "
                "caractères au plus."
            ),
        },
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
        error_messages={
            "max_length": _(
                "Le motif compte %(show_value)d caractères : raccourcissez-le à %(limit_value)d caractères au plus."
            )
        },
    )


class OfferAnswerForm(forms.Form):
    """The answer to an offered seat from the application's page: accepting takes one tap, refusing
    leads to ``OfferDeclineForm`` on a page of its own."""

    answer = forms.ChoiceField(
        choices=[("accepter", _("J'accepte la place")), ("refuser", _("Refuser la place"))],
        error_messages={
            "required": _("Choisissez d'accepter ou de refuser la place proposée."),
            "invalid_choice": _("Choisissez d'accepter ou de refuser la place proposée."),
        },
    )


DECLINE_NOT_CONFIRMED = _(
    "Pour refuser la place, appuyez sur « Oui, je refuse la place » ; sinon, revenez à votre candidature."
)


class OfferDeclineForm(forms.Form):
    """The second step of refusing a seat: only the button « Oui, je refuse la place » sends ``confirm``."""

    confirm = forms.ChoiceField(
        choices=[("oui", _("Oui, je refuse la place"))],
        error_messages={"required": DECLINE_NOT_CONFIRMED, "invalid_choice": DECLINE_NOT_CONFIRMED},
    )
