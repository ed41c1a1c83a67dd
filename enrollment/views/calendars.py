"""The applicant's private calendar: the feed calendar applications fetch, and renewing its address."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from enrollment.selectors import applicant_calendar_sessions, calendar_feed_by_token
from enrollment.services import calendars as calendar_services
from programs import calendars


def feed_url(feed) -> str:
    return settings.SITE_URL + reverse("enrollment:calendar_feed", kwargs={"token": feed.token})


@require_GET
def feed(request, token):
    """The person's sessions for their calendar application, which cannot sign in: the token is the key."""
    found = calendar_feed_by_token(token=token, partner=False)
    if found is None:
        raise Http404
    sessions = applicant_calendar_sessions(user_id=found.user_id)
    content = calendars.calendar_bytes(
        ((session, "") for session in sessions), name=_("Mes formations — CNAM Mayotte"), feed=True
    )
    return calendars.calendar_response(content, filename="cnam-mayotte-mes-formations.ics", private=True)


@login_required
@require_POST
def renew(request):
    calendar_services.calendar_feed_renew(user=request.user)
    messages.success(
        request,
        _(
            "Le lien de votre agenda est renouvelé : l'ancien ne fonctionne plus. "
            "Abonnez de nouveau votre application d'agenda avec le nouveau lien."
        ),
    )
    return redirect(reverse("enrollment:space") + "#agenda")
