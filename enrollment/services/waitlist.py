"""The waiting list: filling freed seats in order, offers a person accepts or declines, expiry.

A seat a partner holds for a person who already had an account (``partner_enrollment``) is an
offer too, answered and expired the same way; accepting it enrolls the person at once.
"""

import datetime
import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.formatting import date_long, datetime_long, time_short
from enrollment import seats
from enrollment.models import (
    ApplicantProfile,
    Application,
    ApplicationStatus,
)
from enrollment.services.certificates import certificate_request
from enrollment.services.transitions import _check_move, _is_staff, _lock, _notify, _sync, _transition
from programs.models import Session

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)
Status = ApplicationStatus


def _fill(session: Session, *, by: "User | None", now: datetime.datetime) -> list[Application]:
    """Offer every free public seat to the next waitlisted applications (session row locked)."""
    if session.state != Session.State.SCHEDULED or session.end_date < timezone.localdate(now):
        return []
    free = seats.session_seat_count(session_id=session.pk).free
    if free < 1:
        return []
    deadline = now + datetime.timedelta(hours=settings.OFFER_HOLD_HOURS)
    offered = list(
        Application.objects.select_for_update()
        .filter(session_id=session.pk, status=Status.WAITLISTED)
        .order_by("waitlisted_at", "pk")[:free]
    )
    for application in offered:
        history = _transition(application, to=Status.OFFERED, by=by, now=now, offered_at=now, offer_expires_at=deadline)
        _notify(
            application,
            template="seat_offered",
            event=str(history.pk),
            context={"deadline": deadline.isoformat()},
        )
    return offered


def waitlist_fill(*, session_id: int, by: "User | None" = None) -> list[Application]:
    """Offer the session's free seats to its waiting list, in order; returns the offered applications."""
    with transaction.atomic():
        session = seats.lock_sessions(session_ids=[session_id])[session_id]
        return _fill(session, by=by, now=timezone.now())


def _expire(application: Application, *, now: datetime.datetime) -> None:
    history = _transition(application, to=Status.EXPIRED, by=None, now=now, closed_at=now)
    _notify(
        application,
        template="offer_expired",
        event=str(history.pk),
        context={"partner_offer": True} if application.channel == Application.Channel.PARTNER else None,
    )


def _enroll_for_partner(application: Application, *, by: "User | None", now: datetime.datetime) -> None:
    """The person agrees to the enrollment their employer made: it counts now, as a direct one does."""
    history = _transition(application, to=Status.ENROLLED, by=by, now=now, decided_at=now, enrolled_at=now)
    _notify(application, template="application_enrolled", event=str(history.pk))
    certificate_request(application=application)
    # The profile is the person's own: the employer only fills it where they left it blank.
    convention = application.convention
    if convention is not None:
        ApplicantProfile.objects.filter(user_id=application.applicant_id, employer__isnull=True).update(
            employer_id=convention.partner_id, updated_at=now
        )


def offer_accept(*, application: Application, by: "User | None") -> Application:
    """The applicant takes the seat offered from the waiting list (or held by a partner), before its deadline."""
    expired = False
    with transaction.atomic():
        session, locked = _lock(application)
        if by is None or not (by.pk == locked.applicant_id or _is_staff(by)):
            raise ValidationError(_("Seul le candidat peut répondre à cette proposition."), code="forbidden")
        _check_move(locked, "offer_accept")
        now = timezone.now()
        if locked.offer_expired(now):
            # Record the expiry now rather than wait for the sweep, and pass the seat on.
            _expire(locked, now=now)
            _fill(session, by=None, now=now)
            expired = True
        elif locked.awaits_partner_consent:
            _enroll_for_partner(locked, by=by, now=now)
        else:
            history = _transition(locked, to=Status.ACCEPTED, by=by, now=now, decided_at=now)
            _notify(locked, template="application_accepted", event=str(history.pk))
    _sync(application, locked)
    if expired:
        raise ValidationError(
            _("Le délai pour accepter cette place est dépassé depuis le %(deadline)s.")
            % {"deadline": datetime_long(locked.offer_expires_at)},
            code="offer_expired",
        )
    return locked


def offer_decline_check(*, application: Application, now: datetime.datetime | None = None) -> None:
    """Refuse, in French, to decline a seat that is not on offer or whose deadline has passed.

    Past the deadline the seat is no longer the applicant's to give back: the expiry sweep
    records the expiry and passes the seat on, so nothing is written here.
    """
    _check_move(application, "offer_decline")
    if application.offer_expired(now):
        raise ValidationError(
            _("Le délai pour répondre à cette offre a expiré le %(date)s à %(time)s.")
            % {"date": date_long(application.offer_expires_at), "time": time_short(application.offer_expires_at)},
            code="offer_expired",
        )


def offer_decline(*, application: Application, by: "User | None") -> Application:
    """The applicant gives back the seat offered from the waiting list (or held by a partner), before its deadline."""
    with transaction.atomic():
        session, locked = _lock(application)
        if by is None or not (by.pk == locked.applicant_id or _is_staff(by)):
            raise ValidationError(_("Seul le candidat peut répondre à cette proposition."), code="forbidden")
        now = timezone.now()
        offer_decline_check(application=locked, now=now)
        partner_offer = locked.awaits_partner_consent
        reason = _("Inscription par le partenaire déclinée.") if partner_offer else _("Place proposée déclinée.")
        history = _transition(locked, to=Status.WITHDRAWN, by=by, reason=reason, now=now, closed_at=now)
        _notify(
            locked,
            template="application_withdrawn",
            event=str(history.pk),
            context={"declined_offer": True, "partner_offer": partner_offer},
        )
        _fill(session, by=None, now=now)
    _sync(application, locked)
    return locked


def offers_expire(*, now: datetime.datetime | None = None) -> int:
    """Close every offer past its deadline and pass the seats on; one transaction per session."""
    now = now or timezone.now()
    session_ids = (
        Application.objects.filter(status=Status.OFFERED, offer_expires_at__lt=now)
        .order_by("session_id")
        .values_list("session_id", flat=True)
        .distinct()
    )
    expired = 0
    for session_id in list(session_ids):
        with transaction.atomic():
            session = seats.lock_sessions(session_ids=[session_id])[session_id]
            due = list(
                Application.objects.select_for_update()
                .filter(session_id=session_id, status=Status.OFFERED, offer_expires_at__lt=now)
                .order_by("pk")
            )
            for application in due:
                _expire(application, now=now)
            _fill(session, by=None, now=now)
            expired += len(due)
    return expired
