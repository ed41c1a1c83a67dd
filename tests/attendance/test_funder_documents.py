"""The documents funders ask for: their content (read back from the PDF), versions, requests, sweep."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from attendance import tasks
from attendance.documents import funders
from attendance.models import (
    AttendanceStatus,
    ExitKind,
    FunderDocument,
    FunderDocumentVersion,
    Participation,
    ParticipationState,
    RenderState,
)
from attendance.progress import hours_text, month_start, next_month, rate_text
from attendance.services import followup, funder_documents, rendering
from core import health
from core.formatting import date_long
from enrollment.models import Application
from programs.models import Commune, Programme, Session, Site
from tests.factories import (
    ApplicantFactory,
    CentreFactory,
    ParticipationFactory,
    PartnerApplicationFactory,
    SeatAllocationFactory,
    StaffUserFactory,
)
from tests.helpers import refused

from .followup_scene import enrolled, mark, months_ago, past_session, pdf_pages, pdf_text, slots_of

pytestmark = pytest.mark.django_db

P, L, A, E = AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED
Kind = FunderDocument.Kind


@pytest.fixture(autouse=True)
def centre():
    return CentreFactory(
        legal_name="Conservatoire national des arts et métiers — Centre de Mayotte",
        siret="19753471200017",
        activity_declaration_number="06973000197",
        signatory_name="Zaïnaba Madi",
        signatory_title="Directrice du centre",
        city="Mamoudzou",
    )


@pytest.fixture
def session():
    return past_session(
        start=months_ago(2),
        reference="S-BTP-2027-01",
        programme__title="Brevet professionnel Maçon",
        programme__code="BPM01",
        site=Site.objects.create(name="Lycée de Kahani", commune=Commune.OUANGANI),
        rhythm=Session.Rhythm.SATURDAY,
        schedule="Le samedi, 8 h – 12 h",
    )


@pytest.fixture
def person(session):
    applicant = ApplicantFactory(
        profile__first_name="Faïza", profile__last_name="Ousseni", profile__france_travail_id="1234567A"
    )
    return enrolled(session, applicant=applicant)


def text_of(document: FunderDocument) -> str:
    document.refresh_from_db()
    assert document.render_state == RenderState.READY, document.error
    # Words as a reader takes them, whatever the lines a table's cells wrap into.
    return " ".join(pdf_text(document.file.read()).replace("\u00a0", " ").split())


def render(document: FunderDocument) -> rendering.Outcome:
    return funder_documents.document_render(document_id=document.pk)


def test_hours_and_rates_are_written_as_a_training_body_writes_them():
    assert [hours_text(Decimal(value)) for value in ("3", "2.5", "0", "1.25", "120")] == [
        "3 h",
        "2 h 30",
        "0 h",
        "1 h 15",
        "120 h",
    ]
    assert rate_text(Decimal("0.854")) == "85\u00a0%"
    assert rate_text(None) == ""


# --- The attestation d'entrée en formation ---------------------------------------------------------


def test_the_entry_attestation_says_who_started_what_and_when(session, person):
    start = session.start_date
    slots = slots_of(
        session, [start, start + datetime.timedelta(days=7)], start=datetime.time(8), end=datetime.time(12)
    )
    slots_of(session, [start + datetime.timedelta(days=14)], start=datetime.time(8), end=datetime.time(10, 30))
    mark(slots[0], person, P)
    followup.participations_refresh(application_ids=[person.pk])
    document = FunderDocument.objects.get(application=person, kind=Kind.ENTRY)
    assert render(document) is rendering.Outcome.RENDERED
    text = text_of(document)
    for expected in (
        "Attestation d'entrée en formation",
        "Faïza Ousseni",
        "Identifiant France Travail",
        "1234567A",
        "Brevet professionnel Maçon (BPM01)",
        "S-BTP-2027-01",
        f"du {date_long(start)}",
        "10 h 30",  # planned: 4 h + 4 h + 2 h 30
        "Lycée de Kahani, Ouangani",
        "Le samedi — Le samedi, 8 h – 12 h",
        "Entrée en formation le",
        "197 534 712 00017",
        "06973000197",
        "Zaïnaba Madi",
        "Directrice du centre",
        "Fait à Mamoudzou, le",
        "Page 1 / 1",
    ):
        assert expected in text, expected
    assert text.count(f"1er {date_long(start).split(' ', 1)[1]}") >= 2  # the session's start and the entry
    assert document.version == 1


def test_no_france_travail_line_without_an_identifier(session):
    person = enrolled(session, applicant=ApplicantFactory(profile__situation="salarie", profile__france_travail_id=""))
    ParticipationFactory(application=person, entered_on=session.start_date)
    document = funder_documents.document_request(application=person, kind=Kind.ENTRY)
    render(document)
    assert "France Travail" not in text_of(document)


# --- The état de présence mensuel ------------------------------------------------------------------


def test_the_monthly_statement_lists_each_slot_with_its_status_hours_and_totals(session, person):
    month = session.start_date
    days = [
        month,
        month + datetime.timedelta(days=3),
        month + datetime.timedelta(days=8),
        month + datetime.timedelta(days=10),
    ]
    slots = slots_of(session, days)
    short = slots_of(session, [month + datetime.timedelta(days=15)], start=datetime.time(8), end=datetime.time(10, 30))[
        0
    ]
    slots_of(session, [next_month(month) + datetime.timedelta(days=2)])  # another month: not on this statement
    for slot, status in zip(slots, [P, L, A, E], strict=True):
        mark(slot, person, status)
    mark(short, person, P)
    followup.participations_refresh(application_ids=[person.pk])
    document = funder_documents.document_request(application=person, kind=Kind.MONTHLY, month=month)
    render(document)
    text = text_of(document)
    month_name = date_long(month).split(" ", 1)[1]
    for expected in (
        f"État de présence mensuel — {month_name}",
        "Faïza Ousseni",
        "1234567A",
        f"1er {month_name}",
        "17 h 30 – 20 h 30",
        "8 h 00 – 10 h 30",
        "Présent",
        "En retard",
        "Absent",
        "Absence excusée",
        "2 h 30",
        "Total : 5 créneaux",
        "14 h 30",  # planned: four slots of 3 h and one of 2 h 30
        "8 h 30",  # attended: present, late, and the short one
        "Absences non excusées : 1",
        "Assiduité du mois : 59 %",
        "Zaïnaba Madi",
        "Page 1 / 1",
    ):
        assert expected in text, expected
    assert date_long(next_month(month) + datetime.timedelta(days=2)) not in text


def test_a_partner_s_staff_statement_names_the_employer(session):
    allocation = SeatAllocationFactory(session=session, convention__partner__name="Commune de Tsingoni")
    person = PartnerApplicationFactory(allocation=allocation)
    slot = slots_of(session, [session.start_date])[0]
    mark(slot, person, P)
    followup.participations_refresh(application_ids=[person.pk])
    document = funder_documents.document_request(application=person, kind=Kind.MONTHLY, month=session.start_date)
    render(document)
    text = text_of(document)
    assert "Employeur" in text and "Commune de Tsingoni" in text


def test_a_long_month_runs_over_pages_numbered_x_of_y(session, person):
    month = session.start_date
    days = [month + datetime.timedelta(days=n) for n in range(27)]
    for slot in slots_of(session, days, start=datetime.time(8), end=datetime.time(12)) + slots_of(
        session, days, start=datetime.time(13), end=datetime.time(16)
    ):
        mark(slot, person, P)
    followup.participations_refresh(application_ids=[person.pk])
    document = funder_documents.document_request(application=person, kind=Kind.MONTHLY, month=month)
    render(document)
    document.refresh_from_db()
    data = document.file.read()
    pages = pdf_pages(data)
    assert pages >= 2
    text = pdf_text(data)
    assert f"Page 1 / {pages}" in text and f"Page {pages} / {pages}" in text
    assert "Total : 54 créneaux" in text


# --- The certificat de réalisation -----------------------------------------------------------------


def exit_person(person, *, exited_on, kind=ExitKind.COMPLETED):
    followup.participation_exit(
        participation=Participation.objects.get(application=person),
        kind=kind,
        exited_on=exited_on,
        by=StaffUserFactory(),
    )
    return FunderDocument.objects.get(application=person, kind=Kind.COMPLETION)


def test_the_certificate_follows_the_ministry_s_model(session):
    allocation = SeatAllocationFactory(session=session, convention__partner__name="Commune de Tsingoni")
    person = PartnerApplicationFactory(
        allocation=allocation, applicant__profile__first_name="Ali", applicant__profile__last_name="Combo"
    )
    slots = slots_of(
        session, [session.start_date, session.start_date + datetime.timedelta(days=7)], end=datetime.time(19)
    )
    mark(slots[0], person, P)
    mark(slots[1], person, L)
    followup.participations_refresh(application_ids=[person.pk])
    exited_on = session.start_date + datetime.timedelta(days=9)
    document = exit_person(person, exited_on=exited_on)
    render(document)
    text = text_of(document)
    for expected in (
        "Certificat de réalisation",
        "Je soussigné Zaïnaba Madi, représentant légal du dispensateur de l'action concourant au développement"
        " des compétences",
        "Conservatoire national des arts et métiers — Centre de Mayotte",
        "Numéro de déclaration d'activité 06973000197",
        "SIRET 197 534 712 00017",
        "Bénéficiaire Ali Combo",
        "Employeur Commune de Tsingoni",
        "Brevet professionnel Maçon (BPM01)",
        "☒ action de formation",
        "☐ bilan de compétences",
        "☐ action de validation des acquis de l'expérience",
        "☐ action de formation par apprentissage",
        f"qui s'est déroulée du {date_long(session.start_date)} au {date_long(exited_on)}",
        "du 1er ",
        "pour une durée réalisée de 3 h",  # two slots of 1 h 30
        "conserver l'ensemble des pièces justificatives",
        f"Fait à Mamoudzou, le {date_long(timezone.localdate())}",
        "Zaïnaba Madi, Directrice du centre",
        "Page 1 / 1",
    ):
        assert expected in text, expected


def test_no_employer_line_for_a_person_who_applied_alone(session, person):
    mark(slots_of(session, [session.start_date])[0], person, P)
    followup.participations_refresh(application_ids=[person.pk])
    document = exit_person(person, exited_on=session.start_date)
    render(document)
    assert "Employeur" not in text_of(document)


@pytest.mark.parametrize(
    ("programme", "rhythm", "nature"),
    [
        ({"certification_type": Programme.CertificationType.CERTIFICATE}, Session.Rhythm.EVENING, "action_formation"),
        ({"certification_type": Programme.CertificationType.VAE_SUPPORT}, Session.Rhythm.EVENING, "vae"),
        ({"is_work_study": True}, Session.Rhythm.DAYTIME, "apprentissage"),
        ({}, Session.Rhythm.WORK_STUDY, "apprentissage"),
    ],
)
def test_the_action_s_nature_comes_from_the_programme_and_the_rhythm(programme, rhythm, nature):
    session = past_session(rhythm=rhythm, **{f"programme__{name}": value for name, value in programme.items()})
    assert funders.action_nature(session.programme, session) == nature


# --- Versions -----------------------------------------------------------------------------------------


def test_a_correction_renders_version_2_and_keeps_version_1(session, person, django_capture_on_commit_callbacks):
    slots = slots_of(session, [session.start_date, session.start_date + datetime.timedelta(days=2)])
    mark(slots[0], person, P)
    mark(slots[1], person, A)
    followup.participations_refresh(application_ids=[person.pk])
    with django_capture_on_commit_callbacks(execute=True):
        document = funder_documents.document_request(application=person, kind=Kind.MONTHLY, month=session.start_date)
    document.refresh_from_db()
    assert (document.version, document.render_state) == (1, RenderState.READY)
    first_file = document.file.name
    assert "Absent" in text_of(document)

    # Staff correct the closed sheet: the absence was excused. The refresh the sheets call asks again.
    mark(slots[1], person, E)
    with django_capture_on_commit_callbacks(execute=True):
        followup.participations_refresh(application_ids=[person.pk])
    document.refresh_from_db()
    assert document.version == 2
    assert "Absence excusée" in text_of(document)
    kept = FunderDocumentVersion.objects.get(document=document)
    assert (kept.version, kept.file.name) == (1, first_file)
    assert kept.file.storage.exists(first_file)
    assert "Absent" in pdf_text(kept.file.read())

    # The same sheets again: nothing new, no third version.
    with django_capture_on_commit_callbacks(execute=True):
        followup.participations_refresh(application_ids=[person.pk])
    assert render(document) is rendering.Outcome.UNCHANGED
    document.refresh_from_db()
    assert document.version == 2
    assert FunderDocumentVersion.objects.filter(document=document).count() == 1


def test_a_failed_new_version_keeps_the_former_when_retried(session, person, monkeypatch):
    slot = slots_of(session, [session.start_date])[0]
    mark(slot, person, P)
    followup.participations_refresh(application_ids=[person.pk])
    document = FunderDocument.objects.get(application=person, kind=Kind.ENTRY)
    render(document)
    document.refresh_from_db()
    first_file = document.file.name
    # The data change: the person's programme gets a new title.
    Programme.objects.filter(pk=session.programme_id).update(title="Brevet professionnel Maçon du bâti ancien")
    real = funders.render

    def broken(*args, **kwargs):
        raise ValueError("layout")

    monkeypatch.setattr(funders, "render", broken)
    with pytest.raises(rendering.RenderError):
        render(document)
    document.refresh_from_db()
    assert document.render_state == RenderState.FAILED
    assert document.error == (
        "Échec de la production du document « Attestation d'entrée en formation » : la mise en page du PDF a échoué."
    )
    assert (document.version, document.file.name) == (1, first_file)
    assert health.failed_documents_state()["documents_financeurs"] == 1

    monkeypatch.setattr(funders, "render", real)
    assert funder_documents.documents_retry() == [document.pk]
    assert render(document) is rendering.Outcome.RENDERED
    document.refresh_from_db()
    assert document.version == 2
    assert FunderDocumentVersion.objects.get(document=document).file.name == first_file
    assert "du bâti ancien" in text_of(document)
    assert health.failed_documents_state()["documents_financeurs"] == 0


def test_a_render_task_runs_the_service_and_swallows_a_recorded_failure(session, person, monkeypatch):
    ParticipationFactory(application=person, entered_on=session.start_date)
    document = FunderDocument.objects.create(application=person, kind=Kind.ENTRY)
    monkeypatch.setattr(funders, "render", lambda *args, **kwargs: (_ for _ in ()).throw(ValueError("x")))
    tasks.render_funder_document.delay(document.pk)
    document.refresh_from_db()
    assert (document.render_state, document.attempts) == (RenderState.FAILED, 1)


# --- Requests and the monthly run ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scene", "kind", "month", "message"),
    [
        ("entered", "facture", None, "Ce document n'existe pas."),
        ("entered", Kind.MONTHLY, None, "Indiquez le mois de l'état de présence."),
        ("entered", Kind.ENTRY, "start", "Seul l'état de présence mensuel porte sur un mois."),
        ("cancelled", Kind.ENTRY, None, "Les documents de suivi concernent une inscription confirmée"),
        ("not_entered", Kind.ENTRY, None, "La formation n'a pas encore commencé"),
        ("entered", Kind.COMPLETION, None, "Le certificat de réalisation s'établit à la sortie de la formation."),
        ("entered", Kind.MONTHLY, "next_month", "L'état de présence d'un mois à venir ne peut pas encore être établi."),
        ("entered", Kind.MONTHLY, "before", "La formation a commencé après ce mois"),
        ("exited", Kind.MONTHLY, "after_exit", "La sortie de formation date du "),
    ],
)
def test_document_request_refusals_write_nothing(session, person, scene, kind, month, message):
    if scene != "not_entered":
        ParticipationFactory(application=person, entered_on=session.start_date + datetime.timedelta(days=1))
    if scene == "cancelled":
        Application.objects.filter(pk=person.pk).update(status=Application.Status.CANCELLED)
        person.refresh_from_db()
    if scene == "exited":
        Participation.objects.filter(application=person).update(
            state=ParticipationState.EXITED,
            exit_kind=ExitKind.COMPLETED,
            exited_on=session.start_date + datetime.timedelta(days=2),
        )
    months = {
        None: None,
        "start": session.start_date,
        "next_month": next_month(timezone.localdate()),
        "before": month_start(session.start_date - datetime.timedelta(days=1)),
        "after_exit": next_month(session.start_date),
    }
    assert message in refused(funder_documents.document_request, application=person, kind=kind, month=months[month])
    assert not FunderDocument.objects.exists()


def test_the_monthly_run_asks_once_for_each_person_in_training_that_month(session, django_capture_on_commit_callbacks):
    month = session.start_date
    slots_of(session, [month + datetime.timedelta(days=3)])
    in_month = enrolled(session)
    ParticipationFactory(application=in_month, entered_on=month)
    exited_before = enrolled(session)
    ParticipationFactory(
        application=exited_before,
        entered_on=month - datetime.timedelta(days=10),
        state=ParticipationState.EXITED,
        exit_kind=ExitKind.COMPLETED,
        exited_on=month - datetime.timedelta(days=1),
    )
    entered_after = enrolled(session)
    ParticipationFactory(application=entered_after, entered_on=next_month(month))
    enrolled(session)  # never entered
    elsewhere = enrolled(past_session(start=next_month(month)))  # a session without slots that month
    ParticipationFactory(application=elsewhere, entered_on=month)

    with django_capture_on_commit_callbacks() as callbacks:
        first = funder_documents.monthly_statements_request(month=month + datetime.timedelta(days=12))
    assert list(FunderDocument.objects.values_list("application", "kind", "month")) == [
        (in_month.pk, Kind.MONTHLY, month)
    ]
    assert first == list(FunderDocument.objects.values_list("pk", flat=True))
    assert len(callbacks) >= 1
    assert funder_documents.monthly_statements_request(month=month) == first  # twice: the same row
    assert FunderDocument.objects.count() == 1


def test_the_monthly_task_asks_for_the_month_just_ended(session):
    last_month = month_start(month_start(timezone.localdate()) - datetime.timedelta(days=1))
    slots_of(session, [last_month + datetime.timedelta(days=4)])
    person = enrolled(session)
    ParticipationFactory(application=person, entered_on=session.start_date)
    assert tasks.request_monthly_statements.delay().get() == 1
    assert FunderDocument.objects.get().month == last_month
    assert tasks.request_monthly_statements.delay(last_month.isoformat()).get() == 1


def test_the_sweep_hands_failed_and_lost_documents_to_the_workers(session, person, django_capture_on_commit_callbacks):
    ParticipationFactory(application=person, entered_on=session.start_date)
    failed = FunderDocument.objects.create(
        application=person, kind=Kind.ENTRY, render_state=RenderState.FAILED, attempts=1
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.retry_funder_documents.delay().get() == 1
    failed.refresh_from_db()
    assert failed.render_state == RenderState.READY
