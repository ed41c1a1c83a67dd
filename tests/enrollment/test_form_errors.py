"""What a person sees when a form is refused: a focused summary linking each error to its field,
« Erreur : » in the page title, and messages that say what is wrong at each field."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from enrollment.models import ApplicantProfile, Application
from programs.models import QualificationLevel
from tests.factories import (
    ApplicantProfileFactory,
    ApplicationFactory,
    PartnerMemberFactory,
    ProgrammeFactory,
    SeatAllocationFactory,
    SessionFactory,
    UserFactory,
)
from tests.helpers import PDF_BYTES, verified_email

pytestmark = pytest.mark.django_db

SUMMARY = re.compile(
    r'<div class="fr-alert fr-alert--error[^"]*" id="resume-erreurs"(?P<attrs>[^>]*)>(?P<body>.*?)</div>', re.S
)


def summary_of(response) -> dict:
    """The error summary of a page: its attributes, its links (anchor → text) and its plain items."""
    html = response.content.decode()
    found = SUMMARY.search(html)
    assert found, "the page has no error summary"
    body = found["body"]
    links = dict(re.findall(r'<li><a href="#([^"]+)">(.*?)</a></li>', body, re.S))
    items = re.findall(r"<li>(?!<a )(.*?)</li>", body, re.S)
    # Every link lands on an element of the page.
    for anchor in links:
        assert f'id="{anchor}"' in html, f"#{anchor} is not on the page"
    return {"attrs": found["attrs"], "links": links, "items": items, "html": html}


def title_of(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)[1]


def test_the_summary_takes_the_focus_with_a_script_the_csp_allows(client):
    client.force_login(UserFactory())
    response = client.post(reverse("enrollment:profile"), {"first_name": "Amina"})
    summary = summary_of(response)
    assert 'role="alert"' in summary["attrs"]
    assert 'tabindex="-1"' in summary["attrs"]
    assert "autofocus" in summary["attrs"]
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])[1]
    assert f'<script nonce="{nonce}">document.getElementById("resume-erreurs").focus();</script>' in summary["html"]
    assert title_of(response) == "Erreur : Mon profil de candidat — CNAM Mayotte"


def test_no_summary_and_no_error_title_before_the_form_is_sent(client):
    client.force_login(UserFactory())
    response = client.get(reverse("enrollment:profile"))
    assert 'id="resume-erreurs"' not in response.content.decode()
    assert title_of(response) == "Mon profil de candidat — CNAM Mayotte"


def test_profile_errors_say_what_is_wrong_at_each_field_and_in_the_summary(client):
    client.force_login(UserFactory())
    response = client.post(
        reverse("enrollment:profile"), {"birth_date": "31/02/1990", "phone": "12", "commune": "Paris"}
    )
    assert response.status_code == 200
    summary = summary_of(response)
    assert summary["links"] == {
        "id_first_name": "Indiquez votre prénom.",
        "id_last_name": "Indiquez votre nom de famille.",
        "id_birth_date": "Indiquez votre date de naissance au format JJ/MM/AAAA, par exemple 25/12/1995.",
        "id_phone": "Numéro de téléphone invalide : indiquez par exemple 0639 12 34 56 ou +262 269 61 00 00.",
        "id_commune": "Choisissez votre commune de résidence dans la liste, ou « Hors de Mayotte / non précisée ».",
        "id_highest_level": "Choisissez le plus haut niveau de formation que vous avez atteint.",
        "id_situation": "Choisissez votre situation actuelle : demandeur d&#x27;emploi, étudiant, salarié…",
        "id_consent": "Votre accord est nécessaire pour que le CNAM puisse étudier vos candidatures.",
    }
    html = summary["html"]
    assert "Le formulaire contient 8 erreurs à corriger" in html
    # The DSFR error state, the message tied to its input.
    assert '<div class="fr-input-group fr-input-group--error">' in html
    assert re.search(r'<input type="text" name="first_name"[^>]*aria-describedby="id_first_name-messages"', html)
    assert re.search(r'<input type="text" name="first_name"[^>]*aria-invalid="true"', html)
    assert re.search(r'<select name="situation"[^>]*aria-invalid="true"', html)
    assert '<div class="fr-messages-group" id="id_first_name-messages" aria-live="polite">' in html
    assert '<p class="fr-message fr-message--error">Indiquez votre prénom.</p>' in html
    assert "Ce champ est obligatoire." not in html
    assert not ApplicantProfile.objects.exists()


def test_application_errors_link_the_route_to_its_first_choice(client):
    profile = ApplicantProfileFactory(highest_level=QualificationLevel.LEVEL_3)
    client.force_login(profile.user)
    session = SessionFactory()
    response = client.post(
        reverse("enrollment:apply", kwargs={"session_pk": session.pk}),
        {
            "motivation": "",
            "document_1_kind": "cv",
            "document_1_file": SimpleUploadedFile("notes.pdf", b"du texte", content_type="application/pdf"),
        },
    )
    summary = summary_of(response)
    assert list(summary["links"]) == [
        "id_entry_route_0",
        "id_entry_justification",
        "id_motivation",
        "id_document_1_file",
    ]
    assert summary["links"]["id_entry_route_0"] == (
        "Votre niveau est inférieur au niveau d&#x27;entrée : choisissez une voie d&#x27;accès."
    )
    assert title_of(response).startswith("Erreur : Candidater : ")
    assert not Application.objects.exists()


def test_a_service_refusal_is_listed_without_a_link(client, monkeypatch):
    from django.core.exceptions import ValidationError

    from enrollment.services import applications

    def refuse(**kwargs):
        raise ValidationError("Cette session n'accepte pas de candidatures en ce moment.")

    monkeypatch.setattr(applications, "application_submit", refuse)
    client.force_login(ApplicantProfileFactory().user)
    session = SessionFactory()
    response = client.post(reverse("enrollment:apply", kwargs={"session_pk": session.pk}), {"motivation": "Motivé."})
    summary = summary_of(response)
    assert summary["links"] == {}
    assert summary["items"] == ["Cette session n&#x27;accepte pas de candidatures en ce moment."]
    assert "Votre demande n'a pas abouti" in summary["html"]


def test_vae_errors_and_the_files_to_select_again(client):
    client.force_login(ApplicantProfileFactory().user)
    programme = ProgrammeFactory(vae_available=True)
    response = client.post(
        reverse("enrollment:vae_request", kwargs={"slug": programme.slug}),
        {
            "experience_summary": "x" * 5001,
            "years_of_experience": "0",
            "document_1_kind": "cv",
            "document_1_file": SimpleUploadedFile("mon-cv.pdf", PDF_BYTES, content_type="application/pdf"),
        },
    )
    summary = summary_of(response)
    assert summary["links"] == {
        "id_experience_summary": (
            "Votre description compte 5001 caractères : raccourcissez-la à 5000 caractères au plus."
        ),
        "id_years_of_experience": "La VAE demande au moins un an d&#x27;expérience en lien avec la certification.",
    }
    html = summary["html"]
    assert "sélectionnez-les de nouveau avant d'envoyer" in html
    assert "<li>mon-cv.pdf (CV)</li>" in html
    assert title_of(response).startswith("Erreur : Demander une VAE : ")


def test_withdraw_errors_link_to_the_confirmation_box(client):
    profile = ApplicantProfileFactory()
    client.force_login(profile.user)
    application = ApplicationFactory(applicant=profile.user)
    response = client.post(
        reverse("enrollment:withdraw", kwargs={"reference": application.reference}), {"reason": "x" * 501}
    )
    summary = summary_of(response)
    assert summary["links"] == {
        "id_confirm": "Cochez la case pour confirmer le retrait de votre candidature.",
        "id_reason": "Le motif compte 501 caractères : raccourcissez-le à 500 caractères au plus.",
    }
    assert title_of(response).startswith("Erreur : Retirer la candidature")


def test_account_pages_share_the_summary(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "amina@example.yt", "password1": "Ylang-ylang-97600", "password2": "Ylang-ylang-97601"},
    )
    summary = summary_of(response)
    assert list(summary["links"]) == ["id_password2"]
    assert title_of(response).startswith("Erreur : Créer un compte")

    UserFactory(email="said@example.yt")
    response = client.post(reverse("account_login"), {"login": "said@example.yt", "password": "faux-mot-de-passe"})
    summary = summary_of(response)
    assert summary["links"] == {}
    assert len(summary["items"]) == 1
    assert title_of(response).startswith("Erreur : Se connecter")

    response = client.post(reverse("account_reset_password"), {"email": "pas-une-adresse"})
    summary = summary_of(response)
    assert list(summary["links"]) == ["id_email"]
    assert title_of(response).startswith("Erreur : ")


def test_partner_forms_share_the_summary_and_name_the_field_of_a_generic_message(client):
    referent = PartnerMemberFactory()
    allocation = SeatAllocationFactory(partner=referent.partner)
    client.force_login(referent.user)
    response = client.post(
        reverse("partners:enroll"),
        {"first_name": "", "last_name": "Ali", "email": "zainaba@tsingoni.yt", "allocation": str(allocation.pk)},
    )
    summary = summary_of(response)
    assert list(summary["links"]) == ["id_first_name"]
    # Django's own « Ce champ est obligatoire. » is given the field's label, or it would say nothing.
    assert summary["links"]["id_first_name"].endswith(" : Ce champ est obligatoire.")
    assert summary["links"]["id_first_name"] != " : Ce champ est obligatoire."
    assert title_of(response).startswith("Erreur : Inscrire un agent")

    response = client.post(reverse("partners:import"), {})
    summary = summary_of(response)
    assert list(summary["links"]) == ["id_file"]
    assert title_of(response).startswith("Erreur : Importer une liste")


def test_password_pages_share_the_summary(client):
    from django.core import mail

    user = UserFactory(email="fatima@example.yt")
    verified_email(user)
    client.post(reverse("account_reset_password"), {"email": "fatima@example.yt"})
    link = re.search(r"https?://testserver(/\S+)", mail.outbox[-1].body)[1]
    form_page = client.get(link, follow=True)
    set_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    # allauth does not hand this form to its form element: the summary finds it all the same.
    response = client.post(set_url, {"password1": "Mangrove-de-Dembeni-1", "password2": "Mangrove-de-Dembeni-2"})
    summary = summary_of(response)
    assert list(summary["links"]) == ["id_password2"]
    assert title_of(response).startswith("Erreur : ")

    client.force_login(user)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "pas-le-bon", "password1": "Mangrove-de-Dembeni-3", "password2": "Mangrove-de-Dembeni-3"},
    )
    assert list(summary_of(response)["links"]) == ["id_oldpassword"]


def test_the_email_page_shows_one_summary_for_its_two_forms(client):

    user = UserFactory(email="zaina@example.yt")
    verified_email(user)
    client.force_login(user)
    response = client.post(reverse("account_email"), {"action_add": "", "email": "pas-une-adresse"})
    assert response.content.decode().count('id="resume-erreurs"') == 1
    assert list(summary_of(response)["links"]) == ["id_email"]
