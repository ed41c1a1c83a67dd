from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse

PARTNER_SESSION_KEY = "is_partner_member"


class AccountAdapter(DefaultAccountAdapter):
    """Send partner members to their organisation's space after login, applicants to theirs."""

    def get_login_redirect_url(self, request):
        from partners.selectors_space import memberships_for

        is_member = memberships_for(request.user).exists()
        # Remembered for the header link, so pages need no query to show it.
        request.session[PARTNER_SESSION_KEY] = is_member
        if is_member:
            return reverse("partners:dashboard")
        return super().get_login_redirect_url(request)
