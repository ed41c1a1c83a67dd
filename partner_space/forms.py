"""Forms of the partner space: they check input, the services decide and write."""

from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.formatting import date_long
from core.phones import normalize_phone
from partner_space import imports
from partner_space import selectors as selectors_space


class AllocationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, allocation):
        session = allocation.session
        left = ngettext("%(n)s place restante", "%(n)s places restantes", allocation.seats_left) % {
            "n": allocation.seats_left
        }
        return _("%(reference)s — %(programme)s, du %(start)s au %(end)s (%(left)s)") % {
            "reference": session.reference,
            "programme": session.programme.title,
            "start": date_long(session.start_date),
            "end": date_long(session.end_date),
            "left": left,
        }


class StaffEnrollForm(forms.Form):
    first_name = forms.CharField(label=_("Prénom"), max_length=100)
    last_name = forms.CharField(label=_("Nom"), max_length=100)
    email = forms.EmailField(
        label=_("Adresse de courriel"),
        max_length=254,
        help_text=_("L'agent y reçoit son invitation à créer ou retrouver son compte. Format : nom@exemple.yt"),
    )
    job_title = forms.CharField(label=_("Fonction"), max_length=150, required=False)
    # Wider than the stored E.164 value: people type spaces, dots and prefixes.
    phone = forms.CharField(
        label=_("Téléphone"),
        max_length=30,
        required=False,
        help_text=_("Facultatif : il complète le profil de l'agent. Ex. : 0639 12 34 56 ou +262 269 61 00 00."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "tel"}),
    )
    allocation = AllocationChoiceField(
        label=_("Session"),
        queryset=None,
        empty_label=_("Choisissez une session parmi vos places réservées"),
        error_messages={"invalid_choice": _("Choisissez une session parmi les places réservées à votre organisation.")},
    )

    def __init__(self, *args, partner, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["allocation"].queryset = selectors_space.enrollable_allocations(partner=partner)
        self.fields["email"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean_phone(self) -> str:
        typed = self.cleaned_data["phone"].strip()
        return normalize_phone(typed) if typed else ""


class StaffImportForm(forms.Form):
    file = forms.FileField(
        label=_("Liste des agents (CSV ou Excel .xlsx)"),
        help_text=_(
            "Colonnes : prenom, nom, courriel, fonction, telephone, session (référence de la session). "
            "Séparateur « ; » ou « , ». 1 Mo au plus."
        ),
        error_messages={"required": _("Choisissez le fichier à importer."), "empty": _("Le fichier est vide.")},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > imports.MAX_FILE_BYTES:
            raise ValidationError(_("Le fichier dépasse 1 Mo : découpez la liste en plusieurs fichiers."))
        content = upload.read()
        name = (upload.name or "").rsplit("/", 1)[-1]
        if not name.lower().endswith((".csv", ".txt", ".xlsx")) and not imports.is_xlsx(content):
            raise ValidationError(_("Déposez un fichier CSV (.csv) ou un classeur Excel (.xlsx)."))
        self.rows = imports.parse_staff_file(content, name)
        self.filename = name[:200]
        return upload


class ImportConfirmForm(forms.Form):
    """The confirmation of a previewed import, and what to do with the rows in error.

    The mode preselected is the one the confirm button announces: with rows in error, enrolling
    the valid ones (all or nothing could only refuse); with none, all or nothing, so that a row
    gone wrong since the preview (a seat taken meanwhile) stops the whole file.
    """

    ALL_OR_NOTHING = "tout_ou_rien"
    VALID_ONLY = "lignes_valides"

    token = forms.CharField(widget=forms.HiddenInput)
    mode = forms.ChoiceField(
        label=_("Que faire des lignes en erreur ?"),
        choices=[
            (VALID_ONLY, _("Inscrire seulement les lignes valides")),
            (ALL_OR_NOTHING, _("Tout ou rien : n'inscrire personne si une ligne est en erreur")),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choisissez ce que deviennent les lignes en erreur."),
            "invalid_choice": _("Choisissez ce que deviennent les lignes en erreur."),
        },
    )

    def __init__(self, *args, token: str, has_errors: bool, **kwargs):
        default = self.VALID_ONLY if has_errors else self.ALL_OR_NOTHING
        super().__init__(*args, initial={"token": token, "mode": default}, **kwargs)

    @property
    def chosen_mode(self) -> str:
        """The mode the page shows selected, and whose label the confirm button bears."""
        posted = self.data.get("mode") if self.is_bound else None
        return posted if posted in (self.VALID_ONLY, self.ALL_OR_NOTHING) else self.initial["mode"]


class StaffSearchForm(forms.Form):
    """The search of the dashboard's staff list.

    A GET form, so that a search is a link: it survives pagination, the back button and a page
    without JavaScript. A refused value (too long) is not applied: the list stays whole and the
    field says why.
    """

    q = forms.CharField(
        label=_("Rechercher un agent"),
        required=False,
        max_length=200,
        strip=True,
        help_text=_(
            "Nom, adresse de courriel ou référence de session (ex. : S-2027-TSG). "
            "Les accents et les majuscules ne comptent pas."
        ),
        widget=forms.TextInput(
            attrs={"class": "fr-input", "type": "search", "autocomplete": "off", "spellcheck": "false"}
        ),
        error_messages={"max_length": _("La recherche est limitée à 200 caractères : elle n'a pas été appliquée.")},
    )

    @property
    def query(self) -> str:
        """The text to search for, spaces collapsed; "" when the field is empty or refused."""
        if not self.is_valid():
            return ""
        return " ".join(self.cleaned_data["q"].split())


class ClaimAccountForm(SetPasswordForm):
    """The person invited chooses their password (the project's validators, French messages)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("Choisissez votre mot de passe")
        self.fields["new_password2"].label = _("Saisissez-le une seconde fois")
        self.fields["new_password2"].help_text = ""
