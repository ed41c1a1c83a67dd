"""Reads of the partner space. Every query here is filtered by one partner: nothing of another leaks.

Seats come from ``enrollment.seats`` (the one seat ledger); this module only narrows
them to the member's organisation.
"""

import datetime
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, TypedDict

from django.db import connections
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext as _

from enrollment.models import Application, ApplicationStatus
from enrollment.seats import RESERVING_CONVENTION_STATES, allocations_with_usage, annotate_seats
from partner_space.imports import ImportContext, SessionTarget
from partners.models import Convention, ConventionDocument, Partner, PartnerMember, SeatAllocation
from programs.models import Session

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from django_stubs_ext import WithAnnotations

    from enrollment.seats import AllocationUsage

# CNAM's drafts are work in progress: the partner sees a convention once it is sent for signature.
VISIBLE_CONVENTION_STATES = tuple(state for state in Convention.State.values if state != Convention.State.DRAFT)


# --- Membership -------------------------------------------------------------------------------


def memberships_for(user: "User | AnonymousUser | None") -> QuerySet[PartnerMember]:
    if user is None or not user.is_authenticated:
        return PartnerMember.objects.none()
    return (
        PartnerMember.objects.filter(user_id=user.pk, is_active=True)
        .select_related("partner")
        .order_by("partner__name", "pk")
    )


def member_for(user: "User | AnonymousUser | None", *, partner_id: int | None = None) -> PartnerMember | None:
    """The user's active membership: of ``partner_id`` when given (and theirs), else the first one."""
    memberships = memberships_for(user)
    if partner_id is not None:
        chosen = memberships.filter(partner_id=partner_id).first()
        if chosen is not None:
            return chosen
    return memberships.first()


# --- Dashboard --------------------------------------------------------------------------------


class ConventionDocumentState(TypedDict):
    latest_document_state: str | None
    latest_document_error: str | None
    latest_document_version: int | None
    has_ready_document: bool


def partner_conventions(*, partner: Partner) -> "QuerySet[WithAnnotations[Convention, ConventionDocumentState]]":
    """The partner's conventions with the state of their latest PDF version and whether one is ready."""
    latest = ConventionDocument.objects.filter(convention=OuterRef("pk")).order_by("-version")
    ready = ConventionDocument.objects.filter(convention=OuterRef("pk"), state=ConventionDocument.State.READY)
    return (
        Convention.objects.filter(partner=partner, state__in=VISIBLE_CONVENTION_STATES)
        .annotate(
            latest_document_state=Subquery(latest.values("state")[:1]),
            latest_document_error=Subquery(latest.values("error")[:1]),
            latest_document_version=Subquery(latest.values("version")[:1], output_field=IntegerField()),
            has_ready_document=Exists(ready),
        )
        .order_by("-start_date", "reference")
    )


def partner_allocations(
    *, partner: Partner, convention: Convention | None = None
) -> "QuerySet[WithAnnotations[SeatAllocation, AllocationUsage]]":
    """Allocations of the partner's visible conventions, with ``seats_used`` and ``seats_left``."""
    queryset = SeatAllocation.objects.filter(
        convention__partner=partner, convention__state__in=VISIBLE_CONVENTION_STATES
    )
    if convention is not None:
        queryset = queryset.filter(convention=convention)
    return allocations_with_usage(
        queryset.select_related("convention", "session__programme", "session__site").order_by(
            "session__start_date", "session__reference", "convention__reference"
        )
    )


def partner_seat_totals(*, partner: Partner) -> dict[str, int]:
    """Seats reserved, used and left over all the partner's visible allocations, in one query."""
    totals = partner_allocations(partner=partner).aggregate(
        reserved=Sum("seats"), used=Sum("seats_used"), left=Sum("seats_left")
    )
    return {name: value or 0 for name, value in totals.items()}


def enrollable_allocations(
    *, partner: Partner, today: datetime.date | None = None
) -> "QuerySet[WithAnnotations[SeatAllocation, AllocationUsage]]":
    """Allocations a référent may enroll into now: convention in force, session scheduled and not over."""
    today = today or timezone.localdate()
    return partner_allocations(partner=partner).filter(
        convention__state__in=RESERVING_CONVENTION_STATES,
        session__state=Session.State.SCHEDULED,
        session__end_date__gte=today,
        seats_left__gt=0,
    )


def _staff_matching(queryset: QuerySet[Application], *, text: str) -> QuerySet[Application]:
    """Keep the applications where every word of ``text`` is in a name, an email or the session reference.

    The name and email searched are those the staff list shows: the person's own profile once the
    enrollment counted (``Application.partner_may_see_profile``), before that only what the
    référent typed. Searching the profile earlier would tell the partner what it may not read
    yet. On PostgreSQL accents do not count ("zainaba" finds "Zaïnaba"); SQLite, in
    development, only ignores the case of ASCII letters.
    """
    contains = "unaccent__icontains" if connections[queryset.db].vendor == "postgresql" else "icontains"
    profile_visible = Q(status=ApplicationStatus.ENROLLED) | Q(enrolled_at__isnull=False)
    for word in text.split():
        in_profile = (
            Q(**{f"applicant__applicant_profile__first_name__{contains}": word})
            | Q(**{f"applicant__applicant_profile__last_name__{contains}": word})
            | Q(**{f"applicant__email__{contains}": word})
        )
        as_typed = Q(**{f"invited_name__{contains}": word}) | Q(**{f"invited_email__{contains}": word})
        queryset = queryset.filter(
            Q(**{f"session__reference__{contains}": word})
            | (profile_visible & in_profile)
            | (~profile_visible & as_typed)
        )
    return queryset


