"""The report's period, read from the query string."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice.selectors import Period, SessionOrder

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
INVALID = gettext_lazy("une date s'écrit JJ/MM/AAAA (par exemple 31/12/2026).")


class PeriodForm(forms.Form):
    du = forms.DateField(
        label=gettext_lazy("Du"), required=False, input_formats=DATE_FORMATS, error_messages={"invalid": INVALID}
    )
    au = forms.DateField(
        label=gettext_lazy("Au"), required=False, input_formats=DATE_FORMATS, error_messages={"invalid": INVALID}
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("du"), cleaned.get("au")
        if start and end and end < start:
            raise forms.ValidationError(_("la date de fin précède la date de début."), code="period_reversed")
        return cleaned


def period_from_query(params) -> tuple[Period, str]:
    """The period asked for, or the last twelve months with the reason when the input is unusable."""
    default = Period.last_twelve_months()
    if not params.get("du") and not params.get("au"):
        return default, ""
    form = PeriodForm(params)
    if not form.is_valid():
        problems = " ".join(message for errors in form.errors.values() for message in errors)
        return default, _("Période non valide : %(problems)s Les douze derniers mois sont affichés.") % {
            "problems": problems
        }
    end = form.cleaned_data["au"] or default.end
    start = form.cleaned_data["du"] or Period.last_twelve_months(end).start
    if end < start:
        return default, _("La date de fin précède la date de début : les douze derniers mois sont affichés.")
    return Period(start=start, end=end), ""


def session_order_from_query(params) -> SessionOrder:
    """Which sessions the report lists first; the page offers a list of orders, so anything else
    (an old or edited link) gets the default: the least filled, those that may need attention."""
    value = params.get("tri", "")
    return SessionOrder(value) if value in SessionOrder.values else SessionOrder.LEAST_FILLED
