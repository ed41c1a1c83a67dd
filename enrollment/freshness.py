"""What makes a person's kept pages stale (core.fragments.personal_page): their own rows changing.

An application, a VAE request, a profile or an account saved or deleted bumps the person's
scope once the transaction commits, and, for the staff a partner enrolled, the partner's
dashboard (partners.freshness). A waiting-list rank moves with someone else's decision: every
seat move bumps the public scope (enrollment.seats), which every kept page carries.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from core import fragments
from partners.freshness import convention_partner, partner_changed

from .models import ApplicantProfile, Application, VaeRequest


def person_changed(user_id: int) -> None:
    fragments.bump(fragments.person_scope(user_id))


def _application_changed(sender, instance: Application, **kwargs) -> None:
    person_changed(instance.applicant_id)
    if instance.convention_id is not None:
        # The partner is looked up once the transaction commits, not while a decision holds its seat lock.
        convention_id = instance.convention_id
        transaction.on_commit(lambda: fragments.bump_now(*_partner_scopes(convention_id)))


def _partner_scopes(convention_id: int) -> list[str]:
    partner_id = convention_partner(convention_id)
    return [] if partner_id is None else [fragments.partner_scope(partner_id)]


def _request_changed(sender, instance: VaeRequest, **kwargs) -> None:
    person_changed(instance.applicant_id)


def _person_changed(sender, instance, **kwargs) -> None:
    """A profile or an account: the person's pages, and the dashboards of the partners that enrolled them."""
    user_id = instance.pk if sender is get_user_model() else instance.user_id
    person_changed(user_id)
    partners = (
        Application.objects.filter(applicant_id=user_id, convention__isnull=False)
        .order_by()
        .values_list("convention__partner_id", flat=True)
        .distinct()
    )
    partner_changed(*partners)


def connect() -> None:
    handlers = [
        (Application, _application_changed),
        (VaeRequest, _request_changed),
        (ApplicantProfile, _person_changed),
        (get_user_model(), _person_changed),
    ]
    for model, handler in handlers:
        post_save.connect(handler, sender=model, dispatch_uid=f"person-saved-{model._meta.label}")
        post_delete.connect(handler, sender=model, dispatch_uid=f"person-deleted-{model._meta.label}")