def partner_staff(*, partner: Partner, convention: Convention | None = None, search: str = "") -> QuerySet[Application]:
    """Applications the partner made (through its conventions), newest first, narrowed by ``search``.

    The partner filter comes first and every search only narrows it: no search reaches another
    partner's staff.
    """
    queryset: QuerySet[Application] = Application.objects.filter(convention__partner=partner)
    if convention is not None:
        queryset = queryset.filter(convention=convention)
    if search.strip():
        queryset = _staff_matching(queryset, text=search)
    return queryset.select_related(
        "applicant__applicant_profile", "session__programme", "session__site", "convention"
    ).order_by("-submitted_at", "-pk")


def partner_staff_counts(*, partner: Partner) -> dict[str, int]:
    """Number of the partner's applications per status, plus ``total``, in one query."""
    rows = Application.objects.filter(convention__partner=partner).order_by().values("status").annotate(n=Count("pk"))
    counts = {row["status"]: row["n"] for row in rows}
    counts["total"] = sum(counts.values())
    counts["enrolled"] = counts.get(ApplicationStatus.ENROLLED, 0)
    return counts


def partner_convention(*, partner: Partner, reference: str) -> Convention | None:
    return partner_conventions(partner=partner).filter(reference=reference).select_related("partner").first()


# --- Import ------------------------------------------------------------------------------------


def _refusal(allocation: SeatAllocation, session: Session, today: datetime.date) -> str:
    if session.state == Session.State.CANCELLED:
        return _("La session %(session)s est annulée.") % {"session": session.reference}
    if session.state != Session.State.SCHEDULED:
        return _("La session %(session)s n'est pas encore ouverte aux inscriptions.") % {"session": session.reference}
    if session.end_date < today:
        return _("La session %(session)s est terminée.") % {"session": session.reference}
    if allocation.convention.state not in RESERVING_CONVENTION_STATES:
        return _(
            "La convention %(convention)s n'est pas en vigueur (« %(state)s ») : elle ne permet pas d'inscrire."
        ) % {
            "convention": allocation.convention.reference,
            "state": allocation.convention.get_state_display(),
        }
    return ""


def sessions_by_reference(references: Iterable[str]) -> QuerySet[Session]:
    """The sessions whose reference, in capitals, is one of ``references`` (a file's, capitalised).

    References are compared in capitals: "vae-2027-a" in a file, or in the catalogue, is the
    session VAE-2027-A.
    """
    return Session.objects.alias(reference_upper=Upper("reference")).filter(reference_upper__in=references)


def import_context(
    *, partner: Partner, references: Iterable[str], owners: Mapping[str, int], today: datetime.date | None = None
) -> ImportContext:
    """What the validation of an import needs from the database, in three queries.

    ``owners``: the account each email of the file links to (``invitations.users_for_emails``),
    by primary key; an email without one gets a new account, so it cannot be enrolled already.
    For a session several of the partner's conventions reserve seats in, the convention in
    force with the most seats left takes the rows.
    """
    today = today or timezone.localdate()
    references = {reference for reference in references if reference}
    allocations = list(
        allocations_with_usage(
            SeatAllocation.objects.filter(
                convention__partner=partner,
                convention__state__in=VISIBLE_CONVENTION_STATES,
                session__in=sessions_by_reference(references),
            ).select_related("convention", "session")
        )
    )
    session_ids = {allocation.session_id for allocation in allocations}
    room = {
        row["pk"]: row["capacity"] - row["seats_taken"]
        for row in annotate_seats(Session.objects.filter(pk__in=session_ids)).values("pk", "capacity", "seats_taken")
    }
    targets: dict[str, SessionTarget] = {}
    for allocation in sorted(allocations, key=lambda a: (-a.seats_left, a.convention.start_date, a.pk)):
        session = allocation.session
        if session.reserved_for_id not in (None, partner.pk):
            continue
        refusal = _refusal(allocation, session, today)
        current = targets.get(session.reference.upper())
        if current is not None and (refusal or not current.refusal):
            continue
        targets[session.reference.upper()] = SessionTarget(
            session_id=session.pk,
            reference=session.reference,
            convention_id=allocation.convention_id,
            convention_reference=allocation.convention.reference,
            seats_left=max(0, min(allocation.seats_left, room.get(session.pk, 0))),
            refusal=refusal,
        )
    enrolled: set[tuple[str, int]] = set()
    if owners and session_ids:
        by_user: dict[int, list[str]] = {}
        for email, user_id in owners.items():
            by_user.setdefault(user_id, []).append(email)
        live = Application.objects.live().filter(session_id__in=session_ids, applicant_id__in=by_user)
        for user_id, session_id in live.values_list("applicant_id", "session_id"):
            enrolled.update((email, session_id) for email in by_user[user_id])
    return ImportContext(targets=targets, enrolled=frozenset(enrolled))
