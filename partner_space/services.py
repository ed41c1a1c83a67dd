"""Writes of the partner space: enrolling staff (one or a whole file) and inviting members.

Seat moves go through ``enrollment.services.applications.application_enroll_partner_staff``, which
locks the session row and counts seats with the one seat rule. An import locks every
session it touches up front, in primary-key order, so two imports (or an import and staff
decisions on another session) never wait on each other in a cycle; then it validates
again under those locks, since seats may have gone since the preview.
"""

import logging
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.phones import normalize_phone
from enrollment.models import ApplicantProfile, Application, Notification, Situation
from enrollment.services import partner_enrollment
from partner_space import invitations
from partner_space import selectors as selectors_space
from partner_space.imports import StaffRow, row_errors, validate_staff_rows
from partners.models import Convention, Partner, PartnerMember, SeatAllocation
from programs.models import Session

logger = logging.getLogger(__name__)

PUBLIC_EMPLOYERS = (
    Partner.Kind.RECTORAT,
    Partner.Kind.COMMUNE,
    Partner.Kind.DEPARTEMENT,
    Partner.Kind.STATE_SERVICE,
)
SUBJECT_PREFIX = "[CNAM Mayotte] "


def _enqueue_notification(notification_id: int) -> None:
    from enrollment import tasks

    try:
        tasks.send_notification.delay(notification_id)
    except Exception:
        # The row is committed; the periodic sweep sends it later.
        logger.exception("Could not enqueue send_notification(%s); the sweep will retry.", notification_id)


def _require_referent(member: PartnerMember) -> None:
    if not member.is_active or member.role != PartnerMember.Role.REFERENT:
        raise PermissionDenied(_("Seuls les référents de votre organisation peuvent inscrire des agents."))


# --- Staff accounts ---------------------------------------------------------------------------


def staff_profiles_ensure(*, partner: Partner, people) -> None:
    """Create each person's profile, or record their employer on it; the person completes and consents later.

    ``people``: iterable of ``(user, StaffRow)``. The profile is the person's own: on an
    existing one the employer only fills what is still empty (and states the job title).
    """
    people = list(people)
    situation = Situation.PUBLIC_AGENT if partner.kind in PUBLIC_EMPLOYERS else Situation.EMPLOYEE
    existing = ApplicantProfile.objects.in_bulk([user.pk for user, _row in people], field_name="user_id")
    now = timezone.now()
    new, changed, seen = [], [], set()
    for user, row in people:
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
    """The email that tells each enrolled person who enrolled them and how to reach their account."""
    subject = SUBJECT_PREFIX + _("%(partner)s vous inscrit à une formation du CNAM Mayotte") % {
        "partner": member.partner.name
    }
    login_url = invitations.login_url()
    rows = []
    for application in applications:
        user = application.applicant
        if not user.email:
            continue
        needs_claim = not user.has_usable_password()
        rows.append(
            Notification(
                idempotency_key=f"partner_staff_invitation:{application.pk}",
                template="partner_staff_invitation",
                recipient_email=user.email,
                user=user,
                application=application,
                context={
                    "partner": member.partner.name,
                    "enrolled_by": member.full_name or member.email,
                    "needs_claim": needs_claim,
                    "claim_url": invitations.claim_url(user) if needs_claim else "",
                    "login_url": login_url,
                    "claim_valid_days": invitations.INVITATION_VALID_DAYS,
                },
                subject=subject[:250],
            )
        )
    created = Notification.objects.bulk_create(rows)
    transaction.on_commit(partial(_enqueue_notifications, [notification.pk for notification in created]))
    return created


def _enqueue_notifications(ids: list[int]) -> None:
    for notification_id in ids:
        _enqueue_notification(notification_id)


def _enroll_rows(*, member: PartnerMember, items) -> list[Application]:
    """Accounts, profiles, applications and invitations for ``items`` = [(convention, session, StaffRow)]."""
    users = invitations.accounts_ensure((row.email, row.first_name, row.last_name) for _c, _s, row in items)
    staff_profiles_ensure(partner=member.partner, people=[(users[row.email], row) for _c, _s, row in items])
    applications = partner_enrollment.applications_enroll_partner_staff(
        enrollments=[(convention, session, users[row.email]) for convention, session, row in items], by=member.user
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


def staff_import_validate(*, partner: Partner, rows: list[StaffRow]) -> list[StaffRow]:
    """The preview: every row checked against the database as it is now; nothing written."""
    context = selectors_space.import_context(
        partner=partner,
        references={row.session_reference for row in rows},
        emails={row.email for row in rows},
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
        allocated = SeatAllocation.objects.filter(convention__partner=partner, session__reference__in=references)
        sessions = {
            session.reference.upper(): session
            for session in Session.objects.select_for_update()
            .filter(pk__in=allocated.values("session_id"))
            .order_by("pk")
        }
        context = selectors_space.import_context(
            partner=partner, references=references, emails={row.email for row in rows}
        )
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
            outcome.applications = _enroll_rows(member=member, items=items) if items else []
        outcome.committed = bool(outcome.applications)
    return outcome


# --- Members ----------------------------------------------------------------------------------


def member_invite(*, partner: Partner, email: str, full_name: str, role: str, by) -> PartnerMember:
    """Invite someone to the partner's space (CNAM staff, from the admin); re-inviting sends a new email.

    The person's existing account (found by email) is reused; otherwise one is created
    without a password, which the invitation link lets them choose.
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
        _invite_member(member=member, user=user, by=by)
    return member


def _invite_member(*, member: PartnerMember, user, by) -> Notification:
    needs_claim = not user.has_usable_password()
    context = {
        "name": member.full_name or member.email,
        "partner": member.partner.name,
        "role": str(member.get_role_display()),
        "is_referent": member.role == PartnerMember.Role.REFERENT,
        "needs_claim": needs_claim,
        "claim_url": invitations.claim_url(user) if needs_claim else "",
        "login_url": invitations.login_url(),
        "partner_space_url": settings.SITE_URL + reverse("partners:dashboard"),
        "claim_valid_days": invitations.INVITATION_VALID_DAYS,
        "invited_by": (by.get_full_name() or by.email) if by is not None else "",
    }
    subject = SUBJECT_PREFIX + _("Invitation à l'espace partenaire de %(partner)s") % {"partner": member.partner.name}
    notification, created = Notification.objects.get_or_create(
        idempotency_key=f"partner_member_invitation:{member.pk}:{member.invited_at.isoformat()}",
        defaults={
            "template": "partner_member_invitation",
            "recipient_email": member.email,
            "user": user,
            "context": context,
            "subject": subject[:250],
        },
    )
    if created:
        transaction.on_commit(partial(_enqueue_notification, notification.pk))
    return notification


def member_join(*, member: PartnerMember) -> PartnerMember:
    """Record the member's first visit to the space (once)."""
    if member.joined_at is None:
        now = timezone.now()
        PartnerMember.objects.filter(pk=member.pk, joined_at__isnull=True).update(joined_at=now)
        member.joined_at = now
    return member
