"""Admin actions on sessions: plan the next run of a session from the current one."""

from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_kit import report_each

from .services import session_duplicate


@admin.action(description=gettext_lazy("Dupliquer pour une prochaine session"), permissions=["add"])
def duplicate_for_next_run(modeladmin, request, queryset):
    copies = {}

    def apply(session):
        copies[session.pk] = session_duplicate(session=session, by=request.user)

    report_each(
        modeladmin,
        request,
        queryset.select_related("programme").order_by("start_date", "pk"),
        apply,
        log=lambda session: (
            _("Dupliquée : nouvelle session %(reference)s en préparation.")
            % {"reference": copies[session.pk].reference}
        ),
    )
