import datetime
import json
import re
from decimal import Decimal

import pytest
from django.urls import NoReverseMatch, include, path, reverse
from django.utils import timezone

import cnam_portal.urls
import enrollment.urls
from core.formatting import date_long, time_short
from enrollment.models import ApplicationStatus
from programs.models import Audience, Commune, FundingRoute, Programme, QualificationLevel, Session
from programs.templatetags import catalogue_tags
from tests.factories import (
    ApplicationFactory,
    ConventionFactory,
    ProgrammeFactory,
    SeatAllocationFactory,
    SessionFactory,
    SiteFactory,
    build_catalogue,
)

pytestmark = pytest.mark.django_db


def _apply(request, pk):  # stands in for the application flow in these tests
    raise AssertionError("not called")


# This module doubles as a URLconf where the application flow exists (pytest.mark.urls).
urlpatterns = [
    *(p for p in cnam_portal.urls.urlpatterns if str(p.pattern) != "candidatures/"),
    path(
        "candidatures/",
        include(([*enrollment.urls.urlpatterns, path("<int:pk>/candidater/", _apply, name="apply")], "enrollment")),
    ),
]
with_apply_url = pytest.mark.urls(__name__)


@pytest.fixture
def without_apply_url(monkeypatch):
    def missing(*args, **kwargs):
        raise NoReverseMatch("enrollment:apply")

    monkeypatch.setattr(catalogue_tags, "reverse", missing)


