"""Seats filled by a partner for its own staff, under a convention's allocations."""

import datetime
import logging
from functools import partial

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from enrollment import notifications
from enrollment.models import (
    Application,
    ApplicationStatus,
    ApplicationStatusChange,
    EnrollmentCertificate,
    Notification,
)
from enrollment.selectors import (
    RESERVING_CONVENTION_STATES,
    allocation_seats_left,
    live_application_exists,
    session_seat_count,
)
from enrollment.services.applications import REFERENCE_INSERT_ATTEMPTS
from enrollment.services.transitions import _enqueue
from programs.models import Session

logger = logging.getLogger(__name__)
Status = ApplicationStatus


def _partner_refusal(convention, state: str, session: Session, today: datetime.date) -> ValidationError | None:
    """Why the convention or the session does not allow a partner enrollment now, or None."""
    if state not in RESERVING_CONVENTION_STATES:
        return ValidationError(
            _("La convention %(convention)s n'est pas en vigueur : elle ne permet pas d'inscrire des agents.")
            % {"convention": convention.reference},
            code="convention_not_in_force",
        )
    if session.reserved_for_id is not None and session.reserved_for_id != convention.partner_id:
        return ValidationError(
            _("La session %(session)s est réservée à un autre partenaire.") % {"session": session.reference},
            code="session_reserved_elsewhere",
        )
    if session.state != Session.State.SCHEDULED:
        return ValidationError(
            _("La session %(session)s n'est pas ouverte aux inscriptions (état : « %(state)s »).")
            % {"session": session.reference, "state": session.get_state_display()},
            code="session_not_scheduled",
        )
    if session.end_date < today:
        return ValidationError(
            _("La session %(session)s est terminée.") % {"session": session.reference}, code="session_ended"
        )
    return None


def _partner_duplicate(user, session: Session) -> ValidationError:
    return ValidationError(
        _("%(email)s a déjà une candidature ou une inscription en cours pour la session %(session)s.")
        % {"email": user.email, "session": session.reference},
        code="duplicate",
    )


def _draw_references(count: int) -> list[str]:
    """``count`` distinct references no stored application uses yet (the insert may still race)."""
    from enrollment.references import draw_application_reference

    chosen: set[str] = set()
    while len(chosen) < count:
        drawn = {draw_application_reference() for _ in range(count - len(chosen))} - chosen
        taken = set(Application.objects.filter(reference__in=drawn).values_list("reference", flat=True))
        chosen |= drawn - taken
    return list(chosen)


