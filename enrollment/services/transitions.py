"""The status machine every decision on an application goes through.

A move is allowed from the statuses ``MOVES`` lists; each one writes the new status, one
``ApplicationStatusChange`` (who, when, why) and, where the person is told, one outbox row in
the same transaction. The email leaves only after commit (``core.outbox``).
"""

import datetime
import logging
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy

from core import outbox
from enrollment import notifications, seats
from enrollment.models import LIVE_STATUSES, Application, ApplicationStatus, ApplicationStatusChange
from programs.models import Session

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)
Status = ApplicationStatus


# Which statuses each move starts from; anything else is refused with the current status named.
MOVES = {
    "accept": (Status.SUBMITTED, Status.WAITLISTED),
    "waitlist": (Status.SUBMITTED, Status.ACCEPTED),
    "reject": (Status.SUBMITTED, Status.ACCEPTED, Status.WAITLISTED),
    "enroll": (Status.ACCEPTED, Status.SUBMITTED),
    "withdraw": LIVE_STATUSES,
    "cancel": LIVE_STATUSES,
    "offer_accept": (Status.OFFERED,),
    "offer_decline": (Status.OFFERED,),
}


REFUSED_MOVE = {
    "accept": gettext_lazy(
        "La candidature %(reference)s ne peut pas être acceptée : son statut actuel est « %(status)s »."
    ),
    "waitlist": gettext_lazy(
        "La candidature %(reference)s ne peut pas être placée sur liste d'attente : "
        "son statut actuel est « %(status)s »."
    ),
    "reject": gettext_lazy(
        "La candidature %(reference)s ne peut pas être refusée : son statut actuel est « %(status)s »."
    ),
    "enroll": gettext_lazy(
        "La candidature %(reference)s ne peut pas être inscrite : son statut actuel est « %(status)s »."
    ),
    "withdraw": gettext_lazy(
        "La candidature %(reference)s ne peut pas être retirée : son statut actuel est « %(status)s »."
    ),
    "cancel": gettext_lazy(
        "La candidature %(reference)s ne peut pas être annulée : son statut actuel est « %(status)s »."
    ),
    "offer_accept": gettext_lazy(
        "Aucune place n'est proposée pour la candidature %(reference)s : son statut actuel est « %(status)s »."
    ),
    "offer_decline": gettext_lazy(
        "Aucune place n'est proposée pour la candidature %(reference)s : son statut actuel est « %(status)s »."
    ),
}


def _lock(application: Application) -> tuple[Session, Application]:
    """Lock the session, then the application: the one order of ``enrollment.seats``.

    The locked application comes with its applicant and the locked session (with its
    programme), which its email reads: no row is fetched again while the session is held.
    """
    session_id = application.session_id
    session = seats.lock_sessions(session_ids=[session_id], select_related=("programme",))[session_id]
    locked = Application.objects.select_related("applicant").select_for_update(of=("self",)).get(pk=application.pk)
    locked.session = session
    return session, locked


def _sync(target: Application, source: Application) -> None:
    """Give the caller's instance the state written under lock."""
    if target is not source:
        target.refresh_from_db()


def _check_move(application: Application, move: str) -> None:
    if application.status not in MOVES[move]:
        raise ValidationError(
            REFUSED_MOVE[move] % {"reference": application.reference, "status": application.get_status_display()},
            code="invalid_move",
        )


def _transition(
    application: Application, *, to: str, by: "User | None", reason: str = "", now: datetime.datetime, **fields: Any
) -> ApplicationStatusChange:
    from_status = application.status
    application.status = to
    for name, value in fields.items():
        setattr(application, name, value)
    application.save(update_fields=["status", "updated_at", *fields])
    return ApplicationStatusChange.objects.create(
        application=application, from_status=from_status, to_status=to, changed_by=by, changed_at=now, reason=reason
    )


def _notify(application: Application, *, template: str, event: str, context: dict[str, Any] | None = None) -> bool:
    """Write the outbox row of one event (True if new); its key makes a replayed event send nothing twice."""
    user = application.applicant
    if not user.email:
        logger.warning("Application %s: applicant has no email, %s not sent.", application.pk, template)
        return False
    context = context or {}
    created = outbox.notification_create(
        key=f"{template}:{application.pk}:{event}",
        template=template,
        recipient_email=user.email,
        user=user,
        application=application,
        context=context,
        subject=notifications.subject_for(template=template, application=application, context=context),
    )
    return created is not None


def _waitlist_position(application: Application) -> int:
    ahead = Q(waitlisted_at__lt=application.waitlisted_at) | Q(
        waitlisted_at=application.waitlisted_at, pk__lt=application.pk
    )
    return Application.objects.filter(ahead, session_id=application.session_id, status=Status.WAITLISTED).count() + 1


def _require_reason(reason: str, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(message, code="reason_required")
    return reason


def _is_staff(user: "User | None") -> bool:
    return bool(user is not None and user.is_staff)
