"""The link that confirms an account deletion, sent to the person's verified address.

Like the claim links (``core.claims``) its token is derived, never stored: Django's password
reset token under its own salt, valid ``ACCOUNT_DELETION_LINK_HOURS``. It is bound to the
account's password and address, so a new password voids it and a deleted account (whose
password and address are gone) can never be deleted twice; signing in elsewhere does not void
it, since the person may open the email on another device. The link only works for the
person signed in to that account, who still confirms with a POST.
"""

import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse

from core.claims import InvitationTokenGenerator

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class AccountDeletionTokenGenerator(InvitationTokenGenerator):
    key_salt = "enrollment.account_links.AccountDeletionTokenGenerator"

    @property  # type: ignore[override]
    def valid_for(self) -> datetime.timedelta:
        return datetime.timedelta(hours=settings.ACCOUNT_DELETION_LINK_HOURS)

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.password}{user.email}{user.is_active}{timestamp}"


deletion_token_generator = AccountDeletionTokenGenerator()


def deletion_url(user: "User") -> str:
    """Absolute link that lets ``user``, signed in, confirm the deletion of their account."""
    path = reverse("enrollment:account_delete_confirm", kwargs={"token": deletion_token_generator.make_token(user)})
    return settings.SITE_URL + path


def deletion_token_valid(user: "User", token: str) -> bool:
    return bool(user.is_authenticated) and deletion_token_generator.check_token(user, token)
