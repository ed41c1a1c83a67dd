"""Rendered public pages and fragments of them, kept in the cache until what they show changes.

A visitor who is not signed in gets the same page as every other (``visitor_page``): the whole
page is kept, with the response's CSP nonce swapped for a placeholder, and each later visitor
gets it with their own nonce put back, so no two responses share a nonce.

A page's costly part (the catalogue's results and filters, a programme's sessions) is rendered
once and served from the cache to everyone who asks the same thing; what differs per request
(the header's account menu, the CSP nonce of scripts, messages) stays outside the fragment.

Every fragment of a *scope* carries the scope's version in its key: a change that any of them
shows (a catalogue edit, a seat taken or freed) bumps the version after its transaction
commits, and the next request renders afresh, so no page shows a seat count older than the last
decision. ``FRAGMENT_SECONDS`` bounds what only time changes (an application window opening).
The cache failing (core.cache fails open) means rendering every time, never a stale page.

A signed-in person's own pages (their applications, their organisation's dashboard) are kept
for that person's session alone (``personal_page``), under the public scope and the scopes of
what they show (``person_scope``, ``partner_scope``), bumped by the apps' ``freshness`` modules.
The form tokens of a kept page (CSRF) are put back per response, freshly masked, like the nonce.
"""

import hashlib
import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from functools import partial, wraps
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import get_nonce
from django.middleware.csrf import get_token
from django.utils import translation

logger = logging.getLogger(__name__)

# The scope of every page a visitor may read: the catalogue, the home page, the centre's pages.
PUBLIC = "public"
FRAGMENT_SECONDS = 60
# A version outlives every fragment made under it; a lost bump lasts no longer than this.
VERSION_SECONDS = 24 * 3600


def person_scope(user_id: int) -> str:
    """What one person's own pages show of them: their applications, requests and profile."""
    return f"person:{user_id}"


def partner_scope(partner_id: int) -> str:
    """What a partner's dashboard shows: its conventions, reserved seats, members and staff enrolled."""
    return f"partner:{partner_id}"


def _version_key(scope: str) -> str:
    return f"fragments:{scope}:version"


def version(scope: str) -> str:
    """The scope's current version (made on first use)."""
    return versions([scope])[0]


def versions(scopes: list[str]) -> list[str]:
    """The current version of each scope, in one round trip when all exist (made on first use)."""
    keys = [_version_key(scope) for scope in scopes]
    found = cache.get_many(keys) if len(keys) > 1 else {key: cache.get(key) for key in keys}
    current = []
    for key in keys:
        value = found.get(key)
        if value is None:
            value = str(time.time_ns())
            if not cache.add(key, value, VERSION_SECONDS):
                value = cache.get(key) or value
        current.append(str(value))
    return current


def bump(*scopes: str) -> None:
    """Make every fragment of ``scopes`` stale, once the current transaction commits."""
    transaction.on_commit(partial(bump_now, *scopes))


def bump_now(*scopes: str) -> None:
    """Make every fragment of ``scopes`` stale now (what changed is not in a transaction: a cached value)."""
    # A new value rather than an increment: it works the same when the key has expired.
    if scopes:
        value = str(time.time_ns())
        cache.set_many({_version_key(scope): value for scope in scopes}, VERSION_SECONDS)


def fragment[T](scope: str, name: str, parts: Any, build: Callable[[], T], *, also: Iterable[str] = ()) -> T:
    """The fragment ``name`` for ``parts`` (what the request asked, JSON-serialisable), built on a miss.

    ``build`` returns the fragment (rendered HTML and the few values the rest of the page
    needs, or data a page reads on every request), stored as it is; a dict of it may say for
    how long at most in ``"seconds"`` (what only time changes sooner). The fragment is stale
    once ``scope`` or any scope ``also`` names is bumped.
    """
    scopes = [scope, *also]
    digest = hashlib.sha1(
        json.dumps([scopes, versions(scopes), parts], sort_keys=True, default=str).encode(), usedforsecurity=False
    ).hexdigest()
    key = f"fragments:{scope}:{name}:{translation.get_language()}:{digest}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    built = build()
    seconds = built.get("seconds", FRAGMENT_SECONDS) if isinstance(built, dict) else FRAGMENT_SECONDS
    if seconds > 0:
        cache.set(key, built, min(seconds, FRAGMENT_SECONDS))
    return built


