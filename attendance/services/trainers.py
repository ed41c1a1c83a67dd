"""Trainers (formateurs): invited by CNAM staff by email, linked to the sessions they run, deactivated.

A trainer's account is found or made as every invited account is (``partner_space.invitations``:
an address links only to the account that proved it, or to an unclaimed invitation); a new one
has no password, which the invitation's link lets the person choose (``core.claims``: the link is
derived when the email is rendered, never stored). A trainer has no staff right: a staff account
is refused, and so is a person with a live application to one of the sessions: nobody is the
trainer and a trainee of the same session.
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core import claims, outbox
from core.models import Notification
from enrollment.models import Application
from partner_space import invitations
from programs.models import Session

from .. import notifications
from ..models import Trainer

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _email(email: str) -> str:
    email = invitations.normalize_email(email)
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            {"email": ValidationError(_("L'adresse de courriel « %(email)s » n'est pas valide.") % {"email": email})},
            code="email",
        ) from None
    return email


def _refuse_staff(email: str, user: "User | None") -> None:
    # The login email too: a staff account made without an address row must not get a trainer twin.
    staff = get_user_model().objects.filter(Q(is_staff=True) | Q(is_superuser=True)).filter(email__iexact=email)
    if (user is not None and (user.is_staff or user.is_superuser)) or staff.exists():
        raise ValidationError(
            {
                "email": ValidationError(
                    _(
                        "L'adresse « %(email)s » est celle d'un compte du personnel du CNAM : un formateur a son "
                        "propre compte, sans droit d'administration. Indiquez une autre adresse."
                    )
                    % {"email": email},
                    code="staff_account",
                )
            }
        )


def trainer_conflicts_check(*, email: str, user: "User | None", sessions: Iterable[Session]) -> None:
    """Refuse sessions to which the person (this account or this email) has a live application."""
    sessions = list(sessions)
    if not sessions:
        return
    people = Q(applicant__email__iexact=email) if email else Q(pk__in=[])
    if user is not None:
        people |= Q(applicant=user)
    clash = (
        Application.objects.live()
        .filter(people, session__in=sessions)
        .select_related("session")
        .order_by("session__start_date", "session__reference")
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {
                "sessions": ValidationError(
                    _(
                        "%(email)s a une candidature en cours pour la session %(session)s (%(reference)s) : "
                        "une personne ne peut être formatrice et stagiaire d'une même session."
                    )
                    % {
                        "email": email or (user.email if user is not None else ""),
                        "session": clash.session.reference,
                        "reference": clash.reference,
                    },
                    code="trainee_of_session",
                )
            }
        )


def trainer_invite_check(*, email: str, sessions: Iterable[Session] = ()) -> str:
    """What ``trainer_invite`` refuses, checked before anything is written; returns the normalized email."""
    email = _email(email)
    user = invitations.user_for_email(email)
    _refuse_staff(email, user)
    trainer_conflicts_check(email=email, user=user, sessions=sessions)
    return email


def trainer_invite(
    *, email: str, first_name: str, last_name: str, sessions: Iterable[Session] = (), by: "User | None"
) -> Trainer:
    """Make ``email`` a trainer of ``sessions`` and send the invitation; inviting again sends a new one.

    The account the email links to becomes the trainer (its names are kept, filled in when empty);
    otherwise one is created, without a password nor any staff right. An existing trainer is
    reactivated and given the sessions as well.
    """
    sessions = list(sessions)
    email = trainer_invite_check(email=email, sessions=sessions)
    first_name, last_name = (first_name or "").strip()[:150], (last_name or "").strip()[:150]
    if not (first_name and last_name):
        raise ValidationError(
            _("Indiquez le prénom et le nom du formateur : ils figurent sur les feuilles d'émargement."),
            code="name_missing",
        )
    now = timezone.now()
    with transaction.atomic():
        user, _created = invitations.account_ensure(email=email, first_name=first_name, last_name=last_name)
        names = {"first_name": first_name, "last_name": last_name}
        missing = [field for field, value in names.items() if not getattr(user, field) and value]
        for field in missing:
            setattr(user, field, names[field])
        if missing:
            user.save(update_fields=missing)
        trainer, _new = Trainer.objects.select_for_update().get_or_create(user=user)
        if not trainer.is_active:
            trainer.is_active = True
            trainer.save(update_fields=["is_active"])
        if sessions:
            trainer.sessions.add(*sessions)
        _invitation_write(trainer=trainer, by=by, invited_at=now)
    return trainer


def trainer_invitation_resend(*, trainer: Trainer, by: "User | None") -> Notification | None:
    """Send the invitation again (a new claim link while the account has no password)."""
    if not trainer.is_active:
        raise ValidationError(
            _("%(trainer)s est désactivé : réactivez-le avant de lui renvoyer l'invitation.") % {"trainer": trainer},
            code="inactive",
        )
    with transaction.atomic():
        return _invitation_write(trainer=trainer, by=by, invited_at=timezone.now())


def _invitation_write(*, trainer: Trainer, by: "User | None", invited_at) -> Notification | None:
    user = trainer.user
    sessions = trainer.sessions.select_related("programme", "site").order_by("start_date", "reference")
    context = {
        "name": user.get_full_name() or user.email,
        "sessions": notifications.session_lines(sessions),
        "needs_claim": not user.has_usable_password(),
        "claim_valid_days": claims.INVITATION_VALID_DAYS,
        "login_url": invitations.login_url(),
        "trainer_space_url": notifications.trainer_space_url(),
        "invited_by": (by.get_full_name() or by.email) if by is not None else "",
    }
    return outbox.notification_create(
        key=f"trainer_invitation:{trainer.pk}:{invited_at.isoformat()}",
        template="trainer_invitation",
        recipient_email=user.email,
        user=user,
        context=context,
        subject=notifications.trainer_invitation_subject(),
    )


def trainer_sessions_set(*, trainer: Trainer, sessions: Iterable[Session], by: "User | None") -> Trainer:
    """Give ``trainer`` exactly ``sessions`` (refused for a session the person applied to)."""
    sessions = list(sessions)
    with transaction.atomic():
        Trainer.objects.select_for_update().filter(pk=trainer.pk).first()
        current = set(trainer.sessions.values_list("pk", flat=True))
        added = [session for session in sessions if session.pk not in current]
        trainer_conflicts_check(email=trainer.user.email, user=trainer.user, sessions=added)
        trainer.sessions.set(sessions)
    return trainer


def session_trainers_set(*, session: Session, trainers: Iterable[Trainer], by: "User | None") -> None:
    """Give ``session`` exactly ``trainers`` (refused for a trainer who applied to it)."""
    trainers = list(trainers)
    with transaction.atomic():
        current = set(session.trainers.values_list("pk", flat=True))
        for trainer in trainers:
            if trainer.pk not in current:
                session_trainer_check(session=session, trainer=trainer)
        session.trainers.set(trainers)


def session_trainer_check(*, session: Session, trainer: Trainer) -> None:
    """Refuse ``trainer`` for ``session`` when the person has a live application to it (message by trainer)."""
    try:
        trainer_conflicts_check(email=trainer.user.email, user=trainer.user, sessions=[session])
    except ValidationError as error:
        raise ValidationError(
            {"trainers": ValidationError(" ".join(error.messages), code="trainee_of_session")}
        ) from None


def trainer_account_unclaimed(*, trainer: Trainer) -> bool:
    """Whether the trainer has not yet chosen a password from their invitation."""
    return invitations.is_unclaimed_invitation(trainer.user)


def trainer_deactivate(*, trainer: Trainer, by: "User | None") -> Trainer:
    """The trainer no longer reaches the trainer space; their sessions and past sheets stay as they are."""
    if trainer.is_active:
        trainer.is_active = False
        trainer.save(update_fields=["is_active"])
    return trainer


def trainer_activate(*, trainer: Trainer, by: "User | None") -> Trainer:
    if not trainer.is_active:
        trainer.is_active = True
        trainer.save(update_fields=["is_active"])
    return trainer
