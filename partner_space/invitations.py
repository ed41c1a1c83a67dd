"""Accounts for people a partner enrolls or CNAM invites: found by email or created, then claimed.

An invited person may have no password yet. Their email carries a claim link
(``core.claims``), made when the email is rendered and never stored; if it has expired when
the person clicks, the page offers the ordinary « mot de passe oublié » form, which sends a
fresh link.

Following the link proves the person reads that mailbox, so claiming the account also
marks the address verified (the portal requires verified addresses to log in).
"""

import uuid

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.functions import Lower
from django.urls import reverse


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def user_for_email(email: str):
    """The account that owns ``email`` (its login or one of its allauth addresses), or None."""
    email = normalize_email(email)
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).order_by("pk").first()
    if user is not None:
        return user
    address = EmailAddress.objects.filter(email__iexact=email).select_related("user").order_by("pk").first()
    return address.user if address is not None else None


def account_ensure(*, email: str, first_name: str = "", last_name: str = ""):
    """The account of ``email``, created without a password when there is none; returns (user, created)."""
    email = normalize_email(email)
    user = user_for_email(email)
    if user is not None:
        return user, False
    User = get_user_model()
    username = email[:150]
    if User.objects.filter(username__iexact=username).exists():
        username = f"{email[:110]}-{uuid.uuid4().hex[:12]}"
    user = User(username=username, email=email, first_name=first_name[:150], last_name=last_name[:150])
    user.set_unusable_password()
    user.save()
    EmailAddress.objects.create(user=user, email=email, verified=False, primary=True)
    return user, True


def accounts_ensure(people) -> dict:
    """``account_ensure`` for many people at once (an import), in a fixed number of queries.

    ``people``: iterable of ``(email, first_name, last_name)``; returns {normalized email: user}.
    """
    wanted = {}
    for email, first_name, last_name in people:
        wanted.setdefault(normalize_email(email), (first_name, last_name))
    if not wanted:
        return {}
    User = get_user_model()
    found = {}
    for user in User.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=wanted).order_by("-pk"):
        found[user.email_lower] = user  # the oldest account wins, as in user_for_email
    missing = set(wanted) - set(found)
    if missing:
        addresses = (
            EmailAddress.objects.annotate(email_lower=Lower("email"))
            .filter(email_lower__in=missing)
            .select_related("user")
            .order_by("-pk")
        )
        for address in addresses:
            found[address.email_lower] = address.user
    missing = sorted(set(wanted) - set(found))
    if missing:
        taken = set(
            User.objects.annotate(username_lower=Lower("username"))
            .filter(username_lower__in=[email[:150] for email in missing])
            .values_list("username_lower", flat=True)
        )
        created = []
        for email in missing:
            first_name, last_name = wanted[email]
            username = email[:150] if email[:150] not in taken else f"{email[:110]}-{uuid.uuid4().hex[:12]}"
            user = User(username=username, email=email, first_name=first_name[:150], last_name=last_name[:150])
            user.set_unusable_password()
            created.append(user)
        created = User.objects.bulk_create(created)
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=user, email=user.email, verified=False, primary=True) for user in created]
        )
        found.update({user.email: user for user in created})
    return found


def login_url() -> str:
    return settings.SITE_URL + reverse("account_login")


def account_claim(*, user, password: str):
    """Set the password the person chose and verify the address the invitation went to."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        email = normalize_email(user.email)
        address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
        if address is None:
            has_primary = EmailAddress.objects.filter(user=user, primary=True).exists()
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=not has_primary)
        elif not address.verified:
            address.verified = True
            address.save(update_fields=["verified"])
    return user