# Where each response's nonce goes in a kept page (never a valid nonce: it holds spaces).
NONCE_PLACEHOLDER = "<< csp nonce >>"
# Where each response's form token goes in a kept personal page (never a valid token either).
CSRF_PLACEHOLDER = "<< csrf token >>"
_CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
# A query string longer than this is rendered, never kept: what a person or a shared link asks is shorter.
KEPT_QUERY_CHARS = 300


def visitor_page(scope: str, name: str):
    """Keep the page a signed-out visitor gets (GET, no message waiting for them) for everyone who asks the same."""

    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.user.is_authenticated or not _may_keep(request):
                return view(request, *args, **kwargs)
            parts = [request.path, sorted(request.GET.lists())]
            return _kept_response(scope, f"page:{name}", parts, (), view, request, args, kwargs, personal=False)

        return wrapper

    return decorator


def personal_page(name: str, scopes: Callable[..., Iterable[str] | None] | None = None):
    """Keep the page a signed-in person gets (GET, no message waiting) for their own session alone.

    The page is stale once the public scope, the person's (``person_scope``) or one of
    ``scopes(request, *args, **kwargs)`` is bumped; ``scopes`` answering None means "not kept
    this time". A kept page is served without running the view: put the decorator under those
    that check what the person may see, or above them only when every row those checks read
    bumps one of the page's scopes.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            session_key = request.session.session_key
            if not (request.user.is_authenticated and session_key and _may_keep(request)):
                return view(request, *args, **kwargs)
            extra = scopes(request, *args, **kwargs) if scopes else ()
            if extra is None:
                return view(request, *args, **kwargs)
            also = [person_scope(request.user.pk), *extra]
            # The session's key, hashed into the cache key: a kept page reaches no other browser.
            parts = [request.user.pk, session_key, request.path, sorted(request.GET.lists())]
            return _kept_response(PUBLIC, f"personal:{name}", parts, also, view, request, args, kwargs, personal=True)

        return wrapper

    return decorator


def _may_keep(request: HttpRequest) -> bool:
    return (
        request.method == "GET"
        and len(request.META.get("QUERY_STRING", "")) <= KEPT_QUERY_CHARS
        and not len(messages.get_messages(request))
    )


def _kept_response(scope, name, parts, also, view, request, args, kwargs, *, personal: bool) -> HttpResponse:
    lazy_nonce = get_nonce(request)  # falsy until made: made here, for the policy header too
    nonce = "" if lazy_nonce is None else str(lazy_nonce)
    try:
        kept = fragment(
            scope, name, parts, lambda: _render(view, request, args, kwargs, nonce, personal=personal), also=also
        )
    except _NotKept as not_kept:
        return not_kept.response
    html = kept["html"].replace(NONCE_PLACEHOLDER, nonce) if nonce else kept["html"]
    if CSRF_PLACEHOLDER in html:
        # Masked afresh for this response; reading it renews the cookie, as rendering the form would.
        html = html.replace(CSRF_PLACEHOLDER, get_token(request))
    response = HttpResponse(html)
    for header, value in kept["headers"].items():
        response[header] = value
    return response


class _NotKept(Exception):
    def __init__(self, response: HttpResponse):
        self.response = response


def _render(view, request, args, kwargs, nonce: str, *, personal: bool) -> dict[str, Any]:
    response = view(request, *args, **kwargs)
    # Only a plain page: an error, a redirect, a cookie set, a session changed are this request's.
    # A visitor's page holds no form token (the middleware would set its cookie later); a
    # person's may, put back per response.
    session = getattr(request, "session", None)
    if (
        response.status_code != 200
        or response.cookies
        or response.streaming
        or (not personal and request.META.get("CSRF_COOKIE_NEEDS_UPDATE"))
        or (session is not None and session.modified)
    ):
        raise _NotKept(response)
    html = response.content.decode(response.charset)
    if nonce:
        html = html.replace(nonce, NONCE_PLACEHOLDER)
    if personal:
        html = _CSRF_INPUT.sub(rf"\g<1>{CSRF_PLACEHOLDER}\g<2>", html)
    headers = {header: value for header, value in response.items() if header.lower() != "content-length"}
    kept: dict[str, Any] = {"html": html, "headers": headers}
    if (seconds := getattr(response, "kept_seconds", None)) is not None:
        kept["seconds"] = seconds
    return kept
