"""Accounts for people a partner enrolls or CNAM invites: found by email or created, then claimed.

An invited person may have no password yet. Their email carries a claim link
(``core.claims``), made when the email is rendered and never stored; if it has expired when
the person clicks, the page offers the ordinary « mot de passe oublié » form, which sends a
fresh link.

Following the link proves the person reads that mailbox, so claiming the account also
marks the address verified (the portal requires verified addresses to log in).

Which account an email links to (``users_for_emails``, the one rule for enrolling staff and
inviting members): anyone may add an address to their own account without proving it, so an
address links only to the account that verified it, or to an account a previous invitation
made for it and nobody has claimed yet. Any other match is ignored: a new account is made for
the address, and the mailbox's owner claims it.
"""

import uuid
from collections.abc import Iterable

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import transaction
from django.db.models.functions import Lower
from django.urls import reverse


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def is_unclaimed_invitation(user) -> bool:
    """An account an invitation made and nobody took yet: no password chosen, never logged in."""
    return not user.has_usable_password() and user.last_login is None


def users_for_emails(emails: Iterable[str]) -> dict:
    """The account each email links to (see the module docstring), in two queries; {normalized email: user}.

    Several unclaimed invitation accounts for one email (made before this rule): the oldest wins.
    """
    emails = {normalize_email(email) for email in emails} - {""}
    if not emails:
        return {}
    User = get_user_model()
    verified: dict[str, object] = {}
    unclaimed: dict[str, object] = {}
    addresses = (
        EmailAddress.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=emails)
        .select_related("user")
        .order_by("-user_id")
    )
    for address in addresses:
        if address.verified:
            verified[address.email_lower] = address.user
        elif is_unclaimed_invitation(address.user):
            unclaimed[address.email_lower] = address.user
    # An invitation account always has its address row; its login email is checked too, should one lack it.
    logins = (
        User.objects.annotate(email_lower=Lower("email"))
        .filter(
            email_lower__in=emails - set(verified),
            last_login__isnull=True,
            password__startswith=UNUSABLE_PASSWORD_PREFIX,
        )
        .order_by("-pk")
    )
    for user in logins:
        current = unclaimed.get(user.email_lower)
        if is_unclaimed_invitation(user) and (current is None or user.pk < current.pk):
            unclaimed[user.email_lower] = user
    return {**unclaimed, **verified}


def user_for_email(email: str):
    """The account ``email`` links to, or None (see ``users_for_emails``)."""
    return users_for_emails([email]).get(normalize_email(email))


def account_ensure(*, email: str, first_name: str = "", last_name: str = ""):
    """The account ``email`` links to, created without a password when there is none; returns (user, created)."""
    email = normalize_email(email)
    return accounts_ensure([(email, first_name, last_name)])[email]


def accounts_ensure(people) -> dict:
    """The account of each person (an import), created when there is none, in a fixed number of queries.

    ``people``: iterable of ``(email, first_name, last_name)``; returns {normalized email: (user, created)}.
    """
    wanted = {}
    for email, first_name, last_name in people:
        wanted.setdefault(normalize_email(email), (first_name, last_name))
    if not wanted:
        return {}
    User = get_user_model()
    found = {email: (user, False) for email, user in users_for_emails(wanted).items()}
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
        found.update({user.email: (user, True) for user in created})
    return found


def login_url() -> str:
    return settings.SITE_URL + reverse("account_login")


def account_claim(*, user, password: str):
    """Set the password the person chose and verify the address the invitation went to.

    The mailbox is now proven theirs: another account's unverified claim on the same address
    (someone who added it to their own account) is removed, so it links to nothing else.
    """
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        email = normalize_email(user.email)
        squatted = EmailAddress.objects.filter(email__iexact=email, verified=False).exclude(user=user)
        squatters = list(squatted.values_list("user_id", flat=True))
        squatted.delete()
        # A login email nobody proved would still name the address on that account.
        get_user_model().objects.filter(pk__in=squatters, email__iexact=email).update(email="")
        address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
        if address is None:
            has_primary = EmailAddress.objects.filter(user=user, primary=True).exists()
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=not has_primary)
        elif not address.verified:
            address.verified = True
            address.save(update_fields=["verified"])
    return user
