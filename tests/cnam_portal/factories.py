"""Back-office builders: staff accounts in a role, and admin form posts the way a browser sends them."""

from django.contrib.auth.models import Group

from cnam_portal.roles import sync_roles
from tests.factories import UserFactory

ACTION_CHECKBOX = "_selected_action"


def role_user(role: str, **kwargs):
    """A staff account (not superuser) member of ``role``.

    The groups come from a data migration; a transactional test elsewhere in the run may have
    emptied the tables, so they are put back first (sync is idempotent).
    """
    if not Group.objects.filter(name=role).exists():
        sync_roles()
    user = UserFactory(is_staff=True, is_superuser=False, **kwargs)
    user.groups.add(Group.objects.get(name=role))
    return user


def plain_staff(**kwargs):
    """A staff account with no permission at all."""
    return UserFactory(is_staff=True, is_superuser=False, **kwargs)


def run_action(client, url: str, action: str, objects, *, follow: bool = False, **data):
    """Post an admin changelist action on ``objects``."""
    return client.post(
        url, {"action": action, ACTION_CHECKBOX: [obj.pk for obj in objects], "index": 0, **data}, follow=follow
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


def inline_management(response, overrides: dict | None = None) -> dict:
    """Management-form data of every inline on an admin add/change page, with no row (unless overridden)."""
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        prefix = formset.prefix
        data[f"{prefix}-TOTAL_FORMS"] = formset.initial_form_count()
        data[f"{prefix}-INITIAL_FORMS"] = formset.initial_form_count()
        data[f"{prefix}-MIN_NUM_FORMS"] = 0
        data[f"{prefix}-MAX_NUM_FORMS"] = 1000
        for index, form in enumerate(formset.initial_forms):
            for name, field in form.fields.items():
                value = form.initial.get(name, field.initial)
                if hasattr(value, "pk"):
                    value = value.pk
                data[f"{prefix}-{index}-{name}"] = "" if value is None else value
    data.update(overrides or {})
    return data
