"""Request bodies bounded before they are read: each page takes what its own form can send.

Without this, any form (the sign-in page included) accepts a body of any size and Django
spools it to disk before the view refuses it. The budgets are ``REQUEST_BODY_MAX_BYTES``, by URL
name; a body over its page's budget is answered with a French 413 page, unread.
"""

import tempfile
from collections.abc import Callable
from typing import BinaryIO, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.urls import Resolver404, resolve

CHUNK_BYTES = 64 * 1024


def body_budget(path_info: str) -> int:
    """The largest body the page at ``path_info`` takes: its URL name's budget, else the longest
    matching ``prefix*`` one, else the ``*`` one."""
    limits: dict[str, int] = settings.REQUEST_BODY_MAX_BYTES
    try:
        view_name = resolve(path_info).view_name or ""
    except Resolver404:
        view_name = ""
    if view_name in limits:
        return limits[view_name]
    prefixes = [pattern[:-1] for pattern in limits if pattern.endswith("*") and view_name.startswith(pattern[:-1])]
    return limits[max(prefixes, key=len) + "*"]


def too_large(request: HttpRequest, budget: int) -> HttpResponse:
    return render(request, "413.html", {"limit_text": filesizeformat(budget)}, status=413)


def _declared_length(request: HttpRequest) -> int | None:
    try:
        return int(request.headers.get("content-length") or "")
    except ValueError:
        return None


def _is_chunked(request: HttpRequest) -> bool:
    return "chunked" in request.headers.get("transfer-encoding", "").lower()


class RequestBodyLimitMiddleware:
    """Refuse with a 413 a body larger than its page's budget, before anything reads it.

    A declared ``Content-Length`` over the budget is refused on sight. A chunked body (no
    length) is read here, at most one byte past the budget, into a spooled file the request
    then reads from: Django itself reads no body without a length, so the forms get it too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        declared = _declared_length(request)
        if declared:
            budget = body_budget(request.path_info)
            if declared > budget:
                return too_large(request, budget)
        elif _is_chunked(request):
            budget = body_budget(request.path_info)
            with tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE) as body:
                size = _copy_within(request.META["wsgi.input"], body, budget)
                if size is None:
                    return too_large(request, budget)
                body.seek(0)
                request.META["CONTENT_LENGTH"] = str(size)
                # The request was built without a length and would read nothing: it reads the copy.
                request._stream = cast(BinaryIO, body)
                return self.get_response(request)
        return self.get_response(request)


def _copy_within(source, target, budget: int) -> int | None:
    """Copy the chunked body to ``target``: its size, or None as soon as it passes ``budget``."""
    size = 0
    while chunk := source.read(min(CHUNK_BYTES, budget + 1 - size)):
        size += len(chunk)
        if size > budget:
            return None
        target.write(chunk)
    return size
