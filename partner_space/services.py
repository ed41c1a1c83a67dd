"""Writes of the partner space: enrolling staff (one or a whole file) and inviting members.

Seat moves go through ``enrollment.services.partner_enrollment.applications_enroll_partner_staff``,
which locks the session rows with ``enrollment.seats.lock_sessions`` and counts seats with the
one seat rule. An import locks every session it touches up front, with the same call (the one
lock order, so two imports, or an import and staff decisions, never wait on each other in a
cycle), validates again under those locks, since seats may have gone since the preview, and
hands the locked sessions to the service, which then does not lock again.
"""

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import claims, outbox
from core.models import Notification
from core.phones import normalize_phone
from enrollment import seats
from enrollment.models import ApplicantProfile, Application, Situation
from enrollment.services import partner_enrollment
from partner_space import invitations
from partner_space import selectors as selectors_space
from partner_space.imports import StaffRow, row_errors, validate_staff_rows
from partners.models import Convention, Partner, PartnerMember, SeatAllocation
from programs.models import Session

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

PUBLIC_EMPLOYERS = (
    Partner.Kind.RECTORAT,
    Partner.Kind.COMMUNE,
    Partner.Kind.DEPARTEMENT,
    Partner.Kind.STATE_SERVICE,
)
SUBJECT_PREFIX = "[CNAM Mayotte] "


def _require_referent(member: PartnerMember) -> None:
    if not member.is_active or member.role != PartnerMember.Role.REFERENT:
        raise PermissionDenied(_("Seuls les référents de votre organisation peuvent inscrire des agents."))


# --- Staff accounts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffPerson:
    """A staff member's account, with the row of the partner's form or file that names them."""

    user: "User"
    row: StaffRow


def staff_profiles_ensure(*, partner: Partner, people: Iterable[StaffPerson]) -> None:
    """Create each person's profile, or record their employer on it; the person completes and consents later.

    Called for the accounts the enrollment itself made (``_enroll_rows``): a person who already
    had one keeps their profile untouched. On a profile that exists all the same the employer
    only fills what is still empty (and states the job title).
    """
    people = list(people)
    situation = Situation.PUBLIC_AGENT if partner.kind in PUBLIC_EMPLOYERS else Situation.EMPLOYEE
    existing = ApplicantProfile.objects.in_bulk([person.user.pk for person in people], field_name="user_id")
    now = timezone.now()
    new: list[ApplicantProfile] = []
    changed: list[ApplicantProfile] = []
    seen: set[int] = set()
    for person in people:
        user, row = person.user, person.row
        if user.pk in seen:
            continue
        seen.add(user.pk)
        profile = existing.get(user.pk)
        if profile is None:
            new.append(
                ApplicantProfile(
                    user=user,
                    first_name=row.first_name[:100],
                    last_name=row.last_name[:100],
                    employer=partner,
                    job_title=row.job_title[:150],
                    phone=_phone_or_blank(row.phone),
                    situation=situation,
                )
            )
            continue
        fields = ("employer_id", "first_name", "last_name", "job_title", "phone", "situation")
        before = [getattr(profile, name) for name in fields]
        profile.employer = partner
        profile.first_name = profile.first_name or row.first_name[:100]
        profile.last_name = profile.last_name or row.last_name[:100]
        profile.job_title = row.job_title[:150] or profile.job_title
        profile.phone = profile.phone or _phone_or_blank(row.phone)
        profile.situation = profile.situation or situation
        if before != [getattr(profile, name) for name in fields]:
            profile.updated_at = now
            changed.append(profile)
    ApplicantProfile.objects.bulk_create(new)
    if changed:
        ApplicantProfile.objects.bulk_update(
            changed, ["employer", "first_name", "last_name", "job_title", "phone", "situation", "updated_at"]
        )


def _phone_or_blank(typed: str) -> str:
    """The E.164 form of a number the rows' validation accepted; blank when none was given."""
    return normalize_phone(typed) if typed else ""


