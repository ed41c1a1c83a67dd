"""Reads of the catalogue that pages share."""

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from enrollment.models import Application, ApplicationStatus
from enrollment.seats import annotate_seats

from .models import Domain, Programme, Session
from .search import search_programmes

# The value of the "commune" filter that stands for remote sessions.
REMOTE = "distance"
# Only the database reads these; pages need not load them.
SEARCH_COLUMNS = ("search_document", "search_vector")


class HomeHighlights(TypedDict):
    domains: list[Domain]
    next_sessions: list[Session]


def home_highlights(*, limit: int = 6) -> HomeHighlights:
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


def public_sessions(
    *,
    today: datetime.date | None = None,
    commune: str = "",
    rhythm: str = "",
    start_after: datetime.date | None = None,
) -> QuerySet[Session]:
    """Upcoming sessions anyone may see (never those reserved for a partner), with their seats."""
    sessions = Session.objects.public().upcoming(today)
    if commune == REMOTE:
        sessions = sessions.filter(site__is_remote=True)
    elif commune:
        sessions = sessions.filter(site__is_remote=False, site__commune=commune)
    if rhythm:
        sessions = sessions.filter(rhythm=rhythm)
    if start_after:
        sessions = sessions.filter(start_date__gte=start_after)
    return sessions


def _with_public_sessions(programmes: QuerySet[Programme], sessions: QuerySet[Session]) -> QuerySet[Programme]:
    return programmes.prefetch_related(
        Prefetch(
            "sessions",
            queryset=annotate_seats(sessions.select_related("site").order_by("start_date", "reference")),
            to_attr="public_sessions",
        )
    )


def programme_catalogue(
    *,
    q: str = "",
    domain: str = "",
    audience: str = "",
    modality: str = "",
    commune: str = "",
    rhythm: str = "",
    certification_level: int | None = None,
    work_study: bool = False,
    vae: bool = False,
    start_after: datetime.date | None = None,
    today: datetime.date | None = None,
) -> QuerySet[Programme]:
    """Published programmes matching the catalogue filters, each with ``public_sessions``.

    Session filters (commune, rhythm, start date) keep the programmes having at least one
    matching session, and only those sessions are attached, so a card shows a session the
    applicant asked for.
    """
    programmes = Programme.objects.published().select_related("domain").defer(*SEARCH_COLUMNS).order_by("title", "pk")
    if domain:
        programmes = programmes.filter(domain__slug=domain)
    if audience:
        programmes = programmes.filter(audiences__code=audience)
    if modality:
        programmes = programmes.filter(modality=modality)
    if certification_level is not None:
        programmes = programmes.filter(certification_level=certification_level)
    if work_study:
        programmes = programmes.filter(is_work_study=True)
    if vae:
        programmes = programmes.filter(vae_available=True)

    sessions = public_sessions(today=today, commune=commune, rhythm=rhythm, start_after=start_after)
    if commune or rhythm or start_after:
        # One session must match every session filter at once.
        programmes = programmes.filter(Exists(sessions.filter(programme=OuterRef("pk"))))
    programmes = search_programmes(programmes, text=q)
    return _with_public_sessions(programmes, sessions)


def programme_page(*, today: datetime.date | None = None) -> QuerySet[Programme]:
    """Published programmes ready for their page: domain, audiences and public sessions with seats."""
    programmes = (
        Programme.objects.published().select_related("domain").defer(*SEARCH_COLUMNS).prefetch_related("audiences")
    )
    return _with_public_sessions(programmes, public_sessions(today=today))


def session_enrolled_count(*, session_id: int | None) -> int:
    """How many people the session enrolled (applications « inscrite »)."""
    if session_id is None:
        return 0
    return Application.objects.filter(session_id=session_id, status=ApplicationStatus.ENROLLED).count()


@dataclass(frozen=True)
class Rate:
    """A share of the people enrolled in the ended sessions that recorded it."""

    percent: int
    trainees: int
    sessions: int


@dataclass(frozen=True)
class ProgrammeResults:
    completion: Rate | None
    success: Rate | None


def _rate(rows: Sequence[Mapping[str, Any]], field: str) -> Rate | None:
    counted = [row for row in rows if row[field] is not None]
    trainees = sum(row["enrolled"] for row in counted)
    if not trainees:
        return None
    reached = sum(row[field] for row in counted)
    return Rate(percent=round(100 * reached / trainees), trainees=trainees, sessions=len(counted))


def programme_results(*, programme_id: int, today: datetime.date | None = None) -> ProgrammeResults | None:
    """Completion and success rates of the programme's ended sessions where staff recorded them (one query).

    Each rate divides the people who completed (or were certified) by the people enrolled, over the
    sessions that recorded that figure; a rate without any such session is left out, never guessed,
    and so are the results when there is neither.
    """
    today = today or timezone.localdate()
    rows = list(
        Session.objects.filter(programme_id=programme_id, state=Session.State.SCHEDULED, end_date__lt=today)
        .filter(Q(completed_count__isnull=False) | Q(certified_count__isnull=False))
        .annotate(enrolled=Count("applications", filter=Q(applications__status=ApplicationStatus.ENROLLED)))
        .values("completed_count", "certified_count", "enrolled")
    )
    results = ProgrammeResults(completion=_rate(rows, "completed_count"), success=_rate(rows, "certified_count"))
    return results if results.completion or results.success else None
