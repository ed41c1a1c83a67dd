"""The LHEO 2.3 export, element by element: what is published, and how the portal's values are coded."""

import datetime
import gc
import weakref
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from lxml import etree

from enrollment.models import Application
from programs import lheo
from programs.models import Audience, Commune, FundingRoute, Programme, QualificationLevel, Session
from tests.factories import ApplicationFactory, ProgrammeFactory, SessionFactory, SiteFactory
from tests.programs.lheo_helpers import complete_training_body, find, formation, parse, render, text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def training_body():
    return complete_training_body()


def exported(**programme_fields) -> tuple[Programme, object]:
    """A programme with one public session at the Mamoudzou centre, and its ``formation`` element."""
    session = SessionFactory(programme=ProgrammeFactory(**programme_fields))
    return session.programme, formation(parse(render()), session.programme.slug)


@pytest.mark.parametrize(
    ("level", "code"),
    [
        (QualificationLevel.LEVEL_4, "14"),
        (QualificationLevel.LEVEL_3, "13"),
        (QualificationLevel.LEVEL_6, "16"),
        (QualificationLevel.NONE, "1"),
    ],
)
def test_the_entry_level_is_lheo_s_code_of_the_national_framework(level, code):
    _programme, element = exported(entry_level=level)
    assert text(element, "l:code-niveau-entree") == code
    assert text(element, "l:action/l:niveau-entree-obligatoire") == ("0" if level == QualificationLevel.NONE else "1")


def test_the_certification_level_is_the_exit_level():
    _programme, element = exported(certification_level=QualificationLevel.LEVEL_6)
    assert text(element, "l:code-niveau-sortie") == "16"


@pytest.mark.parametrize(
    ("modality", "code"),
    [(Programme.Modality.IN_PERSON, "0"), (Programme.Modality.HYBRID, "1"), (Programme.Modality.REMOTE, "2")],
)
def test_the_modality_is_the_teaching_mode(modality, code):
    _programme, element = exported(modality=modality)
    assert text(element, "l:action/l:modalites-enseignement") == code


def test_a_remote_session_of_an_in_person_programme_is_taught_at_a_distance_with_no_place():
    session = SessionFactory(site=SiteFactory(remote=True), rhythm=Session.Rhythm.REMOTE)
    element = formation(parse(render()), session.programme.slug)
    assert text(element, "l:action/l:modalites-enseignement") == "2"
    assert find(element, "l:action/l:lieu-de-formation") == []
    # People apply at the training body's address.
    assert text(element, "l:action/l:session/l:adresse-inscription/l:adresse/l:ligne") == "Place Mariage"
    assert text(element, "l:action/l:session/l:recrutement/l:a-distance") == "1"


def test_work_study_is_stated_in_modalites_alternance():
    _programme, element = exported(is_work_study=True, duration_text="Dont 12 semaines en entreprise.")
    said = text(element, "l:action/l:modalites-alternance")
    assert said.startswith("Formation en alternance") and "12 semaines en entreprise" in said

    _programme, element = exported(is_work_study=False)
    assert text(element, "l:action/l:modalites-alternance") == "Sans alternance."


def test_each_audience_is_published_under_its_formacode_public_code():
    session = SessionFactory()
    session.programme.audiences.set(Audience.objects.all())
    element = formation(parse(render()), session.programme.slug)

    codes = find(element, "l:action/l:code-public-vise")
    assert sorted(code.text for code in codes) == ["80006", "81024", "82044", "82055", "83056"]
    assert {code.get("ref") for code in codes} == {"V10"}
    by_audience = dict(Audience.objects.values_list("code", "formacode"))
    assert by_audience == {
        "demandeurs-emploi": "80006",
        "jeunes": "81024",
        "agents-publics": "82055",
        "salaries": "82044",
        "tout-public": "83056",
    }


def test_a_programme_naming_no_audience_is_for_everyone():
    _programme, element = exported()
    assert [code.text for code in find(element, "l:action/l:code-public-vise")] == ["83056"]


