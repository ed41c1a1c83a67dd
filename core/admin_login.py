"""The admin's sign-in form, throttled as the portal's is (``ACCOUNT_RATE_LIMITS["login_failed"]``).

Django's admin counts no failure: without this, staff passwords could be guessed there at the
speed of the network. The counters are allauth's sign-in page's own (same action, same key),
so that moving from one form to the other gives no fresh tries.
"""

from allauth.core.internal import ratelimit
from django.contrib import admin
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest, HttpResponse


def _login_key(request: HttpRequest) -> str:
    # As allauth keys its sign-in failures: the site, then the login as typed, in lower case.
    login = request.POST.get("username", "").strip().lower()
    return f"{get_current_site(request).domain}:{login}"


def admin_login(request: HttpRequest) -> HttpResponse:
    """``admin.site.login``, refused with the French 429 page after too many failures.

    Each try is counted before the password is checked and given back when it succeeds, as
    allauth's own login does (``pre_authenticate``): parallel tries cannot slip past the count.
    """
    if request.method != "POST":
        return admin.site.login(request)
    usage = ratelimit.consume(request, app="allauth.account", action="login_failed", key=_login_key(request))
    if usage is None:
        return ratelimit.respond_429(request)
    response = admin.site.login(request)
    if response.status_code == 302 and request.user.is_authenticated:
        usage.rollback()
    return response
