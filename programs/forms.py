"""The catalogue's filter form: read from the query string, never refuses the page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Audience, Commune, Domain, Programme, QualificationLevel, Session
from .selectors import REMOTE

IGNORED_CHOICE = _("Ce choix n'existe pas : ce filtre n'a pas été appliqué.")
IGNORED_DATE = _("Saisissez une date au format jj/mm/aaaa : ce filtre n'a pas été appliqué.")


def _blank(label):
    return [("", label)]


class FlagInput(forms.CheckboxInput):
    """A checkbox sent as ``name=1``, as the home page and shared links write it; ``0`` means off."""

    def __init__(self, attrs=None):
        super().__init__({"value": "1", **(attrs or {})})

    def value_from_datadict(self, data, files, name):
        return data.get(name, "").strip().lower() not in {"", "0", "false", "non"}


class CatalogueFilterForm(forms.Form):
    """Filters of the public catalogue.

    Invalid values never break the page: the view applies the valid filters only and the
    template shows, next to each refused one, why it was ignored.
    """

    q = forms.CharField(
        label=_("Rechercher une formation"),
        required=False,
        max_length=200,
        strip=True,
        widget=forms.TextInput(
            attrs={"class": "fr-input", "type": "search", "placeholder": _("Ex. : comptabilité, électricité")}
        ),
        error_messages={"max_length": _("La recherche est limitée à 200 caractères : elle n'a pas été appliquée.")},
    )
    domaine = forms.ChoiceField(label=_("Domaine"), required=False)
    public = forms.ChoiceField(label=_("Public"), required=False)
    modalite = forms.ChoiceField(
        label=_("Modalité"),
        required=False,
        choices=_blank(_("Toutes les modalités")) + list(Programme.Modality.choices),
    )
    commune = forms.ChoiceField(
        label=_("Lieu"),
        required=False,
        choices=[*_blank(_("Tous les lieux")), (REMOTE, _("À distance")), *Commune.choices],
    )
    rythme = forms.ChoiceField(
        label=_("Rythme"),
        required=False,
        choices=_blank(_("Tous les rythmes")) + list(Session.Rhythm.choices),
    )
    niveau = forms.TypedChoiceField(
        label=_("Niveau de la certification"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=_blank(_("Tous les niveaux"))
        + [(value, label) for value, label in QualificationLevel.choices if value != QualificationLevel.NONE],
    )
    debut_apres = forms.DateField(
        label=_("Début à partir du"),
        help_text=_("Format attendu : jj/mm/aaaa."),
        required=False,
        widget=forms.DateInput(attrs={"class": "fr-input", "type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": IGNORED_DATE},
    )
    alternance = forms.BooleanField(label=_("En alternance"), required=False, widget=FlagInput)
    vae = forms.BooleanField(label=_("Accessible par la VAE"), required=False, widget=FlagInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "filtre-%s")
        super().__init__(*args, **kwargs)
        self.fields["domaine"].choices = _blank(_("Tous les domaines")) + list(
            Domain.objects.order_by("position", "name").values_list("slug", "name")
        )
        self.fields["public"].choices = _blank(_("Tous les publics")) + list(
            Audience.objects.order_by("position", "label").values_list("code", "label")
        )
        for field in self.fields.values():
            if isinstance(field, forms.ChoiceField):
                field.widget.attrs["class"] = "fr-select"
                field.error_messages["invalid_choice"] = IGNORED_CHOICE

    def selector_filters(self) -> dict:
        """Keyword arguments for ``programme_catalogue``, from the values that passed validation."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "q": data.get("q") or "",
            "domain": data.get("domaine") or "",
            "audience": data.get("public") or "",
            "modality": data.get("modalite") or "",
            "commune": data.get("commune") or "",
            "rhythm": data.get("rythme") or "",
            "certification_level": data.get("niveau"),
            "work_study": bool(data.get("alternance")),
            "vae": bool(data.get("vae")),
            "start_after": data.get("debut_apres"),
        }

    def active_filter_count(self) -> int:
        filters = self.selector_filters()
        return sum(1 for name, value in filters.items() if name != "q" and value not in ("", None, False))
