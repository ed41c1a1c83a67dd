"""The HTTP edges: personal pages never kept by a cache, and French pages for every refusal."""

import re

import pytest
from django.core.files.base import ContentFile
from django.test import Client, override_settings
from django.urls import reverse

from enrollment.models import ApplicationStatus, EnrollmentCertificate
from enrollment.services import applications
from enrollment.services import vae as services_vae
from tests.factories import (
    ApplicantFactory,
    ApplicationFactory,
    PartnerMemberFactory,
    ProgrammeFactory,
    SeatAllocationFactory,
    SessionFactory,
    StaffUserFactory,
    UserFactory,
)
from tests.helpers import PDF_BYTES, pdf_upload

pytestmark = pytest.mark.django_db

PRIVATE = "private, no-store"


def _directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def assert_private(response):
    assert {"private", "no-store"} <= _directives(response), response.get("Cache-Control")
    assert "public" not in _directives(response)


# --- Cache-Control on personal pages -----------------------------------------------------------


@pytest.fixture
def applicant_scene(client):
    user = ApplicantFactory()
    application = applications.application_submit(
        user=user, session=SessionFactory(), motivation="Motivée.", documents=[("cv", pdf_upload())]
    )
    programme = ProgrammeFactory(vae_available=True)
    vae_request = services_vae.vae_request_submit(
        user=user, programme=programme, experience_summary="Dix ans d'expérience.", years=10
    )
    client.force_login(user)
    return application, vae_request, programme


