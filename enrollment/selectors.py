"""Reads about applications that several pages and services share.

Seats are counted in ``enrollment.seats`` (the one seat ledger).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, When
from django.utils import timezone
from django.utils.translation import gettext as _

from core.formatting import date_long, time_short
from partners.models import PartnerMember
from programs.models import Programme, Session

from .models import Application, ApplicationStatus, CalendarFeed
from .models.calendars import token_digest

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from django_stubs_ext import WithAnnotations


def live_application_exists(*, user_id: int, session_id: int) -> bool:
    return Application.objects.live().filter(applicant_id=user_id, session_id=session_id).exists()


class WaitlistRank(TypedDict):
    waitlist_position: int | None


def applications_of_applicant(*, user: "User") -> "QuerySet[WithAnnotations[Application, WaitlistRank]]":
    """A person's applications with what their space shows, waiting-list rank included, in one query."""
    ahead = (
        Application.objects.filter(session=OuterRef("session"), status=ApplicationStatus.WAITLISTED)
        .filter(
            Q(waitlisted_at__lt=OuterRef("waitlisted_at"))
            | Q(waitlisted_at=OuterRef("waitlisted_at"), pk__lte=OuterRef("pk"))
        )
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Application.objects.filter(applicant=user)
        .select_related("session__programme", "session__site", "certificate", "convention__partner")
        .annotate(
            waitlist_position=Case(
                When(status=ApplicationStatus.WAITLISTED, then=Subquery(ahead, output_field=IntegerField())),
                default=None,
                output_field=IntegerField(),
            )
        )
        .order_by("-submitted_at", "-pk")
    )


# --- May this person apply to this session now? -------------------------------------------------


@dataclass(frozen=True)
class Eligibility:
    """Whether a person may apply online to a session now and, if not, why (``reason``, shown as is)."""

    allowed: bool
    code: str = ""
    reason: str = ""
    # The person's application in progress for the session, when that is what stops a new one.
    existing: Application | None = None

    @property
    def hidden(self) -> bool:
        """The session does not exist for the public: reserved for a partner's staff, or not published."""
        return self.code in ("session_reserved", "session_unpublished")


ELIGIBLE = Eligibility(allowed=True)


def _session_refusal(session: Session, now: datetime.datetime) -> Eligibility | None:
    if session.reserved_for_id is not None:
        return Eligibility(
            allowed=False,
            code="session_reserved",
            reason=_(
                "Cette session est réservée aux agents d'un partenaire : l'inscription se fait par votre employeur."
            ),
        )
    if session.state == Session.State.DRAFT or session.programme.status != Programme.Status.PUBLISHED:
        return Eligibility(
            allowed=False,
            code="session_unpublished",
            reason=_("Cette session n'accepte pas de candidatures en ce moment."),
        )
    if session.state == Session.State.CANCELLED:
        return Eligibility(
            allowed=False,
            code="session_cancelled",
            reason=_("Cette session a été annulée : elle ne reçoit plus de candidatures."),
        )
    if now < session.applications_open_at:
        return Eligibility(
            allowed=False,
            code="applications_not_open",
            reason=_("Les candidatures pour cette session ouvriront le %(date)s à %(time)s.")
            % {"date": date_long(session.applications_open_at), "time": time_short(session.applications_open_at)},
        )
    if now > session.applications_close_at:
        return Eligibility(
            allowed=False,
            code="applications_closed",
            reason=_("Les candidatures pour cette session sont closes depuis le %(date)s.")
            % {"date": date_long(session.applications_close_at)},
        )
    return None


def _duplicate(existing: Application) -> Eligibility:
    return Eligibility(
        allowed=False,
        code="duplicate",
        reason=_(
            "Vous avez déjà une candidature en cours pour cette session (%(reference)s) : "
            "suivez-la depuis votre espace candidat."
        )
        % {"reference": existing.reference},
        existing=existing,
    )


