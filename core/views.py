"""Pages every deployment serves whatever the apps: the health checks, the favicon, robots.txt."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

from . import health


@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers ask for /favicon.ico on pages that name no icon (the admin, a download).

    Not a permanent redirect: the icon's collected name changes with its content.
    """
    return redirect(static("dsfr/dist/favicon/favicon.ico"))


# What no search engine should visit: the admin, the accounts, a person's applications, the
# partner space (core.middleware.PRIVATE_NAMESPACES) and the operators' health checks.
ROBOTS_DISALLOWED = ("/admin/", "/compte/", "/candidatures/", "/partenaires/", "/healthz")


@require_GET
@cache_control(max_age=86400, public=True)
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Where crawlers may go, and the sitemap's address (from SITE_URL, never the Host header)."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOWED), ""]
    lines.append(f"Sitemap: {settings.SITE_URL}{reverse('sitemap')}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Tell an operator what works, and a load balancer whether the portal can serve.

    Only the database is required (503 without it). A broker outage only delays emails and
    PDFs (they wait in the outbox and the sweep sends them), a cache outage only lifts the
    rate limits (``core.cache``): the portal still serves, ``degraded``, as it does while the
    oldest waiting email is older than ``HEALTH_OUTBOX_MAX_AGE_SECONDS`` or a document failed.
    """
    database = health.database_state()
    broker = health.broker_state()
    cache = health.cache_state()
    serving = database == "ok"
    outbox = health.outbox_state() if serving else None
    failed = health.failed_documents_state() if serving else None
    degraded = (
        "error" in {broker, cache}
        or (outbox is not None and (outbox["oldest_pending_seconds"] or 0) > settings.HEALTH_OUTBOX_MAX_AGE_SECONDS)
        or bool(failed and any(failed.values()))
    )
    body = {
        "status": ("degraded" if degraded else "ok") if serving else "error",
        "database": database,
        "broker": broker,
        "cache": cache,
        "outbox": outbox,
        "failed_documents": failed,
    }
    return JsonResponse(body, status=200 if serving else 503)


@never_cache
@require_GET
def healthz_ready(request: HttpRequest) -> JsonResponse:
    """For load balancers: send requests here only if the database answers with the current schema."""
    database = health.database_state()
    migrations = health.migrations_state() if database == "ok" else "unknown"
    ready = database == "ok" and migrations == "ok"
    body = {"status": "ok" if ready else "error", "database": database, "migrations": migrations}
    return JsonResponse(body, status=200 if ready else 503)


@never_cache
@require_GET
def healthz_live(request: HttpRequest) -> JsonResponse:
    """For process supervisors: the process answers. No I/O, so an outage elsewhere never restarts it."""
    return JsonResponse({"status": "ok"})


@require_GET
def bench_bare(request: HttpRequest) -> HttpResponse:
    """The bare view the page benchmark compares each page with (settings.BENCH_BARE_VIEW)."""
    return HttpResponse("ok")
