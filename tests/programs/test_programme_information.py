"""What a programme's page states for Qualiopi's indicator 1: results expected, methods, access,
disability access, contact, certification, path, the training body, and the results of ended sessions."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from enrollment.models import ApplicationStatus
from programs.models import Programme, Session
from programs.selectors import Rate, programme_results
from tests.factories import ApplicationFactory, ProgrammeFactory, SessionFactory, StaffUserFactory
from tests.helpers import change_form_data, visible_text
from tests.programs.test_admin import session_change_data
from tests.programs.test_programme_page import PROGRAMME_PAGE_QUERIES

pytestmark = pytest.mark.django_db

EMPTY_HEADINGS = [
    ">Résultats attendus</h2>",
    ">Méthodes pédagogiques</h2>",
    ">Modalités d'évaluation</h2>",
    ">Modalités d'accès</h2>",
    ">Résultats</h2>",
    ">Certificateur</dt>",
]


@pytest.fixture
def training_body():
    """The centre's record (the migration made it): the training body every programme page names."""
    from centre.services import centre_ensure

    centre = centre_ensure()
    for name, value in {
        "name": "CNAM Mayotte",
        "legal_name": "Conservatoire national des arts et métiers — Centre de Mayotte",
        "siret": "19976000000018",
        "activity_declaration_number": "06976001234",
        "address_line": "Place Mariage",
        "postal_code": "97600",
        "city": "Mamoudzou",
        "email": "contact@cnam-mayotte.example",
        "phone": "+262269612020",
        "disability_referent_name": "Mariama Houmadi",
        "disability_referent_email": "handicap@cnam-mayotte.example",
        "disability_referent_phone": "+262269612031",
    }.items():
        setattr(centre, name, value)
    centre.save()
    return centre