def page(client, programme):
    response = client.get(programme.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def json_ld(html: str) -> dict:
    match = re.search(r'<script type="application/ld\+json" nonce="[^"]+">(.*?)</script>', html, re.S)
    assert match, "no JSON-LD with a CSP nonce"
    return json.loads(match.group(1))


@pytest.mark.parametrize("status", [Programme.Status.DRAFT, Programme.Status.ARCHIVED])
def test_unpublished_programme_is_not_found(client, status):
    programme = ProgrammeFactory(plain=True, title="Caché", status=status)
    assert client.get(programme.get_absolute_url()).status_code == 404


def test_unknown_programme_is_not_found(client):
    assert client.get(reverse("programs:detail", kwargs={"slug": "inconnue"})).status_code == 404


def test_page_describes_the_programme(client):
    programme = ProgrammeFactory(
        plain=True,
        title="Titre professionnel comptable",
        objectives="Tenir la comptabilité d'une PME.",
        content="Module 1 : bilan.",
        prerequisites="Aisance avec les chiffres.",
        certification_type=Programme.CertificationType.RNCP_TITLE,
        certification_level=QualificationLevel.LEVEL_5,
        rncp_code="RNCP35010",
        entry_level=QualificationLevel.LEVEL_4,
        duration_hours=450,
        is_work_study=True,
        vae_available=True,
    )
    programme.audiences.add(*Audience.objects.filter(code__in=["demandeurs-emploi", "salaries"]))

    html = page(client, programme)

    assert html.count("<h1") == 1
    assert "Tenir la comptabilité d&#x27;une PME." in html
    assert "Module 1 : bilan." in html
    assert "Aisance avec les chiffres." in html
    assert "Niveau d'entrée : Niveau 4 (baccalauréat)." in html
    assert "dérogation ou en passant par un parcours VAE" in html
    assert "Titre inscrit au RNCP, Niveau 5 (bac+2 : BTS, DUT, DEUST)" in html
    assert 'href="https://www.francecompetences.fr/recherche/rncp/35010/"' in html
    assert "Fiche RNCP35010 sur le site de France compétences" in html
    assert "450 heures" in html
    assert "Demandeurs d&#x27;emploi, Salariés" in html
    assert "Alternance" in html and "VAE possible" in html
    assert "Aucune session n'est programmée pour le moment" in html


def test_sessions_show_dates_place_rhythm_hours_and_window(client):
    programme = ProgrammeFactory(plain=True, title="Gestion de la paie")
    sada = SessionFactory(
        programme=programme,
        site=SiteFactory(name="Lycée de Sada", commune=Commune.SADA, address="Route nationale"),
        rhythm=Session.Rhythm.SATURDAY,
        schedule="Samedi, 8 h – 12 h",
        hours=90,
    )
    online = SessionFactory(
        programme=programme,
        site=SiteFactory(remote=True),
        rhythm=Session.Rhythm.REMOTE,
        start_date=sada.start_date + datetime.timedelta(days=30),
    )

    html = page(client, programme)

    assert f'id="session-{sada.pk}"' in html and f'id="session-{online.pk}"' in html
    assert sada.get_absolute_url().endswith(f"#session-{sada.pk}")
    assert f"Du {date_long(sada.start_date)} au {date_long(sada.end_date)}" in html
    assert "Lycée de Sada, Sada — Route nationale" in html
    assert "Le samedi — Samedi, 8 h – 12 h" in html
    assert "90 heures" in html
    close = sada.applications_close_at
    assert f'Candidatures jusqu\'au {date_long(close)} à <span class="portal-nowrap">{time_short(close)}</span>' in html
    assert '<span class="fr-text--bold">Lieu :</span> À distance' in html
    assert html.index(f'id="session-{sada.pk}"') < html.index(f'id="session-{online.pk}"')


def test_reserved_cancelled_and_past_sessions_are_hidden(client):
    programme = ProgrammeFactory(plain=True, title="Accueil du public")
    public = SessionFactory(programme=programme)
    reserved = SessionFactory(
        reserved=True, programme=programme, site=SiteFactory(name="Mairie", commune=Commune.TSINGONI)
    )
    cancelled = SessionFactory(programme=programme, state=Session.State.CANCELLED)
    today = timezone.localdate()
    past = SessionFactory(
        programme=programme,
        start_date=today - datetime.timedelta(days=100),
        end_date=today - datetime.timedelta(days=1),
    )

    html = page(client, programme)

    assert f'id="session-{public.pk}"' in html
    for hidden in (reserved, cancelled, past):
        assert f'id="session-{hidden.pk}"' not in html
    assert "Tsingoni" not in html
    instances = json_ld(html)["hasCourseInstance"]
    assert len(instances) == 1
    assert instances[0]["url"].endswith(f"#session-{public.pk}")


def test_ongoing_session_is_still_shown(client):
    programme = ProgrammeFactory(plain=True, title="En cours")
    today = timezone.localdate()
    ongoing = SessionFactory(
        programme=programme,
        start_date=today - datetime.timedelta(days=10),
        end_date=today + datetime.timedelta(days=10),
        applications_open_at=timezone.now() - datetime.timedelta(days=60),
        applications_close_at=timezone.now() - datetime.timedelta(days=11),
    )
    html = page(client, programme)
    assert f'id="session-{ongoing.pk}"' in html
    assert "Candidatures closes" in html


def test_seats_left_come_from_seat_accounting(client):
    session = SessionFactory(capacity=20)
    ApplicationFactory.create_batch(2, session=session, status=ApplicationStatus.ACCEPTED)
    ApplicationFactory(session=session, status=ApplicationStatus.SUBMITTED)
    SeatAllocationFactory(session=session, convention=ConventionFactory(), seats=5)

    html = page(client, session.programme)

    assert "13 places restantes" in html


def test_one_seat_left_is_singular(client):
    session = SessionFactory(capacity=3)
    ApplicationFactory.create_batch(2, session=session, status=ApplicationStatus.ENROLLED)
    assert "1 place restante<" in page(client, session.programme)


@with_apply_url
def test_open_session_links_to_the_application_flow(client):
    session = SessionFactory()
    html = page(client, session.programme)
    url = reverse("enrollment:apply", args=[session.pk])
    assert f'<a class="fr-btn" href="{url}">Candidater<span class="fr-sr-only">' in html


@with_apply_url
def test_full_session_still_takes_applications_on_the_waiting_list(client):
    session = SessionFactory(capacity=2)
    ApplicationFactory.create_batch(2, session=session, status=ApplicationStatus.ACCEPTED)

    html = page(client, session.programme)

    assert "Complet — liste d&#x27;attente" in html or "Complet — liste d'attente" in html
    assert "places restantes" not in html
    url = reverse("enrollment:apply", args=[session.pk])
    assert f'href="{url}">Candidater sur liste d\'attente' in html


def test_page_works_before_the_application_flow_exists(client, without_apply_url):
    session = SessionFactory()
    html = page(client, session.programme)
    assert f"Candidatures jusqu'au {date_long(session.applications_close_at)}" in html
    assert 'class="fr-btn" href=' not in html


@with_apply_url
def test_sessions_not_accepting_applications_say_why(client):
    now = timezone.now()
    not_yet = SessionFactory(
        applications_open_at=now + datetime.timedelta(days=5),
        applications_close_at=now + datetime.timedelta(days=20),
    )
    closed = SessionFactory(
        programme=not_yet.programme,
        applications_open_at=now - datetime.timedelta(days=20),
        applications_close_at=now - datetime.timedelta(days=1),
    )

    html = page(client, not_yet.programme)

    opens = date_long(not_yet.applications_open_at)
    assert f"Candidatures ouvertes à partir du {opens}" in html
    assert "Candidatures closes" in html
    assert reverse("enrollment:apply", args=[not_yet.pk]) not in html
    assert reverse("enrollment:apply", args=[closed.pk]) not in html


# Google's course info (developers.google.com/search/docs/appearance/structured-data/course-info):
# what a Course must carry to be shown, and the values it takes.
ISO_HOURS = re.compile(r"^PT\d+H(\d+M)?$")
OFFER_CATEGORIES = {"Free", "Partially Free", "Subscription", "Paid"}
COURSE_MODES = {"Online", "Onsite", "Blended"}
REPEAT_FREQUENCIES = {"Daily", "Weekly", "Monthly", "Yearly"}


def assert_google_course_info(data: dict) -> None:
    """Each property Google requires of a Course and of its CourseInstances, with a valid value."""
    assert data["@context"] == "https://schema.org" and data["@type"] == "Course"
    assert isinstance(data["name"], str) and data["name"]
    assert isinstance(data["description"], str) and data["description"]
    assert data["provider"]["@type"] == "Organization" and data["provider"]["name"]
    assert data["offers"]["@type"] == "Offer" and data["offers"]["category"] in OFFER_CATEGORIES
    if "price" in data["offers"]:
        assert re.fullmatch(r"\d+\.\d{2}", data["offers"]["price"]) and data["offers"]["priceCurrency"] == "EUR"
    assert data["hasCourseInstance"], "Google requires at least one course instance"
    for instance in data["hasCourseInstance"]:
        assert instance["@type"] == "CourseInstance"
        assert instance["courseMode"] in COURSE_MODES
        # One of the two is required; a schedule must then be whole.
        assert "courseWorkload" in instance or "courseSchedule" in instance
        if "courseWorkload" in instance:
            assert ISO_HOURS.match(instance["courseWorkload"]), instance["courseWorkload"]
        if "courseSchedule" in instance:
            schedule = instance["courseSchedule"]
            assert ISO_HOURS.match(schedule["duration"]), schedule
            assert schedule["repeatFrequency"] in REPEAT_FREQUENCIES
            assert isinstance(schedule["repeatCount"], int) and schedule["repeatCount"] > 0
        assert instance["location"]["@type"] in {"Place", "VirtualLocation"} and instance["location"]["name"]
        datetime.date.fromisoformat(instance["startDate"])
        datetime.date.fromisoformat(instance["endDate"])


def _next_monday(days_ahead: int) -> datetime.date:
    day = timezone.localdate() + datetime.timedelta(days=days_ahead)
    return day + datetime.timedelta(days=-day.weekday() % 7)


def test_json_ld_describes_the_course_and_its_sessions(client, settings):
    settings.SITE_URL = "https://formations.cnam-mayotte.fr"
    programme = ProgrammeFactory(
        plain=True,
        title="Électricité du bâtiment",
        code="ELE101",
        duration_hours=120,
        modality=Programme.Modality.HYBRID,
        certification_type=Programme.CertificationType.NATIONAL_DIPLOMA,
        certification_level=QualificationLevel.LEVEL_4,
        prerequisites="Savoir lire un plan.",
        price_eur=Decimal("1250"),
        funding_routes=[FundingRoute.REGION, FundingRoute.CPF],
    )
    # Four Saturdays from a Monday to the fourth Saturday after it, 14 hours in all.
    monday = _next_monday(30)
    onsite = SessionFactory(
        programme=programme,
        rhythm=Session.Rhythm.SATURDAY,
        schedule="Samedi matin",
        start_date=monday,
        end_date=monday + datetime.timedelta(days=26),
        hours=14,
    )
    online = SessionFactory(
        programme=programme,
        site=SiteFactory(remote=True),
        start_date=onsite.start_date + datetime.timedelta(days=1),
        hours=None,
    )

    data = json_ld(page(client, programme))

    assert_google_course_info(data)
    assert data["name"] == "Électricité du bâtiment"
    assert data["description"] == programme.summary
    assert data["url"] == "https://formations.cnam-mayotte.fr" + programme.get_absolute_url()
    assert data["provider"] == {
        "@type": "Organization",
        "name": "CNAM Mayotte",
        "url": "https://formations.cnam-mayotte.fr",
    }
    assert data["educationalCredentialAwarded"] == "Diplôme national — Niveau 4 (baccalauréat)"
    assert data["timeRequired"] == "PT120H"
    assert data["courseCode"] == "ELE101"
    assert data["inLanguage"] == "fr" and data["availableLanguage"] == ["fr"]
    assert data["coursePrerequisites"] == "Niveau d'entrée : Niveau 4 (baccalauréat). Savoir lire un plan."
    assert data["offers"] == {"@type": "Offer", "category": "Paid", "price": "1250.00", "priceCurrency": "EUR"}
    assert data["datePublished"] == timezone.localdate(programme.published_at).isoformat()
    # In the list's own order.
    assert data["financialAidEligible"] == [
        "Compte personnel de formation (CPF)",
        "Région (Conseil départemental de Mayotte)",
    ]
    first, second = data["hasCourseInstance"]
    assert first["courseMode"] == "Blended"
    assert first["startDate"] == onsite.start_date.isoformat()
    assert first["endDate"] == onsite.end_date.isoformat()
    assert first["location"]["@type"] == "Place"
    assert first["location"]["address"] == {
        "@type": "PostalAddress",
        "addressLocality": "Mamoudzou",
        "addressRegion": "Mayotte",
        "addressCountry": "FR",
        **({"streetAddress": onsite.site.address} if onsite.site.address else {}),
    }
    assert first["courseWorkload"] == "PT14H"
    assert first["description"] == "Samedi matin"
    assert first["courseSchedule"] == {
        "@type": "Schedule",
        "repeatFrequency": "Weekly",
        "repeatCount": 4,
        "duration": "PT3H30M",
        "byDay": "https://schema.org/Saturday",
        "startDate": onsite.start_date.isoformat(),
        "endDate": onsite.end_date.isoformat(),
        "description": "Samedi matin",
    }
    assert second["courseMode"] == "Online"
    assert second["location"]["@type"] == "VirtualLocation"
    assert second["startDate"] == online.start_date.isoformat()
    # No hours of its own: the programme's.
    assert second["courseWorkload"] == "PT120H"
    # An evening session's days and hours are text only: no schedule Google would find incomplete.
    assert "courseSchedule" not in second


def test_json_ld_of_a_programme_without_a_public_session_names_no_course_instance(client):
    programme = ProgrammeFactory(plain=True, title="Bientôt")
    SessionFactory(programme=programme, reserved=True)

    data = json_ld(page(client, programme))

    assert "hasCourseInstance" not in data
    assert data["offers"]["category"] in OFFER_CATEGORIES


def test_json_ld_saturday_session_without_hours_states_only_its_workload(client):
    programme = ProgrammeFactory(plain=True, title="Le samedi", duration_hours=60)
    SessionFactory(programme=programme, rhythm=Session.Rhythm.SATURDAY, hours=None)

    (instance,) = json_ld(page(client, programme))["hasCourseInstance"]

    assert instance["courseWorkload"] == "PT60H"
    assert "courseSchedule" not in instance


def test_json_ld_cannot_close_its_script_element(client):
    title = "Sécurité </script><script>alert(1)</script> & co"
    programme = ProgrammeFactory(plain=True, title=title)

    html = page(client, programme)

    assert "</script><script>alert(1)" not in html
    assert json_ld(html)["name"] == title


def test_json_ld_script_carries_the_csp_nonce(client):
    programme = ProgrammeFactory(plain=True, title="Formation")
    response = client.get(programme.get_absolute_url())
    nonce = re.search(r'<script type="application/ld\+json" nonce="([^"]+)"', response.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in response.headers["Content-Security-Policy"]


def facts(html: str) -> str:
    """The text of the key-facts block, tags removed."""
    match = re.search(r'<dl class="programme-facts">(.*?)</dl>', html, re.S)
    assert match, "no key-facts block"
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def test_facts_state_duration_price_funding_modality_level_and_response_time(client):
    programme = ProgrammeFactory(
        plain=True,
        title="Gestion de la paie",
        duration_hours=1200,
        duration_months=24,
        duration_text="Dont 8 semaines de stage",
        price_eur=Decimal("1250"),
        price_note="Pris en charge pour les demandeurs d'emploi.",
        funding_routes=[FundingRoute.EMPLOYER, FundingRoute.CPF, FundingRoute.REGION],
        modality=Programme.Modality.HYBRID,
        rhythm="Cours du soir",
        entry_level=QualificationLevel.LEVEL_4,
        response_days=21,
    )

    text = facts(page(client, programme))

    assert "Durée 1\u202f200 heures sur 24 mois Dont 8 semaines de stage" in text
    assert "Prix 1\u202f250\u00a0€ Pris en charge pour les demandeurs d&#x27;emploi." in text
    assert (
        "Financements possibles Compte personnel de formation (CPF) Région (Conseil départemental de Mayotte) "
        "Employeur (plan de développement des compétences)"
    ) in text
    assert "Modalité Hybride Cours du soir" in text
    assert "Niveau d'entrée Niveau 4 (baccalauréat) Dérogation possible" in text
    assert "Réponse sous 21 jours" in text


@pytest.mark.parametrize(
    ("values", "price", "response"),
    [
        ({"price_eur": Decimal("0"), "response_days": 1}, "Prix Gratuit", "Réponse sous 1 jour"),
        ({"price_eur": None, "funding_routes": []}, "Prix Tarif sur demande", "Réponse sous 15 jours"),
        ({"price_eur": Decimal("980.50")}, "Prix 980,50\u00a0€", "Réponse sous 15 jours"),
    ],
)
def test_facts_say_free_unset_price_and_singular_days(client, values, price, response):
    text = facts(page(client, ProgrammeFactory(plain=True, title="Formation", duration_hours=1, **values)))
    assert "Durée 1 heure" in text
    assert price in text
    assert response in text
    if values.get("funding_routes") == []:
        assert "Financements possibles À étudier avec l'équipe du CNAM Mayotte" in text


@with_apply_url
def test_on_a_phone_the_sessions_and_their_buttons_come_before_the_description(client):
    programme = ProgrammeFactory(
        plain=True,
        title="Comptabilité",
        objectives="Objectif très long.",
        content="Contenu très long.",
        vae_available=True,
    )
    first = SessionFactory(programme=programme)
    second = SessionFactory(programme=programme, start_date=first.start_date + datetime.timedelta(days=40))

    html = page(client, programme)

    order = [
        "<h1>",
        f'class="fr-text--lead fr-mb-3w">{programme.summary}',
        '<dl class="programme-facts">',
        'id="sessions"',
        f'id="session-{first.pk}"',
        f'href="{reverse("enrollment:apply", args=[first.pk])}">Candidater',
        f'id="session-{second.pk}"',
        f'href="{reverse("enrollment:vae_request", kwargs={"slug": programme.slug})}">Demander une VAE',
        ">Objectifs</h2>",
        "Objectif très long.",
        ">Contenu</h2>",
        "Contenu très long.",
        ">Prérequis</h2>",
    ]
    positions = [html.index(marker) for marker in order]
    assert positions == sorted(positions)
    # One partial per session: its markup is never repeated for another screen size.
    assert html.count(f'id="session-{first.pk}"') == 1
    assert html.count(reverse("enrollment:apply", args=[first.pk])) == 1
    vae_url = reverse("enrollment:vae_request", kwargs={"slug": programme.slug})
    assert f'<a class="fr-btn fr-btn--secondary" href="{vae_url}">Demander une VAE' in html
    assert f'<a class="fr-btn" href="{reverse("enrollment:apply", args=[first.pk])}">Candidater' in html


def test_vae_action_only_where_vae_is_open(client):
    html = page(client, ProgrammeFactory(plain=True, title="Sans VAE", vae_available=False))
    assert "Demander une VAE" not in html


def test_json_ld_offers_the_price(client):
    paid = json_ld(
        page(client, SessionFactory(programme__title="Payante", programme__price_eur=Decimal("1250")).programme)
    )
    assert paid["offers"] == {"@type": "Offer", "category": "Paid", "price": "1250.00", "priceCurrency": "EUR"}
    assert_google_course_info(paid)
    free = json_ld(
        page(client, SessionFactory(programme__title="Gratuite", programme__price_eur=Decimal("0")).programme)
    )
    assert free["offers"] == {"@type": "Offer", "category": "Free", "price": "0.00", "priceCurrency": "EUR"}
    assert_google_course_info(free)
    # A price not fixed yet (« Tarif sur demande »): Google requires the offer, not its amount.
    unset = json_ld(page(client, SessionFactory(programme__title="Sans tarif", programme__price_eur=None).programme))
    assert unset["offers"] == {"@type": "Offer", "category": "Paid"}
    assert_google_course_info(unset)


# Anonymous visitor: no session or user query. Then: the programme (with its domain), its
# audiences, its public sessions (with site and seats), the training body's record, the ended
# sessions' results.
PROGRAMME_PAGE_QUERIES = 5


@pytest.mark.parametrize(("programmes", "extra_sessions"), [(10, 0), (500, 40)])
def test_programme_page_runs_a_fixed_number_of_queries(client, django_assert_num_queries, programmes, extra_sessions):
    programme = build_catalogue(programmes)[0]
    programme.audiences.add(*Audience.objects.all())
    SessionFactory.create_batch(extra_sessions, programme=programme)
    for session in Session.objects.filter(programme=programme)[:3]:
        ApplicationFactory(session=session, status=ApplicationStatus.ACCEPTED)

    with django_assert_num_queries(PROGRAMME_PAGE_QUERIES):
        response = client.get(programme.get_absolute_url())

    assert response.status_code == 200
    assert len(json_ld(response.content.decode())["hasCourseInstance"]) == 2 + extra_sessions


@with_apply_url
def test_a_person_with_an_application_in_progress_is_led_to_it_not_to_a_second_one(client):
    session = SessionFactory()
    other = SessionFactory(programme=session.programme, start_date=session.start_date + datetime.timedelta(days=30))
    existing = ApplicationFactory(session=session, status=ApplicationStatus.WAITLISTED)
    client.force_login(existing.applicant)

    html = page(client, session.programme)

    assert f"Vous avez déjà une candidature en cours pour cette session ({existing.reference})" in html
    detail = reverse("enrollment:detail", kwargs={"reference": existing.reference})
    assert f'href="{detail}">Suivre ma candidature' in html
    assert reverse("enrollment:apply", args=[session.pk]) not in html
    assert f'href="{reverse("enrollment:apply", args=[other.pk])}">Candidater' in html


@pytest.mark.parametrize("extra_sessions", [0, 30])
def test_programme_page_for_a_signed_in_person_runs_a_fixed_number_of_queries(
    client, django_assert_num_queries, extra_sessions
):
    session = SessionFactory()
    SessionFactory.create_batch(extra_sessions, programme=session.programme)
    existing = ApplicationFactory(session=session)
    client.force_login(existing.applicant)

    # The user (the session comes from the cache), the anonymous page's queries, the person's
    # applications in progress.
    with django_assert_num_queries(1 + PROGRAMME_PAGE_QUERIES + 1):
        response = client.get(session.programme.get_absolute_url())

    assert response.status_code == 200
