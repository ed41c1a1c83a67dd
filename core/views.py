"""Pages every deployment serves whatever the apps: the health check and the favicon."""

import logging

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers ask for /favicon.ico on pages that name no icon (the admin, a download).

    Not a permanent redirect: the icon's collected name changes with its content.
    """
    return redirect(static("dsfr/dist/favicon/favicon.ico"))


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.warning("health check: database unreachable: %s", error)
        return "error"
    return "ok"


def _broker_state() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "in-process"
    from celery import current_app as app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as error:  # kombu raises many transport-specific errors
        logger.warning("health check: broker unreachable: %s", error)
        return "error"
    return "ok"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Tell a load balancer whether the portal can serve.

    The database is required. A broker outage only delays emails and PDFs (they
    wait in the outbox and the sweep sends them), so the portal still serves.
    """
    database = _database_state()
    broker = _broker_state()
    serving = database == "ok"
    body = {
        "status": ("ok" if broker != "error" else "degraded") if serving else "error",
        "database": database,
        "broker": broker,
    }
    return JsonResponse(body, status=200 if serving else 503)
