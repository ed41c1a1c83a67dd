"""The status machine every decision on an application goes through.

A move is allowed from the statuses ``MOVES`` lists; each one writes the new status, one
``ApplicationStatusChange`` (who, when, why) and, where the person is told, one outbox row in
the same transaction. The email leaves only after commit (``core.outbox``).
"""

import datetime
import logging
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from enrollment import notifications
from enrollment.models import (
    LIVE_STATUSES,
    Application,
    ApplicationStatus,
    ApplicationStatusChange,
    Notification,
)
from enrollment.selectors import (
    RESERVING_CONVENTION_STATES,
    allocation_seats_left,
    session_seat_count,
)
from programs.models import Session

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


def _enqueue(task_name: str, pk: int) -> None:
    """Hand a row to Celery; a broker outage must not undo or fail a committed event."""
    from enrollment import tasks

    try:
        getattr(tasks, task_name).delay(pk)
    except Exception:
        # The row is already committed; the periodic sweep picks it up later.
        logger.exception("Could not enqueue %s(%s); the sweep will retry.", task_name, pk)


def _lock(application: Application) -> tuple[Session, Application]:
    """Lock the session, then the application: the stable order every seat move uses."""
    session = Session.objects.select_for_update().get(pk=application.session_id)
    locked = Application.objects.select_for_update().get(pk=application.pk)
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
    application: Application, *, to: str, by, reason: str = "", now: datetime.datetime, **fields
) -> ApplicationStatusChange:
    from_status = application.status
    application.status = to
    for name, value in fields.items():
        setattr(application, name, value)
    application.save(update_fields=["status", "updated_at", *fields])
    return ApplicationStatusChange.objects.create(
        application=application, from_status=from_status, to_status=to, changed_by=by, changed_at=now, reason=reason
    )


def _notify(application: Application, *, template: str, event: str, context: dict | None = None) -> bool:
    """Write the outbox row of one event (True if new); its key makes a replayed event send nothing twice."""
    user = application.applicant
    if not user.email:
        logger.warning("Application %s: applicant has no email, %s not sent.", application.pk, template)
        return False
    context = context or {}
    notification, created = Notification.objects.get_or_create(
        idempotency_key=f"{template}:{application.pk}:{event}",
        defaults={
            "template": template,
            "recipient_email": user.email,
            "user": user,
            "application": application,
            "context": context,
            "subject": notifications.subject_for(template=template, application=application, context=context),
        },
    )
    if created:
        transaction.on_commit(partial(_enqueue, "send_notification", notification.pk))
    return created


def _waitlist_position(application: Application) -> int:
    ahead = Q(waitlisted_at__lt=application.waitlisted_at) | Q(
        waitlisted_at=application.waitlisted_at, pk__lt=application.pk
    )
    return Application.objects.filter(ahead, session_id=application.session_id, status=Status.WAITLISTED).count() + 1


def _require_seat(session: Session, application: Application) -> None:
    """Refuse unless the application may take a seat now (call with the session row locked)."""
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
                raise ValidationError(
                    ngettext(
                        "La session %(session)s est complète (%(capacity)s place).",
                        "La session %(session)s est complète (%(capacity)s places).",
                        seats.capacity,
                    )
                    % {"session": session.reference, "capacity": seats.capacity},
                    code="session_full",
                )
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


def _require_reason(reason: str, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(message, code="reason_required")
    return reason


def _is_staff(user) -> bool:
    return bool(user is not None and user.is_staff)
