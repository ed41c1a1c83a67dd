from django import template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from core.phones import national
from programs import formatting

register = template.Library()

register.filter("euros", formatting.euros)
register.filter("programme_price", formatting.programme_price)
register.filter("whole_number", formatting.whole_number)
register.filter("result_rate", formatting.result_rate)
# ``+262269612020`` → ``02 69 61 20 20``: a number as people dial it.
register.filter("phone", national)


@register.simple_tag
def apply_url(session) -> str:
    """URL of the application form for ``session``, or "" while the enrollment flow is not routed."""
    try:
        return reverse("enrollment:apply", args=[session.pk])
    except NoReverseMatch:
        return ""


@register.filter
def featured_session(sessions):
    """The session a catalogue card puts forward, from the sessions already loaded with the page:
    the first one taking applications now, else the first one still to start, else the first one."""
    if not sessions:
        return None
    now = timezone.now()
    today = timezone.localdate()
    return next(
        (session for session in sessions if session.accepts_applications(now)),
        next((session for session in sessions if session.start_date >= today), sessions[0]),
    )
