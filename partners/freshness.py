"""What makes a partner's kept dashboard stale (core.fragments.personal_page).

A partner, one of its members, conventions, reserved seats or convention documents saved or
deleted bumps the partner's scope once the transaction commits (a member, their own scope too).
Its staff's applications and profiles bump it too (enrollment.freshness), and every seat move
bumps the public scope, which every kept page carries.
"""

from django.db.models.signals import post_delete, post_save

from core import fragments

from .models import Convention, ConventionDocument, Partner, PartnerMember, SeatAllocation


def partner_changed(*partner_ids: int | None) -> None:
    scopes = {fragments.partner_scope(pk) for pk in partner_ids if pk is not None}
    if scopes:
        fragments.bump(*sorted(scopes))


def convention_partner(convention_id: int) -> int | None:
    """The partner of a convention (None once the convention is gone)."""
    return Convention.objects.filter(pk=convention_id).values_list("partner_id", flat=True).first()


def _partner_of(instance) -> int | None:
    if isinstance(instance, Partner):
        return instance.pk
    if isinstance(instance, PartnerMember | Convention):
        return instance.partner_id
    # A document or an allocation: its convention's partner.
    return convention_partner(instance.convention_id)


def _changed(sender, instance, **kwargs) -> None:
    partner_changed(_partner_of(instance))
    if isinstance(instance, PartnerMember):
        # The member's own pages too: the dashboard lists every partner they belong to, and a kept
        # dashboard is served without looking their membership up again.
        fragments.bump(fragments.person_scope(instance.user_id))


def connect() -> None:
    for model in (Partner, PartnerMember, Convention, ConventionDocument, SeatAllocation):
        post_save.connect(_changed, sender=model, dispatch_uid=f"partner-saved-{model._meta.label}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"partner-deleted-{model._meta.label}")