def sessions_eligibility(
    *, user: "User | AnonymousUser | None", sessions: Iterable[Session], now: datetime.datetime | None = None
) -> dict[int, Eligibility]:
    """``application_eligibility`` of ``user`` for each of ``sessions``, by session pk.

    The sessions come with their programme; the person's applications in progress are read
    in one query whatever the number of sessions, and not at all for a visitor who is not
    signed in (the application form asks them to sign in first).
    """
    now = now or timezone.now()
    verdicts = {session.pk: _session_refusal(session, now) for session in sessions}
    open_ids = [pk for pk, verdict in verdicts.items() if verdict is None]
    existing: dict[int, Application] = {}
    if open_ids and user is not None and user.is_authenticated:
        existing = {
            application.session_id: application
            for application in Application.objects.live()
            .filter(applicant_id=user.pk, session_id__in=open_ids)
            .only("pk", "reference", "session_id", "status")
        }
    return {
        pk: verdict or (_duplicate(existing[pk]) if pk in existing else ELIGIBLE) for pk, verdict in verdicts.items()
    }


def application_eligibility(
    *, user: "User | AnonymousUser | None", session: Session, now: datetime.datetime | None = None
) -> Eligibility:
    """May ``user`` apply online to ``session`` now, and if not, why: the one rule the programme
    page, the application form and ``application_submit`` follow.

    Refused, in this order: a session reserved for a partner's staff, a draft session or an
    unpublished programme, a cancelled session, before and after the application window, and
    a person who already has an application in progress for the session. The profile and the
    content of the application are checked by the form and the service.
    """
    return sessions_eligibility(user=user, sessions=[session], now=now)[session.pk]


# --- Private calendar feeds ---------------------------------------------------------------------

# A seat the person holds and will take: accepted by staff (the reminder goes to them too) or
# enrolled. An offered seat may still be declined or expire, so it is not in the calendar yet.
CALENDAR_STATUSES = (ApplicationStatus.ACCEPTED, ApplicationStatus.ENROLLED)
# Sessions that ended longer ago leave the feed: it stays small whatever a person's history.
CALENDAR_PAST_DAYS = 92


def calendar_feed_by_token(*, token: str, partner: bool) -> CalendarFeed | None:
    """The feed ``token`` opens, of an applicant (or, ``partner``, of a référent still in office), in one query."""
    if not token or len(token) > 64:
        return None
    feeds = CalendarFeed.objects.filter(digest=token_digest(token))
    if partner:
        feeds = feeds.filter(
            member__isnull=False,
            member__is_active=True,
            member__role=PartnerMember.Role.REFERENT,
            member__user__is_active=True,
        ).select_related("member__partner")
    else:
        feeds = feeds.filter(user__isnull=False, user__is_active=True)
    feed = feeds.first()
    return feed if feed is not None and feed.matches(token) else None


def _calendar_sessions(today: datetime.date | None) -> QuerySet[Session]:
    today = today or timezone.localdate()
    return (
        Session.objects.filter(state=Session.State.SCHEDULED)
        .filter(end_date__gte=today - datetime.timedelta(days=CALENDAR_PAST_DAYS))
        .select_related("programme", "site")
        .order_by("start_date", "reference")
    )


def applicant_calendar_sessions(*, user_id: int, today: datetime.date | None = None) -> QuerySet[Session]:
    """The scheduled sessions the person holds a seat in (``CALENDAR_STATUSES``)."""
    return _calendar_sessions(today).filter(
        Exists(Application.objects.filter(session=OuterRef("pk"), applicant_id=user_id, status__in=CALENDAR_STATUSES))
    )


def partner_calendar_sessions(*, partner_id: int, today: datetime.date | None = None) -> QuerySet[Session]:
    """The scheduled sessions the partner's staff hold seats in through its conventions, with ``staff_count``."""
    staff = Q(applications__convention__partner_id=partner_id, applications__status__in=CALENDAR_STATUSES)
    return _calendar_sessions(today).annotate(staff_count=Count("applications", filter=staff)).filter(staff_count__gt=0)
