"""The partner space: dashboard, conventions and their PDF, enrolling one agent, invitations and claiming."""

import datetime
import json
import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import claims
from core.models import Notification
from enrollment import notifications
from enrollment.models import (
    ApplicantProfile,
    Application,
    ApplicationStatus,
    ApplicationStatusChange,
    EnrollmentCertificate,
    Situation,
)
from partner_space import invitations
from partner_space import services as services_staff
from partners.models import Convention, ConventionDocument, Partner, PartnerMember
from programs.models import Session
from tests.factories import (
    ConventionFactory,
    PartnerApplicationFactory,
    PartnerFactory,
    PartnerMemberFactory,
    SeatAllocationFactory,
    SessionFactory,
    StaffUserFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("partners:dashboard")
WRITES = {"INSERT", "UPDATE", "DELETE"}


def enroll_post(client, allocation, **overrides):
    data = {
        "first_name": "Zaïnaba",
        "last_name": "Ali",
        "email": "zainaba.ali@mairie-tsingoni.yt",
        "job_title": "Agente d'accueil",
        "allocation": str(allocation.pk),
        **overrides,
    }
    return client.post(reverse("partners:enroll"), data)


# --- Dashboard ---------------------------------------------------------------------------------


def test_dashboard_shows_own_conventions_allocations_and_staff(client):
    referent = PartnerMemberFactory()
    partner = referent.partner
    allocation = SeatAllocationFactory(partner=partner, seats=4)
    PartnerApplicationFactory(allocation=allocation, email="agent1@tsingoni.yt")
    # Enrolled, then withdrawn: the partner still sees who it was (a seat held and declined would not show).
    PartnerApplicationFactory(
        allocation=allocation,
        email="agent2@tsingoni.yt",
        status=ApplicationStatus.WITHDRAWN,
        enrolled_at=datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC),
    )
    ConventionFactory(partner=partner, reference="CONV-2026-900", state=Convention.State.DRAFT, signed_on=None)
    client.force_login(referent.user)

    response = client.get(DASHBOARD)

    assert response.status_code == 200
    page = response.content.decode()
    assert partner.name in page
    assert allocation.convention.reference in page
    assert "CONV-2026-900" not in page  # CNAM's drafts stay internal
    assert allocation.session.reference in page
    assert "agent1@tsingoni.yt" in page and "agent2@tsingoni.yt" in page
    assert "Inscrite" in page and "Retirée" in page
    allocations = response.context["allocations"]
    assert [(a.seats, a.seats_used, a.seats_left) for a in allocations] == [(4, 1, 3)]
    assert response.context["counts"]["total"] == 2
    assert "Inscrire un agent" in page


def test_dashboard_badges_take_the_colour_of_each_status(client):
    """The colours come from the one map per status (``*_badges`` template filters), grey where none is set."""
    referent = PartnerMemberFactory()
    allocation = SeatAllocationFactory(partner=referent.partner, seats=4)
    PartnerApplicationFactory(allocation=allocation, email="agent1@tsingoni.yt")
    PartnerApplicationFactory(allocation=allocation, email="agent2@tsingoni.yt", status=ApplicationStatus.WITHDRAWN)
    client.force_login(referent.user)

    page = client.get(DASHBOARD).content.decode()

    badges = set(re.findall(r'class="fr-badge fr-badge--sm ?([^"]*)">([^<]*)<', page))
    assert ("fr-badge--success", "Inscrite") in badges
    assert ("", "Retirée") in badges
    assert ("fr-badge--success", allocation.convention.get_state_display()) in badges
    assert ("", "Non produit") in badges