def test_dates_are_written_aaaammjj():
    session = SessionFactory(start_date=datetime.date(2030, 3, 1), end_date=datetime.date(2030, 7, 14))
    element = formation(parse(render()), session.programme.slug)
    assert text(element, "l:action/l:session/l:periode/l:debut") == "20300301"
    assert text(element, "l:action/l:session/l:periode/l:fin") == "20300714"
    opens = timezone.localdate(session.applications_open_at).strftime("%Y%m%d")
    assert text(element, "l:action/l:session/l:periode-inscription/l:periode/l:debut") == opens


def test_the_site_s_address_is_the_registration_address_and_the_place_of_training():
    site = SiteFactory(name="Antenne de Sada", commune=Commune.SADA, address="Route nationale 2, 97640 Sada")
    session = SessionFactory(site=site)
    element = formation(parse(render()), session.programme.slug)

    for path in (
        "l:action/l:session/l:adresse-inscription/l:adresse",
        "l:action/l:lieu-de-formation/l:coordonnees/l:adresse",
    ):
        assert text(element, f"{path}/l:denomination") == "Antenne de Sada"
        assert text(element, f"{path}/l:ligne") == "Route nationale 2"
        assert text(element, f"{path}/l:codepostal") == "97640"
        assert text(element, f"{path}/l:ville") == "Sada"
        assert text(element, f"{path}/l:code-INSEE-commune") == "97616"
        assert text(element, f"{path}/l:departement") == "976"


def test_a_site_without_a_postal_code_gets_its_commune_s():
    site = SiteFactory(name="Salle polyvalente de Labattoir", commune=Commune.DZAOUDZI, address="")
    session = SessionFactory(site=site)
    address = find(
        formation(parse(render()), session.programme.slug), "l:action/l:session/l:adresse-inscription/l:adresse"
    )[0]
    assert text(address, "l:codepostal") == "97615"
    assert text(address, "l:ville") == "Dzaoudzi"
    # No street: the site's name stands as the address line.
    assert text(address, "l:ligne") == "Salle polyvalente de Labattoir"


def test_every_commune_has_a_mayotte_postal_code_and_insee_code():
    assert set(lheo.COMMUNE_CODES) == set(Commune)
    for postal_code, insee in lheo.COMMUNE_CODES.values():
        assert postal_code.startswith("976") and len(postal_code) == 5
        assert insee.startswith("976") and len(insee) == 5
    assert len({insee for _postal, insee in lheo.COMMUNE_CODES.values()}) == 17


def test_the_seats_are_the_session_s_capacity():
    session = SessionFactory(capacity=14)
    element = formation(parse(render()), session.programme.slug)
    assert text(element, "l:action/l:session/l:recrutement/l:nb-places") == "14"
    assert text(element, "l:action/l:session/@numero") == session.reference


def test_the_recruitment_state_follows_the_application_window_and_the_seats():
    now = timezone.now()
    programme = ProgrammeFactory()
    open_now = SessionFactory(programme=programme)
    not_yet = SessionFactory(
        programme=programme,
        applications_open_at=now + datetime.timedelta(days=3),
        applications_close_at=now + datetime.timedelta(days=20),
    )
    over = SessionFactory(
        programme=programme,
        applications_open_at=now - datetime.timedelta(days=20),
        applications_close_at=now - datetime.timedelta(days=1),
    )
    full = SessionFactory(programme=programme, capacity=2)
    ApplicationFactory.create_batch(2, session=full, status=Application.Status.ACCEPTED)

    element = formation(parse(render()), programme.slug)
    states = {
        session.get("numero"): text(session, "l:etat-recrutement") for session in find(element, "l:action/l:session")
    }
    assert states == {open_now.reference: "1", not_yet.reference: "3", over.reference: "2", full.reference: "2"}


def test_reserved_cancelled_draft_and_past_sessions_never_appear():
    programme = ProgrammeFactory()
    public = SessionFactory(programme=programme)
    reserved = SessionFactory(programme=programme, reserved=True)
    cancelled = SessionFactory(programme=programme, state=Session.State.CANCELLED)
    draft = SessionFactory(programme=programme, state=Session.State.DRAFT)
    past = SessionFactory(
        programme=programme,
        start_date=timezone.localdate() - datetime.timedelta(days=100),
        end_date=timezone.localdate() - datetime.timedelta(days=1),
    )
    document = render()
    sessions = find(formation(parse(document), programme.slug), "l:action/l:session/@numero")
    assert sessions == [public.reference]
    for hidden in (reserved, cancelled, draft, past):
        assert hidden.reference.encode() not in document


