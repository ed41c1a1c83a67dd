"""The person's follow-up page and downloads, and the staff's admin pages of the follow-up."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from attendance.models import (
    AbsenceAlert,
    AttendanceStatus,
    ExitKind,
    FunderDocument,
    FunderDocumentVersion,
    Participation,
    ParticipationState,
    RenderState,
)
from attendance.services import followup
from cnam_portal.roles import DIRECTION, GESTIONNAIRE
from tests.factories import ApplicantFactory, ApplicationFactory, StaffUserFactory
from tests.helpers import PDF_BYTES, messages_of, run_action, visible_text

from .followup_scene import enrolled, mark, past_session, slots_of

pytestmark = pytest.mark.django_db

SPACE = reverse("attendance_followup:space")


def ready_document(application, kind=FunderDocument.Kind.ENTRY, month=None, version=1):
    FunderDocument.objects.filter(application=application, kind=kind, month=month).delete()
    document = FunderDocument(
        application=application, kind=kind, month=month, render_state=RenderState.READY, version=version
    )
    document.file.save("document.pdf", ContentFile(PDF_BYTES), save=False)
    document.generated_at = timezone.now()
    document.save()
    return document


@pytest.fixture
def scene():
    session = past_session(programme__title="Titre professionnel Comptable assistant")
    slots = slots_of(session, [session.start_date, session.start_date + datetime.timedelta(days=2)])
    person = enrolled(session)
    mark(slots[0], person, AttendanceStatus.PRESENT)
    mark(slots[1], person, AttendanceStatus.ABSENT)
    followup.participations_refresh(application_ids=[person.pk])
    return person


# --- The person's space -----------------------------------------------------------------------------


def test_the_follow_up_asks_to_sign_in(client):
    response = client.get(SPACE)
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_the_person_sees_state_rate_and_documents(client, scene):
    entry = FunderDocument.objects.get(application=scene)
    client.force_login(scene.applicant)
    response = client.get(SPACE)
    assert response.status_code == 200
    text = visible_text(response)
    assert "Titre professionnel Comptable assistant" in text
    assert "Entrée en formation" in text
    assert "Taux d'assiduité : 50 % (3 h suivies sur 6 h prévues)" in text
    assert "Attestation d'entrée en formation" in text and "en préparation" in text
    month = scene.session.start_date
    statement_url = reverse("attendance_followup:statement", args=[scene.reference, month.year, month.month])
    assert statement_url in response.content.decode()
    assert reverse("attendance_followup:document", args=[entry.pk]) in response.content.decode()


def test_an_enrollment_not_started_and_no_enrollment_say_so(client):
    person = ApplicationFactory(enrolled=True)
    client.force_login(person.applicant)
    assert "La formation n'a pas encore commencé pour vous" in visible_text(client.get(SPACE))
    client.force_login(ApplicantFactory())
    assert "Vous n'avez pas encore d'inscription confirmée" in visible_text(client.get(SPACE))


def test_the_space_reads_a_fixed_number_of_queries(client, django_assert_num_queries):
    person = ApplicantFactory()

    def follow(count):
        for _ in range(count):
            session = past_session()
            slot = slots_of(session, [session.start_date])[0]
            application = enrolled(session, applicant=person)
            mark(slot, application, AttendanceStatus.PRESENT)
            followup.participations_refresh(application_ids=[application.pk])

    client.force_login(person)
    follow(1)
    # The user, the enrollments with their follow-up, their documents, the months of their slots.
    with django_assert_num_queries(4):
        assert client.get(SPACE).status_code == 200
    follow(3)
    with django_assert_num_queries(4):
        response = client.get(SPACE)
    assert visible_text(response).count("Attestation d'entrée en formation") == 4


def test_the_applicant_space_links_to_the_follow_up(client):
    person = ApplicationFactory(enrolled=True)
    client.force_login(person.applicant)
    assert SPACE in client.get(reverse("enrollment:space")).content.decode()


# --- Downloads --------------------------------------------------------------------------------------


def test_the_person_downloads_their_own_document(client, scene):
    document = ready_document(scene)
    client.force_login(scene.applicant)
    response = client.get(reverse("attendance_followup:document", args=[document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="attestation-entree-formation-{scene.reference}.pdf"' in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_someone_else_s_document_is_not_found(client, scene):
    document = FunderDocument.objects.get(application=scene)
    client.force_login(ApplicantFactory())
    assert client.get(reverse("attendance_followup:document", args=[document.pk])).status_code == 404


def test_a_document_in_preparation_sends_back_with_a_message(client, scene, django_capture_on_commit_callbacks):
    document = FunderDocument.objects.get(application=scene)
    FunderDocument.objects.filter(pk=document.pk).update(render_state=RenderState.FAILED, attempts=1)
    client.force_login(scene.applicant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("attendance_followup:document", args=[document.pk]), follow=True)
    assert response.redirect_chain[-1][0] == SPACE
    assert "Votre document est en cours de préparation : revenez dans quelques instants." in messages_of(response)
    document.refresh_from_db()
    assert document.render_state == RenderState.READY  # asked again, rendered by the (in-process) worker


def test_a_month_s_statement_is_asked_for_then_downloaded(client, scene, django_capture_on_commit_callbacks):
    month = scene.session.start_date
    url = reverse("attendance_followup:statement", args=[scene.reference, month.year, month.month])
    client.force_login(scene.applicant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url)
    assert response.status_code == 302 and response["Location"] == SPACE
    statement = FunderDocument.objects.get(application=scene, kind=FunderDocument.Kind.MONTHLY)
    assert (statement.month, statement.render_state) == (month, RenderState.READY)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert f"etat-de-presence-{scene.reference}-{month:%Y-%m}.pdf" in response["Content-Disposition"]


def test_statement_refusals(client, scene):
    client.force_login(scene.applicant)
    ahead = timezone.localdate() + datetime.timedelta(days=40)
    response = client.get(
        reverse("attendance_followup:statement", args=[scene.reference, ahead.year, ahead.month]), follow=True
    )
    assert "L'état de présence d'un mois à venir ne peut pas encore être établi." in messages_of(response)
    assert client.get(reverse("attendance_followup:statement", args=[scene.reference, 2027, 13])).status_code == 404
    client.force_login(ApplicantFactory())
    month = scene.session.start_date
    assert (
        client.get(
            reverse("attendance_followup:statement", args=[scene.reference, month.year, month.month])
        ).status_code
        == 404
    )
    assert not FunderDocument.objects.filter(kind=FunderDocument.Kind.MONTHLY).exists()


# --- The admin ----------------------------------------------------------------------------------------


@pytest.fixture
def manager(client):
    user = StaffUserFactory(role=GESTIONNAIRE)
    client.force_login(user)
    return user


def test_staff_list_filter_and_download_documents(client, manager, scene, django_assert_max_num_queries):
    document = ready_document(scene, kind=FunderDocument.Kind.MONTHLY, month=scene.session.start_date, version=2)
    kept = FunderDocumentVersion(document=document, version=1, data_hash="a", generated_at=timezone.now())
    kept.file.save("ancienne.pdf", ContentFile(PDF_BYTES), save=False)
    kept.save()
    changelist = reverse("admin:attendance_funderdocument_changelist")
    with django_assert_max_num_queries(12):
        response = client.get(changelist, {"kind__exact": FunderDocument.Kind.MONTHLY, "render_state__exact": "pret"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [document]
    download = client.get(reverse("admin:attendance_funderdocument_download", args=[document.pk]))
    assert b"".join(download.streaming_content) == PDF_BYTES
    page = client.get(reverse("admin:attendance_funderdocument_change", args=[document.pk]))
    version_url = reverse("admin:attendance_funderdocument_version_download", args=[document.pk, kept.pk])
    assert version_url in page.content.decode()
    old = client.get(version_url)
    assert "-v1.pdf" in old["Content-Disposition"] and b"".join(old.streaming_content) == PDF_BYTES


def test_staff_regenerate_a_document(client, manager, scene, django_capture_on_commit_callbacks):
    document = FunderDocument.objects.get(application=scene)
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(
            client, reverse("admin:attendance_funderdocument_changelist"), "regenerate", [document], follow=True
        )
    assert any(message.startswith("Fait pour 1 élément") for message in messages_of(response))
    document.refresh_from_db()
    assert (document.render_state, document.version) == (RenderState.READY, 1)


def test_direction_reads_documents_but_cannot_regenerate(client, scene):
    client.force_login(StaffUserFactory(role=DIRECTION))
    changelist = reverse("admin:attendance_funderdocument_changelist")
    response = client.get(changelist)
    assert response.status_code == 200
    assert 'value="regenerate"' not in response.content.decode()
    document = FunderDocument.objects.get(application=scene)
    run_action(client, changelist, "regenerate", [document])
    assert FunderDocument.objects.get(pk=document.pk).requested_at == document.requested_at


def test_staff_record_an_exit_through_the_form(client, manager, scene):
    participation = Participation.objects.get(application=scene)
    url = reverse("admin:attendance_participation_exit", args=[participation.pk])
    assert url in client.get(reverse("admin:attendance_participation_change", args=[participation.pk])).content.decode()
    assert client.get(url).status_code == 200
    refused = client.post(url, {"kind": ExitKind.ABANDON, "exited_on": scene.session.start_date.isoformat()})
    assert refused.status_code == 400
    assert "Un abandon a un motif" in visible_text(refused)
    participation.refresh_from_db()
    assert participation.state != ParticipationState.EXITED
    response = client.post(
        url,
        {"kind": ExitKind.ABANDON, "abandon_reason": "emploi", "exited_on": scene.session.start_date.isoformat()},
        follow=True,
    )
    assert "La sortie de formation est enregistrée." in messages_of(response)
    participation.refresh_from_db()
    assert (participation.state, participation.abandon_reason, participation.history.last().changed_by) == (
        ParticipationState.EXITED,
        "emploi",
        manager,
    )


def test_staff_enter_a_person_through_the_form(client, manager):
    session = past_session()
    person = enrolled(session)
    url = reverse("admin:attendance_participation_enter")
    assert url in client.get(reverse("admin:attendance_participation_changelist")).content.decode()
    unknown = client.post(url, {"reference": "CAND-0000-000000", "entered_on": session.start_date.isoformat()})
    assert "Aucune inscription ne porte cette référence." in visible_text(unknown)
    future = client.post(url, {"reference": person.reference, "entered_on": "2999-01-01"})
    assert "La date d'entrée en formation ne peut pas être dans le futur." in visible_text(future)
    response = client.post(url, {"reference": person.reference, "entered_on": session.start_date.isoformat()})
    participation = Participation.objects.get(application=person)
    assert response["Location"] == reverse("admin:attendance_participation_change", args=[participation.pk])


def test_a_role_that_only_reads_cannot_record_an_exit(client, scene):
    client.force_login(StaffUserFactory(role=DIRECTION))
    participation = Participation.objects.get(application=scene)
    assert client.get(reverse("admin:attendance_participation_exit", args=[participation.pk])).status_code == 403
    assert client.get(reverse("admin:attendance_participation_enter")).status_code == 403


def test_staff_list_open_alerts_and_mark_one_handled(client, manager, django_assert_max_num_queries):
    session = past_session()
    slots = slots_of(session, [session.start_date + datetime.timedelta(days=n) for n in range(2)])
    people = [enrolled(session) for _ in range(3)]
    for person in people:
        for slot in slots:
            mark(slot, person, AttendanceStatus.ABSENT)
    followup.participations_refresh(application_ids=[person.pk for person in people])
    handled, *open_ = AbsenceAlert.objects.order_by("pk")
    followup.alert_handle(alert=handled, note="Appelée.", by=manager)
    changelist = reverse("admin:attendance_absencealert_changelist")
    with django_assert_max_num_queries(12):
        response = client.get(changelist, {"etat": "ouvertes"})
    assert sorted(response.context["cl"].result_list, key=lambda alert: alert.pk) == open_
    form = run_action(client, changelist, "mark_handled", [open_[0]])
    assert form.status_code == 200 and "Suite donnée" in visible_text(form)
    response = run_action(client, changelist, "mark_handled", [open_[0]], apply="1", note="Rendez-vous fixé lundi.")
    open_[0].refresh_from_db()
    assert (open_[0].note, open_[0].handled_by) == ("Rendez-vous fixé lundi.", manager)


def test_an_alert_handled_twice_is_refused_in_the_list(client, manager):
    session = past_session()
    slots = slots_of(session, [session.start_date + datetime.timedelta(days=n) for n in range(2)])
    person = enrolled(session)
    for slot in slots:
        mark(slot, person, AttendanceStatus.ABSENT)
    followup.participations_refresh(application_ids=[person.pk])
    alert = AbsenceAlert.objects.get()
    followup.alert_handle(alert=alert, note="Appelée.", by=manager)
    response = run_action(
        client,
        reverse("admin:attendance_absencealert_changelist"),
        "mark_handled",
        [alert],
        apply="1",
        note="Encore.",
        follow=True,
    )
    assert any(message.startswith("Refusé") and "déjà été traitée" in message for message in messages_of(response))