def test_dashboard_query_count_does_not_grow_with_staff(client, django_capture_on_commit_callbacks):
    referent = PartnerMemberFactory()
    allocation = SeatAllocationFactory(partner=referent.partner, seats=40, session__capacity=60)
    second = SeatAllocationFactory(convention=allocation.convention, seats=5)
    ConventionDocument.objects.create(convention=allocation.convention, version=1)
    client.force_login(referent.user)
    for _ in range(3):
        PartnerApplicationFactory(allocation=allocation)
    PartnerApplicationFactory(allocation=second)
    client.get(DASHBOARD)  # session and login rows settled

    with CaptureQueriesContext(connection) as few:
        assert client.get(DASHBOARD).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):  # the kept dashboard goes stale
        for _ in range(27):
            PartnerApplicationFactory(allocation=allocation)
    with CaptureQueriesContext(connection) as many:
        response = client.get(DASHBOARD)
    assert response.context["counts"]["total"] == 31
    print(f"\ndashboard queries: {len(few)} with 4 staff, {len(many)} with 31 staff")
    assert len(few) == len(many)
    assert len(many) <= 12


def test_reading_the_space_writes_nothing(client):
    """A GET of a partner page neither saves the session nor updates a row, once the first visit is recorded."""
    referent = PartnerMemberFactory()
    allocation = SeatAllocationFactory(partner=referent.partner)
    PartnerApplicationFactory(allocation=allocation)
    client.force_login(referent.user)
    client.get(DASHBOARD)  # the first visit: joined_at and the session's partner flag

    for url in (DASHBOARD, reverse("partners:enroll"), reverse("partners:import")):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        writes = [query["sql"] for query in queries if query["sql"].split(None, 1)[0].upper() in WRITES]
        assert writes == [], (url, writes)


def test_lecteur_sees_the_space_without_enroll_actions(client):
    viewer = PartnerMemberFactory(viewer=True)
    SeatAllocationFactory(partner=viewer.partner)
    client.force_login(viewer.user)

    page = client.get(DASHBOARD).content.decode()

    assert "Lecteur : consultation seulement" in page
    assert reverse("partners:enroll") not in page
    assert reverse("partners:import") not in page


def test_first_visit_records_joined_at(client):
    referent = PartnerMemberFactory(joined_at=None)
    client.force_login(referent.user)
    client.get(DASHBOARD)
    referent.refresh_from_db()
    first = referent.joined_at
    assert first is not None
    client.get(DASHBOARD)
    referent.refresh_from_db()
    assert referent.joined_at == first


def test_user_of_two_partners_switches_without_mixing(client):
    user = UserFactory()
    first = PartnerMemberFactory(partner=PartnerFactory(name="Commune de Tsingoni"), user=user)
    second = PartnerMemberFactory(partner=PartnerFactory(name="Rectorat de Mayotte"), user=user)
    other = SeatAllocationFactory(partner=first.partner)
    SeatAllocationFactory(partner=second.partner)
    client.force_login(user)

    assert client.get(DASHBOARD).context["partner"] == first.partner  # first by name
    assert client.get(DASHBOARD, {"partenaire": second.partner.pk}).status_code == 302
    response = client.get(DASHBOARD)
    assert response.context["partner"] == second.partner
    assert other.convention.reference not in response.content.decode()
    assert client.get(DASHBOARD, {"partenaire": PartnerFactory().pk}).status_code == 404


# --- Conventions and their PDF ----------------------------------------------------------------


def test_convention_detail_lists_its_allocations_and_staff(client):
    referent = PartnerMemberFactory()
    allocation = SeatAllocationFactory(partner=referent.partner, seats=3)
    application = PartnerApplicationFactory(allocation=allocation, email="agent@tsingoni.yt")
    client.force_login(referent.user)

    response = client.get(reverse("partners:convention", args=[allocation.convention.reference]))

    assert response.status_code == 200
    page = response.content.decode()
    assert allocation.session.reference in page
    assert application.applicant.email in page
    assert "Non produit" in page


