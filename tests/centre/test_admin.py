"""Staff edit the one centre record in the admin; they can neither add a second one nor delete it."""

import pytest
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.urls import reverse

from centre.models import AccessibilityState, Centre
from centre.selectors import ACCESSIBILITY_STATE_KEY
from core.formatting import datetime_long
from tests.factories import CentreFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:centre_centre_add")
CHANGELIST = reverse("admin:centre_centre_changelist")


@pytest.fixture
def staff_client(client):
    client.force_login(StaffUserFactory())
    return client


def change_url(centre):
    return reverse("admin:centre_centre_change", args=[centre.pk])


def form_data(centre, **changes):
    """What the change form posts back, untouched unless told."""
    data = {name: value for name, value in model_to_dict(centre).items() if name not in {"id", "singleton"}}
    data["accessibility_declared_on"] = centre.accessibility_declared_on.isoformat()
    data.update(changes)
    return data


def test_the_list_opens_the_one_record(staff_client):
    centre = CentreFactory()
    response = staff_client.get(CHANGELIST)
    assert response.status_code == 302
    assert response["Location"] == change_url(centre)


def test_the_change_form_shows_every_page_section_and_links_to_the_pages(staff_client):
    centre = CentreFactory()
    html = staff_client.get(change_url(centre)).content.decode()
    for section in ("Identité et contact", "Publication et hébergement", "Mentions légales", "Données personnelles"):
        assert section in html
    assert "Déclaration d&#x27;accessibilité" in html or "Déclaration d'accessibilité" in html
    for name in ("contact", "legal_notice", "privacy", "accessibility"):
        assert f'href="{reverse(f"centre:{name}")}"' in html
    assert "Valeur initiale d&#x27;exemple, à vérifier" in html or "Valeur initiale d'exemple, à vérifier" in html
    assert datetime_long(centre.updated_at) in html


def test_staff_edit_the_record_and_pages_and_footer_follow(staff_client, client, django_capture_on_commit_callbacks):
    centre = CentreFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            change_url(centre),
            form_data(
                centre,
                phone="02 69 61 55 55",
                host_phone="+353 1 234 5678",
                opening_hours="Du lundi au vendredi : 7 h 00 – 15 h 00",
                accessibility_state=AccessibilityState.NOT_COMPLIANT,
            ),
        )
    assert response.status_code == 302, response.context["adminform"].form.errors

    centre.refresh_from_db()
    assert centre.phone == "+262269615555"
    assert centre.host_phone == "+35312345678"
    assert cache.get(ACCESSIBILITY_STATE_KEY) == AccessibilityState.NOT_COMPLIANT
    contact = client.get(reverse("centre:contact")).content.decode()
    assert "Du lundi au vendredi : 7 h 00 – 15 h 00" in contact
    assert "Accessibilité : non conforme</a>" in contact


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("siret", "12345678901234", "Ce numéro SIRET n&#x27;est pas valide (clé de contrôle)."),
        ("phone", "12 34", "Numéro de téléphone invalide"),
        ("postal_code", "75001", "Un code postal de Mayotte compte 5 chiffres et commence par 976."),
        ("activity_declaration_number", "0697", "Le numéro de déclaration d&#x27;activité compte 11 chiffres."),
        ("email", "pas-une-adresse", "Saisissez une adresse de courriel valide."),
    ],
)
def test_a_refused_value_is_explained_in_french_and_nothing_is_saved(staff_client, field, value, message):
    centre = CentreFactory()
    before = model_to_dict(centre)
    response = staff_client.post(change_url(centre), form_data(centre, name="Nouveau nom", **{field: value}))

    assert response.status_code == 200
    assert message in response.content.decode()
    centre.refresh_from_db()
    assert model_to_dict(centre) == before


def test_no_second_record_can_be_added(staff_client):
    centre = CentreFactory()
    assert staff_client.get(ADD).status_code == 403
    assert staff_client.post(ADD, form_data(centre, name="Autre centre")).status_code == 403
    assert Centre.objects.count() == 1
    assert 'href="/admin/centre/centre/add/"' not in staff_client.get(change_url(centre)).content.decode()


def test_the_database_refuses_a_second_record_too():
    CentreFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Centre.objects.create()
    assert Centre.objects.count() == 1


def test_the_record_cannot_be_deleted(staff_client):
    centre = CentreFactory()
    response = staff_client.post(reverse("admin:centre_centre_delete", args=[centre.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert Centre.objects.filter(pk=centre.pk).exists()
    assert "deletelink" not in staff_client.get(change_url(centre)).content.decode()


def test_a_missing_record_is_restored_with_its_first_content(staff_client):
    Centre.objects.all().delete()
    response = staff_client.get(CHANGELIST)
    centre = Centre.objects.get()
    assert response["Location"] == change_url(centre)
    assert "Place Mariage" in staff_client.get(change_url(centre)).content.decode()


def test_the_record_adds_no_query_to_other_admin_pages(staff_client, django_assert_num_queries):
    CentreFactory()
    # The user and the recent actions (the session comes from the cache); the app list never
    # asks whether a centre exists.
    with django_assert_num_queries(2):
        response = staff_client.get(reverse("admin:index"))
    assert reverse("admin:centre_centre_changelist") in response.content.decode()