def test_applicant_pages_and_downloads_are_never_kept(client, applicant_scene):
    application, vae_request, programme = applicant_scene
    document = application.documents.get()
    urls = [
        reverse("enrollment:space"),
        reverse("enrollment:profile"),
        reverse("enrollment:detail", args=[application.reference]),
        reverse("enrollment:withdraw", args=[application.reference]),
        reverse("enrollment:document", args=[application.reference, document.pk]),
        reverse("enrollment:certificate", args=[application.reference]),
        reverse("enrollment:vae_detail", args=[vae_request.reference]),
        reverse("enrollment:vae_request", args=[programme.slug]),
        reverse("enrollment:apply", args=[application.session_id]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code in {200, 302, 409}, url
        assert_private(response)


def test_a_certificate_download_is_never_kept(client):
    enrolled = ApplicationFactory(enrolled=True)
    certificate = EnrollmentCertificate(application=enrolled, state=EnrollmentCertificate.State.READY)
    certificate.file.save("attestation.pdf", ContentFile(PDF_BYTES), save=False)
    certificate.save()
    client.force_login(enrolled.applicant)

    response = client.get(reverse("enrollment:certificate", args=[enrolled.reference]))

    assert response["Content-Type"] == "application/pdf"
    assert_private(response)


def test_partner_space_pages_are_never_kept(client):
    referent = PartnerMemberFactory()
    allocation = SeatAllocationFactory(partner=referent.partner)
    client.force_login(referent.user)
    for url in [
        reverse("partners:dashboard"),
        reverse("partners:convention", args=[allocation.convention.reference]),
        reverse("partners:enroll"),
        reverse("partners:import"),
        reverse("partners:import_template"),
    ]:
        assert_private(client.get(url))


def test_account_pages_are_never_kept_signed_in_or_not(client):
    for name in ["account_login", "account_signup", "account_reset_password", "account_email_verification_sent"]:
        assert_private(client.get(reverse(name)))
    client.force_login(UserFactory())
    for name in ["account_email", "account_change_password", "account_logout"]:
        assert_private(client.get(reverse(name)))


def test_the_admin_is_never_kept(client):
    assert_private(client.get(reverse("admin:login")))
    client.force_login(StaffUserFactory())
    for url in [reverse("admin:index"), reverse("admin:enrollment_application_changelist"), reverse("admin_report")]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_private(response)


def test_a_redirect_to_sign_in_from_a_personal_page_is_not_kept_either(client):
    response = client.get(reverse("enrollment:space"))
    assert response.status_code == 302
    assert_private(response)


def test_public_catalogue_pages_stay_cacheable(client):
    programme = SessionFactory().programme
    for url in ["/formations/", reverse("programs:detail", args=[programme.slug]), "/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" not in _directives(response), url
        assert "private" not in _directives(response), url


def test_the_catalogue_stays_cacheable_for_a_signed_in_person_too(client):
    client.force_login(UserFactory())
    assert "no-store" not in _directives(client.get("/formations/"))


# --- 405: a French page, the Allow header kept -------------------------------------------------


def test_opening_a_post_only_address_shows_a_french_page_and_keeps_allow(client):
    application = ApplicationFactory(status=ApplicationStatus.OFFERED)
    client.force_login(application.applicant)

    response = client.get(reverse("enrollment:offer_answer", args=[application.reference]))

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    html = response.content.decode()
    assert "Action impossible depuis ce lien" in html
    assert "Rien n'a été modifié" in html
    assert 'class="fr-header"' in html
    assert_private(response)


def test_an_unexpected_method_on_a_form_page_lists_the_methods_it_takes(client):
    client.force_login(UserFactory())

    response = client.put(reverse("enrollment:profile"))

    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"
    assert "Action impossible depuis ce lien" in response.content.decode()


def test_a_public_page_posted_to_answers_405_in_french(client):
    response = client.post("/")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert "Action impossible depuis ce lien" in response.content.decode()


# --- 403 CSRF: the page expired ----------------------------------------------------------------


def test_a_form_sent_without_its_token_explains_the_page_expired():
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        reverse("account_login"),
        {"login": "a@b.yt", "password": "x"},
        headers={"referer": "http://testserver/compte/login/?next=/candidatures/"},
    )

    assert response.status_code == 403
    html = response.content.decode()
    assert "Cette page a expiré" in html
    assert "Rien n'a été enregistré" in html
    assert 'href="http://testserver/compte/login/?next=/candidatures/"' in html
    assert 'class="fr-header"' in html
    assert "CSRF" not in html and "Forbidden" not in html


def test_the_expired_page_never_links_elsewhere_than_the_portal():
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("account_login"), {}, headers={"referer": "https://ailleurs.example/piege"})

    assert response.status_code == 403
    html = response.content.decode()
    assert "ailleurs.example" not in html
    assert f'href="{reverse("account_login")}"' in html


# --- 400: even for an unknown host name --------------------------------------------------------


@override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"])
def test_a_forged_host_header_gets_the_french_400_page(client):
    response = client.get("/formations/", headers={"host": "pirate.example"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Demande incomprise" in html
    assert "Erreur 400" in html
    assert 'class="fr-header"' in html
    assert "pirate.example" not in html
    assert "DisallowedHost" not in html and "Bad Request" not in html


@override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"])
def test_a_forged_host_on_a_personal_page_also_gets_the_400_page(client):
    response = client.post(reverse("account_login"), {"login": "a@b.yt"}, headers={"host": "pirate.example"})

    assert response.status_code == 400
    assert "Demande incomprise" in response.content.decode()


# --- 429: allauth's rate limits, with when to retry --------------------------------------------


@override_settings(ACCOUNT_RATE_LIMITS={"signup": "1/h/ip"})
def test_too_many_sign_ups_get_a_french_page_saying_when_to_retry(client):
    data = {"email": "amina@example.yt", "password1": "Ylang-ylang-97600", "password2": "Ylang-ylang-97600"}
    client.post(reverse("account_signup"), data)

    response = client.post(reverse("account_signup"), {**data, "email": "autre@example.yt"})

    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    html = response.content.decode()
    assert "Trop de tentatives" in html
    assert "Vous pourrez réessayer dans 1 heure au plus." in html
    assert 'class="fr-header"' in html
    assert_private(response)


@override_settings(ACCOUNT_RATE_LIMITS={"reset_password": "1/m/ip"})
def test_too_many_password_resets_say_one_minute(client):
    client.post(reverse("account_reset_password"), {"email": "amina@example.yt"})

    response = client.post(reverse("account_reset_password"), {"email": "amina@example.yt"})

    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "réessayer dans 1 minute au plus" in response.content.decode()


def test_repeated_failed_sign_ins_say_when_to_retry(client):
    user = UserFactory()
    for _attempt in range(6):
        response = client.post(reverse("account_login"), {"login": user.email, "password": "pas-le-bon-1"})

    html = response.content.decode()
    assert "Trop de tentatives de connexion échouées : pour protéger ce compte, réessayez dans 5 minutes." in html


def test_rate_windows_are_read_as_allauth_writes_them():
    from core.errors import window_seconds

    assert window_seconds("10/m/ip,5/5m/key") == 300
    assert window_seconds("20/h/ip") == 3600
    assert window_seconds("1/30s/key,3/m/ip") == 60
    assert window_seconds("") == 0


def test_signed_in_message_names_the_person_not_the_username(client):
    user = ApplicantFactory(profile__first_name="Amina", profile__last_name="Madi")
    user.set_password("Ylang-ylang-97600")
    user.save()

    response = client.post(
        reverse("account_login"), {"login": user.email, "password": "Ylang-ylang-97600"}, follow=True
    )

    html = response.content.decode()
    assert "Connexion réussie : bienvenue, Amina Madi." in html
    assert not re.search(rf"\b{re.escape(user.username)}\b", html)


def test_the_benchmark_s_bare_view_does_not_exist_unless_the_benchmark_asks(client, settings):
    assert settings.BENCH_BARE_VIEW is False
    assert client.get("/_bench/bare").status_code == 404