def html_of(client, programme) -> str:
    response = client.get(programme.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def text_of(client, programme) -> str:
    response = client.get(programme.get_absolute_url())
    assert response.status_code == 200
    return visible_text(response)


def ended_session(programme, *, enrolled: int, days_ago: int = 10, **fields) -> Session:
    today = timezone.localdate()
    session = SessionFactory(
        programme=programme,
        start_date=today - datetime.timedelta(days=days_ago + 90),
        end_date=today - datetime.timedelta(days=days_ago),
        applications_open_at=timezone.now() - datetime.timedelta(days=days_ago + 150),
        applications_close_at=timezone.now() - datetime.timedelta(days=days_ago + 100),
        **fields,
    )
    for _ in range(enrolled):
        ApplicationFactory(session=session, enrolled=True)
    return session


def test_a_filled_programme_states_each_block(client, training_body):
    programme = ProgrammeFactory(
        plain=True,
        title="Comptabilité et gestion",
        expected_results="Tenir seul la comptabilité d'une association.",
        teaching_methods="Cours du soir et études de cas.",
        assessment_methods="Contrôle continu et soutenance devant un jury.",
        access_terms="Dossier puis entretien avec le responsable.",
        access_delay_days=21,
        disability_access="Salle de plain-pied ; supports en gros caractères sur demande.",
        contact_name="Secrétariat pédagogique — gestion",
        contact_email="gestion@cnam-mayotte.example",
        contact_phone="+262269612022",
        certification_type=Programme.CertificationType.RNCP_TITLE,
        rncp_code="RNCP38150",
        rs_code="",
        certifier="Conservatoire national des arts et métiers",
        certification_registered_on=datetime.date(2023, 12, 1),
        training_path=Programme.TrainingPath.MIXED,
    )

    html = html_of(client, programme)
    text = text_of(client, programme)

    for phrase in (
        "Résultats attendus Tenir seul la comptabilité d'une association.",
        "Méthodes pédagogiques Cours du soir et études de cas.",
        "Modalités d'évaluation Contrôle continu et soutenance devant un jury.",
        "Modalités d'accès Dossier puis entretien avec le responsable.",
        "Délai d'accès Entrée sous 21 jours après acceptation",
        "Parcours Mixte",
        "Accessibilité aux personnes en situation de handicap Salle de plain-pied ; supports en gros caractères",
        "Votre référent handicap : Mariama Houmadi, handicap@cnam-mayotte.example , 02 69 61 20 31 .",
        "Contact Secrétariat pédagogique — gestion gestion@cnam-mayotte.example 02 69 61 20 22",
        "Certificateur Conservatoire national des arts et métiers",
        "Fiche RNCP38150 sur le site de France compétences enregistrée le 1er décembre 2023",
        "Organisme de formation Conservatoire national des arts et métiers — Centre de Mayotte Place Mariage "
        "97600 Mamoudzou SIRET : 19976000000018 Déclaration d'activité enregistrée sous le numéro 06976001234.",
    ):
        assert phrase in text, phrase
    assert 'href="https://www.francecompetences.fr/recherche/rncp/38150/"' in html
    assert 'href="tel:+262269612031"' in html and 'href="mailto:handicap@cnam-mayotte.example"' in html
    assert 'href="tel:+262269612022"' in html
    # The general text on disability gives way to the programme's own.
    assert "Chaque personne en situation de handicap peut demander des aménagements" not in text


def test_an_rs_certification_links_to_its_fiche_in_the_specific_register(client, training_body):
    programme = ProgrammeFactory(plain=True, rs_code="RS5487", certification_registered_on=None)

    html = html_of(client, programme)

    assert "Répertoire spécifique (RS)" in html
    assert 'href="https://www.francecompetences.fr/recherche/rs/5487/"' in html
    assert "Fiche RS5487 sur le site de France compétences" in html
    assert "enregistrée le" not in html


def test_empty_optional_fields_show_nothing_and_the_defaults_speak_instead(client, training_body):
    programme = ProgrammeFactory(
        plain=True,
        title="Compétences numériques de base",
        certification_type=Programme.CertificationType.SHORT_QUALIFYING,
        certifier="",
        rs_code="",
    )

    html = html_of(client, programme)
    text = text_of(client, programme)

    for heading in EMPTY_HEADINGS:
        assert heading not in html, heading
    assert "Répertoire" not in html and "francecompetences.fr" not in html
    assert "Délai d'accès Entrée au début de la session choisie" in text
    assert "Parcours En groupe" in text
    assert "Chaque personne en situation de handicap peut demander des aménagements" in text
    assert "Votre référent handicap : Mariama Houmadi" in text
    # No contact of its own: the training body's.
    assert "Contact CNAM Mayotte contact@cnam-mayotte.example 02 69 61 20 20" in text
    assert "Résultats des sessions terminées" not in text


def test_a_page_without_the_centre_s_record_still_renders_and_writes_nothing(client):
    from centre import content
    from centre.models import Centre

    programme = ProgrammeFactory(plain=True)
    Centre.objects.all().delete()

    text = text_of(client, programme)

    assert not Centre.objects.exists()
    assert f"Organisme de formation {content.LEGAL_NAME}" in text
    assert "Votre référent handicap" not in text
    assert "Pour en parler, contactez le CNAM Mayotte ." in text


@pytest.mark.parametrize(
    ("days", "said"),
    [
        (1, "Entrée sous 1 jour après acceptation"),
        (0, "Entrée dès l'acceptation"),
        (None, "Entrée au début de la session choisie"),
    ],
)
def test_the_access_delay_is_said_in_words(client, days, said):
    programme = ProgrammeFactory(plain=True, access_delay_days=days)
    assert f"Délai d'accès {said}" in text_of(client, programme)


def test_results_count_enrolled_people_of_ended_sessions_that_recorded_them(client):
    programme = ProgrammeFactory(plain=True)
    first = ended_session(programme, enrolled=5, completed_count=4, certified_count=3)
    # Withdrawn or cancelled people were never trainees of the session: not counted.
    ApplicationFactory(session=first, status=ApplicationStatus.WITHDRAWN)
    ApplicationFactory(session=first, status=ApplicationStatus.CANCELLED)
    ended_session(programme, enrolled=4, completed_count=2, days_ago=200)
    # Left out: an ended session recording nothing, a cancelled one, another programme's.
    ended_session(programme, enrolled=6, days_ago=400)
    ended_session(programme, enrolled=2, completed_count=0, certified_count=0, state=Session.State.CANCELLED)
    ended_session(ProgrammeFactory(plain=True), enrolled=3, completed_count=3, certified_count=3)

    results = programme_results(programme_id=programme.pk)

    assert results.completion == Rate(percent=67, trainees=9, sessions=2)  # 6 of 9
    assert results.success == Rate(percent=60, trainees=5, sessions=1)  # 3 of 5
    text = text_of(client, programme)
    assert (
        "Résultats Résultats des sessions terminées : taux d'achèvement 67 % (9 stagiaires, 2 sessions) "
        "taux de réussite à la certification 60 % (5 stagiaires, 1 session)"
    ) in text


def test_a_session_still_running_publishes_no_result(client):
    programme = ProgrammeFactory(plain=True)
    # Written past the admin's rule: the page still waits for the end.
    running = SessionFactory(
        programme=programme, start_date=timezone.localdate() - datetime.timedelta(days=30), completed_count=1
    )
    ApplicationFactory(session=running, enrolled=True)
    ended_session(programme, enrolled=0, completed_count=0)

    assert programme_results(programme_id=programme.pk) is None
    assert "Résultats des sessions terminées" not in text_of(client, programme)


def test_only_the_rates_recorded_are_shown(client):
    programme = ProgrammeFactory(plain=True)
    ended_session(programme, enrolled=3, certified_count=3)

    text = text_of(client, programme)

    assert "taux de réussite à la certification 100 % (3 stagiaires, 1 session)" in text
    assert "taux d'achèvement" not in text


def test_the_page_keeps_its_query_count_with_results_and_a_training_body(
    client, django_assert_num_queries, training_body
):
    programme = ProgrammeFactory(plain=True, expected_results="Savoir.", contact_name="Secrétariat")
    for days_ago in (10, 100, 200, 300):
        ended_session(programme, enrolled=2, completed_count=2, certified_count=1, days_ago=days_ago)
    SessionFactory.create_batch(3, programme=programme)

    with django_assert_num_queries(PROGRAMME_PAGE_QUERIES):
        response = client.get(programme.get_absolute_url())

    assert "taux d'achèvement 100 % (8 stagiaires, 4 sessions)" in visible_text(response)


@pytest.fixture
def staff_client():
    staff = Client()
    staff.force_login(StaffUserFactory())
    return staff


def test_editing_the_centre_s_referent_shows_on_a_kept_page_at_once(
    client, staff_client, training_body, django_capture_on_commit_callbacks
):
    programme = ProgrammeFactory(plain=True)
    assert "Mariama Houmadi" in text_of(client, programme)
    url = reverse("admin:centre_centre_change", args=[training_body.pk])
    page = staff_client.get(url)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            url, change_form_data(page, disability_referent_name="Anli Saïd", disability_referent_phone="0639 12 34 56")
        )

    assert response.status_code == 302
    text = text_of(client, programme)
    assert "Votre référent handicap : Anli Saïd, handicap@cnam-mayotte.example , 06 39 12 34 56 ." in text
    assert "Mariama Houmadi" not in text


def test_results_entered_in_the_admin_show_on_a_kept_page_at_once(
    client, staff_client, django_capture_on_commit_callbacks
):
    programme = ProgrammeFactory(plain=True)
    session = ended_session(programme, enrolled=4)
    assert "Résultats des sessions terminées" not in text_of(client, programme)
    url = reverse("admin:programs_session_change", args=[session.pk])
    page = staff_client.get(url)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, session_change_data(page, completed_count="3", certified_count="2"))

    assert response.status_code == 302, response.context["adminform"].form.errors
    session.refresh_from_db()
    assert (session.completed_count, session.certified_count) == (3, 2)
    text = text_of(client, programme)
    assert "taux d'achèvement 75 % (4 stagiaires, 1 session)" in text
    assert "taux de réussite à la certification 50 % (4 stagiaires, 1 session)" in text