def test_draft_programmes_and_programmes_without_a_public_session_are_left_out():
    shown = SessionFactory().programme
    draft = SessionFactory(programme=ProgrammeFactory(status=Programme.Status.DRAFT)).programme
    only_reserved = SessionFactory(reserved=True).programme
    only_cancelled = SessionFactory(state=Session.State.CANCELLED).programme
    without_session = ProgrammeFactory()

    root = parse(render())
    assert find(root, "l:offres/l:formation/@numero") == [shown.slug]
    for absent in (draft, only_reserved, only_cancelled, without_session):
        assert absent.slug not in find(root, "l:offres/l:formation/@numero")


def test_sessions_are_grouped_in_one_action_per_place_and_rhythm():
    programme = ProgrammeFactory()
    mamoudzou = SiteFactory()
    sada = SiteFactory(name="Antenne de Sada", commune=Commune.SADA, address="")
    SessionFactory.create_batch(2, programme=programme, site=mamoudzou, rhythm=Session.Rhythm.EVENING)
    SessionFactory(programme=programme, site=mamoudzou, rhythm=Session.Rhythm.SATURDAY)
    SessionFactory(programme=programme, site=sada, rhythm=Session.Rhythm.EVENING)

    actions = find(formation(parse(render()), programme.slug), "l:action")
    shape = sorted((text(action, "l:rythme-formation"), len(find(action, "l:session"))) for action in actions)
    assert shape == [("Cours du soir", 1), ("Cours du soir", 2), ("Le samedi", 1)]


def test_texts_lheo_requires_fall_back_on_what_the_programme_says():
    _programme, element = exported(objectives="Tenir la comptabilité d'une PME.", expected_results="", prerequisites="")
    assert text(element, "l:resultats-attendus") == "Tenir la comptabilité d'une PME."
    assert text(element, "l:action/l:conditions-specifiques") == "aucune"

    _programme, element = exported(expected_results="Le certificat de compétence du CNAM.", prerequisites="Le bac.")
    assert text(element, "l:resultats-attendus") == "Le certificat de compétence du CNAM."
    assert text(element, "l:action/l:conditions-specifiques") == "Le bac."


def test_long_texts_are_cut_to_the_length_lheo_allows():
    _programme, element = exported(content="Module de comptabilité générale. " * 200)
    content = text(element, "l:contenu-formation")
    assert len(content) <= 3000 and content.endswith("…")


def test_the_certification_codes_and_funding():
    _programme, element = exported(
        certification_type=Programme.CertificationType.RNCP_TITLE,
        rncp_code="RNCP35010",
        rs_code="RS5487",
        price_eur=Decimal("1250.50"),
        funding_routes=[FundingRoute.CPF, FundingRoute.FRANCE_TRAVAIL, FundingRoute.OPCO],
    )
    assert text(element, "l:certifiante") == "1"
    assert text(element, "l:certification/l:code-RNCP") == "RNCP35010"
    assert text(element, "l:certification/l:code-RS") == "RS5487"
    assert text(element, "l:action/l:prise-en-charge-frais-possible") == "1"
    assert text(element, "l:action/l:prix-total-TTC") == "1250.50"
    assert [code.text for code in find(element, "l:action/l:organisme-financeur/l:code-financeur")] == ["4", "16"]

    _programme, element = exported(
        certification_type=Programme.CertificationType.SHORT_QUALIFYING, rs_code="", certifier="", funding_routes=[]
    )
    assert text(element, "l:certifiante") == "0"
    assert text(element, "l:action/l:prise-en-charge-frais-possible") == "0"


