"""Nobody is linked to an account, a seat or a membership through an address they have not proven.

The attacks, as an attacker would run them: add someone else's address to one's own account
(allauth's /compte/email/, left unverified) and wait for a partner to enroll it or CNAM to invite
it; or be a référent who enrolls an existing person to read or overwrite their profile; or be
staff reading an invitation in the admin to lift the link that opens the account.
"""

import datetime
import json
import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cnam_portal.roles import GESTIONNAIRE
from core.models import Notification
from enrollment import notifications
from enrollment.models import Application, ApplicationStatus, EnrollmentCertificate
from enrollment.seats import allocation_seats_left, session_seat_count
from enrollment.services import partner_enrollment, waitlist
from partner_space import invitations
from partner_space import services as services_staff
from partners.models import PartnerMember
from tests.factories import (
    ApplicantFactory,
    ApplicationFactory,
    PartnerFactory,
    PartnerMemberFactory,
    SeatAllocationFactory,
    StaffUserFactory,
    UserFactory,
)
from tests.helpers import csv_bytes, messages_of, visible_text

pytestmark = pytest.mark.django_db

VICTIM = "victime@mairie-tsingoni.yt"
PASSWORD = "Palmier-Kawéni-2026"
CLAIM_LINK = re.compile(r"http\S+/partenaires/activer/(\w+)/([\w-]+)/")


def _squat(client, attacker, email=VICTIM):
    """The attacker adds ``email`` to their own account, as allauth lets anyone do, without proving it."""
    client.force_login(attacker)
    response = client.post(reverse("account_email"), {"email": email, "action_add": ""})
    assert response.status_code in (200, 302)
    assert EmailAddress.objects.filter(user=attacker, email=email, verified=False).exists()
    client.logout()


def _enroll(client, referent, allocation, **overrides):
    client.force_login(referent.user)
    data = {
        "first_name": "Zaïnaba",
        "last_name": "Ali",
        "email": VICTIM,
        "job_title": "Agente d'accueil",
        "allocation": str(allocation.pk),
        **overrides,
    }
    return client.post(reverse("partners:enroll"), data, follow=True)


def _import(client, referent, rows):
    client.force_login(referent.user)
    upload = SimpleUploadedFile("agents.csv", csv_bytes(rows), content_type="text/csv")
    assert client.post(reverse("partners:import"), {"file": upload}).status_code == 302
    token = client.session["partners:import"]["token"]
    return client.post(reverse("partners:import_preview"), {"token": token, "mode": "tout_ou_rien"}, follow=True)


def _delivered(notification) -> str:
    assert notifications.deliver(notification_id=notification.pk) is True
    return next(m for m in mail.outbox if m.subject == notification.subject).body


