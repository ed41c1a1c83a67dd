"""Accounts for people a partner enrolls or CNAM invites: found by email or created, then claimed.

An invited person may have no password yet. Their email carries a link to
``partners:claim`` with a token of ``InvitationTokenGenerator``: Django's password-reset
token (it stops working once a password is set or the person logs in) under its own salt,
valid ``INVITATION_VALID_DAYS`` days. The token is made when the notification row is
written (the row's context is stored JSON); if it has expired when the person clicks, the
page offers the ordinary « mot de passe oublié » form, which sends a fresh link.

Following the link proves the person reads that mailbox, so claiming the account also
marks the address verified (the portal requires verified addresses to log in).
"""

import datetime
import uuid

from allauth.account.models import EmailAddress
from allauth.account.utils import url_str_to_user_pk, user_pk_to_url_str
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int

INVITATION_VALID_DAYS = 14


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "partner_space.invitations.InvitationTokenGenerator"
    valid_for = datetime.timedelta(days=INVITATION_VALID_DAYS)

    def check_token(self, user, token):
        if not (user and token):
            return False
        try:
            timestamp = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        if self._num_seconds(self._now()) - timestamp > self.valid_for.total_seconds():
            return False
        return any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )


invitation_token_generator = InvitationTokenGenerator()


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


def claim_url(user) -> str:
    """Absolute link that lets ``user`` choose a password (see the module docstring)."""
    path = reverse(
        "partners:claim",
        kwargs={"uidb36": user_pk_to_url_str(user), "token": invitation_token_generator.make_token(user)},
    )
    return settings.SITE_URL + path


def login_url() -> str:
    return settings.SITE_URL + reverse("account_login")


def user_from_claim(uidb36: str, token: str):
    """The user a claim link is for, or None when the link is wrong, used or expired."""
    User = get_user_model()
    try:
        user = User.objects.get(pk=url_str_to_user_pk(uidb36), is_active=True)
    except (ValueError, User.DoesNotExist):
        return None
    return user if invitation_token_generator.check_token(user, token) else None


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
