"""Seats filled by a partner for its own staff, under a convention's allocations.

A person the partner enrolls under an account the enrollment itself made is enrolled at
once: nobody else's account is touched. A person who already had an account decides: the
seat is held for them (« place proposée », channel partner, counted on the allocation) until
``PARTNER_CONSENT_DAYS`` have passed or the session starts, and counts as an enrollment only
once they accept it from their space (``waitlist.offer_accept``); declining it, or letting
the deadline pass (the expiry sweep), gives it back to the allocation.
"""

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import outbox
from core.models import Notification
from enrollment import notifications, seats
from enrollment.models import Application, ApplicationStatus, ApplicationStatusChange, EnrollmentCertificate
from enrollment.references import free_application_references
from enrollment.seats import RESERVING_CONVENTION_STATES, allocation_seats_left, session_full_error, session_seat_count
from enrollment.selectors import live_application_exists
from enrollment.services import certificates as certificates_service
from enrollment.services.applications import REFERENCE_INSERT_ATTEMPTS
from partners.models import Convention
from programs.models import Session

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)
Status = ApplicationStatus

# How long a seat held for a person with an account waits for their answer (never past the session's start).
PARTNER_CONSENT_DAYS = 7


@dataclass(frozen=True)
class StaffEnrollment:
    """One person a partner enrolls on a session, on the seats of one of its conventions."""

    convention: Convention
    session: Session
    user: "User"
    # The person already had an account: hold the seat until they accept, rather than enroll them.
    needs_consent: bool = False
    # What the référent typed, shown on the partner's pages in place of the person's own profile.
    email: str = ""
    name: str = ""


def partner_consent_deadline(*, session: Session, now: datetime.datetime) -> datetime.datetime:
    """Until when a held seat waits: ``PARTNER_CONSENT_DAYS``, and never after the session starts (or ends)."""
    deadline = now + datetime.timedelta(days=PARTNER_CONSENT_DAYS)
    zone = timezone.get_default_timezone()
    starts = datetime.datetime.combine(session.start_date, datetime.time.min, tzinfo=zone)
    if starts > now:
        return min(deadline, starts)
    # Enrolled into a session already under way: the answer is still due before it ends.
    return min(deadline, datetime.datetime.combine(session.end_date, datetime.time.max, tzinfo=zone))


def _partner_refusal(
    convention: Convention, state: str, session: Session, today: datetime.date
) -> ValidationError | None:
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


def _partner_duplicate(email: str, session: Session) -> ValidationError:
    """The refusal names the address the référent typed, never another one of the person's account."""
    return ValidationError(
        _("%(email)s a déjà une candidature ou une inscription en cours pour la session %(session)s.")
        % {"email": email, "session": session.reference},
        code="duplicate",
    )


