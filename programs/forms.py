"""The catalogue's filter form: read from the query string, never refuses the page."""

from dataclasses import dataclass

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import fragments
from core.formatting import date_long

from . import freshness
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


def _database_choices() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The domains and audiences to filter by, as the catalogue's fragments keep them."""
    return (
        list(Domain.objects.order_by("position", "name").values_list("slug", "name")),
        list(Audience.objects.order_by("position", "label").values_list("code", "label")),
    )


@dataclass(frozen=True)
class ActiveFilter:
    """A filter the results honour, as a removable tag: its text, and the same search without it."""

    name: str
    text: str
    remove_label: str
    remove_query: str


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
        domains, audiences = fragments.fragment(freshness.SCOPE, "catalogue-choices", None, _database_choices)
        self.fields["domaine"].choices = _blank(_("Tous les domaines")) + domains
        self.fields["public"].choices = _blank(_("Tous les publics")) + audiences
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

    def _filter_text(self, name: str, value) -> str:
        field = self.fields[name]
        if isinstance(field, forms.BooleanField):
            return str(field.label)
        if isinstance(field, forms.DateField):
            return gettext("%(label)s %(date)s") % {"label": field.label, "date": date_long(value)}
        choice = dict(field.choices).get(value, value)
        return gettext("%(label)s : %(choice)s") % {"label": field.label, "choice": choice}

    def active_filters(self) -> list[ActiveFilter]:
        """The search and the filters that were applied, in the form's order, each with the query
        string of the same search without it (and back to the first page)."""
        self.is_valid()
        applied = {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in self.errors and value not in ("", None, False)
        }
        kept = QueryDict(mutable=True)
        for name in self.data:
            values = self.data.getlist(name) if hasattr(self.data, "getlist") else [self.data[name]]
            kept.setlist(name, [str(value) for value in values])
        for name in ("page", *self.errors):
            kept.pop(name, None)
        tags = []
        for name, value in applied.items():
            query = kept.copy()
            query.pop(name, None)
            encoded = query.urlencode()
            if name == "q":
                text = gettext("« %(query)s »") % {"query": value}
                remove_label = gettext("Retirer la recherche « %(query)s »") % {"query": value}
            else:
                text = self._filter_text(name, value)
                remove_label = gettext("Retirer le filtre %(filter)s") % {"filter": text}
            tags.append(ActiveFilter(name, text, remove_label, f"?{encoded}" if encoded else ""))
        return tags
