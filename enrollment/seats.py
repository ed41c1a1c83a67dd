"""The seat ledger: how seats are counted, and the one way a seat move locks them.

Counting, the one rule every page and service uses:
- a seat is *taken* by each application holding one (accepted, offered, enrolled);
- a convention in force (to sign or signed) *reserves* the seats of its allocation
  that its own partner enrollments have not yet taken;
- the public may take what is left: capacity − taken − reserved, never below zero.

Locking, the one order every seat move follows, all inside one transaction:
1. the convention row, only for a write about a convention or its allocations
   (``partners.services``): it is what tells which sessions to lock, and nothing that
   holds a session row ever waits for a convention row;
2. the session rows, in primary-key order, with ``lock_sessions``, called once per
   transaction with every session it will touch;
3. then the rows it writes: applications (``select_for_update``), allocations.
Then the transaction counts (``session_seat_count``, ``seat_require``, ``allocation_room``)
and writes. Since every writer takes the session rows in the same order and never asks
for more later, two seat moves never wait on each other in a cycle. A move that waits for
a session longer than ``SEAT_LOCK_TIMEOUT_MS`` (PostgreSQL) is refused with a message
asking to try again, rather than holding the page until the proxy gives up; the timeout
then bounds every later wait of that transaction too.

On SQLite ``select_for_update`` does nothing: its transactions start IMMEDIATE (settings),
so writers already run one at a time and the counts stay exact.
"""

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import OperationalError, transaction
from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.db.transaction import TransactionManagementError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from partners.models import Convention, SeatAllocation
from programs.freshness import catalogue_changed
from programs.models import Session

from .models import SEAT_STATUSES, Application, ApplicationStatus

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

RESERVING_CONVENTION_STATES = (Convention.State.TO_SIGN, Convention.State.SIGNED)

# How long a seat move waits for a session another one is changing (settings.SEAT_LOCK_TIMEOUT_MS).
LOCK_TIMEOUT_MS = 5000
# PostgreSQL's « lock_not_available », raised when lock_timeout runs out.
LOCK_NOT_AVAILABLE = "55P03"


# --- Locking ----------------------------------------------------------------------------------


def lock_sessions(*, session_ids: Iterable[int], select_related: tuple[str, ...] = ()) -> dict[int, Session]:
    """Lock the session rows (primary-key order) for the rest of the transaction; return them by pk.

    The first step of every seat move (see the module docstring). Refuses to run outside
    ``transaction.atomic()``: a lock taken there would be released at once. A session
    missing from the database raises ``Session.DoesNotExist``; one that another
    transaction holds longer than the lock timeout raises ``ValidationError`` (code
    ``busy``) and nothing of the transaction may be written.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise TransactionManagementError("lock_sessions() must run inside transaction.atomic().")
    ids = sorted(set(session_ids))
    if not ids:
        return {}
    queryset = Session.objects.filter(pk__in=ids).order_by("pk")
    if select_related:
        # Lock the sessions only, not the programmes or sites read along with them.
        queryset = queryset.select_related(*select_related).select_for_update(of=("self",))
    else:
        queryset = queryset.select_for_update()
    try:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # For the rest of this transaction only (LOCAL); an int, so nothing to quote.
                cursor.execute(f"SET LOCAL lock_timeout = '{_lock_timeout_ms()}ms'")
        sessions = {session.pk: session for session in queryset}
    except OperationalError as error:
        if not _is_lock_timeout(error):
            raise
        # The transaction is unusable now: make sure whoever catches this cannot commit it.
        transaction.set_rollback(True)
        raise ValidationError(
            _("Cette session est en cours de mise à jour par une autre personne : réessayez dans quelques secondes."),
            code="busy",
        ) from error
    missing = [pk for pk in ids if pk not in sessions]
    if missing:
        raise Session.DoesNotExist(f"Session(s) {missing} not found.")
    # The seats left that public pages show may change: their fragments go stale on commit.
    catalogue_changed()
    return sessions


def _lock_timeout_ms() -> int:
    return int(getattr(settings, "SEAT_LOCK_TIMEOUT_MS", LOCK_TIMEOUT_MS))


def _is_lock_timeout(error: OperationalError) -> bool:
    cause = error.__cause__  # psycopg's own error, which names the SQLSTATE
    return LOCK_NOT_AVAILABLE in (getattr(cause, "sqlstate", None), getattr(cause, "pgcode", None))


# --- Counting ---------------------------------------------------------------------------------


class AllocationUsage(TypedDict):
    seats_used: int
    seats_left: int


class SeatAnnotations(TypedDict):
    seats_taken: int
    seats_reserved: int
    waitlist_length: int
    seats_free: int


# The seat subqueries count rows with COUNT(*), not COUNT(id): an index on the columns they
# filter (application_session_status, application_allocation_use) then answers alone.


def _allocation_used_subquery() -> Subquery:
    return Subquery(
        Application.objects.filter(
            session=OuterRef("session"), convention=OuterRef("convention"), status__in=SEAT_STATUSES
        )
        .order_by()
        .values("session")
        .annotate(n=Count("*"))
        .values("n"),
        output_field=IntegerField(),
    )


def allocations_with_usage(
    queryset: QuerySet[SeatAllocation] | None = None,
) -> "QuerySet[WithAnnotations[SeatAllocation, AllocationUsage]]":
    """Allocations annotated with ``seats_used`` and ``seats_left`` (computed, never typed in)."""
    queryset = SeatAllocation.objects.all() if queryset is None else queryset
    return queryset.annotate(seats_used=Coalesce(_allocation_used_subquery(), 0)).annotate(
        seats_left=Greatest(F("seats") - F("seats_used"), Value(0))
    )


def annotate_seats(sessions: QuerySet[Session]) -> "QuerySet[WithAnnotations[Session, SeatAnnotations]]":
    """Annotate a Session queryset with ``seats_taken``, ``seats_reserved``, ``seats_free`` and
    ``waitlist_length``, in the same query whatever the number of sessions."""
    taken = (
        Application.objects.filter(session=OuterRef("pk"), status__in=SEAT_STATUSES)
        .order_by()
        .values("session")
        .annotate(n=Count("*"))
        .values("n")
    )
    waiting = (
        Application.objects.filter(session=OuterRef("pk"), status=ApplicationStatus.WAITLISTED)
        .order_by()
        .values("session")
        .annotate(n=Count("*"))
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


# Stands for the session's pk while the seat count's SQL is compiled (no session has it).
_ANY_SESSION = -7_366_000


@functools.cache
def _seat_count_sql(alias: str) -> tuple[str, tuple, int]:
    """``annotate_seats`` for one session, compiled once per process and database.

    Building that query costs about 6 ms of Python, a third of the time a decision holds its
    session's lock: the SQL is kept, with the position of its one varying parameter, the pk.
    """
    queryset = annotate_seats(Session.objects.using(alias).filter(pk=_ANY_SESSION)).values_list(
        "capacity", "seats_taken", "seats_reserved"
    )
    sql, params = queryset.query.get_compiler(using=alias).as_sql()
    positions = [index for index, value in enumerate(params) if value == _ANY_SESSION]
    if len(positions) != 1:
        raise RuntimeError(f"the seat count's SQL has {len(positions)} session parameters, not one")
    return sql, tuple(params), positions[0]


def session_seat_count(*, session_id: int) -> SeatCount:
    """Seats of one session, read fresh (call it after ``lock_sessions``)."""
    connection = transaction.get_connection()
    sql, template, position = _seat_count_sql(connection.alias)
    params = list(template)
    params[position] = session_id
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        raise Session.DoesNotExist(f"Session {session_id} does not exist.")
    # Raw rows skip the fields' conversions: PostgreSQL sums counts as numeric.
    capacity, taken, reserved = (int(value) for value in row)
    return SeatCount(capacity=capacity, taken=taken, reserved=reserved)


def allocation_seats_left(*, convention_id: int, session_id: int) -> int | None:
    """Seats still free in a convention's allocation for a session, or None without allocation."""
    allocation = (
        allocations_with_usage(SeatAllocation.objects.filter(convention_id=convention_id, session_id=session_id))
        .values("seats_left")
        .first()
    )
    return None if allocation is None else allocation["seats_left"]


