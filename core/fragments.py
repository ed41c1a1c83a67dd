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
"""

import hashlib
import json
import logging
import time
from collections.abc import Callable
from functools import partial, wraps
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import get_nonce
from django.utils import translation

logger = logging.getLogger(__name__)

# The scope of every page a visitor may read: the catalogue, the home page, the centre's pages.
PUBLIC = "public"
FRAGMENT_SECONDS = 60
# A version outlives every fragment made under it; a lost bump lasts no longer than this.
VERSION_SECONDS = 24 * 3600


def _version_key(scope: str) -> str:
    return f"fragments:{scope}:version"


def version(scope: str) -> str:
    """The scope's current version (made on first use)."""
    key = _version_key(scope)
    current = cache.get(key)
    if current is None:
        current = str(time.time_ns())
        if not cache.add(key, current, VERSION_SECONDS):
            current = cache.get(key) or current
    return str(current)


def bump(scope: str) -> None:
    """Make every fragment of ``scope`` stale, once the current transaction commits."""
    transaction.on_commit(partial(bump_now, scope))


def bump_now(scope: str) -> None:
    """Make every fragment of ``scope`` stale now (what changed is not in a transaction: a cached value)."""
    # A new value rather than an increment: it works the same when the key has expired.
    cache.set(_version_key(scope), str(time.time_ns()), VERSION_SECONDS)


def fragment[T](scope: str, name: str, parts: Any, build: Callable[[], T]) -> T:
    """The fragment ``name`` for ``parts`` (what the request asked, JSON-serialisable), built on a miss.

    ``build`` returns the fragment (rendered HTML and the few values the rest of the page
    needs, or data a page reads on every request), stored as it is.
    """
    digest = hashlib.sha1(json.dumps(parts, sort_keys=True, default=str).encode(), usedforsecurity=False).hexdigest()
    key = f"fragments:{scope}:{version(scope)}:{name}:{translation.get_language()}:{digest}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    built = build()
    cache.set(key, built, FRAGMENT_SECONDS)
    return built


# Where each response's nonce goes in a kept page (never a valid nonce: it holds spaces).
NONCE_PLACEHOLDER = "<< csp nonce >>"
# A query string longer than this is rendered, never kept: what a person or a shared link asks is shorter.
KEPT_QUERY_CHARS = 300


def visitor_page(scope: str, name: str):
    """Keep the page a signed-out visitor gets (GET, no message waiting for them) for everyone who asks the same."""

    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not _same_for_every_visitor(request):
                return view(request, *args, **kwargs)
            parts = [request.path, sorted(request.GET.lists())]
            lazy_nonce = get_nonce(request)  # falsy until made: made here, for the policy header too
            nonce = "" if lazy_nonce is None else str(lazy_nonce)
            try:
                kept = fragment(scope, f"page:{name}", parts, lambda: _render(view, request, args, kwargs, nonce))
            except _NotKept as not_kept:
                return not_kept.response
            html = kept["html"].replace(NONCE_PLACEHOLDER, nonce) if nonce else kept["html"]
            return HttpResponse(html, content_type=kept["content_type"])

        return wrapper

    return decorator


def _same_for_every_visitor(request: HttpRequest) -> bool:
    return (
        request.method == "GET"
        and not request.user.is_authenticated
        and len(request.META.get("QUERY_STRING", "")) <= KEPT_QUERY_CHARS
        and not len(messages.get_messages(request))
    )


class _NotKept(Exception):
    def __init__(self, response: HttpResponse):
        self.response = response


def _render(view, request, args, kwargs, nonce: str) -> dict[str, str]:
    response = view(request, *args, **kwargs)
    # Only a plain page: an error, a redirect, a cookie set, a CSRF token in a form (the
    # middleware sets its cookie later), a session changed: each is this visitor's.
    session = getattr(request, "session", None)
    if (
        response.status_code != 200
        or response.cookies
        or response.streaming
        or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        or (session is not None and session.modified)
    ):
        raise _NotKept(response)
    html = response.content.decode(response.charset)
    return {"html": html.replace(nonce, NONCE_PLACEHOLDER) if nonce else html, "content_type": response["Content-Type"]}