def _invite_staff(*, applications: list[Application], member: PartnerMember) -> list[Notification]:
    """The email that tells each person who enrolled them and how to reach their account.

    A person whose seat is held for their agreement is asked to accept it from their space,
    at the address the référent typed (one their account proved).
    """
    enrolled_subject = SUBJECT_PREFIX + _("%(partner)s vous inscrit à une formation du CNAM Mayotte") % {
        "partner": member.partner.name
    }
    consent_subject = SUBJECT_PREFIX + _("%(partner)s souhaite vous inscrire à une formation du CNAM Mayotte") % {
        "partner": member.partner.name
    }
    login_url = invitations.login_url()
    rows = []
    for application in applications:
        user = application.applicant
        held = application.awaits_partner_consent
        recipient = application.invited_email or user.email
        if not recipient:
            continue
        context = {
            "partner": member.partner.name,
            "enrolled_by": member.full_name or member.email,
            # The claim link itself is made when the email is rendered (core.claims).
            "needs_claim": not user.has_usable_password(),
            "login_url": login_url,
            "claim_valid_days": claims.INVITATION_VALID_DAYS,
        }
        if held and application.offer_expires_at is not None:
            context["deadline"] = application.offer_expires_at.isoformat()
        template = "partner_staff_consent" if held else "partner_staff_invitation"
        rows.append(
            Notification(
                idempotency_key=f"{template}:{application.pk}",
                template=template,
                recipient_email=recipient,
                user=user,
                application=application,
                context=context,
                subject=(consent_subject if held else enrolled_subject)[:250],
            )
        )
    return outbox.notifications_create(rows=rows)


def _enroll_rows(
    *,
    member: PartnerMember,
    items: list[tuple[Convention, Session, StaffRow]],
    locked_sessions: dict[int, Session] | None = None,
) -> list[Application]:
    """Accounts, profiles, applications and invitations for ``items`` = [(convention, session, StaffRow)].

    A person whose account this call made is enrolled with a profile from the row; a person who
    already had one keeps their profile, and their seat waits for their agreement.

    ``locked_sessions``: the sessions the caller already locked (``seats.lock_sessions``).
    """
    accounts = invitations.accounts_ensure((row.email, row.first_name, row.last_name) for _c, _s, row in items)
    staff_profiles_ensure(
        partner=member.partner,
        people=[StaffPerson(user=accounts[row.email][0], row=row) for _c, _s, row in items if accounts[row.email][1]],
    )
    applications = partner_enrollment.applications_enroll_partner_staff(
        enrollments=[
            partner_enrollment.StaffEnrollment(
                convention=convention,
                session=session,
                user=accounts[row.email][0],
                needs_consent=not accounts[row.email][1],
                email=row.email,
                name=f"{row.first_name} {row.last_name}".strip(),
            )
            for convention, session, row in items
        ],
        by=member.user,
        locked_sessions=locked_sessions,
    )
    _invite_staff(applications=applications, member=member)
    return applications


def staff_enroll(
    *,
    member: PartnerMember,
    allocation: SeatAllocation,
    first_name: str,
    last_name: str,
    email: str,
    job_title: str = "",
    phone: str = "",
) -> Application:
    """A référent enrolls one staff member on a seat of one of the partner's allocations."""
    _require_referent(member)
    if allocation.convention.partner_id != member.partner_id:
        raise PermissionDenied(_("Ces places ne sont pas réservées à votre organisation."))
    row = StaffRow(
        line=0,
        first_name=(first_name or "").strip(),
        last_name=(last_name or "").strip(),
        email=invitations.normalize_email(email),
        job_title=(job_title or "").strip(),
        session_reference=allocation.session.reference.upper(),
        phone=(phone or "").strip(),
    )
    problems = row_errors(row)
    if problems:
        raise ValidationError(problems)
    try:
        with transaction.atomic():
            return _enroll_rows(member=member, items=[(allocation.convention, allocation.session, row)])[0]
    except ValidationError as error:
        raise ValidationError(error.messages[0], code=getattr(error.error_list[0], "code", None)) from None


# --- Imports ----------------------------------------------------------------------------------


@dataclass
class ImportOutcome:
    rows: list[StaffRow]
    applications: list[Application] = field(default_factory=list)
    committed: bool = False

    @property
    def invalid_rows(self) -> list[StaffRow]:
        return [row for row in self.rows if not row.ok]


def _owners(rows: list[StaffRow]) -> dict[str, int]:
    """The account each email of the file links to, by primary key (one rule: ``invitations``)."""
    return {email: user.pk for email, user in invitations.users_for_emails(row.email for row in rows).items()}


def staff_import_validate(*, partner: Partner, rows: list[StaffRow]) -> list[StaffRow]:
    """The preview: every row checked against the database as it is now; nothing written."""
    context = selectors_space.import_context(
        partner=partner, references={row.session_reference for row in rows}, owners=_owners(rows)
    )
    return validate_staff_rows(rows, context)


