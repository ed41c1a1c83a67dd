from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _

from core.client_address import from_trusted_proxy
from core.formatting import duration_text

PARTNER_SESSION_KEY = "is_partner_member"


def user_display(user) -> str:
    """How the account pages and messages name a person: their name, else their email address.

    Never the username: the portal signs people in by email and makes the username up itself.
    """
    try:
        name = user.applicant_profile.full_name
    except (AttributeError, ObjectDoesNotExist):
        name = ""
    return name or user.get_full_name() or user.email


class AccountAdapter(DefaultAccountAdapter):
    """Send partner members to their organisation's space after login, applicants to theirs."""

    @property
    def error_messages(self):
        from allauth.account import app_settings

        from core.errors import window_seconds

        wait = window_seconds(app_settings.RATE_LIMITS.get("login_failed", ""))
        return {
            **super().error_messages,
            "too_many_login_attempts": (
                _("Trop de tentatives de connexion échouées : pour protéger ce compte, réessayez dans %(wait)s.")
                % {"wait": duration_text(wait)}
                if wait
                else _("Trop de tentatives de connexion échouées : pour protéger ce compte, réessayez plus tard.")
            ),
        }

    def get_client_ip(self, request):
        """The person's address, which the rate limits count by.

        allauth believes ``X-Forwarded-For`` (``ALLAUTH_TRUSTED_PROXY_COUNT``) from whoever
        connects; here only from the reverse proxy, so that a client reaching the server
        directly cannot give itself a new address on every try.
        """
        if from_trusted_proxy(request):
            return super().get_client_ip(request)
        address = request.META.get("REMOTE_ADDR")
        if not address:
            raise PermissionDenied("Unable to determine client IP address")
        return address

    def get_login_redirect_url(self, request):
        from attendance.selectors import trainer_for_user
        from partner_space.selectors import memberships_for

        is_member = memberships_for(request.user).exists()
        # Remembered for the header link, so pages need no query to show it.
        request.session[PARTNER_SESSION_KEY] = is_member
        if is_member:
            return reverse("partners:dashboard")
        if trainer_for_user(user=request.user) is not None:
            return reverse("attendance:trainer_home")
        return super().get_login_redirect_url(request)