def applications_enroll_partner_staff(*, enrollments, by) -> list[Application]:
    """Enroll partner staff on seats of their convention's allocations, confirmed at once; all or none.

    ``enrollments`` is a list of ``(convention, session, user)``. Same locking rule as every
    seat move: the session rows first (in primary-key order, so batches never wait on each
    other in a cycle), then the counts, made once per session and allocation and counted
    down the list. A seat must be left both in the convention's allocation and in the
    session's capacity. Writes the applications (channel « partenaire »), their history, the
    enrollment emails and the certificate requests in one transaction; any refusal raises
    ValidationError (French, one message per refused line) and nothing is written.
    """
    enrollments = list(enrollments)
    if not enrollments:
        return []
    with transaction.atomic():
        session_ids = sorted({session.pk for _convention, session, _user in enrollments})
        list(Session.objects.select_for_update().filter(pk__in=session_ids).order_by("pk").values_list("pk"))
        sessions = Session.objects.select_related("programme", "site").in_bulk(session_ids)
        conventions = {convention.pk: convention for convention, _session, _user in enrollments}
        states = dict(type(enrollments[0][0]).objects.filter(pk__in=conventions).values_list("pk", "state"))
        user_ids = {user.pk for _convention, _session, user in enrollments}
        live = set(
            Application.objects.live()
            .filter(session_id__in=session_ids, applicant_id__in=user_ids)
            .values_list("applicant_id", "session_id")
        )
        today = timezone.localdate()
        allocation_left: dict[tuple[int, int], int | None] = {}
        session_room: dict[int, int] = {}
        errors: list[ValidationError] = []
        for convention, given_session, user in enrollments:
            session = sessions[given_session.pk]
            refusal = _partner_refusal(convention, states.get(convention.pk, ""), session, today)
            if refusal is not None:
                errors.append(refusal)
                continue
            if (user.pk, session.pk) in live:
                errors.append(_partner_duplicate(user, session))
                continue
            key = (convention.pk, session.pk)
            if key not in allocation_left:
                allocation_left[key] = allocation_seats_left(convention_id=convention.pk, session_id=session.pk)
            if session.pk not in session_room:
                seats = session_seat_count(session_id=session.pk)
                session_room[session.pk] = seats.capacity - seats.taken
            left = allocation_left[key]
            if left is None:
                errors.append(
                    ValidationError(
                        _("La convention %(convention)s ne réserve aucune place dans la session %(session)s.")
                        % {"convention": convention.reference, "session": session.reference},
                        code="no_allocation",
                    )
                )
                continue
            if left < 1:
                errors.append(
                    ValidationError(
                        _(
                            "Les places réservées par la convention %(convention)s pour la session %(session)s "
                            "sont toutes attribuées."
                        )
                        % {"convention": convention.reference, "session": session.reference},
                        code="allocation_full",
                    )
                )
                continue
            if session_room[session.pk] < 1:
                errors.append(
                    ValidationError(
                        ngettext(
                            "La session %(session)s est complète (%(capacity)s place).",
                            "La session %(session)s est complète (%(capacity)s places).",
                            session.capacity,
                        )
                        % {"session": session.reference, "capacity": session.capacity},
                        code="session_full",
                    )
                )
                continue
            allocation_left[key] = left - 1
            session_room[session.pk] -= 1
            live.add((user.pk, session.pk))  # the same person twice in the list is a duplicate too
        if errors:
            raise ValidationError(errors)

        now = timezone.now()
        applications = _insert_partner_applications(enrollments, sessions=sessions, by=by, now=now)
        reason_by_convention = {
            pk: _("Inscription par le partenaire (convention %(convention)s).") % {"convention": convention.reference}
            for pk, convention in conventions.items()
        }
        history = ApplicationStatusChange.objects.bulk_create(
            [
                ApplicationStatusChange(
                    application=application,
                    from_status="",
                    to_status=Status.ENROLLED,
                    changed_by=by,
                    changed_at=now,
                    reason=reason_by_convention[application.convention_id],
                )
                for application in applications
            ]
        )
        outbox = Notification.objects.bulk_create(
            [
                Notification(
                    idempotency_key=f"application_enrolled:{application.pk}:{change.pk}",
                    template="application_enrolled",
                    recipient_email=application.applicant.email,
                    user=application.applicant,
                    application=application,
                    context={},
                    subject=notifications.subject_for(
                        template="application_enrolled", application=application, context={}
                    ),
                )
                for application, change in zip(applications, history, strict=True)
                if application.applicant.email
            ]
        )
        certificates = EnrollmentCertificate.objects.bulk_create(
            [EnrollmentCertificate(application=application) for application in applications]
        )
        transaction.on_commit(partial(_enqueue_many, "send_notification", [n.pk for n in outbox]))
        transaction.on_commit(partial(_enqueue_many, "render_certificate", [c.pk for c in certificates]))
    return applications


def _enqueue_many(task_name: str, pks: list[int]) -> None:
    for pk in pks:
        _enqueue(task_name, pk)


def _insert_partner_applications(enrollments, *, sessions, by, now) -> list[Application]:
    for _attempt in range(REFERENCE_INSERT_ATTEMPTS):
        references = _draw_references(len(enrollments))
        applications = [
            Application(
                reference=reference,
                session=sessions[session.pk],
                applicant=user,
                channel=Application.Channel.PARTNER,
                convention=convention,
                enrolled_by=by,
                status=Status.ENROLLED,
                submitted_at=now,
                decided_at=now,
                enrolled_at=now,
            )
            for reference, (convention, session, user) in zip(references, enrollments, strict=True)
        ]
        try:
            with transaction.atomic():
                return Application.objects.bulk_create(applications)
        except IntegrityError:
            # A public submission does not lock the session: it may have raced past the check.
            for application in applications:
                if live_application_exists(user_id=application.applicant_id, session_id=application.session_id):
                    raise _partner_duplicate(application.applicant, application.session) from None
            if Application.objects.filter(reference__in=references).exists():
                continue  # another insert drew one of these references in between: draw again
            raise
    raise RuntimeError("Could not store the applications under unique references.")


def application_enroll_partner_staff(*, convention, session: Session, user, by) -> Application:
    """Enroll one partner staff member (see ``applications_enroll_partner_staff``)."""
    try:
        return applications_enroll_partner_staff(enrollments=[(convention, session, user)], by=by)[0]
    except ValidationError as error:
        raise error.error_list[0] from None
