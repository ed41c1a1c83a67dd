"""Pages of the admin site that are not a model's: the direction's report."""

from django import forms
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from backoffice import selectors as reporting

REPORT_PERMISSION = "enrollment.view_application"
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


def _period(params) -> tuple[reporting.Period, str]:
    """The period asked for, or the last twelve months with the reason when the input is unusable."""
    default = reporting.Period.last_twelve_months()
    if not params.get("du") and not params.get("au"):
        return default, ""
    form = PeriodForm(params)
    if not form.is_valid():
        problems = " ".join(message for errors in form.errors.values() for message in errors)
        return default, _("Période non valide : %(problems)s Les douze derniers mois sont affichés.") % {
            "problems": problems
        }
    end = form.cleaned_data["au"] or default.end
    start = form.cleaned_data["du"] or reporting.Period.last_twelve_months(end).start
    if end < start:
        return default, _("La date de fin précède la date de début : les douze derniers mois sont affichés.")
    return reporting.Period(start=start, end=end), ""


@staff_member_required
@require_GET
def report(request):
    if not request.user.has_perm(REPORT_PERMISSION):
        raise PermissionDenied
    period, error = _period(request.GET)
    context = {
        **admin.site.each_context(request),
        "title": _("Rapports d'activité"),
        "report": reporting.build_report(period=period),
        "period": period,
        "period_error": error,
    }
    return TemplateResponse(request, "admin/reporting.html", context)