def test_pdf_download_serves_the_latest_ready_version(client):
    referent = PartnerMemberFactory()
    convention = SeatAllocationFactory(partner=referent.partner).convention
    ready = ConventionDocument(convention=convention, version=1, state=ConventionDocument.State.READY)
    ready.file.save("conv-test.pdf", ContentFile(b"%PDF-1.4 version 1"), save=False)
    ready.save()
    ConventionDocument.objects.create(convention=convention, version=2)  # still rendering
    client.force_login(referent.user)

    response = client.get(reverse("partners:convention_pdf", args=[convention.reference]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == b"%PDF-1.4 version 1"
    assert "private" in response["Cache-Control"]


def test_pdf_without_ready_version_is_requested_and_explained(client):
    referent = PartnerMemberFactory()
    convention = SeatAllocationFactory(partner=referent.partner).convention
    client.force_login(referent.user)

    response = client.get(reverse("partners:convention_pdf", args=[convention.reference]), follow=True)

    assert "en préparation" in response.content.decode()
    document = ConventionDocument.objects.get(convention=convention)
    assert document.state == ConventionDocument.State.PENDING


@pytest.mark.django_db(transaction=True)
def test_pdf_rendered_in_process_is_served_on_the_first_click(client):
    """Without a broker the render runs as soon as it is requested: no second click needed."""
    referent = PartnerMemberFactory()
    convention = SeatAllocationFactory(partner=referent.partner).convention
    client.force_login(referent.user)

    response = client.get(reverse("partners:convention_pdf", args=[convention.reference]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


# --- Enrolling one agent -------------------------------------------------------------------------


def test_referent_enrolls_a_new_agent(client, django_capture_on_commit_callbacks):
    referent = PartnerMemberFactory(partner=PartnerFactory(kind=Partner.Kind.COMMUNE))
    allocation = SeatAllocationFactory(partner=referent.partner, seats=2)
    client.force_login(referent.user)

    with django_capture_on_commit_callbacks(execute=False):
        response = enroll_post(client, allocation, email="Zainaba.Ali@Mairie-Tsingoni.yt")

    assert response.status_code == 302
    user = get_user_model().objects.get(email="zainaba.ali@mairie-tsingoni.yt")
    assert not user.has_usable_password()
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.verified, address.primary) == ("zainaba.ali@mairie-tsingoni.yt", False, True)
    profile = ApplicantProfile.objects.get(user=user)
    assert (profile.first_name, profile.last_name, profile.job_title) == ("Zaïnaba", "Ali", "Agente d'accueil")
    assert profile.employer == referent.partner and profile.situation == Situation.PUBLIC_AGENT
    assert profile.consent_at is None
    application = Application.objects.get(applicant=user)
    assert application.channel == Application.Channel.PARTNER
    assert application.convention == allocation.convention
    assert application.enrolled_by == referent.user
    assert application.status == ApplicationStatus.ENROLLED and application.enrolled_at is not None
    history = ApplicationStatusChange.objects.get(application=application)
    assert (history.from_status, history.to_status, history.changed_by) == ("", "inscrite", referent.user)
    assert set(Notification.objects.filter(application=application).values_list("template", flat=True)) == {
        "application_enrolled",
        "partner_staff_invitation",
    }
    assert EnrollmentCertificate.objects.filter(application=application).exists()


def test_company_staff_profile_says_employee(client):
    referent = PartnerMemberFactory(partner=PartnerFactory(kind=Partner.Kind.COMPANY))
    allocation = SeatAllocationFactory(partner=referent.partner)
    client.force_login(referent.user)
    enroll_post(client, allocation)
    assert ApplicantProfile.objects.get(user__email="zainaba.ali@mairie-tsingoni.yt").situation == Situation.EMPLOYEE


def test_existing_account_is_reused_not_duplicated(client):
    existing = PartnerApplicationFactory(allocation=SeatAllocationFactory(), email="Deja.Inscrit@Exemple.yt").applicant
    profile = existing.applicant_profile
    first_employer = profile.employer
    referent = PartnerMemberFactory()
    allocation = SeatAllocationFactory(partner=referent.partner)
    client.force_login(referent.user)

    response = enroll_post(client, allocation, email="deja.inscrit@exemple.yt", first_name="Autre", last_name="Nom")

    assert response.status_code == 302
    assert get_user_model().objects.filter(email__iexact="deja.inscrit@exemple.yt").count() == 1
    application = Application.objects.get(session=allocation.session, applicant=existing)
    # The person already had an account: the seat waits for their agreement (tests/partner_space/test_account_trust.py).
    assert application.status == ApplicationStatus.OFFERED
    profile.refresh_from_db()
    assert profile.first_name != "Autre"  # the person's own profile is not overwritten
    assert profile.employer == first_employer
    invitation = Notification.objects.get(application=application, template="partner_staff_consent")
    assert invitation.context["needs_claim"] is False and "claim_url" not in invitation.context


def test_account_found_by_secondary_address(client):
    owner = UserFactory(email="perso@exemple.yt")
    EmailAddress.objects.create(user=owner, email="pro@mairie.yt", verified=True, primary=False)
    referent = PartnerMemberFactory()
    allocation = SeatAllocationFactory(partner=referent.partner)
    client.force_login(referent.user)

    enroll_post(client, allocation, email="PRO@mairie.yt")

    assert Application.objects.get(session=allocation.session).applicant == owner
    assert not get_user_model().objects.filter(email="pro@mairie.yt").exists()


def test_enroll_refuses_a_person_already_enrolled(client):
    referent = PartnerMemberFactory()
    allocation = SeatAllocationFactory(partner=referent.partner)
    PartnerApplicationFactory(allocation=allocation, email="zainaba.ali@mairie-tsingoni.yt")
    client.force_login(referent.user)

    response = enroll_post(client, allocation)

    assert response.status_code == 400
    assert "a déjà une candidature ou une inscription en cours" in response.content.decode()
    assert Application.objects.count() == 1


def test_enroll_refuses_when_the_allocation_is_used_up(client):
    referent = PartnerMemberFactory()
    allocation = SeatAllocationFactory(partner=referent.partner, seats=1)
    PartnerApplicationFactory(allocation=allocation)
    client.force_login(referent.user)

    response = enroll_post(client, allocation)

    # A full allocation is not offered any more; a forged choice is refused by the form.
    assert response.status_code == 400
    assert "Choisissez une session parmi les places réservées" in response.content.decode()
    assert Application.objects.count() == 1


def test_enroll_form_errors_are_french_and_linked(client):
    referent = PartnerMemberFactory()
    allocation = SeatAllocationFactory(partner=referent.partner)
    client.force_login(referent.user)

    response = enroll_post(client, allocation, email="pas-une-adresse", first_name="")

    page = response.content.decode()
    assert response.status_code == 400
    assert "Saisissez une adresse de courriel valide." in page
    assert "Ce champ est obligatoire." in page
    assert re.search(r'aria-describedby="[^"]*id_email-messages"', page)
    assert Application.objects.count() == 0


def test_service_checks_seats_under_lock_for_the_session_capacity():
    referent = PartnerMemberFactory()
    allocation = SeatAllocationFactory(partner=referent.partner, seats=3, session__capacity=3)
    # Public applicants took every seat of the session despite the reservation (e.g. capacity lowered).
    for _ in range(3):
        PartnerApplicationFactory(allocation=SeatAllocationFactory(session=allocation.session))
    with pytest.raises(ValidationError) as refused:
        services_staff.staff_enroll(
            member=referent, allocation=allocation, first_name="A", last_name="B", email="a.b@exemple.yt"
        )
    assert "complète" in refused.value.messages[0] or "toutes attribuées" in refused.value.messages[0]
    assert not get_user_model().objects.filter(email="a.b@exemple.yt").exists()  # nothing half-saved


def test_service_refuses_a_lecteur_and_another_partners_allocation():
    viewer = PartnerMemberFactory(viewer=True)
    allocation = SeatAllocationFactory(partner=viewer.partner)
    with pytest.raises(PermissionDenied):
        services_staff.staff_enroll(member=viewer, allocation=allocation, first_name="A", last_name="B", email="a@b.yt")
    referent = PartnerMemberFactory()
    with pytest.raises(PermissionDenied):
        services_staff.staff_enroll(
            member=referent, allocation=allocation, first_name="A", last_name="B", email="a@b.yt"
        )
    assert Application.objects.count() == 0


def test_convention_not_in_force_refuses_enrollment():
    referent = PartnerMemberFactory()
    convention = ConventionFactory(partner=referent.partner, state=Convention.State.TERMINATED)
    allocation = SeatAllocationFactory(convention=convention)
    with pytest.raises(ValidationError, match="n'est pas en vigueur"):
        services_staff.staff_enroll(
            member=referent, allocation=allocation, first_name="A", last_name="B", email="a@b.yt"
        )


# --- Reserved sessions ---------------------------------------------------------------------------


def test_reserved_session_only_for_the_owning_partner(client):
    tsingoni = PartnerFactory(name="Commune de Tsingoni")
    referent = PartnerMemberFactory(partner=tsingoni)
    reserved = SessionFactory(reserved_for=tsingoni, reference="S-TSINGONI-1")
    allocation = SeatAllocationFactory(partner=tsingoni, session=reserved)
    assert not Session.objects.public().filter(pk=reserved.pk).exists()
    assert client.get(reverse("programs:catalogue")).content.decode().count("S-TSINGONI-1") == 0

    client.force_login(referent.user)
    assert enroll_post(client, allocation).status_code == 302

    # Another partner's convention cannot enroll there, even with an allocation forced in by hand.
    other = PartnerMemberFactory()
    forced = SeatAllocationFactory(partner=other.partner, session=reserved)
    with pytest.raises(ValidationError, match="réservée à un autre partenaire"):
        services_staff.staff_enroll(member=other, allocation=forced, first_name="A", last_name="B", email="x@y.yt")
    # And the public cannot apply to it.
    applicant = PartnerApplicationFactory(allocation=allocation).applicant
    client.force_login(applicant)
    assert client.get(reverse("enrollment:apply", args=[reserved.pk])).status_code == 404


# --- Invitations and claiming an account -----------------------------------------------------------


def _claim_path(url: str) -> str:
    return url.removeprefix(invitations.settings.SITE_URL)


def test_staff_invitation_email_lets_the_agent_set_a_password_and_log_in(client):
    referent = PartnerMemberFactory()
    allocation = SeatAllocationFactory(partner=referent.partner)
    client.force_login(referent.user)
    enroll_post(client, allocation)
    notification = Notification.objects.get(template="partner_staff_invitation")

    # The outbox row holds no link that opens the account: it is made when the email is rendered.
    assert "claim_url" not in notification.context
    assert "/partenaires/activer/" not in json.dumps(notification.context)

    assert notifications.deliver(notification_id=notification.pk) is True
    message = next(m for m in mail.outbox if m.subject == notification.subject)
    assert referent.partner.name in message.subject
    claim = re.search(r"http\S+/partenaires/activer/\S+/", message.body).group(0)
    assert allocation.session.reference in message.body
    assert "14 jours" in message.body

    client.logout()
    path = _claim_path(claim)
    assert client.get(path).status_code == 200
    response = client.post(path, {"new_password1": "Palmier-Kawéni-2026", "new_password2": "Palmier-Kawéni-2026"})
    assert response.status_code == 302 and response["Location"] == reverse("enrollment:profile")
    user = get_user_model().objects.get(email="zainaba.ali@mairie-tsingoni.yt")
    assert user.check_password("Palmier-Kawéni-2026")
    assert EmailAddress.objects.get(user=user).verified
    # The link served once; the person now logs in like anyone else.
    assert client.get(path).status_code == 410
    client.logout()
    login = client.post(
        reverse("account_login"), {"login": "zainaba.ali@mairie-tsingoni.yt", "password": "Palmier-Kawéni-2026"}
    )
    assert login.status_code == 302
    assert client.get(reverse("enrollment:space")).status_code == 200


def test_staff_reading_an_invitation_in_the_admin_find_no_link_that_opens_the_account(client):
    referent = PartnerMemberFactory()
    client.force_login(referent.user)
    enroll_post(client, SeatAllocationFactory(partner=referent.partner))
    notification = Notification.objects.get(template="partner_staff_invitation")
    assert notifications.deliver(notification_id=notification.pk) is True
    client.force_login(get_user_model().objects.create_superuser("chef", "chef@cnam-mayotte.yt", "x"))

    page = client.get(reverse("admin:core_notification_change", args=[notification.pk])).content.decode()

    assert "Inscription par l" in page  # the staff name of the email
    assert "/partenaires/activer/" not in page


def test_claim_refuses_a_weak_password_in_french(client):
    user, _created = invitations.account_ensure(email="nouvel.agent@exemple.yt")
    path = _claim_path(claims.claim_url(user))
    response = client.post(path, {"new_password1": "123", "new_password2": "123"})
    assert response.status_code == 400
    assert "Ce mot de passe est trop court" in response.content.decode()
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_claim_link_with_a_wrong_token_is_refused(client):
    user, _created = invitations.account_ensure(email="nouvel.agent@exemple.yt")
    path = _claim_path(claims.claim_url(user))
    response = client.get(path[:-3] + "abc/")
    assert response.status_code == 410
    assert "Recevoir un nouveau lien" in response.content.decode()


def test_member_invite_creates_account_member_and_email(client, django_capture_on_commit_callbacks):
    partner = PartnerFactory(name="Rectorat de Mayotte")
    staff = StaffUserFactory()

    with django_capture_on_commit_callbacks(execute=True):
        member = services_staff.member_invite(
            partner=partner, email="DRH@ac-mayotte.fr", full_name="Mme Madi", role="referent", by=staff
        )

    assert member.user.email == "drh@ac-mayotte.fr" and member.role == "referent"
    assert member.invited_at is not None and member.joined_at is None
    notification = Notification.objects.get(template="partner_member_invitation")
    assert notification.application is None and notification.state == Notification.State.SENT
    message = mail.outbox[-1]
    assert message.to == ["drh@ac-mayotte.fr"]
    assert "Rectorat de Mayotte" in message.subject
    assert "Bonjour Mme Madi" in message.body and "Activer" not in message.body.split("\n")[0]
    claim = re.search(r"http\S+/partenaires/activer/\S+", message.body).group(0)

    response = client.post(
        _claim_path(claim), {"new_password1": "Lagon-Mayotte-2026", "new_password2": "Lagon-Mayotte-2026"}
    )
    assert response["Location"] == DASHBOARD
    assert client.get(DASHBOARD).status_code == 200
    member.refresh_from_db()
    assert member.joined_at is not None


def test_member_invite_reuses_the_account_and_the_membership():
    existing = UserFactory(email="rh@mairie-tsingoni.yt")
    partner = PartnerFactory()
    first = services_staff.member_invite(
        partner=partner, email="RH@mairie-tsingoni.yt", full_name="", role="lecteur", by=None
    )
    again = services_staff.member_invite(
        partner=partner, email="rh@mairie-tsingoni.yt", full_name="M. Saïd", role="referent", by=None
    )
    assert first.pk == again.pk and again.user == existing
    assert again.role == "referent" and again.full_name == "M. Saïd"
    assert get_user_model().objects.filter(email__iexact="rh@mairie-tsingoni.yt").count() == 1
    assert Notification.objects.filter(template="partner_member_invitation").count() == 2
    context = Notification.objects.filter(template="partner_member_invitation").first().context
    assert context["needs_claim"] is False  # the account already has a password


def test_member_invite_refuses_bad_input():
    partner = PartnerFactory()
    with pytest.raises(ValidationError, match="n'est pas valide"):
        services_staff.member_invite(partner=partner, email="pas-une-adresse", full_name="", role="lecteur", by=None)
    with pytest.raises(ValidationError, match="rôle"):
        services_staff.member_invite(partner=partner, email="a@b.yt", full_name="", role="admin", by=None)
    assert not PartnerMember.objects.exists()


def test_invitation_token_expires(monkeypatch):
    user, _created = invitations.account_ensure(email="lent@exemple.yt")
    token = claims.invitation_token_generator.make_token(user)
    generator = claims.invitation_token_generator
    later = generator._now() + generator.valid_for
    monkeypatch.setattr(generator, "_now", lambda: later - datetime.timedelta(minutes=1))
    assert generator.check_token(user, token)
    monkeypatch.setattr(generator, "_now", lambda: later + datetime.timedelta(minutes=1))
    assert not claims.invitation_token_generator.check_token(user, token)
