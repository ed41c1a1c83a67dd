"""Claim links: how a person whose account someone else created (a partner, CNAM staff) sets a password.

The link carries a token of ``InvitationTokenGenerator``: Django's password-reset token (it
stops working once a password is set or the person logs in) under its own salt, valid
``INVITATION_VALID_DAYS`` days. It is derived when the email is rendered and never stored:
an outbox row, a log line or an admin page holds nothing that opens an account.
"""

import datetime
from typing import TYPE_CHECKING

from allauth.account.utils import url_str_to_user_pk, user_pk_to_url_str
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int

if TYPE_CHECKING:
    from django.contrib.auth.models import User

INVITATION_VALID_DAYS = 14


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    # The salt of the links already sent: changing it would void them.
    key_salt = "partners.invitations.InvitationTokenGenerator"
    valid_for = datetime.timedelta(days=INVITATION_VALID_DAYS)

    def check_token(self, user: "User | None", token: str | None) -> bool:
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


def claim_url(user: "User") -> str:
    """Absolute link that lets ``user`` choose a password (see the module docstring)."""
    path = reverse(
        "partners:claim",
        kwargs={"uidb36": user_pk_to_url_str(user), "token": invitation_token_generator.make_token(user)},
    )
    return settings.SITE_URL + path


def user_from_claim(uidb36: str, token: str) -> "User | None":
    """The user a claim link is for, or None when the link is wrong, used or expired."""
    User = get_user_model()
    try:
        user = User.objects.get(pk=url_str_to_user_pk(uidb36), is_active=True)
    except (ValueError, User.DoesNotExist):
        return None
    return user if invitation_token_generator.check_token(user, token) else None