@dataclass(frozen=True)
class AllocationRoom:
    """Seats a convention may reserve in a session, seen from that convention.

    ``room`` = capacity − seats held by anyone but this convention − seats other
    conventions in force still reserve. ``used`` = seats this convention's enrollments hold.
    """

    capacity: int
    room: int
    used: int
    current: int  # seats of the existing allocation, 0 without one


def allocation_room(*, convention: Convention, session_id: int) -> AllocationRoom:
    """Read fresh; services call it after ``lock_sessions``."""
    count = session_seat_count(session_id=session_id)
    allocation = (
        allocations_with_usage(SeatAllocation.objects.filter(convention=convention, session_id=session_id))
        .values("seats", "seats_left")
        .first()
    )
    used = Application.objects.holding_seats().filter(session_id=session_id, convention=convention).count()
    # What this convention itself reserves is counted by annotate_seats only while it is in force.
    own_reserved = allocation["seats_left"] if allocation and convention.state in RESERVING_CONVENTION_STATES else 0
    room = count.capacity - (count.taken - used) - (count.reserved - own_reserved)
    return AllocationRoom(
        capacity=count.capacity,
        room=max(0, room),
        used=used,
        current=allocation["seats"] if allocation else 0,
    )


# --- Checking ---------------------------------------------------------------------------------


def session_full_error(session: Session) -> ValidationError:
    """The refusal of a seat when every place of ``session`` is taken."""
    return ValidationError(
        ngettext(
            "La session %(session)s est complète (%(capacity)s place).",
            "La session %(session)s est complète (%(capacity)s places).",
            session.capacity,
        )
        % {"session": session.reference, "capacity": session.capacity},
        code="session_full",
    )


def seat_require(*, session: Session, application: Application) -> None:
    """Refuse unless the application may take a seat now (call after ``lock_sessions``)."""
    seats = session_seat_count(session_id=session.pk)
    convention = application.convention if application.convention_id else None
    if (
        application.channel == Application.Channel.PARTNER
        and convention is not None
        and convention.state in RESERVING_CONVENTION_STATES
    ):
        left = allocation_seats_left(convention_id=convention.pk, session_id=session.pk)
        if left is not None:
            # Partner staff take the seats their convention reserved, within the session's capacity.
            if left < 1:
                raise ValidationError(
                    _(
                        "Les places réservées par la convention %(convention)s pour la session %(session)s "
                        "sont toutes attribuées."
                    )
                    % {"convention": convention.reference, "session": session.reference},
                    code="allocation_full",
                )
            if seats.capacity - seats.taken < 1:
                raise session_full_error(session)
            return
    if seats.free < 1:
        raise ValidationError(
            _(
                "Plus aucune place libre dans la session %(session)s : %(taken)s et %(reserved)s aux "
                "partenaires, sur %(capacity)s. Placez la candidature sur liste d'attente."
            )
            % {
                "session": session.reference,
                "taken": ngettext("%(n)s place attribuée", "%(n)s places attribuées", seats.taken) % {"n": seats.taken},
                "reserved": ngettext("%(n)s réservée", "%(n)s réservées", seats.reserved) % {"n": seats.reserved},
                "capacity": seats.capacity,
            },
            code="session_full",
        )