def _claim(client, body: str):
    """The owner of the mailbox follows the link of the email and chooses a password."""
    client.logout()
    path = CLAIM_LINK.search(body).group(0).removeprefix(invitations.settings.SITE_URL)
    response = client.post(path, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 302
    client.logout()


def _assert_attacker_got_nothing(client, attacker, session):
    assert not Application.objects.filter(applicant=attacker).exists()
    client.force_login(attacker)
    space = visible_text(client.get(reverse("enrollment:space")))
    assert session.programme.title not in space and session.reference not in space
    assert "Vous n'avez pas encore de candidature." in space
    client.logout()


# --- Unverified addresses grant nothing ---------------------------------------------------------


def test_an_address_added_unverified_does_not_hand_the_enrollment_to_the_attacker(client):
    attacker = UserFactory(email="attaquant@exemple.yt")
    _squat(client, attacker)
    referent = PartnerMemberFactory()
    allocation = SeatAllocationFactory(partner=referent.partner)

    response = _enroll(client, referent, allocation)

    assert response.status_code == 200
    _assert_attacker_got_nothing(client, attacker, allocation.session)
    application = Application.objects.get(session=allocation.session)
    owner = application.applicant
    assert owner != attacker and owner.email == VICTIM and not owner.has_usable_password()
    # A new account, nothing annexed: enrolled at once, as any new agent.
    assert application.status == ApplicationStatus.ENROLLED
    invitation = Notification.objects.get(application=application, template="partner_staff_invitation")
    assert invitation.recipient_email == VICTIM and invitation.user == owner

    _claim(client, _delivered(invitation))

    assert EmailAddress.objects.get(user=owner, email=VICTIM).verified
    assert not EmailAddress.objects.filter(user=attacker, email=VICTIM).exists()
    assert EmailAddress.objects.filter(email__iexact=VICTIM).count() == 1
    # The owner now signs in like anyone else, and finds the enrollment in their space.
    assert client.post(reverse("account_login"), {"login": VICTIM, "password": PASSWORD}).status_code == 302
    assert allocation.session.programme.title in visible_text(client.get(reverse("enrollment:space")))


def test_an_import_does_not_hand_a_seat_to_an_unverified_address(client):
    attacker = UserFactory(email="attaquant@exemple.yt")
    _squat(client, attacker)
    referent = PartnerMemberFactory()
    allocation = SeatAllocationFactory(partner=referent.partner, session__reference="S-2027-TRUST")

    response = _import(client, referent, [["Zaïnaba", "Ali", VICTIM.upper(), "Agente", "S-2027-TRUST"]])

    assert response.status_code == 200
    assert "1 agent inscrit" in visible_text(response)
    _assert_attacker_got_nothing(client, attacker, allocation.session)
    application = Application.objects.get(session=allocation.session)
    assert application.applicant != attacker and application.applicant.email == VICTIM

    invitation = Notification.objects.get(application=application, template="partner_staff_invitation")
    _claim(client, _delivered(invitation))
    assert EmailAddress.objects.get(user=application.applicant, email=VICTIM).verified
    assert not EmailAddress.objects.filter(user=attacker).filter(email=VICTIM).exists()


def test_an_attacker_with_a_live_application_cannot_block_the_victims_import_row(client):
    """The check « already enrolled » follows the same rule: the attacker's unproven address names nobody."""
    attacker = UserFactory(email="attaquant@exemple.yt")
    _squat(client, attacker)
    referent = PartnerMemberFactory()
    allocation = SeatAllocationFactory(partner=referent.partner, session__reference="S-2027-BLOCK")
    ApplicationFactory(applicant=attacker, session=allocation.session)

    response = _import(client, referent, [["Zaïnaba", "Ali", VICTIM, "Agente", "S-2027-BLOCK"]])

    assert "a déjà une candidature" not in visible_text(response)
    assert Application.objects.get(session=allocation.session, applicant__email=VICTIM).applicant != attacker


def test_signing_up_with_someone_elses_address_gives_no_hold_on_it(client):
    """Signing up with the victim's address leaves it unverified (a link goes to their mailbox): it names nobody."""
    response = client.post(reverse("account_signup"), {"email": VICTIM, "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    attacker = get_user_model().objects.get(email=VICTIM)
    assert not EmailAddress.objects.get(user=attacker).verified
    client.logout()
    referent = PartnerMemberFactory()
    allocation = SeatAllocationFactory(partner=referent.partner)

    _enroll(client, referent, allocation)

    application = Application.objects.get(session=allocation.session)
    assert application.applicant != attacker and application.status == ApplicationStatus.ENROLLED
    _claim(client, _delivered(Notification.objects.get(template="partner_staff_invitation")))
    attacker.refresh_from_db()
    assert attacker.email == "" and not EmailAddress.objects.filter(user=attacker).exists()
    assert invitations.user_for_email(VICTIM) == application.applicant


def test_a_refusal_names_the_address_typed_not_the_persons_other_one(client):
    owner = UserFactory(email="perso.privee@exemple.yt")
    EmailAddress.objects.create(user=owner, email=VICTIM, verified=True, primary=False)
    referent = PartnerMemberFactory()
    allocation = SeatAllocationFactory(partner=referent.partner)
    ApplicationFactory(applicant=owner, session=allocation.session)

    response = _enroll(client, referent, allocation)

    text = visible_text(response)
    assert f"{VICTIM} a déjà une candidature ou une inscription en cours" in text
    assert "perso.privee@exemple.yt" not in text


def test_a_member_invitation_from_the_admin_does_not_go_to_an_unverified_address(client):
    attacker = UserFactory(email="attaquant@exemple.yt")
    _squat(client, attacker)
    partner = PartnerFactory(name="Commune de Tsingoni")
    client.force_login(StaffUserFactory(role="Chargé de partenariats"))

    response = client.post(
        "/admin/partners/partnermember/add/",
        {"partner": partner.pk, "email": VICTIM, "full_name": "Mme Ali", "role": "referent", "is_active": "on"},
        follow=True,
    )

    assert response.status_code == 200
    member = PartnerMember.objects.get(partner=partner)
    assert member.user != attacker and member.user.email == VICTIM
    assert not PartnerMember.objects.filter(user=attacker).exists()
    client.logout()
    client.force_login(attacker)
    assert client.get(reverse("partners:dashboard")).status_code == 403

    invitation = Notification.objects.get(template="partner_member_invitation")
    _claim(client, _delivered(invitation))
    assert EmailAddress.objects.get(user=member.user, email=VICTIM).verified
    assert not EmailAddress.objects.filter(user=attacker, email=VICTIM).exists()


def test_a_verified_account_is_the_one_invited_as_member(client):
    """CNAM staff invite an address deliberately: the account that proved it becomes the member."""
    owner = UserFactory(email="perso@exemple.yt")
    EmailAddress.objects.create(user=owner, email=VICTIM, verified=True, primary=False)
    partner = PartnerFactory()
    client.force_login(StaffUserFactory(role="Chargé de partenariats"))

    client.post(
        "/admin/partners/partnermember/add/",
        {"partner": partner.pk, "email": VICTIM, "full_name": "", "role": "lecteur", "is_active": "on"},
    )

    assert PartnerMember.objects.get(partner=partner).user == owner
    assert not get_user_model().objects.filter(email=VICTIM).exists()


def test_an_unclaimed_invitation_account_is_found_again():
    """A second invitation reaches the account the first one made, as long as nobody claimed it."""
    first, created = invitations.account_ensure(email=VICTIM)
    again, created_again = invitations.account_ensure(email=VICTIM.upper())
    assert created and not created_again and again == first


def test_matching_accounts_for_an_import_takes_the_same_queries_whatever_its_size(django_assert_max_num_queries):
    def people(count, prefix):
        for n in range(count):
            user = UserFactory(email=f"{prefix}.verifie{n}@exemple.yt")
            EmailAddress.objects.create(user=user, email=f"{prefix}.pro{n}@exemple.yt", verified=False)
        return [
            (f"{prefix}.{kind}{n}@exemple.yt", "A", "B") for n in range(count) for kind in ("verifie", "pro", "neuf")
        ]

    few, many = people(2, "peu"), people(20, "beaucoup")
    with CaptureQueriesContext(connection) as counted:
        invitations.accounts_ensure(few)
    with django_assert_max_num_queries(len(counted)):
        accounts = invitations.accounts_ensure(many)
    assert sum(created for _user, created in accounts.values()) == 40  # the unverified and the unknown


# --- A référent cannot annex an existing person ------------------------------------------------


@pytest.fixture
def person():
    """Someone with their own account and profile, which the partner never saw."""
    return ApplicantFactory(
        email=VICTIM,
        username=VICTIM,
        profile__first_name="Mariama",
        profile__last_name="Soilihi",
        profile__phone="+262639998877",
        profile__job_title="Infirmière",
        profile__employer=None,
    )


@pytest.fixture
def held(client, person):
    """A référent enrolls the person's address; returns (referent, allocation, response)."""
    referent = PartnerMemberFactory()
    allocation = SeatAllocationFactory(partner=referent.partner, seats=2)
    response = _enroll(client, referent, allocation, first_name="Zaïnaba", last_name="Ali", phone="0639 11 22 33")
    client.logout()
    return referent, allocation, response


PROFILE_FIELDS = ("first_name", "last_name", "phone", "job_title", "employer_id", "situation", "birth_date")


def test_enrolling_an_existing_person_touches_nothing_of_theirs_and_holds_the_seat(client, person):
    profile = person.applicant_profile
    before = {name: getattr(profile, name) for name in PROFILE_FIELDS}
    referent = PartnerMemberFactory()
    allocation = SeatAllocationFactory(partner=referent.partner, seats=2)

    response = _enroll(client, referent, allocation, first_name="Zaïnaba", last_name="Ali", phone="0639 11 22 33")

    profile.refresh_from_db()
    assert {name: getattr(profile, name) for name in PROFILE_FIELDS} == before
    application = Application.objects.get(session=allocation.session, applicant=person)
    assert application.status == ApplicationStatus.OFFERED and application.channel == Application.Channel.PARTNER
    assert application.convention == allocation.convention and application.enrolled_at is None
    assert application.offer_expires_at > timezone.now() + datetime.timedelta(days=6)
    # Held on the convention's allocation, like an enrollment.
    assert allocation_seats_left(convention_id=allocation.convention_id, session_id=allocation.session_id) == 1
    assert not EnrollmentCertificate.objects.filter(application=application).exists()
    assert not Notification.objects.filter(application=application, template="application_enrolled").exists()
    # The référent is told what happens, in French, and sees only what they typed.
    message = " ".join(messages_of(response))
    assert "invitée par courriel à accepter l'inscription" in message
    pages = [response, client.get(reverse("partners:dashboard"))]
    pages.append(client.get(reverse("partners:convention", args=[allocation.convention.reference])))
    for page in pages:
        text = visible_text(page)
        assert "Mariama" not in text and "Soilihi" not in text and "Infirmière" not in text
        assert "639998877" not in text and "99 88 77" not in text and "1995" not in text
    dashboard = visible_text(pages[1])
    assert "Zaïnaba Ali" in dashboard and VICTIM in dashboard
    assert "En attente d'acceptation jusqu'au" in dashboard


def test_the_person_is_asked_by_email_at_the_address_typed(held, person):
    _referent, allocation, _response = held
    notification = Notification.objects.get(template="partner_staff_consent")
    assert notification.recipient_email == VICTIM and notification.user == person
    body = _delivered(notification)
    assert allocation.convention.partner.name in body and allocation.session.reference in body
    assert "acceptez ou refusez cette inscription" in body
    assert "/partenaires/activer/" not in body  # the account has a password: no link opens it


def test_accepting_from_their_space_enrolls_them(client, held, person):
    referent, allocation, _response = held
    application = Application.objects.get(applicant=person)
    client.force_login(person)
    detail = visible_text(client.get(reverse("enrollment:detail", args=[application.reference])))
    assert f"{allocation.convention.partner.name} souhaite vous inscrire à cette session" in detail

    response = client.post(
        reverse("enrollment:offer_answer", args=[application.reference]), {"answer": "accepter"}, follow=True
    )

    assert "Vous avez accepté l'inscription : elle est confirmée." in messages_of(response)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ENROLLED and application.enrolled_at is not None
    assert EnrollmentCertificate.objects.filter(application=application).exists()
    assert Notification.objects.filter(application=application, template="application_enrolled").exists()
    profile = person.applicant_profile
    profile.refresh_from_db()
    assert profile.employer == referent.partner  # it was blank: the employer fills it
    assert (profile.first_name, profile.job_title) == ("Mariama", "Infirmière")
    # Now the person agreed, their partner sees them as enrolled.
    client.force_login(referent.user)
    assert "Mariama Soilihi" in visible_text(client.get(reverse("partners:dashboard")))


def test_accepting_keeps_the_employer_the_person_gave(client, person):
    own_employer = PartnerFactory()
    person.applicant_profile.employer = own_employer
    person.applicant_profile.save()
    referent = PartnerMemberFactory()
    _enroll(client, referent, SeatAllocationFactory(partner=referent.partner))
    application = Application.objects.get(applicant=person)
    client.force_login(person)

    client.post(reverse("enrollment:offer_answer", args=[application.reference]), {"answer": "accepter"})

    person.applicant_profile.refresh_from_db()
    assert person.applicant_profile.employer == own_employer


def test_declining_frees_the_seat_for_the_partner(client, held, person):
    _referent, allocation, _response = held
    application = Application.objects.get(applicant=person)
    client.force_login(person)
    page = visible_text(client.get(reverse("enrollment:offer_decline", args=[application.reference])))
    assert f"elle est rendue à {allocation.convention.partner.name}" in page

    response = client.post(
        reverse("enrollment:offer_decline", args=[application.reference]), {"confirm": "oui"}, follow=True
    )

    assert "Vous avez refusé l'inscription proposée par votre employeur : vous n'êtes pas inscrit." in messages_of(
        response
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    assert allocation_seats_left(convention_id=allocation.convention_id, session_id=allocation.session_id) == 2
    assert not EnrollmentCertificate.objects.filter(application=application).exists()


def test_the_deadline_passing_gives_the_seat_back_to_the_partner_not_to_the_public(client, person):
    referent = PartnerMemberFactory()
    allocation = SeatAllocationFactory(partner=referent.partner, seats=1, session__capacity=3)
    session = allocation.session
    ApplicationFactory.create_batch(2, session=session, status=ApplicationStatus.ACCEPTED)
    waiting = ApplicationFactory(session=session, status=ApplicationStatus.WAITLISTED)
    _enroll(client, referent, allocation)
    application = Application.objects.get(applicant=person)
    assert session_seat_count(session_id=session.pk).free == 0

    expired = waitlist.offers_expire(now=application.offer_expires_at + datetime.timedelta(minutes=1))

    assert expired == 1
    application.refresh_from_db()
    assert application.status == ApplicationStatus.EXPIRED
    assert allocation_seats_left(convention_id=allocation.convention_id, session_id=session.pk) == 1
    waiting.refresh_from_db()
    assert waiting.status == ApplicationStatus.WAITLISTED  # the partner's reserved seat stays the partner's
    email = Notification.objects.get(application=application, template="offer_expired")
    assert "la place lui est rendue" in _delivered(email)
    # The référent may enroll someone on it again.
    response = _enroll(client, referent, allocation, email="autre.agent@mairie-tsingoni.yt")
    assert Application.objects.get(session=session, applicant__email="autre.agent@mairie-tsingoni.yt").holds_seat
    assert response.status_code == 200


def test_the_deadline_never_falls_after_the_session_starts():
    referent = PartnerMemberFactory()
    starts_soon = SeatAllocationFactory(partner=referent.partner).session
    starts_soon.start_date = timezone.localdate() + datetime.timedelta(days=3)
    now = timezone.now()

    deadline = partner_enrollment.partner_consent_deadline(session=starts_soon, now=now)

    assert timezone.localtime(deadline).date() == starts_soon.start_date
    assert timezone.localtime(deadline).time() == datetime.time.min
    later = SeatAllocationFactory(partner=referent.partner).session  # starts in 60 days
    assert partner_enrollment.partner_consent_deadline(session=later, now=now) == now + datetime.timedelta(
        days=partner_enrollment.PARTNER_CONSENT_DAYS
    )


def test_an_import_holds_the_seats_of_existing_people_and_says_so(client, person):
    referent = PartnerMemberFactory()
    allocation = SeatAllocationFactory(partner=referent.partner, seats=3, session__reference="S-2027-MIX")

    response = _import(
        client,
        referent,
        [
            ["Zaïnaba", "Ali", VICTIM, "Agente", "S-2027-MIX"],
            ["Awa", "Madi", "awa.madi@mairie-tsingoni.yt", "RH", "S-2027-MIX"],
        ],
    )

    text = visible_text(response)
    assert "1 agent inscrit" in text
    assert "1 place réservée en attente d'acceptation" in text
    assert "Mariama" not in text and "Soilihi" not in text
    held = Application.objects.get(applicant=person)
    assert held.status == ApplicationStatus.OFFERED and held.invited_name == "Zaïnaba Ali"
    person.applicant_profile.refresh_from_db()
    assert (person.applicant_profile.first_name, person.applicant_profile.job_title) == ("Mariama", "Infirmière")
    new = Application.objects.get(applicant__email="awa.madi@mairie-tsingoni.yt")
    assert new.status == ApplicationStatus.ENROLLED
    assert allocation_seats_left(convention_id=allocation.convention_id, session_id=allocation.session_id) == 1


# --- No usable secret in the admin ----------------------------------------------------------------


@pytest.mark.parametrize("reader", ["superuser", "gestionnaire"])
def test_staff_reading_invitations_in_the_admin_find_no_claim_token(client, reader):
    referent = PartnerMemberFactory()
    _enroll(client, referent, SeatAllocationFactory(partner=referent.partner))
    staff_invitation = Notification.objects.get(template="partner_staff_invitation")
    body = _delivered(staff_invitation)
    token = CLAIM_LINK.search(body).group(2)
    services_staff.member_invite(
        partner=referent.partner, email="nouvelle.rh@mairie-tsingoni.yt", full_name="", role="lecteur", by=None
    )
    member_invitation = Notification.objects.get(template="partner_member_invitation")
    member_token = CLAIM_LINK.search(_delivered(member_invitation)).group(2)
    secrets = [token, member_token, "/partenaires/activer/", "/compte/password/reset/key/"]

    for row in (staff_invitation, member_invitation):
        row.refresh_from_db()
        stored = json.dumps(row.context) + row.subject + row.idempotency_key + row.last_error
        assert not any(secret in stored for secret in secrets)

    staff = StaffUserFactory() if reader == "superuser" else StaffUserFactory(role=GESTIONNAIRE)
    client.force_login(staff)
    pages = [
        client.get(reverse("admin:core_notification_changelist")),
        client.get(reverse("admin:core_notification_changelist"), {"q": VICTIM}),
        client.get(reverse("admin:core_notification_change", args=[staff_invitation.pk])),
        client.get(reverse("admin:core_notification_change", args=[member_invitation.pk])),
        client.get(reverse("admin:enrollment_application_change", args=[staff_invitation.application_id])),
    ]
    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        assert not any(secret in html for secret in secrets), page.request["PATH_INFO"]