def applications_enroll_partner_staff(
    *, enrollments: Iterable[StaffEnrollment], by: "User | None", locked_sessions: dict[int, Session] | None = None
) -> list[Application]:
    """Enroll partner staff on seats of their convention's allocations; all or none.

    ``enrollments``: who goes on which session under which convention; a person who
    ``needs_consent`` gets the seat held for them instead (see the module docstring), without
    the enrollment email or certificate, which come when they accept. Same locking rule as every
    seat move (``enrollment.seats``): the session rows first, then the counts, made once per
    session and allocation and counted down the list. A seat must be left both in the
    convention's allocation and in the session's capacity. Writes the applications (channel
    « partenaire »), their history, the enrollment emails and the certificate requests in one
    transaction; any refusal raises ValidationError (French, one message per refused line)
    and nothing is written.

    ``locked_sessions``: what ``seats.lock_sessions`` returned (with programme and site), when
    the caller already locked every session of the list in this transaction, to check its
    own rules under the same locks; a transaction locks once.
    """
    enrollments = list(enrollments)
    if not enrollments:
        return []
    with transaction.atomic():
        session_ids = sorted({enrollment.session.pk for enrollment in enrollments})
        if locked_sessions is None:
            sessions = seats.lock_sessions(session_ids=session_ids, select_related=("programme", "site"))
        elif not set(session_ids) <= set(locked_sessions):
            raise RuntimeError("applications_enroll_partner_staff() got sessions its caller did not lock.")
        else:
            sessions = locked_sessions
        conventions = {enrollment.convention.pk: enrollment.convention for enrollment in enrollments}
        states = dict(Convention.objects.filter(pk__in=conventions).values_list("pk", "state"))
        user_ids = {enrollment.user.pk for enrollment in enrollments}
        live = set(
            Application.objects.live()
            .filter(session_id__in=session_ids, applicant_id__in=user_ids)
            .values_list("applicant_id", "session_id")
        )
        today = timezone.localdate()
        allocation_left: dict[tuple[int, int], int | None] = {}
        session_room: dict[int, int] = {}
        errors: list[ValidationError] = []
        for enrollment in enrollments:
            convention, user = enrollment.convention, enrollment.user
            session = sessions[enrollment.session.pk]
            refusal = _partner_refusal(convention, states.get(convention.pk, ""), session, today)
            if refusal is not None:
                errors.append(refusal)
                continue
            if (user.pk, session.pk) in live:
                errors.append(_partner_duplicate(enrollment.email or user.email, session))
                continue
            key = (convention.pk, session.pk)
            if key not in allocation_left:
                allocation_left[key] = allocation_seats_left(convention_id=convention.pk, session_id=session.pk)
            if session.pk not in session_room:
                count = session_seat_count(session_id=session.pk)
                session_room[session.pk] = count.capacity - count.taken
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
                errors.append(session_full_error(session))
                continue
            allocation_left[key] = left - 1
            session_room[session.pk] -= 1
            live.add((user.pk, session.pk))  # the same person twice in the list is a duplicate too
        if errors:
            raise ValidationError(errors)

        now = timezone.now()
        applications = _insert_partner_applications(enrollments, sessions=sessions, by=by, now=now)
        reasons = {
            (pk, False): _("Inscription par le partenaire (convention %(convention)s).")
            % {"convention": convention.reference}
            for pk, convention in conventions.items()
        } | {
            (pk, True): _(
                "Place réservée par le partenaire (convention %(convention)s), en attente de l'accord de la personne."
            )
            % {"convention": convention.reference}
            for pk, convention in conventions.items()
        }
        history = ApplicationStatusChange.objects.bulk_create(
            [
                ApplicationStatusChange(
                    application=application,
                    from_status="",
                    to_status=application.status,
                    changed_by=by,
                    changed_at=now,
                    reason=reasons[(enrollment.convention.pk, enrollment.needs_consent)],
                )
                for application, enrollment in zip(applications, enrollments, strict=True)
            ]
        )
        enrolled = [
            (application, change)
            for application, change in zip(applications, history, strict=True)
            if application.status == Status.ENROLLED
        ]
        outbox.notifications_create(
            rows=[
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
                for application, change in enrolled
                if application.applicant.email
            ]
        )
        certificates = EnrollmentCertificate.objects.bulk_create(
            [EnrollmentCertificate(application=application) for application, _change in enrolled]
        )
        outbox.enqueue_on_commit(certificates_service.RENDER_TASK, *(c.pk for c in certificates))
    return applications


def _insert_partner_applications(
    enrollments: list[StaffEnrollment], *, sessions: dict[int, Session], by: "User | None", now: datetime.datetime
) -> list[Application]:
    for _attempt in range(REFERENCE_INSERT_ATTEMPTS):
        references = free_application_references(len(enrollments))
        applications = [
            Application(
                reference=reference,
                session=sessions[enrollment.session.pk],
                applicant=enrollment.user,
                channel=Application.Channel.PARTNER,
                convention=enrollment.convention,
                enrolled_by=by,
                invited_email=enrollment.email[:254],
                invited_name=enrollment.name[:201],
                submitted_at=now,
                **_held_or_enrolled(enrollment, session=sessions[enrollment.session.pk], now=now),
            )
            for reference, enrollment in zip(references, enrollments, strict=True)
        ]
        try:
            with transaction.atomic():
                return Application.objects.bulk_create(applications)
        except IntegrityError:
            # A public submission does not lock the session: it may have raced past the check.
            for application in applications:
                if live_application_exists(user_id=application.applicant_id, session_id=application.session_id):
                    raise _partner_duplicate(
                        application.invited_email or application.applicant.email, application.session
                    ) from None
            if Application.objects.filter(reference__in=references).exists():
                continue  # another insert drew one of these references in between: draw again
            raise
    raise RuntimeError("Could not store the applications under unique references.")


def _held_or_enrolled(enrollment: StaffEnrollment, *, session: Session, now: datetime.datetime) -> dict:
    if enrollment.needs_consent:
        return {
            "status": Status.OFFERED,
            "offered_at": now,
            "offer_expires_at": partner_consent_deadline(session=session, now=now),
        }
    return {"status": Status.ENROLLED, "decided_at": now, "enrolled_at": now}


def application_enroll_partner_staff(
    *, convention: Convention, session: Session, user: "User", by: "User | None"
) -> Application:
    """Enroll one partner staff member (see ``applications_enroll_partner_staff``)."""
    try:
        enrollment = StaffEnrollment(convention=convention, session=session, user=user)
        return applications_enroll_partner_staff(enrollments=[enrollment], by=by)[0]
    except ValidationError as error:
        raise error.error_list[0] from None
