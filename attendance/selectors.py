"""Reads of course days and trainers that the admin, the services and the trainer space share.

Each runs a fixed number of queries whatever the number of slots or sessions.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone

from enrollment.models import Application, ApplicationStatus
from programs.models import Session

from .models import Slot, Trainer

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

HUNDREDTH = Decimal("0.01")


def mayotte_today() -> datetime.date:
    """Today's date in Mayotte, whatever time zone the code runs under."""
    return timezone.localdate(timezone=timezone.get_default_timezone())


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(HUNDREDTH)


def _minutes(start: datetime.time, end: datetime.time) -> int:
    # Wall-clock times of one day in Mayotte, which has no daylight saving: a plain difference.
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)


def sessions_planned_hours(*, session_ids: Iterable[int]) -> dict[int, Decimal]:
    """The planned hours of each session (its planned slots' hours; cancelled ones do not count), in one query.

    Every id asked for is in the answer, with 0 for a session without planned slots.
    """
    ids = set(session_ids)
    minutes: dict[int, int] = defaultdict(int)
    rows = Slot.objects.planned().filter(session_id__in=ids).values_list("session_id", "start_time", "end_time")
    for session_id, start, end in rows:
        minutes[session_id] += _minutes(start, end)
    return {session_id: _hours(minutes[session_id]) for session_id in ids}


def session_planned_hours(*, session_id: int) -> Decimal:
    """The planned hours of one session: the sum of its planned (not cancelled) slots' hours."""
    return sessions_planned_hours(session_ids=[session_id])[session_id]


def session_slots(*, session_id: int, include_cancelled: bool = True) -> QuerySet[Slot]:
    """A session's slots in date order, with their place (one query)."""
    slots = Slot.objects.filter(session_id=session_id).select_related("site")
    if not include_cancelled:
        slots = slots.planned()
    return slots.order_by("date", "start_time", "pk")


def session_enrolled_applications(*, session_id: int) -> QuerySet[Application]:
    """The people enrolled in a session (status « inscrite »), with their account: who a slot's change is told to."""
    return (
        Application.objects.filter(session_id=session_id, status=ApplicationStatus.ENROLLED)
        .select_related("applicant")
        .order_by("pk")
    )


def trainer_for_user(*, user: "User | AnonymousUser") -> Trainer | None:
    """The active trainer ``user`` is, or None (not signed in, not a trainer, deactivated)."""
    if not user.is_authenticated:
        return None
    return Trainer.objects.filter(user_id=user.pk, is_active=True).select_related("user").first()


def trainer_sessions(*, trainer: Trainer, today: datetime.date | None = None) -> QuerySet[Session]:
    """The sessions ``trainer`` runs that have not ended yet (``today``: Mayotte's date by default),
    earliest first, with their programme and place; none for a deactivated trainer."""
    if not trainer.is_active:
        return Session.objects.none()
    today = today or mayotte_today()
    return (
        Session.objects.filter(trainers=trainer, end_date__gte=today)
        .exclude(state=Session.State.CANCELLED)
        .select_related("programme", "site")
        .order_by("start_date", "reference")
    )


def trainer_slots_on(
    *, trainer: Trainer, day: datetime.date | None = None, include_cancelled: bool = False
) -> QuerySet[Slot]:
    """The slots of ``trainer``'s sessions on ``day`` (by default today, Mayotte's date), by start time,
    with their session, programme and place (one query); none for a deactivated trainer.

    ``include_cancelled``: also the slots cancelled that day (shown struck through, say).
    """
    if not trainer.is_active:
        return Slot.objects.none()
    day = day or mayotte_today()
    slots = Slot.objects.on(day).filter(session__trainers=trainer).exclude(session__state=Session.State.CANCELLED)
    if not include_cancelled:
        slots = slots.planned()
    return slots.select_related("session__programme", "site").order_by("start_time", "session__reference", "pk")


def trainer_today_slots(*, trainer: Trainer) -> QuerySet[Slot]:
    """Today's planned slots of ``trainer`` (Mayotte's date): ``trainer_slots_on`` for today."""
    return trainer_slots_on(trainer=trainer, day=mayotte_today())
