"""Pages of the admin site that are not a model's: the direction's report."""

from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from backoffice.forms import period_from_query, session_order_from_query
from backoffice.selectors import FINAL_CALL_STATES, Period, SessionOrder, build_report
from core import fragments
from partners.models import CallForProjects
from programs.models import Session

REPORT_PERMISSION = "enrollment.view_application"
# Never bumped: the report's figures are kept for core.fragments.FRAGMENT_SECONDS.
REPORT_SCOPE = "report"


def _session_list_url(period: Period) -> str:
    """The admin's session list, filtered to the sessions the report counts: scheduled, starting in the period."""
    query = {
        "state__exact": Session.State.SCHEDULED,
        "start_date__gte": period.start.isoformat(),
        "start_date__lte": period.end.isoformat(),
    }
    return f"{reverse('admin:programs_session_changelist')}?{urlencode(query)}"


def _call_list_url() -> str:
    """The admin's list of calls for projects the report counts: deadline to come, not settled."""
    open_states = [state for state in CallForProjects.State.values if state not in FINAL_CALL_STATES]
    query = {"deadline__gte": timezone.localdate().isoformat(), "state__in": ",".join(open_states)}
    return f"{reverse('admin:partners_callforprojects_changelist')}?{urlencode(query)}"


@staff_member_required
@require_GET
def report(request):
    if not request.user.has_perm(REPORT_PERMISSION):
        raise PermissionDenied
    period, error = period_from_query(request.GET)
    session_order = session_order_from_query(request.GET)
    # Figures a minute old serve every staff member asking the same period: at a region's scale
    # the grouped counts take a few hundred milliseconds.
    computed = fragments.fragment(
        REPORT_SCOPE,
        "report",
        [period.start, period.end, session_order],
        lambda: {"report": build_report(period=period, session_order=session_order), "at": timezone.now()},
    )
    context = {
        **admin.site.each_context(request),
        "title": _("Rapports d'activité"),
        "report": computed["report"],
        "computed_at": computed["at"],
        "period": period,
        "period_error": error,
        "session_orders": SessionOrder.choices,
        "session_list_url": _session_list_url(period),
        "call_list_url": _call_list_url(),
    }
    return TemplateResponse(request, "admin/reporting.html", context)
