"""Phones partners type for their staff, one by one or in a list, are stored in E.164 on the profile."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from enrollment.models import ApplicantProfile, Application
from partner_space import imports
from tests.factories import (
    ApplicantProfileFactory,
    PartnerMemberFactory,
    SeatAllocationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

INVALID = "Numéro de téléphone invalide : indiquez par exemple 0639 12 34 56 ou +262 269 61 00 00."
HEADER = "prenom;nom;courriel;fonction;telephone;session"


@pytest.fixture
def scene(client):
    referent = PartnerMemberFactory()
    allocation = SeatAllocationFactory(
        partner=referent.partner, seats=3, session__capacity=10, session__reference="S-2027-TEL"
    )
    client.force_login(referent.user)
    return referent, allocation


def _enroll(client, allocation, phone):
    return client.post(
        reverse("partners:enroll"),
        {
            "first_name": "Zaïnaba",
            "last_name": "Ali",
            "email": "zainaba.ali@mairie.yt",
            "job_title": "Agente d'accueil",
            "phone": phone,
            "allocation": str(allocation.pk),
        },
    )


# --- Enrolling one agent -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+262 (0)639 12 34 56", "+262639123456"),
        ("639 12 34 56", "+262639123456"),
        ("0269 61 12 34", "+262269611234"),
        ("", ""),
    ],
)
def test_enrolling_an_agent_stores_the_phone_on_their_profile(client, scene, typed, stored):
    _referent, allocation = scene
    response = _enroll(client, allocation, typed)
    assert response.status_code == 302
    assert ApplicantProfile.objects.get(user__email="zainaba.ali@mairie.yt").phone == stored


def test_a_bad_phone_refuses_the_enrollment_and_creates_nothing(client, scene):
    _referent, allocation = scene
    response = _enroll(client, allocation, "06 39 12")
    assert response.status_code == 400
    assert INVALID.replace("'", "&#x27;") in response.content.decode()
    assert not Application.objects.exists()
    assert not get_user_model().objects.filter(email="zainaba.ali@mairie.yt").exists()


def test_the_agent_own_phone_is_kept_when_the_employer_types_another(client, scene):
    _referent, allocation = scene
    user = UserFactory(email="zainaba.ali@mairie.yt", username="zainaba")
    ApplicantProfileFactory(user=user, phone="+262639000001")
    assert _enroll(client, allocation, "0639 12 34 56").status_code == 302
    assert ApplicantProfile.objects.get(user=user).phone == "+262639000001"


# --- Importing a list --------------------------------------------------------------------------


def _csv(*rows) -> bytes:
    return ("\r\n".join([HEADER, *(";".join(row) for row in rows)]) + "\r\n").encode()


def test_imported_phones_are_stored_in_e164(client, scene):
    content = _csv(
        ["Awa", "Madi", "awa@tsingoni.yt", "RH", "+262 (0)639 12 34 56", "S-2027-TEL"],
        ["Ali", "Soilihi", "ali@tsingoni.yt", "", "", "S-2027-TEL"],
    )
    client.post(reverse("partners:import"), {"file": SimpleUploadedFile("agents.csv", content)})
    token = client.session["partners:import"]["token"]

    client.post(reverse("partners:import_preview"), {"token": token, "mode": "tout_ou_rien"})

    phones = dict(ApplicantProfile.objects.values_list("user__email", "phone"))
    assert phones == {"awa@tsingoni.yt": "+262639123456", "ali@tsingoni.yt": ""}


def test_an_imported_bad_phone_is_an_error_of_its_line(client, scene):
    content = _csv(["Awa", "Madi", "awa@tsingoni.yt", "RH", "0639 12", "S-2027-TEL"])
    client.post(reverse("partners:import"), {"file": SimpleUploadedFile("agents.csv", content)})

    page = client.get(reverse("partners:import_preview")).content.decode()

    assert "Ligne 2 : Le téléphone « 0639 12 » n&#x27;est pas un numéro valide (ex. 0639 12 34 56)." in page
    assert not Application.objects.exists()


def test_the_model_file_names_the_email_column_courriel_and_offers_a_phone():
    header = imports.template_csv().lstrip("\ufeff").splitlines()[0]
    assert header == HEADER
    rows = imports.parse_staff_file(imports.template_csv().encode())
    assert rows[0].email == "fatima.abdou@exemple.yt" and rows[0].phone == "0639 12 34 56"


def test_a_preview_kept_before_the_phone_column_still_opens():
    row = imports.StaffRow.from_dict(
        {"line": 2, "first_name": "A", "last_name": "B", "email": "a@b.yt", "job_title": "", "session_reference": "S"}
    )
    assert row.phone == ""


def test_applicant_profile_stores_the_phone_normalised_wherever_typed():
    profile = ApplicantProfileFactory.build(user=UserFactory(), phone="0639.12.34.56")
    profile.full_clean()
    assert profile.phone == "+262639123456"
