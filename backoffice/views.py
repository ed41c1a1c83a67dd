"""Pages of the admin site that are not a model's: the direction's report."""

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from backoffice.forms import period_from_query
from backoffice.selectors import build_report

REPORT_PERMISSION = "enrollment.view_application"


@staff_member_required
@require_GET
def report(request):
    if not request.user.has_perm(REPORT_PERMISSION):
        raise PermissionDenied
    period, error = period_from_query(request.GET)
    context = {
        **admin.site.each_context(request),
        "title": _("Rapports d'activité"),
        "report": build_report(period=period),
        "period": period,
        "period_error": error,
    }
    return TemplateResponse(request, "admin/reporting.html", context)
