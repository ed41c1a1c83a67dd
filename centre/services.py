"""Writes to the centre record."""

from django.db import transaction

from .models import Centre
from .selectors import remember_accessibility_state


def centre_save(*, centre: Centre) -> Centre:
    """Save the record staff edited; the footer shows its accessibility state once committed."""
    with transaction.atomic():
        centre.save()
        transaction.on_commit(lambda: remember_accessibility_state(centre))
    return centre


def centre_ensure() -> Centre:
    """The record, created again with its first content if it went missing (the migration creates it)."""
    centre, _created = Centre.objects.get_or_create(singleton=True)
    return centre
