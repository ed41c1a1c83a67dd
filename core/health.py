"""What /healthz reads beyond the database: the broker, the cache, the outbox and failed documents.

Each check answers within a short timeout, so a dead or hung Redis never holds the probe.
``core`` knows no app: each app names its documents that can fail (``failed_documents``) in
its ``ready()``, as it names its emails for the outbox.
"""

import datetime
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from .models import Notification

logger = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 1

# A name for staff ("conventions", "attestations") -> the rows of that document in failed state.
failed_documents: dict[str, Callable[[], QuerySet]] = {}

_migrations_applied = False


def database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.warning("health check: database unreachable: %s", error)
        return "error"
    return "ok"


def migrations_state() -> str:
    """``ok`` once every migration on disk is applied; remembered then (none is unapplied while serving)."""
    global _migrations_applied
    if _migrations_applied:
        return "ok"
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as error:
        logger.warning("health check: migrations unreadable: %s", error)
        return "error"
    if pending:
        return "pending"
    _migrations_applied = True
    return "ok"


# A broker connection costs most of a probe's time: its answer stands for a few seconds, per
# process (a probe every second from a load balancer opens one connection every 5 s, not 5).
BROKER_CHECK_SECONDS = 5.0
_broker_checks: dict[str, tuple[float, str]] = {}
_clock = time.monotonic


def broker_state() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "in-process"
    from celery import current_app as app

    url = app.conf.broker_url or ""
    checked = _broker_checks.get(url)
    now = _clock()
    if checked is not None and now - checked[0] < BROKER_CHECK_SECONDS:
        return checked[1]
    state = _broker_check(app)
    _broker_checks[url] = (now, state)
    return state


def _broker_check(app) -> str:
    short = {"socket_connect_timeout": CHECK_TIMEOUT_SECONDS, "socket_timeout": CHECK_TIMEOUT_SECONDS}
    try:
        with app.connection_for_write(connect_timeout=CHECK_TIMEOUT_SECONDS, transport_options=short) as conn:
            conn.ensure_connection(max_retries=0, timeout=CHECK_TIMEOUT_SECONDS)
    except Exception as error:  # kombu raises many transport-specific errors
        logger.warning("health check: broker unreachable: %s", error)
        return "error"
    return "ok"


def cache_state() -> str:
    backend = caches["default"]
    if isinstance(backend, LocMemCache):
        return "in-process"
    reachable = getattr(backend, "reachable", None)
    if reachable is not None:
        return "ok" if reachable() else "error"
    try:
        backend.set("healthz", 1, timeout=10)
    except Exception as error:  # any backend's own errors
        logger.warning("health check: cache unreachable: %s", error)
        return "error"
    return "ok"


# Emails not delivered yet: waiting, being sent, or whose last send may not have arrived.
UNDELIVERED = (Notification.State.PENDING, Notification.State.SENDING, Notification.State.UNCERTAIN)


def outbox_state(*, now: datetime.datetime | None = None) -> dict:
    """How many emails are not delivered yet, for how long the oldest has waited (seconds), which a
    sweep should keep short, and how many have an uncertain outcome (a lost server answer)."""
    backlog = Notification.objects.filter(state__in=UNDELIVERED).aggregate(
        pending=Count("pk"),
        oldest=Min("created_at"),
        uncertain=Count("pk", filter=Q(state=Notification.State.UNCERTAIN)),
    )
    oldest = backlog["oldest"]
    age = None if oldest is None else max(0, int(((now or timezone.now()) - oldest).total_seconds()))
    return {"pending": backlog["pending"], "oldest_pending_seconds": age, "uncertain": backlog["uncertain"]}


def failed_documents_state() -> dict[str, int]:
    return {name: rows().count() for name, rows in sorted(failed_documents.items())}