def test_the_responsible_body_and_the_contacts(training_body):
    training_body.disability_referent_name = "Mme Ali"
    training_body.disability_referent_email = "handicap@cnam-mayotte.fr"
    training_body.save()
    _programme, element = exported(contact_name="M. Madi", contact_email="madi@cnam-mayotte.fr", contact_phone="")

    body = find(element, "l:organisme-formation-responsable")[0]
    assert text(body, "l:numero-activite") == "06976001234"
    assert text(body, "l:SIRET-organisme-formation/l:SIRET") == "19976000000018"
    assert text(body, "l:nom-organisme") == "CNAM Mayotte"
    assert text(body, "l:coordonnees-organisme/l:coordonnees/l:adresse/l:codepostal") == "97600"
    assert [text(contact, "l:type-contact") for contact in find(body, "l:contact-organisme")] == ["4", "1"]

    course, referent = find(element, "l:contact-formation")
    assert text(course, "l:coordonnees/l:nom") == "M. Madi"
    assert text(course, "l:coordonnees/l:courriel") == "madi@cnam-mayotte.fr"
    # No phone of their own: the training body's.
    assert text(course, "l:coordonnees/l:telfixe/l:numtel") == "+262269612020"
    assert text(referent, "l:type-contact") == "1"
    assert text(referent, "l:coordonnees/l:courriel") == "handicap@cnam-mayotte.fr"


@pytest.mark.parametrize("blank", ["siret", "activity_declaration_number"])
def test_without_the_identifiers_lheo_requires_nothing_is_written(training_body, blank):
    setattr(training_body, blank, "")
    training_body.save()
    SessionFactory()
    with pytest.raises(lheo.MissingTrainingBodyData) as refused:
        render()
    assert str(refused.value).startswith("L'export LHEO est impossible : renseignez dans l'administration")
    label = {"siret": "SIRET", "activity_declaration_number": "numéro de déclaration d'activité (NDA)"}[blank]
    assert str(refused.value).endswith(f"de l'organisme de formation : {label}.")


def _queries(**kwargs) -> int:
    with CaptureQueriesContext(connection) as queries:
        render(**kwargs)
    return len(queries)


def test_the_query_count_is_fixed_per_chunk_of_programmes():
    def programmes(count: int) -> None:
        for programme in ProgrammeFactory.create_batch(count):
            SessionFactory.create_batch(2, programme=programme)
            SessionFactory(programme=programme, site=SiteFactory(remote=True))
            programme.audiences.set(Audience.objects.all()[:2])

    programmes(6)
    six = _queries(chunk_size=100)
    programmes(6)
    assert _queries(chunk_size=100) == six
    # Each further chunk reads its programmes' audiences and sessions: the same few queries.
    one, two, three = (_queries(chunk_size=size) for size in (12, 6, 4))
    assert one == six
    assert three - two == two - one > 0


def test_each_chunk_of_programmes_is_freed_once_written(monkeypatch):
    """Memory stays bounded: with the cyclic collector off, no more than a chunk is alive at once."""
    for programme in ProgrammeFactory.create_batch(9):
        SessionFactory.create_batch(2, programme=programme)
    written, most_alive = [], 0
    formation_of = lheo._Writer.formation

    def watched(writer, programme):
        nonlocal most_alive
        written.append(weakref.ref(programme))
        most_alive = max(most_alive, sum(1 for ref in written if ref() is not None))
        return formation_of(writer, programme)

    monkeypatch.setattr(lheo._Writer, "formation", watched)
    gc.collect()
    gc.disable()
    try:
        render(chunk_size=3)
    finally:
        gc.enable()
    assert len(written) == 9
    assert most_alive <= 3


def test_an_email_longer_than_lheo_allows_is_left_out():
    long_email = "responsable." + "a" * 150 + "@cnam-mayotte.fr"
    _programme, element = exported(contact_email=long_email)
    assert find(element, "l:contact-formation/l:coordonnees/l:courriel") == []
    assert long_email.encode() not in etree.tostring(element)


def test_the_rhythm_is_the_sessions_then_what_the_programme_says_of_it():
    _programme, element = exported(rhythm="Deux soirs par semaine")
    assert text(element, "l:action/l:rythme-formation") == "Cours du soir. Deux soirs par semaine"
