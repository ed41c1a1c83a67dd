"""Staff state a programme's Qualiopi information, a session's results and the training body's record
in the admin: what cannot be published or recorded is refused in French, with nothing saved."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core.formatting import date_long
from enrollment.models import ApplicationStatus
from enrollment.services import sessions
from programs.models import Audience, Programme
from tests.factories import ApplicationFactory, ProgrammeFactory, SessionFactory, StaffUserFactory
from tests.helpers import change_form_data, visible_text
from tests.programs.test_admin import programme_change_data, session_change_data

pytestmark = pytest.mark.django_db

CERTIFIER_MISSING = "Une formation certifiante ne peut être publiée sans le nom de son certificateur."
CODE_MISSING = "Une formation certifiante ne peut être publiée sans son code RNCP ou RS (fiche de France compétences)."


@pytest.fixture
def staff(client):
    client.force_login(StaffUserFactory())
    return client


def _programme_url(programme):
    return reverse("admin:programs_programme_change", args=[programme.pk])


def _errors(response) -> dict[str, list[str]]:
    assert response.status_code == 200, "the form was accepted"
    return {name: [str(m) for m in messages] for name, messages in response.context["adminform"].form.errors.items()}


def test_the_programme_form_groups_the_new_fields(staff):
    response = staff.get(_programme_url(ProgrammeFactory()))

    text = visible_text(response, field_contents=False)
    for heading in ("Informations publiées (Qualiopi)", "Accès", "Certification", "Organisation", "Contact"):
        assert heading in text
    form = response.context["adminform"].form
    for name in (
        "expected_results",
        "teaching_methods",
        "assessment_methods",
        "access_terms",
        "access_delay_days",
        "disability_access",
        "contact_name",
        "contact_email",
        "contact_phone",
        "certifier",
        "rs_code",
        "certification_registered_on",
        "training_path",
        "formacode_domain",
    ):
        assert name in form.fields, name


@pytest.mark.parametrize(
    "certification_type",
    [
        Programme.CertificationType.NATIONAL_DIPLOMA,
        Programme.CertificationType.RNCP_TITLE,
        Programme.CertificationType.CERTIFICATE,
    ],
)
def test_a_certifying_programme_is_not_published_without_its_certifier_and_code(staff, certification_type):
    programme = ProgrammeFactory(
        status=Programme.Status.DRAFT, certification_type=certification_type, certifier="", rs_code=""
    )
    url = _programme_url(programme)

    response = staff.post(url, programme_change_data(staff.get(url), status="publiee", title="Nouveau titre"))

    errors = _errors(response)
    assert errors["certifier"] == [CERTIFIER_MISSING]
    assert errors["rncp_code"] == [CODE_MISSING]
    programme.refresh_from_db()
    assert (programme.status, programme.title) == (Programme.Status.DRAFT, programme.title)
    assert programme.published_at is None


def test_a_draft_certifying_programme_saves_without_them_and_publishes_once_they_are_given(staff):
    programme = ProgrammeFactory(status=Programme.Status.DRAFT, certifier="", rs_code="")
    url = _programme_url(programme)

    assert staff.post(url, programme_change_data(staff.get(url), title="Brouillon repris")).status_code == 302
    response = staff.post(
        url,
        programme_change_data(
            staff.get(url),
            status="publiee",
            certifier="Conservatoire national des arts et métiers",
            rs_code="RS5487",
            certification_registered_on="2023-12-01",
        ),
    )

    assert response.status_code == 302, _errors(response)
    programme.refresh_from_db()
    assert programme.status == Programme.Status.PUBLISHED
    assert (programme.rs_code, programme.certification_registered_on) == ("RS5487", datetime.date(2023, 12, 1))


@pytest.mark.parametrize(
    "certification_type", [Programme.CertificationType.SHORT_QUALIFYING, Programme.CertificationType.VAE_SUPPORT]
)
def test_a_programme_that_certifies_nothing_is_published_without_them(staff, certification_type):
    programme = ProgrammeFactory(
        status=Programme.Status.DRAFT, certification_type=certification_type, certifier="", rs_code=""
    )
    url = _programme_url(programme)

    response = staff.post(url, programme_change_data(staff.get(url), status="publiee"))

    assert response.status_code == 302, _errors(response)
    programme.refresh_from_db()
    assert programme.status == Programme.Status.PUBLISHED


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"rncp_code": "RNCP38150", "rs_code": "RS5487"},
            "rs_code",
            "Une certification est enregistrée soit au RNCP, soit au Répertoire spécifique : indiquez un seul des "
            "deux codes.",
        ),
        (
            {"rs_code": "5487"},
            "rs_code",
            "Le code du Répertoire spécifique s'écrit RS suivi de chiffres (ex. RS5487).",
        ),
        (
            {"certification_registered_on": "2023-12-01", "rs_code": "", "status": "brouillon"},
            "certification_registered_on",
            "Indiquez le code RNCP ou RS de la certification enregistrée à cette date.",
        ),
        (
            {"certification_registered_on": (timezone.localdate() + datetime.timedelta(days=1)).isoformat()},
            "certification_registered_on",
            "La date d'enregistrement de la certification ne peut pas être dans le futur.",
        ),
        (
            {"contact_email": "gestion@cnam-mayotte.example"},
            "contact_name",
            "Nommez le contact de la formation dont vous indiquez le courriel ou le téléphone.",
        ),
        ({"contact_name": "Secrétariat", "contact_phone": "12"}, "contact_phone", None),
        ({"access_delay_days": "400"}, "access_delay_days", "Le délai d'accès ne peut pas dépasser 365 jours."),
        ({"formacode_domain": "3204"}, "formacode_domain", "Un code FORMACODE s'écrit avec 5 chiffres (ex. 32047)."),
    ],
)
def test_refused_information_leaves_the_programme_unchanged(staff, overrides, field, message):
    programme = ProgrammeFactory(title="Gestion de la paie")
    url = _programme_url(programme)

    response = staff.post(url, programme_change_data(staff.get(url), title="Titre modifié", **overrides))

    errors = _errors(response)
    assert field in errors
    if message:
        assert errors[field] == [message]
    programme.refresh_from_db()
    assert programme.title == "Gestion de la paie"
    assert (programme.contact_name, programme.contact_email, programme.access_delay_days) == ("", "", None)


def test_the_contact_phone_is_kept_in_international_form(staff):
    programme = ProgrammeFactory()
    url = _programme_url(programme)

    response = staff.post(
        url,
        programme_change_data(
            staff.get(url),
            contact_name="Secrétariat pédagogique",
            contact_email="gestion@cnam-mayotte.example",
            contact_phone="02 69 61 20 22",
            training_path=Programme.TrainingPath.MODULAR,
            access_delay_days="21",
        ),
    )

    assert response.status_code == 302, _errors(response)
    programme.refresh_from_db()
    assert programme.contact_phone == "+262269612022"
    assert (programme.training_path, programme.access_delay_days) == ("3", 21)


def test_the_audience_list_shows_each_public_s_formacode(staff):
    response = staff.get(reverse("admin:programs_audience_changelist"))

    row = next(audience for audience in response.context["cl"].result_list if audience.code == "demandeurs-emploi")
    assert row.formacode == "80006"
    assert "80006" in response.content.decode()
    audience = Audience.objects.get(code="jeunes")
    url = reverse("admin:programs_audience_change", args=[audience.pk])
    refused = staff.post(url, change_form_data(staff.get(url), formacode="8102"))
    assert _errors(refused)["formacode"] == ["Un code FORMACODE s'écrit avec 5 chiffres (ex. 32047)."]
    audience.refresh_from_db()
    assert audience.formacode == "81024"


# --- A session's results ------------------------------------------------------------------------


def _ended_session(*, enrolled: int, **fields):
    today = timezone.localdate()
    session = SessionFactory(
        reference="S-2026-FIN",
        start_date=today - datetime.timedelta(days=100),
        end_date=today - datetime.timedelta(days=1),
        applications_open_at=timezone.now() - datetime.timedelta(days=160),
        applications_close_at=timezone.now() - datetime.timedelta(days=110),
        **fields,
    )
    for _ in range(enrolled):
        ApplicationFactory(session=session, enrolled=True)
    return session


def _session_url(session):
    return reverse("admin:programs_session_change", args=[session.pk])


def test_the_session_form_shows_the_people_enrolled_next_to_the_results(staff):
    session = _ended_session(enrolled=3)
    ApplicationFactory(session=session, status=ApplicationStatus.WITHDRAWN)

    response = staff.get(_session_url(session))

    text = visible_text(response, field_contents=False)
    assert "Résultats" in text, text
    assert "Personnes inscrites : 3" in text, text
    assert {"completed_count", "certified_count"} <= set(response.context["adminform"].form.fields)
    new = staff.get(reverse("admin:programs_session_add"))
    assert new.status_code == 200
    assert "Personnes inscrites : 0" in visible_text(new, field_contents=False)


def test_a_new_session_cannot_be_given_results_above_its_nobody_enrolled(staff):
    page = staff.get(reverse("admin:programs_session_add"))
    today = timezone.localdate()
    programme = ProgrammeFactory()
    site = SessionFactory(programme=programme).site
    data = {
        **change_form_data(page),
        "programme": programme.pk,
        "reference": "S-2026-PASSEE",
        "state": "programmee",
        "site": site.pk,
        "start_date": (today - datetime.timedelta(days=60)).isoformat(),
        "end_date": (today - datetime.timedelta(days=2)).isoformat(),
        "rhythm": "soir",
        "capacity": "10",
        "applications_open_at_0": (today - datetime.timedelta(days=90)).isoformat(),
        "applications_open_at_1": "08:00",
        "applications_close_at_0": (today - datetime.timedelta(days=70)).isoformat(),
        "applications_close_at_1": "23:59",
        "completed_count": "5",
    }

    response = staff.post(reverse("admin:programs_session_add"), data)

    assert _errors(response)["completed_count"] == [
        "Le nombre de personnes ayant achevé la formation (5) dépasse celui des personnes inscrites à la session "
        "S-2026-PASSEE (0)."
    ]
    assert not programme.sessions.filter(reference="S-2026-PASSEE").exists()


def test_results_are_refused_before_the_session_has_ended(staff):
    today = timezone.localdate()
    session = SessionFactory(reference="S-2027-COURS", start_date=today - datetime.timedelta(days=30), end_date=today)
    ApplicationFactory(session=session, enrolled=True)
    url = _session_url(session)

    response = staff.post(url, session_change_data(staff.get(url), completed_count="1", notes="Bilan"))

    assert _errors(response)["completed_count"] == [
        "Les résultats d'une session se saisissent une fois celle-ci terminée, à partir du lendemain de sa fin "
        f"({date_long(session.end_date)})."
    ]
    session.refresh_from_db()
    assert (session.completed_count, session.notes) == (None, "")


def test_results_above_the_people_enrolled_are_refused_at_each_field(staff):
    session = _ended_session(enrolled=2)
    ApplicationFactory(session=session, status=ApplicationStatus.CANCELLED)
    url = _session_url(session)

    response = staff.post(url, session_change_data(staff.get(url), completed_count="3", certified_count="4"))

    errors = _errors(response)
    assert errors["completed_count"] == [
        "Le nombre de personnes ayant achevé la formation (3) dépasse celui des personnes inscrites à la session "
        "S-2026-FIN (2)."
    ]
    assert errors["certified_count"] == [
        "Le nombre de personnes certifiées (4) dépasse celui des personnes inscrites à la session S-2026-FIN (2)."
    ]
    session.refresh_from_db()
    assert (session.completed_count, session.certified_count) == (None, None)


def test_the_service_checks_the_results_again_with_the_session_locked():
    session = _ended_session(enrolled=1)

    with pytest.raises(sessions.ValidationError) as refused:
        sessions.session_update(session=session, data={"completed_count": 2})

    assert refused.value.message_dict["completed_count"] == [
        "Le nombre de personnes ayant achevé la formation (2) dépasse celui des personnes inscrites à la session "
        "S-2026-FIN (1)."
    ]
    session.refresh_from_db()
    assert session.completed_count is None
    sessions.session_update(session=session, data={"completed_count": 1, "certified_count": 0})
    session.refresh_from_db()
    assert (session.completed_count, session.certified_count) == (1, 0)


# --- The centre's référent handicap -------------------------------------------------------------


def _centre_url():
    from centre.services import centre_ensure

    return reverse("admin:centre_centre_change", args=[centre_ensure().pk])


def test_staff_record_the_referent_handicap_on_the_centre_s_record(staff):
    from centre.models import Centre

    url = _centre_url()
    response = staff.post(
        url,
        change_form_data(
            staff.get(url),
            disability_referent_name="Mariama Houmadi",
            disability_referent_email="referent-handicap@cnam-mayotte.fr",
            disability_referent_phone="0639 12 34 56",
        ),
    )

    assert response.status_code == 302, _errors(response)
    centre = Centre.objects.get()
    assert (centre.disability_referent_name, centre.disability_referent_phone) == ("Mariama Houmadi", "+262639123456")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"disability_referent_phone": "12"}, "disability_referent_phone"),
        ({"disability_referent_email": "pas-une-adresse"}, "disability_referent_email"),
    ],
)
def test_a_refused_referent_leaves_the_centre_s_record_unchanged(staff, overrides, field):
    from centre.models import Centre

    url = _centre_url()
    response = staff.post(url, change_form_data(staff.get(url), disability_referent_name="Autre nom", **overrides))

    assert field in _errors(response)
    assert Centre.objects.get().disability_referent_name == ""
