"""Staff editing a session: its seats, its waiting list and the certificates issued about it follow."""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from enrollment.models import Application
from enrollment.seats import lock_sessions, session_seat_count
from enrollment.services.certificates import session_certificates_refresh
from enrollment.services.waitlist import _fill
from programs.models import RESULT_FIELDS, Session
from programs.selectors import session_enrolled_count

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass(frozen=True)
class SessionUpdate:
    session: Session
    # The fields whose value changed, in the order given.
    changed: tuple[str, ...]
    # Waiting-list applications offered a seat that a raised capacity freed.
    offered: tuple[Application, ...]


def _places(count: int) -> str:
    return ngettext("%(n)s place", "%(n)s places", count) % {"n": count}


def session_capacity_check(*, session: Session, capacity: int) -> None:
    """Refuse a capacity below the seats already given: taken by applications, or reserved to
    partners by a convention in force (call with the session row locked for an exact count)."""
    seats = session_seat_count(session_id=session.pk)
    needed = seats.taken + seats.reserved
    if capacity >= needed:
        return
    given = ngettext("%(n)s place est attribuée", "%(n)s places sont attribuées", seats.taken) % {"n": seats.taken}
    if seats.reserved:
        given = _("%(taken)s et %(reserved)s aux partenaires par convention") % {
            "taken": given,
            "reserved": ngettext("%(n)s réservée", "%(n)s réservées", seats.reserved) % {"n": seats.reserved},
        }
    raise ValidationError(
        _("La session %(session)s ne peut pas passer à %(capacity)s : %(given)s. Indiquez au moins %(needed)s.")
        % {"session": session.reference, "capacity": _places(capacity), "given": given, "needed": _places(needed)},
        code="capacity_below_seats",
    )


def session_results_check(*, session: Session, completed: int | None, certified: int | None) -> None:
    """Refuse results naming more people than the session enrolled (its applications "inscrite").

    Raises a ``ValidationError`` keyed by field, so a form shows each message at its input.
    """
    if completed is None and certified is None:
        return
    enrolled = session_enrolled_count(session_id=session.pk)
    figures = {"session": session.reference, "enrolled": enrolled}
    errors = {}
    if completed is not None and completed > enrolled:
        errors["completed_count"] = ValidationError(
            _(
                "Le nombre de personnes ayant achevé la formation (%(count)s) dépasse celui des personnes "
                "inscrites à la session %(session)s (%(enrolled)s)."
            )
            % {**figures, "count": completed},
            code="completed_above_enrolled",
        )
    if certified is not None and certified > enrolled:
        errors["certified_count"] = ValidationError(
            _(
                "Le nombre de personnes certifiées (%(count)s) dépasse celui des personnes inscrites à la "
                "session %(session)s (%(enrolled)s)."
            )
            % {**figures, "count": certified},
            code="certified_above_enrolled",
        )
    if errors:
        raise ValidationError(errors)


def _differs(session: Session, name: str, value: Any) -> bool:
    field = Session._meta.get_field(name)
    if not isinstance(field, models.Field):
        # A reverse relation: not a value staff edit on the session.
        raise TypeError(f"Not a field of Session: {name}")
    if field.is_relation:
        value = getattr(value, "pk", value)
    return field.value_from_object(session) != value


def session_update(
    *, session: Session, data: Mapping[str, Any], by: "User | None" = None, now: datetime.datetime | None = None
) -> SessionUpdate:
    """Apply staff's edit of ``session`` (``data``: field name → new value), all or nothing.

    Lowering the capacity below the seats already given is refused, naming the numbers. Seats a
    raised capacity frees go to the waiting list first, in order. The certificates of enrolled
    people are rendered again where what they show changed (new dates, place, hours…).
    Returns a ``SessionUpdate``; ``session`` is given the stored values.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = lock_sessions(session_ids=[session.pk])[session.pk]
        previous_capacity = locked.capacity
        changed = tuple(name for name, value in data.items() if _differs(locked, name, value))
        for name in changed:
            setattr(locked, name, data[name])
        if locked.capacity < previous_capacity:
            session_capacity_check(session=locked, capacity=locked.capacity)
        if any(name in RESULT_FIELDS for name in changed):
            session_results_check(session=locked, completed=locked.completed_count, certified=locked.certified_count)
        offered: list[Application] = []
        if changed:
            locked.full_clean()
            locked.save(update_fields=[*changed, "updated_at"])
            if locked.capacity > previous_capacity:
                offered = _fill(locked, by=by, now=now)
            # The render skips a certificate whose content did not change.
            session_certificates_refresh(session_id=locked.pk)
    if session is not locked:
        session.refresh_from_db()
    return SessionUpdate(session=session, changed=changed, offered=tuple(offered))
