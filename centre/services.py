"""Writes to the centre record."""

from django.db import transaction

from core import fragments

from .models import Centre
from .selectors import remember_accessibility_state


def centre_save(*, centre: Centre) -> Centre:
    """Save the record staff edited; once committed, the footer shows its accessibility state and
    the kept public pages (every programme page names the training body and its référent handicap)
    are made again."""
    with transaction.atomic():
        centre.save()
        transaction.on_commit(lambda: remember_accessibility_state(centre))
        fragments.bump(fragments.PUBLIC)
    return centre


def centre_ensure() -> Centre:
    """The record, created again with its first content if it went missing (the migration creates it)."""
    centre, _created = Centre.objects.get_or_create(singleton=True)
    return centre
