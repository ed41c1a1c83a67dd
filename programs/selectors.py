"""Reads of the catalogue that pages share."""

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from .models import Domain, Programme, Session


def home_highlights(*, limit: int = 6) -> dict:
    """What the home page shows: domains with their programme counts and the next public sessions."""
    today = timezone.localdate()
    domains = (
        Domain.objects.annotate(
            programme_count=Count("programmes", filter=Q(programmes__status=Programme.Status.PUBLISHED))
        )
        .filter(programme_count__gt=0)
        .order_by("position", "name")
    )
    next_sessions = (
        Session.objects.public()
        .open_for_applications()
        .filter(start_date__gte=today)
        .select_related("programme", "site")
        .order_by("start_date", "reference")[:limit]
    )
    return {"domains": list(domains), "next_sessions": list(next_sessions)}


def programme_catalogue(*, today=None):
    """Published programmes with their upcoming public sessions prefetched."""
    today = today or timezone.localdate()
    sessions = Session.objects.public().upcoming(today).select_related("site").order_by("start_date")
    return (
        Programme.objects.published()
        .select_related("domain")
        .prefetch_related(Prefetch("sessions", queryset=sessions, to_attr="upcoming_sessions"))
        .order_by("title")
    )
