"""Reads about applications and seats that several pages and services share.

Seat accounting, the one rule every page and service uses:
- a seat is *taken* by each application holding one (accepted, offered, enrolled);
- a convention in force (to sign or signed) *reserves* the seats of its allocation
  that its own partner enrollments have not yet taken;
- the public may take what is left: capacity − taken − reserved, never below zero.
"""

from dataclasses import dataclass

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest

from partners.models import Convention, SeatAllocation

from .models import SEAT_STATUSES, Application, ApplicationStatus

RESERVING_CONVENTION_STATES = (Convention.State.TO_SIGN, Convention.State.SIGNED)


def _allocation_used_subquery():
    return Subquery(
        Application.objects.filter(
            session=OuterRef("session"), convention=OuterRef("convention"), status__in=SEAT_STATUSES
        )
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )


def allocations_with_usage(queryset=None):
    """Allocations annotated with ``seats_used`` and ``seats_left`` (computed, never typed in)."""
    queryset = SeatAllocation.objects.all() if queryset is None else queryset
    return queryset.annotate(seats_used=Coalesce(_allocation_used_subquery(), 0)).annotate(
        seats_left=Greatest(F("seats") - F("seats_used"), Value(0))
    )


def annotate_seats(sessions):
    """Annotate a Session queryset with ``seats_taken``, ``seats_reserved``, ``seats_free`` and
    ``waitlist_length``, in the same query whatever the number of sessions."""
    taken = (
        Application.objects.filter(session=OuterRef("pk"), status__in=SEAT_STATUSES)
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    waiting = (
        Application.objects.filter(session=OuterRef("pk"), status=ApplicationStatus.WAITLISTED)
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    reserved = (
        allocations_with_usage(
            SeatAllocation.objects.filter(session=OuterRef("pk"), convention__state__in=RESERVING_CONVENTION_STATES)
        )
        .order_by()
        .values("session")
        .annotate(n=Sum("seats_left"))
        .values("n")
    )
    return sessions.annotate(
        seats_taken=Coalesce(Subquery(taken, output_field=IntegerField()), 0),
        seats_reserved=Coalesce(Subquery(reserved, output_field=IntegerField()), 0),
        waitlist_length=Coalesce(Subquery(waiting, output_field=IntegerField()), 0),
    ).annotate(
        seats_free=Greatest(F("capacity") - F("seats_taken") - F("seats_reserved"), Value(0)),
    )


@dataclass(frozen=True)
class SeatCount:
    capacity: int
    taken: int
    reserved: int

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.taken - self.reserved)


def session_seat_count(*, session_id: int) -> SeatCount:
    """Seats of one session, read fresh (call it after locking the session row)."""
    from programs.models import Session

    row = (
        annotate_seats(Session.objects.filter(pk=session_id)).values("capacity", "seats_taken", "seats_reserved").get()
    )
    return SeatCount(capacity=row["capacity"], taken=row["seats_taken"], reserved=row["seats_reserved"])


def allocation_seats_left(*, convention_id: int, session_id: int) -> int | None:
    """Seats still free in a convention's allocation for a session, or None without allocation."""
    allocation = (
        allocations_with_usage(SeatAllocation.objects.filter(convention_id=convention_id, session_id=session_id))
        .values("seats_left")
        .first()
    )
    return None if allocation is None else allocation["seats_left"]


def live_application_exists(*, user_id: int, session_id: int) -> bool:
    return Application.objects.live().filter(applicant_id=user_id, session_id=session_id).exists()


def applications_of_applicant(*, user):
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
        .select_related("session__programme", "session__site", "certificate")
        .annotate(
            waitlist_position=Case(
                When(status=ApplicationStatus.WAITLISTED, then=Subquery(ahead, output_field=IntegerField())),
                default=None,
                output_field=IntegerField(),
            )
        )
        .order_by("-submitted_at", "-pk")
    )
