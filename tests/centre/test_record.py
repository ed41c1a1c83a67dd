"""The data migration creates the one record, with true and valid first content."""

import pytest
from django.apps import apps

from centre.migrations._reference import create_centre
from centre.models import AccessibilityState, Centre
from partners.models import validate_siret

pytestmark = pytest.mark.django_db


def test_the_migration_creates_one_valid_record_and_running_it_again_changes_nothing():
    Centre.objects.all().delete()
    create_centre(apps, None)
    create_centre(apps, None)

    centre = Centre.objects.get()
    centre.full_clean()
    validate_siret(centre.siret)
    assert centre.phone_display == "02 69 61 20 20"
    assert centre.accessibility_state == AccessibilityState.PARTIAL
    assert centre.email.endswith("@cnam-mayotte.fr")
    assert "Défenseur des droits" in centre.accessibility_remedies
    assert "09 69 39 00 00" in centre.accessibility_remedies
    assert "CNIL" in centre.privacy_complaint
    assert "etalab-2.0" in centre.legal_licence


def test_identifiers_to_be_checked_say_so_to_staff():
    for name in ("siret", "activity_declaration_number", "host_name", "dpo_email"):
        assert "vérifier" in str(Centre._meta.get_field(name).help_text)
