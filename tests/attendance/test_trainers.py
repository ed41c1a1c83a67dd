"""Trainers: invited by CNAM staff by email, without any staff right, linked to their sessions, deactivated."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attendance.models import Trainer
from attendance.services import trainers
from cnam_portal.roles import CHARGE_PARTENARIATS, GESTIONNAIRE
from core.models import Notification
from enrollment.models import ApplicationStatus
from tests.factories import (
    ApplicationFactory,
    SessionFactory,
    StaffUserFactory,
    TrainerFactory,
    UserFactory,
)
from tests.helpers import messages_of, refused, run_action, visible_text

pytestmark = pytest.mark.django_db

User = get_user_model()
TRAINERS = reverse("admin:attendance_trainer_changelist")
ADD = reverse("admin:attendance_trainer_add")
CLAIM_LINK = re.compile(r"http://[^\s\"]+/partenaires/activer/[^\s\"/]+/[^\s\"/]+/")


@pytest.fixture
def staff():
    return StaffUserFactory(first_name="Fatima", last_name="Said")


@pytest.fixture
def manager(client):
    client.force_login(StaffUserFactory(role=GESTIONNAIRE))
    return client


def _invite(**overrides):
    fields = {"email": "Nadia.Ali@Example.yt", "first_name": "Nadia", "last_name": "Ali", "sessions": [], "by": None}
    return trainers.trainer_invite(**{**fields, **overrides})


# --- The service -----------------------------------------------------------------------------------


def test_a_new_trainer_gets_an_account_without_password_nor_staff_right(staff, django_capture_on_commit_callbacks):
    session = SessionFactory(reference="S-2027-FORM", schedule="le samedi, 8 h – 12 h")

    with django_capture_on_commit_callbacks(execute=True):
        trainer = _invite(sessions=[session], by=staff)

    user = trainer.user
    assert (user.email, user.first_name, user.last_name) == ("nadia.ali@example.yt", "Nadia", "Ali")
    assert not user.has_usable_password()
    assert not (user.is_staff or user.is_superuser) and not user.groups.exists()
    assert EmailAddress.objects.get(user=user).verified is False
    assert list(trainer.sessions.all()) == [session] and trainer.is_active

    row = Notification.objects.get(template="trainer_invitation")
    assert row.user == user and row.recipient_email == "nadia.ali@example.yt"
    assert row.subject == "[CNAM Mayotte] Votre accès à l'espace formateur"
    # Nothing that opens the account is stored: the link is made when the email leaves.
    assert row.context["needs_claim"] is True
    assert "claim_url" not in row.context and "/activer/" not in str(row.context)
    assert row.context["sessions"][0]["reference"] == "S-2027-FORM"

    [message] = mail.outbox
    assert message.to == ["nadia.ali@example.yt"]
    body = " ".join(message.body.split())
    assert "Bonjour Nadia Ali," in body
    assert f"{session.programme.title} (S-2027-FORM)" in body and "le samedi, 8 h – 12 h" in body
    link = CLAIM_LINK.search(message.body).group(0)
    assert link in message.alternatives[0][0]
    assert "/formateur/" in body


def test_the_invitations_link_lets_the_trainer_choose_a_password(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        trainer = _invite()
    link = CLAIM_LINK.search(mail.outbox[0].body).group(0)
    path = link.removeprefix("http://127.0.0.1:8000").removeprefix("http://testserver")

    page = client.get(path)
    claimed = client.post(
        path, {"new_password1": "Formatrice-Mayotte-2027", "new_password2": "Formatrice-Mayotte-2027"}
    )

    assert page.status_code == 200
    assert claimed.status_code == 302
    # A trainer lands in their own space, not on the applicant profile form.
    assert claimed["Location"] == reverse("attendance:trainer_home")
    trainer.user.refresh_from_db()
    assert trainer.user.check_password("Formatrice-Mayotte-2027")
    assert EmailAddress.objects.get(user=trainer.user).verified is True
    assert client.get(path).status_code == 410  # used once


def test_a_trainer_signing_in_lands_in_the_trainer_space(client):
    trainer = TrainerFactory()
    response = client.post(
        reverse("account_login"), {"login": trainer.user.email, "password": "motdepasse-solide-2026"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("attendance:trainer_home")


def test_an_existing_account_that_proved_its_address_becomes_the_trainer(django_capture_on_commit_callbacks):
    existing = UserFactory(email="nadia.ali@example.yt", first_name="", last_name="")
    accounts = User.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        trainer = _invite(email="NADIA.ALI@example.yt")

    assert trainer.user == existing
    assert User.objects.count() == accounts
    existing.refresh_from_db()
    assert (existing.first_name, existing.last_name) == ("Nadia", "Ali")
    row = Notification.objects.get(template="trainer_invitation")
    assert row.context["needs_claim"] is False
    assert "Vous avez déjà un compte sur le portail" in mail.outbox[0].body
    assert not CLAIM_LINK.search(mail.outbox[0].body)


def test_an_account_that_merely_lists_the_address_is_not_linked():
    squatter = UserFactory(email="nadia.ali@example.yt", verified=False)
    trainer = _invite()
    assert trainer.user != squatter
    assert not squatter.is_staff and not hasattr(squatter, "trainer")


@pytest.mark.parametrize(
    "make_staff",
    [
        lambda: StaffUserFactory(email="nadia.ali@example.yt"),
        # A staff account made without an address row (createsuperuser) is recognised by its login email.
        lambda: StaffUserFactory(email="nadia.ali@example.yt", verified=False, plain=True),
    ],
)
def test_a_staff_account_is_refused(make_staff):
    make_staff()
    accounts = User.objects.count()

    message = refused(_invite)

    assert message == (
        "L'adresse « nadia.ali@example.yt » est celle d'un compte du personnel du CNAM : un formateur a son propre "
        "compte, sans droit d'administration. Indiquez une autre adresse."
    )
    assert User.objects.count() == accounts
    assert not Trainer.objects.exists() and not Notification.objects.exists()


def test_a_person_with_a_live_application_to_the_session_is_refused():
    session = SessionFactory(reference="S-2027-DOUBLE")
    application = ApplicationFactory(
        session=session, applicant__email="nadia.ali@example.yt", status=ApplicationStatus.WAITLISTED
    )
    accounts = User.objects.count()

    message = refused(_invite, sessions=[SessionFactory(), session])

    assert message == (
        f"nadia.ali@example.yt a une candidature en cours pour la session S-2027-DOUBLE ({application.reference}) : "
        "une personne ne peut être formatrice et stagiaire d'une même session."
    )
    assert User.objects.count() == accounts
    assert not Trainer.objects.exists() and not Notification.objects.exists()


def test_a_withdrawn_application_or_another_session_does_not_prevent_training():
    session = SessionFactory()
    withdrawn = ApplicationFactory(
        session=session, applicant__email="nadia.ali@example.yt", status=ApplicationStatus.WITHDRAWN
    )
    ApplicationFactory(applicant=withdrawn.applicant, status=ApplicationStatus.ENROLLED)

    trainer = _invite(sessions=[session])

    # A trainee of another session may train this one, with the account they already have.
    assert trainer.user == withdrawn.applicant
    assert list(trainer.sessions.all()) == [session]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"email": "pas-une-adresse"}, "L'adresse de courriel « pas-une-adresse » n'est pas valide."),
        ({"last_name": " "}, "Indiquez le prénom et le nom du formateur : ils figurent sur les feuilles d'émargement."),
    ],
)
def test_a_wrong_email_or_a_missing_name_is_refused(overrides, expected):
    accounts = User.objects.count()
    assert refused(_invite, **overrides) == expected
    assert User.objects.count() == accounts and not Trainer.objects.exists()


def test_inviting_again_reactivates_adds_the_sessions_and_sends_a_new_invitation():
    first, second = SessionFactory(), SessionFactory()
    trainer = _invite(sessions=[first])
    trainers.trainer_deactivate(trainer=trainer, by=None)

    again = _invite(sessions=[second])

    assert again.pk == trainer.pk and again.is_active
    assert set(again.sessions.all()) == {first, second}
    assert Notification.objects.filter(template="trainer_invitation", user=trainer.user).count() == 2


def test_giving_a_trainer_a_session_they_applied_to_is_refused():
    trainer = TrainerFactory()
    kept, applied = SessionFactory(), SessionFactory()
    trainer.sessions.add(kept)
    ApplicationFactory(session=applied, applicant=trainer.user, status=ApplicationStatus.ENROLLED)

    assert "ne peut être formatrice et stagiaire" in refused(
        trainers.trainer_sessions_set, trainer=trainer, sessions=[kept, applied], by=None
    )
    assert "ne peut être formatrice et stagiaire" in refused(
        trainers.session_trainers_set, session=applied, trainers=[trainer], by=None
    )
    assert list(trainer.sessions.all()) == [kept]
    trainers.trainer_sessions_set(trainer=trainer, sessions=[], by=None)
    assert not trainer.sessions.exists()


def test_a_deactivated_trainer_gets_no_new_invitation():
    trainer = TrainerFactory()
    trainers.trainer_deactivate(trainer=trainer, by=None)
    assert not Trainer.objects.get(pk=trainer.pk).is_active
    assert refused(trainers.trainer_invitation_resend, trainer=trainer, by=None) == (
        f"{trainer} est désactivé : réactivez-le avant de lui renvoyer l'invitation."
    )
    assert not Notification.objects.exists()


# --- The admin ----------------------------------------------------------------------------------------


def _add_form(**overrides):
    return {"email": "nadia.ali@example.yt", "first_name": "Nadia", "last_name": "Ali", "phone": "", **overrides}


def test_staff_create_a_trainer_by_email_and_name_in_the_admin(manager, django_capture_on_commit_callbacks):
    session = SessionFactory()
    assert manager.get(ADD).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(ADD, _add_form(sessions=[session.pk], phone="0639 12 34 56"), follow=True)

    assert "Invitation envoyée à nadia.ali@example.yt." in messages_of(response)
    trainer = Trainer.objects.get()
    assert (trainer.user.email, trainer.phone, list(trainer.sessions.all())) == (
        "nadia.ali@example.yt",
        "0639 12 34 56",
        [session],
    )
    assert not trainer.user.is_staff
    assert [message.to for message in mail.outbox] == [["nadia.ali@example.yt"]]


def test_the_add_form_refuses_a_staff_address_and_a_trainee_of_the_session(manager):
    StaffUserFactory(email="agent@cnam-mayotte.yt")
    session = SessionFactory()
    ApplicationFactory(session=session, applicant__email="stagiaire@example.yt")

    staff_address = manager.post(ADD, _add_form(email="agent@cnam-mayotte.yt"))
    trainee = manager.post(ADD, _add_form(email="stagiaire@example.yt", sessions=[session.pk]))

    assert staff_address.status_code == trainee.status_code == 200
    assert (
        staff_address.context["adminform"]
        .form.errors["email"][0]
        .startswith("L'adresse « agent@cnam-mayotte.yt » est celle d'un compte du personnel du CNAM")
    )
    assert "ne peut être formatrice et stagiaire" in trainee.context["adminform"].form.errors["sessions"][0]
    assert not Trainer.objects.exists() and not Notification.objects.exists()


def test_the_change_form_gives_sessions_through_the_service_and_deactivates(manager):
    trainer = TrainerFactory()
    kept, applied = SessionFactory(), SessionFactory()
    ApplicationFactory(session=applied, applicant=trainer.user)
    url = reverse("admin:attendance_trainer_change", args=[trainer.pk])
    assert manager.get(url).status_code == 200

    refused_page = manager.post(url, {"phone": "", "is_active": "on", "sessions": [kept.pk, applied.pk]})
    done = manager.post(url, {"phone": "0269 61 00 00", "sessions": [kept.pk]})

    assert refused_page.status_code == 200
    assert "ne peut être formatrice et stagiaire" in refused_page.context["adminform"].form.errors["sessions"][0]
    assert done.status_code == 302
    trainer.refresh_from_db()
    assert (trainer.phone, trainer.is_active, list(trainer.sessions.all())) == ("0269 61 00 00", False, [kept])


def test_the_trainer_list_runs_a_fixed_number_of_queries_and_its_actions(manager, django_capture_on_commit_callbacks):
    def add(count):
        for _ in range(count):
            TrainerFactory(sessions=[SessionFactory(), SessionFactory()])

    add(2)
    manager.get(TRAINERS)
    with CaptureQueriesContext(connection) as few:
        manager.get(TRAINERS)
    add(20)
    with CaptureQueriesContext(connection) as many:
        page = manager.get(TRAINERS)
    # Session and user, permissions (2), the count, the page of trainers with their accounts and session counts.
    assert len(few) == len(many) == 6, (len(few), len(many))
    assert "invitation en attente" not in visible_text(page)  # the factory's accounts have a password

    chosen = list(Trainer.objects.all()[:2])
    with django_capture_on_commit_callbacks(execute=True):
        run_action(manager, TRAINERS, "resend_invitation", chosen)
    assert sorted(message.to[0] for message in mail.outbox) == sorted(trainer.user.email for trainer in chosen)
    run_action(manager, TRAINERS, "deactivate", chosen)
    assert Trainer.objects.filter(is_active=False).count() == 2


def test_a_trainer_invited_without_password_shows_as_pending(manager):
    _invite()
    assert "invitation en attente (aucun mot de passe choisi)" in visible_text(manager.get(TRAINERS))


def test_a_partnership_officer_manages_no_trainer(client):
    client.force_login(StaffUserFactory(role=CHARGE_PARTENARIATS))
    trainer = TrainerFactory()
    assert client.get(TRAINERS).status_code == 403
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, _add_form()).status_code == 403
    assert client.get(reverse("admin:attendance_trainer_change", args=[trainer.pk])).status_code == 403
    assert Trainer.objects.count() == 1


def test_the_trainer_forms_run_a_fixed_number_of_queries(manager):
    trainer = TrainerFactory(sessions=[SessionFactory()])
    url = reverse("admin:attendance_trainer_change", args=[trainer.pk])
    manager.get(url)  # the content types, cached once per process

    def count(address):
        with CaptureQueriesContext(connection) as queries:
            assert manager.get(address).status_code == 200
        return len(queries)

    few = count(url)
    trainer.sessions.add(*SessionFactory.create_batch(8))
    # Session and user, permissions (2), the trainer, its account, its sessions named with their programme.
    assert count(url) == few == 7, few
    assert count(ADD) == 3
