"""Scenes for the partner space tests: a partner, its référent, a convention in force and its seats."""

import io

from allauth.account.models import EmailAddress

from enrollment.models import Application, ApplicationStatus
from partners.models import Convention, PartnerMember
from tests.factories import (
    ApplicantProfileFactory,
    ApplicationFactory,
    ConventionFactory,
    PartnerFactory,
    PartnerMemberFactory,
    SeatAllocationFactory,
    SessionFactory,
    UserFactory,
)


def member(*, partner=None, role=PartnerMember.Role.REFERENT, **kwargs) -> PartnerMember:
    partner = partner or PartnerFactory()
    return PartnerMemberFactory(partner=partner, role=role, **kwargs)


def allocation(*, partner, seats=5, capacity=20, convention=None, session=None, **session_kwargs):
    convention = convention or ConventionFactory(partner=partner)
    session = session or SessionFactory(capacity=capacity, **session_kwargs)
    return SeatAllocationFactory(convention=convention, session=session, seats=seats)


def staff_application(*, allocation, status=ApplicationStatus.ENROLLED, email=None, **kwargs) -> Application:
    """An application the partner already made (built directly, as a fixture)."""
    user = UserFactory(**({"email": email, "username": email} if email else {}))
    ApplicantProfileFactory(user=user, employer=allocation.convention.partner, job_title="Agent administratif")
    return ApplicationFactory(
        session=allocation.session,
        applicant=user,
        channel=Application.Channel.PARTNER,
        convention=allocation.convention,
        status=status,
        **kwargs,
    )


def csv_bytes(rows, *, header="prenom;nom;email;fonction;session", delimiter=";", encoding="utf-8") -> bytes:
    lines = [header.replace(";", delimiter)] + [delimiter.join(row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows, *, header=("prenom", "nom", "email", "fonction", "session")) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def verified_email(user):
    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    return user


DRAFT = Convention.State.DRAFT