def staff_import_commit(*, member: PartnerMember, rows: list[StaffRow], all_or_nothing: bool) -> ImportOutcome:
    """Enroll the valid rows of an import in one transaction, after validating them again under lock.

    ``all_or_nothing``: one invalid row and nothing is written. Otherwise the valid rows are
    enrolled and the invalid ones come back with their errors.
    """
    _require_referent(member)
    partner = member.partner
    with transaction.atomic():
        references = {row.session_reference for row in rows if row.session_reference}
        # Lock every session of the file, in a stable order, before counting anything.
        allocated = SeatAllocation.objects.filter(
            convention__partner=partner, session__in=selectors_space.sessions_by_reference(references)
        )
        locked = seats.lock_sessions(
            session_ids=allocated.values_list("session_id", flat=True), select_related=("programme", "site")
        )
        sessions = {session.reference.upper(): session for session in locked.values()}
        context = selectors_space.import_context(partner=partner, references=references, owners=_owners(rows))
        validate_staff_rows(rows, context)
        outcome = ImportOutcome(rows=rows)
        if all_or_nothing and outcome.invalid_rows:
            return outcome
        conventions = Convention.objects.filter(partner=partner).in_bulk(
            {target.convention_id for target in context.targets.values()}
        )
        items = [
            (
                conventions[context.targets[row.session_reference].convention_id],
                sessions[row.session_reference],
                row,
            )
            for row in rows
            if row.ok
        ]
        # Validated under the same locks, so the service refuses only what raced in meanwhile
        # (a public application by the same person); then nothing of the file is written.
        with transaction.atomic():
            outcome.applications = _enroll_rows(member=member, items=items, locked_sessions=locked) if items else []
        outcome.committed = bool(outcome.applications)
    return outcome


# --- Members ----------------------------------------------------------------------------------


def member_invite(*, partner: Partner, email: str, full_name: str, role: str, by: "User | None") -> PartnerMember:
    """Invite someone to the partner's space (CNAM staff, from the admin); re-inviting sends a new email.

    The account the email links to (``invitations.users_for_emails``: one that verified it, or
    an unclaimed invitation) becomes the member; otherwise one is created without a password,
    which the invitation link lets them choose. An account that merely lists the address,
    unproven, gets nothing.
    """
    email = invitations.normalize_email(email)
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            {"email": _("L'adresse de courriel « %(email)s » n'est pas valide.") % {"email": email}}, code="email"
        ) from None
    if role not in PartnerMember.Role.values:
        raise ValidationError({"role": _("Choisissez le rôle : référent ou lecteur.")}, code="role")
    full_name = (full_name or "").strip()[:150]
    now = timezone.now()
    with transaction.atomic():
        user, _created = invitations.account_ensure(email=email)
        member = (
            PartnerMember.objects.select_for_update()
            .filter(partner=partner)
            .filter(Q(email__iexact=email) | Q(user=user))
            .order_by("pk")
            .first()
        )
        if member is None:
            member = PartnerMember(partner=partner, email=email)
        member.user = user
        member.role = role
        member.is_active = True
        member.invited_at = now
        if full_name:
            member.full_name = full_name
        member.save()
        _invite_member(member=member, user=user, by=by, invited_at=now)
    return member


def _invite_member(
    *, member: PartnerMember, user: "User", by: "User | None", invited_at: datetime.datetime
) -> Notification | None:
    needs_claim = not user.has_usable_password()
    context = {
        "name": member.full_name or member.email,
        "partner": member.partner.name,
        "role": str(member.get_role_display()),
        "is_referent": member.role == PartnerMember.Role.REFERENT,
        "needs_claim": needs_claim,
        "login_url": invitations.login_url(),
        "partner_space_url": settings.SITE_URL + reverse("partners:dashboard"),
        "claim_valid_days": claims.INVITATION_VALID_DAYS,
        "invited_by": (by.get_full_name() or by.email) if by is not None else "",
    }
    subject = SUBJECT_PREFIX + _("Invitation à l'espace partenaire de %(partner)s") % {"partner": member.partner.name}
    return outbox.notification_create(
        key=f"partner_member_invitation:{member.pk}:{invited_at.isoformat()}",
        template="partner_member_invitation",
        recipient_email=member.email,
        user=user,
        context=context,
        subject=subject,
    )


def member_join(*, member: PartnerMember) -> PartnerMember:
    """Record the member's first visit to the space (once)."""
    if member.joined_at is None:
        now = timezone.now()
        PartnerMember.objects.filter(pk=member.pk, joined_at__isnull=True).update(joined_at=now)
        member.joined_at = now
    return member
