"""The portal's own pages for the requests it refuses: an expired form, a bad request, too many tries.

Each is a French page in the portal's design saying what happened and what to do next; none
shows a technical reason (the logs keep it).
"""

import logging
import re

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import requires_csrf_token

from core.formatting import duration_text

logger = logging.getLogger(__name__)

# The django-allauth rate limits (``ACCOUNT_RATE_LIMITS``) that guard each account page.
RATE_LIMITED_ACTIONS = {
    "account_login": ("login", "login_failed"),
    "admin_login": ("login_failed",),
    "account_signup": ("signup",),
    "account_reset_password": ("reset_password",),
    "account_reset_password_from_key": ("reset_password_from_key",),
    "account_change_password": ("change_password",),
    "account_set_password": ("change_password",),
    "account_email": ("manage_email", "confirm_email"),
    "account_email_verification_sent": ("confirm_email",),
    "account_confirm_email": ("confirm_email",),
    "account_reauthenticate": ("reauthenticate",),
}
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def window_seconds(rates: str) -> int:
    """The longest window of rates written as allauth does: ``10/m/ip,5/5m/key`` -> 300."""
    longest = 0
    for rate in (rates or "").split(","):
        parts = rate.strip().split("/")
        match = re.fullmatch(r"(\d*)([smhd])", parts[1].strip()) if len(parts) >= 2 else None
        if match:
            longest = max(longest, int(match.group(1) or 1) * _UNITS[match.group(2)])
    return longest


def retry_after_seconds(request: HttpRequest) -> int | None:
    """How long, at most, before the page that refused the request accepts it again; None if unknown."""
    from allauth.account import app_settings

    match = getattr(request, "resolver_match", None)
    actions = RATE_LIMITED_ACTIONS.get(match.url_name if match else "", ())
    window = max((window_seconds(app_settings.RATE_LIMITS.get(action, "")) for action in actions), default=0)
    return window or None


def rate_limited(request: HttpRequest) -> HttpResponse:
    """The 429 of django-allauth's rate limits (``handler429``): when to try again, in minutes."""
    retry_after = retry_after_seconds(request)
    response = render(
        request,
        "429.html",
        {"retry_text": duration_text(retry_after) if retry_after else ""},
        status=429,
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def _back_url(request: HttpRequest) -> str:
    """The page the person came from, if it is one of ours; else the address they posted to."""
    referer = request.headers.get("referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return request.path


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: most often a form left open too long, or opened before signing in again."""
    logger.info("CSRF failure on %s: %s", request.path, reason)
    return render(request, "403_csrf.html", {"back_url": _back_url(request)}, status=403)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler400``, for malformed requests and unknown host names alike.

    Nothing here asks for the request's host: for a ``DisallowedHost`` that would raise again.
    """
    return render(request, "400.html", status=400)
