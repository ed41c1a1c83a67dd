"""The application's change page: decision buttons through the services, and French labels only.

The buttons call the same services as the list's actions (history, email, audit line), show only
what the status allows, and are neither shown nor honoured without the change permission.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cnam_portal.roles import CHARGE_PARTENARIATS, DIRECTION, GESTIONNAIRE
from core.models import Notification
from enrollment.models import ApplicationStatus, ApplicationStatusChange, VaeStage
from enrollment.notifications import NOTIFICATION_KINDS
from enrollment.services import applications
from enrollment.services import vae as services_vae
from tests.factories import ApplicantFactory, ApplicationFactory, ProgrammeFactory, SessionFactory, StaffUserFactory
from tests.helpers import messages_of, pdf_upload, visible_text

pytestmark = pytest.mark.django_db
Status = ApplicationStatus


def change_url(app):
    return reverse("admin:enrollment_application_change", args=[app.pk])


def decision_url(app, move):
    return reverse("admin:enrollment_application_decision", args=[app.pk, move])


def decisions_shown(response) -> set[str]:
    html = response.content.decode()
    return set(re.findall(r"/decision/([a-z]+)/", html))


@pytest.fixture
def manager(client):
    user = StaffUserFactory(role=GESTIONNAIRE)
    client.force_login(user)
    return user


# --- The buttons do what the list's actions do -------------------------------------------------

DECISIONS = [
    # start, decision, status after, email written, reason asked
    (Status.SUBMITTED, "accept", Status.ACCEPTED, "application_accepted", None),
    (Status.WAITLISTED, "accept", Status.ACCEPTED, "application_accepted", None),
    (Status.SUBMITTED, "waitlist", Status.WAITLISTED, "application_waitlisted", None),
    (Status.ACCEPTED, "enroll", Status.ENROLLED, "application_enrolled", None),
    (Status.SUBMITTED, "reject", Status.REJECTED, "application_refused", "Le niveau requis n'est pas atteint."),
    (Status.ENROLLED, "cancel", Status.CANCELLED, "application_cancelled", "La session est reportée à 2028."),
]


@pytest.mark.parametrize(("start", "move", "after", "template", "reason"), DECISIONS)
def test_each_button_moves_the_status_through_the_service(client, manager, start, move, after, template, reason):
    app = ApplicationFactory(session=SessionFactory(capacity=3), status=start)

    assert move in decisions_shown(client.get(change_url(app)))
    data = {"reason": reason, "apply": "1"} if reason else {}
    response = client.post(decision_url(app, move), data, follow=True)

    assert response.redirect_chain[-1][0] == change_url(app)
    app.refresh_from_db()
    assert app.status == after
    change = ApplicationStatusChange.objects.get(application=app, to_status=after)
    assert (change.from_status, change.changed_by) == (start, manager)
    assert Notification.objects.filter(application=app, template=template).count() == 1
    entry = LogEntry.objects.get(object_id=str(app.pk), user=manager)
    assert "depuis l'administration" in entry.change_message
    if reason:
        assert change.reason == reason
        assert reason in entry.change_message
    label = Status(after).label
    assert f"La candidature {app.reference} est maintenant « {label} »." in messages_of(response)
    # The page after the decision shows the new status and the next decisions it allows.
    assert f"Décision — statut actuel : {label}" in visible_text(response, field_contents=False) or not decisions_shown(
        response
    )


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Status.SUBMITTED, {"accept", "waitlist", "enroll", "reject", "cancel"}),
        (Status.ACCEPTED, {"waitlist", "enroll", "reject", "cancel"}),
        (Status.WAITLISTED, {"accept", "reject", "cancel"}),
        (Status.OFFERED, {"cancel"}),
        (Status.ENROLLED, {"cancel"}),
        (Status.REJECTED, set()),
        (Status.WITHDRAWN, set()),
    ],
)
def test_only_the_decisions_the_status_allows_are_shown(client, manager, status, expected):
    app = ApplicationFactory(status=status)
    response = client.get(change_url(app))
    assert response.status_code == 200
    assert decisions_shown(response) == expected
    assert ("Décision — statut actuel" in visible_text(response, field_contents=False)) == bool(expected)


def test_a_forbidden_move_is_refused_in_french_and_changes_nothing(client, manager):
    app = ApplicationFactory(status=Status.REJECTED)

    response = client.post(decision_url(app, "accept"), follow=True)

    app.refresh_from_db()
    assert app.status == Status.REJECTED
    assert (
        f"La candidature {app.reference} ne peut pas être acceptée : son statut actuel est « Refusée »."
        in messages_of(response)
    )
    assert not ApplicationStatusChange.objects.filter(application=app).exists()
    assert not Notification.objects.filter(application=app).exists()
    assert not LogEntry.objects.filter(object_id=str(app.pk)).exists()


def test_accepting_without_a_free_seat_is_refused_and_keeps_the_seats(client, manager):
    session = SessionFactory(capacity=1)
    ApplicationFactory(session=session, status=Status.ENROLLED)
    app = ApplicationFactory(session=session)

    response = client.post(decision_url(app, "accept"), follow=True)

    app.refresh_from_db()
    assert app.status == Status.SUBMITTED
    assert any("Plus aucune place libre" in message for message in messages_of(response))
    assert not Notification.objects.filter(application=app).exists()


def test_reject_asks_for_the_reason_first(client, manager):
    app = ApplicationFactory()

    page = client.get(decision_url(app, "reject"))
    assert page.status_code == 200
    text = visible_text(page, field_contents=False)
    assert f"Refuser la candidature {app.reference}" in text
    assert "Motif (communiqué à la personne)" in text
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED

    empty = client.post(decision_url(app, "reject"), {"apply": "1", "reason": "   "})
    assert empty.status_code == 400
    assert "Le motif est obligatoire." in visible_text(empty, field_contents=False)
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED
    assert not ApplicationStatusChange.objects.filter(application=app).exists()

    client.post(decision_url(app, "reject"), {"apply": "1", "reason": "Dossier incomplet : CV manquant."})
    app.refresh_from_db()
    assert (app.status, app.rejection_reason) == (Status.REJECTED, "Dossier incomplet : CV manquant.")


def test_the_reason_page_of_a_move_the_status_no_longer_allows_says_why(client, manager):
    app = ApplicationFactory(status=Status.ENROLLED)

    response = client.get(decision_url(app, "reject"), follow=True)

    assert response.redirect_chain[-1][0] == change_url(app)
    assert (
        f"La candidature {app.reference} ne peut pas être refusée : son statut actuel est « Inscrite »."
        in messages_of(response)
    )
    app.refresh_from_db()
    assert app.status == Status.ENROLLED


def test_a_one_step_decision_needs_a_post_and_an_unknown_one_does_not_exist(client, manager):
    app = ApplicationFactory()
    assert client.get(decision_url(app, "accept")).status_code == 405
    assert client.post(decision_url(app, "supprimer")).status_code == 404
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED


def test_the_buttons_post_with_the_csrf_token():
    client = Client(enforce_csrf_checks=True)
    client.force_login(StaffUserFactory(role=GESTIONNAIRE))
    app = ApplicationFactory()

    assert client.post(decision_url(app, "accept")).status_code == 403  # no token: refused
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED

    page = client.get(change_url(app)).content.decode()
    form = re.search(r'<form method="post" action="([^"]+/decision/accept/)">(.*?)</form>', page, flags=re.S)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.group(2)).group(1)
    assert client.post(form.group(1), {"csrfmiddlewaretoken": token}).status_code == 302
    app.refresh_from_db()
    assert app.status == Status.ACCEPTED


@pytest.mark.parametrize("role", [DIRECTION, CHARGE_PARTENARIATS])
def test_read_only_roles_see_no_button_and_a_forged_post_is_refused(client, role):
    client.force_login(StaffUserFactory(role=role))
    app = ApplicationFactory()

    page = client.get(change_url(app))
    assert page.status_code == 200
    assert decisions_shown(page) == set()
    for move in ("accept", "waitlist", "enroll", "reject", "cancel"):
        assert client.post(decision_url(app, move), {"apply": "1", "reason": "Forgé."}).status_code == 403
    assert client.get(decision_url(app, "reject")).status_code == 403
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED
    assert not ApplicationStatusChange.objects.filter(application=app).exists()


def test_the_change_page_runs_a_fixed_number_of_queries_whatever_its_history(client, manager):
    def build(moves):
        app = applications.application_submit(
            user=ApplicantFactory(), session=SessionFactory(capacity=5), motivation="Motivée."
        )
        for number in range(moves):
            # Each move by another staff member, each with its email: nothing may be read row by row.
            change = ApplicationStatusChange.objects.create(
                application=app,
                from_status=Status.SUBMITTED,
                to_status=Status.WAITLISTED,
                changed_by=StaffUserFactory(role=GESTIONNAIRE),
            )
            Notification.objects.create(
                idempotency_key=f"test:{app.pk}:{number}",
                template="application_waitlisted",
                recipient_email=app.applicant.email,
                user=app.applicant,
                application=app,
            )
            assert change.pk
        return app

    def count(app):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(change_url(app)).status_code == 200
        return len(queries)

    short, long = build(1), build(12)
    count(short)  # the first page of the test also reads what later ones find cached (content types)
    # 8 since the service-owned fields are read-only (no session or convention widget to fill)
    # and the session comes from the cache.
    assert count(short) == count(long) == 8


# --- The list: what a decision needs, in short columns -----------------------------------------


def test_the_list_shows_the_decision_columns_short(client, manager):
    import datetime

    from django.utils import timezone

    mayotte = timezone.get_default_timezone()
    session = SessionFactory(reference="2027-COMPTA-MAM-01")
    ApplicationFactory(
        session=session,
        entry_route="derogation",
        entry_justification="Niveau 3 et cinq ans d'expérience en comptabilité.",
        submitted_at=datetime.datetime(2027, 1, 1, 9, 30, tzinfo=mayotte),
    )
    ApplicationFactory(
        session=session, status=Status.OFFERED, offer_expires_at=datetime.datetime(2027, 2, 3, 18, 5, tzinfo=mayotte)
    )

    response = client.get(reverse("admin:enrollment_application_changelist"))

    headers = re.findall(r'<th scope="col"[^>]*class="[^"]*column-(\w+)', response.content.decode())
    assert headers == ["reference", "applicant_name", "session_short", "status_short", "submitted_on", "route_short"]
    text = visible_text(response, field_contents=False)
    for shown in ("Déposée le", "Voie d'accès", "1er janv. 2027", "Dérogation", "2027-COMPTA-MAM-01"):
        assert shown in text, shown
    assert "Place proposée réponse avant le 3 févr. 2027 à 18 h 05" in text
    assert "18\u00a0h\u00a005" in response.content.decode()  # the time never breaks across lines
    assert "Accès direct (niveau requis atteint)" not in text.split("Filtre")[0]  # the long label stays in the filter


# --- French labels, never the codes ------------------------------------------------------------


def test_history_and_emails_on_the_change_page_read_in_french(client, manager):
    app = applications.application_submit(
        user=ApplicantFactory(), session=SessionFactory(), motivation="Motivé.", documents=[("cv", pdf_upload())]
    )
    applications.application_waitlist(application=app, by=manager)
    applications.application_accept(application=app, by=manager)

    text = visible_text(client.get(change_url(app)), field_contents=False)

    for label in ("Reçue", "Sur liste d'attente", "Acceptée", "Candidature reçue", "Mise en liste d'attente"):
        assert label in text, label
    assert "Candidature acceptée" in text
    for code in ("recue", "liste_attente", "acceptee", "application_received", "application_waitlisted"):
        assert not re.search(rf"(?<![\w.@-]){code}(?![\w.@-])", text), code


def test_vae_history_reads_in_french(client, manager):
    person = ApplicantFactory()
    vae_request = services_vae.vae_request_submit(
        user=person,
        programme=ProgrammeFactory(vae_available=True),
        experience_summary="Dix ans d'aide à domicile à Sada.",
        years=10,
    )
    services_vae.vae_request_advance(request=vae_request, to_stage=VaeStage.ADMISSIBILITY, by=manager)

    text = visible_text(
        client.get(reverse("admin:enrollment_vaerequest_change", args=[vae_request.pk])), field_contents=False
    )

    assert "Déposée" in text and "Recevabilité" in text
    for code in ("deposee", "recevabilite"):
        assert not re.search(rf"(?<![\w.@-]){code}(?![\w.@-])", text), code


def test_the_outbox_lists_and_filters_emails_by_their_french_name(client, manager):
    accepted = applications.application_submit(user=ApplicantFactory(), session=SessionFactory(), motivation="Motivée.")
    applications.application_accept(application=accepted, by=manager)
    changelist = reverse("admin:core_notification_changelist")

    text = visible_text(client.get(changelist), field_contents=False)
    assert "Candidature reçue" in text and "Candidature acceptée" in text
    assert "application_received" not in text and "application_accepted" not in text

    filtered = client.get(changelist, {"courriel": "application_accepted"})
    assert [n.template for n in filtered.context["cl"].result_list] == ["application_accepted"]

    notification = Notification.objects.get(template="application_accepted")
    detail = visible_text(
        client.get(reverse("admin:core_notification_change", args=[notification.pk])), field_contents=False
    )
    assert "Candidature acceptée" in detail
    assert "application_accepted" not in detail
    assert notification.idempotency_key not in detail


def test_every_email_the_portal_sends_has_a_french_name():
    # Each app names its own emails in its ready() (enrollment's, the course follow-up's…).
    folder = Path(settings.BASE_DIR) / "templates" / "emails"
    templates = {path.stem for path in folder.glob("*.txt") if not path.stem.startswith("_") and path.stem != "base"}
    assert templates == set(Notification.kinds)
    assert set(NOTIFICATION_KINDS) <= set(Notification.kinds)
    assert all(str(label) and "_" not in str(label) for label in Notification.kinds.values())


def test_certificates_and_emails_name_their_application_in_french(client, manager):
    app = ApplicationFactory(status=Status.ACCEPTED)
    client.post(decision_url(app, "enroll"))
    certificate = app.certificate
    notification = Notification.objects.get(application=app, template="application_enrolled")

    for url in (
        reverse("admin:enrollment_enrollmentcertificate_changelist"),
        reverse("admin:enrollment_enrollmentcertificate_change", args=[certificate.pk]),
        reverse("admin:core_notification_changelist"),
        reverse("admin:core_notification_change", args=[notification.pk]),
    ):
        response = client.get(url)
        text = visible_text(response, field_contents=False)
        assert app.reference in text, url
        assert not re.search(r"\b(Application|User)\b", text), url
        assert 'name="application"' not in response.content.decode(), url  # shown, never editable
