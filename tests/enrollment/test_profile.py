"""The applicant profile: identity, contact, level, situation and the RGPD consent."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from enrollment.forms.applications import CONSENT_TEXT
from enrollment.models import ApplicantProfile, Situation
from enrollment.services import profiles
from programs.models import Commune, QualificationLevel
from tests.factories import ApplicantProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/candidatures/profil/"


def _data(**overrides):
    data = {
        "first_name": "Amina",
        "last_name": "Madi",
        "birth_date": "1998-03-14",
        "phone": "0639 12 34 56",
        "commune": Commune.DEMBENI,
        "address": "12 rue du Lagon, 97660 Dembéni",
        "highest_level": QualificationLevel.LEVEL_4,
        "situation": Situation.JOB_SEEKER,
        "france_travail_id": "1234567a",
        "consent": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def user_client(client):
    user = UserFactory()
    client.force_login(user)
    client.user = user
    return client


def test_profile_requires_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_profile_page_shows_the_consent_text_and_dsfr_fields(user_client):
    assert reverse("enrollment:profile") == URL
    html = user_client.get(URL).content.decode()
    assert "Mon profil de candidat" in html
    assert CONSENT_TEXT.replace("'", "&#x27;") in html
    assert 'class="fr-select"' in html
    assert "Mamoudzou" in html and "Hors de Mayotte" in html


def test_saving_normalises_the_phone_and_records_the_consent_text(user_client):
    before = timezone.now()
    response = user_client.post(URL, _data())
    assert response.status_code == 302
    assert response.url == reverse("enrollment:space")
    profile = ApplicantProfile.objects.get(user=user_client.user)
    assert profile.phone == "+262639123456"
    assert profile.france_travail_id == "1234567A"
    assert profile.consent_text == CONSENT_TEXT
    assert profile.consent_at >= before
    assert profile.is_complete


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+262 269 61 00 00", "+262269610000"),
        ("0269-61-00-00", "+262269610000"),
        ("00262639000001", "+262639000001"),
        ("01 23 45 67 89", "+33123456789"),
        ("+262 (0)639 12 34 56", "+262639123456"),
        ("639 12 34 56", "+262639123456"),
        ("0639123456", "+262639123456"),
        ("+262639123456", "+262639123456"),
        ("0269 61 12 34", "+262269611234"),
    ],
)
def test_phone_formats_accepted(user_client, typed, stored):
    assert user_client.post(URL, _data(phone=typed)).status_code == 302
    assert ApplicantProfile.objects.get(user=user_client.user).phone == stored


@pytest.mark.parametrize("typed", ["12345", "0639 12 34", "+1 555 0100 200", "téléphone"])
def test_bad_phone_is_refused_at_the_field_and_nothing_saved(user_client, typed):
    response = user_client.post(URL, _data(phone=typed))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Numéro de téléphone invalide" in html
    assert 'aria-describedby="id_phone_helptext id_phone-messages"' in html
    assert not ApplicantProfile.objects.exists()


def test_job_seeker_must_give_a_france_travail_identifier(user_client):
    response = user_client.post(URL, _data(france_travail_id=""))
    assert response.status_code == 200
    assert "Indiquez votre identifiant France Travail" in response.content.decode()
    assert not ApplicantProfile.objects.exists()


def test_malformed_france_travail_identifier_is_refused(user_client):
    response = user_client.post(URL, _data(france_travail_id="12AB"))
    assert "7 chiffres suivis d" in response.content.decode()
    assert not ApplicantProfile.objects.exists()


def test_identifier_is_optional_outside_job_seeking(user_client):
    assert user_client.post(URL, _data(situation=Situation.EMPLOYEE, france_travail_id="")).status_code == 302
    assert ApplicantProfile.objects.get(user=user_client.user).situation == Situation.EMPLOYEE


def test_consent_is_required(user_client):
    response = user_client.post(URL, _data(consent=None))
    assert response.status_code == 200
    assert "Votre accord est nécessaire" in response.content.decode()
    assert not ApplicantProfile.objects.exists()


@pytest.mark.parametrize(
    ("years", "message"),
    [
        (10, "Vous devez avoir au moins 15 ans"),
        (-1, "Vous devez avoir au moins 15 ans"),
        (120, "Cette date de naissance semble erronée"),
    ],
)
def test_birth_date_must_be_sane(user_client, years, message):
    born = timezone.localdate() - datetime.timedelta(days=int(years * 365.25))
    response = user_client.post(URL, _data(birth_date=born.isoformat()))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ApplicantProfile.objects.exists()


def test_required_identity_fields(user_client):
    response = user_client.post(URL, _data(first_name="", highest_level="", situation=""))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ce champ est obligatoire." not in html
    # Each message says what is missing, at its field and, linked, in the summary above the form.
    for anchor, message in (
        ("id_first_name", "Indiquez votre prénom."),
        ("id_highest_level", "Choisissez le plus haut niveau de formation que vous avez atteint."),
        ("id_situation", "Choisissez votre situation actuelle : demandeur d&#x27;emploi, étudiant, salarié…"),
    ):
        assert f'<a href="#{anchor}">{message}</a>' in html
        assert html.count(message) == 2
    assert not ApplicantProfile.objects.exists()


def test_blank_commune_means_outside_mayotte(user_client):
    assert user_client.post(URL, _data(commune="")).status_code == 302
    assert ApplicantProfile.objects.get(user=user_client.user).commune == ""


def test_update_keeps_one_profile_and_refreshes_the_consent(user_client):
    old = ApplicantProfileFactory(user=user_client.user, consent_text="Ancien texte", first_name="Ancien")
    user_client.post(URL, _data())
    profile = ApplicantProfile.objects.get(user=user_client.user)
    assert profile.pk == old.pk
    assert profile.first_name == "Amina"
    assert profile.consent_text == CONSENT_TEXT


def test_next_is_followed_only_when_it_stays_on_the_site(user_client):
    response = user_client.post(URL + "?next=/candidatures/postuler/12/", _data())
    assert response.url == "/candidatures/postuler/12/"
    response = user_client.post(URL + "?next=https://ailleurs.example/", _data())
    assert response.url == reverse("enrollment:space")


def test_saving_again_keeps_the_date_of_the_consent_to_the_same_wording(user_client):
    user_client.post(URL, _data())
    first = ApplicantProfile.objects.get(user=user_client.user).consent_at
    assert user_client.post(URL, _data(first_name="Aminata")).status_code == 302
    profile = ApplicantProfile.objects.get(user=user_client.user)
    assert profile.first_name == "Aminata"
    assert profile.consent_at == first
    html = user_client.get(URL).content.decode()
    assert "Vous avez donné votre accord à ce texte le" in html


def _fields(**overrides):
    data = {
        "first_name": "Amina",
        "last_name": "Madi",
        "birth_date": datetime.date(1998, 3, 14),
        "phone": "+262639123456",
        "commune": Commune.DEMBENI,
        "address": "",
        "highest_level": QualificationLevel.LEVEL_4,
        "situation": Situation.EMPLOYEE,
        "france_travail_id": "",
    }
    data.update(overrides)
    return data


def test_the_service_records_the_consent_with_its_wording():
    user = UserFactory()
    before = timezone.now()
    profile = profiles.applicant_profile_update(user=user, data=_fields(), consent=True)
    assert profile.consent_text == CONSENT_TEXT
    assert profile.consent_at >= before
    assert profile.is_complete and profile.has_current_consent


def test_the_service_refuses_without_consent_and_keeps_the_stored_profile():
    old = ApplicantProfileFactory(first_name="Ancien", consent_text="Ancien texte")
    with pytest.raises(ValidationError) as caught:
        profiles.applicant_profile_update(user=old.user, data=_fields(), consent=False)
    assert caught.value.message_dict["consent"] == [
        "Votre accord est nécessaire pour que le CNAM puisse étudier vos candidatures."
    ]
    old.refresh_from_db()
    assert (old.first_name, old.consent_text) == ("Ancien", "Ancien texte")


def test_the_service_refuses_a_job_seeker_without_identifier_and_saves_nothing():
    user = UserFactory()
    with pytest.raises(ValidationError):
        profiles.applicant_profile_update(user=user, data=_fields(situation=Situation.JOB_SEEKER), consent=True)
    assert not ApplicantProfile.objects.filter(user=user).exists()
