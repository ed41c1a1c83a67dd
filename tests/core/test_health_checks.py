"""/healthz tells the truth about the broker, the cache, the outbox and failed documents, fast.

/healthz/ready is what a load balancer asks (database and schema), /healthz/live what a process
supervisor asks (no I/O). The Redis outages are redis-servers of the test's own, stopped or hung.
"""

import datetime
import time
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

import core.cache
import core.health
from attendance.models import FunderDocument, RenderState
from cnam_portal.settings import caches_from_url
from core.models import Notification
from enrollment.models import EnrollmentCertificate
from partners.models import ConventionDocument
from tests.factories import ApplicationFactory, AttendanceSheetFactory, ConventionFactory
from tests.redis_server import RedisServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_server(settings, broker, monkeypatch):
    """One redis-server for the cache (database 1) and the broker (database 0), as a small stack has."""
    monkeypatch.setattr(core.cache, "_outages", {})
    server = RedisServer().start()
    settings.CACHES = caches_from_url(server.url(1))
    broker(server.url(0))
    yield server
    server.cleanup()


def _pending_email(age: datetime.timedelta, key: str) -> Notification:
    return Notification.objects.create(
        idempotency_key=key,
        template="emails/application_received",
        recipient_email="amina@example.yt",
        created_at=timezone.now() - age,
    )


def test_everything_up_is_ok_and_says_what_it_checked(client, redis_server):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
        "cache": "ok",
        "outbox": {"pending": 0, "oldest_pending_seconds": None, "uncertain": 0},
        "failed_documents": {"attestations": 0, "conventions": 0, "documents_financeurs": 0, "feuilles_emargement": 0},
    }


def test_the_outbox_backlog_and_failed_documents_are_reported_and_degrade(client, settings):
    _pending_email(datetime.timedelta(seconds=30), "recent")
    _pending_email(datetime.timedelta(seconds=settings.HEALTH_OUTBOX_MAX_AGE_SECONDS - 60), "older")

    young = client.get("/healthz").json()
    assert young["status"] == "ok"
    assert young["outbox"]["pending"] == 2
    # The oldest row's age, in whole seconds (a second may pass between the insert and the probe).
    assert young["outbox"]["oldest_pending_seconds"] >= settings.HEALTH_OUTBOX_MAX_AGE_SECONDS - 60
    assert young["outbox"]["oldest_pending_seconds"] <= settings.HEALTH_OUTBOX_MAX_AGE_SECONDS - 58

    _pending_email(datetime.timedelta(seconds=settings.HEALTH_OUTBOX_MAX_AGE_SECONDS + 60), "stuck")
    stuck = client.get("/healthz")
    assert stuck.status_code == 200
    assert stuck.json()["status"] == "degraded"
    assert stuck.json()["outbox"]["pending"] == 3

    # Being sent, or sent without the server's answer, is not delivered either.
    Notification.objects.filter(idempotency_key="recent").update(state=Notification.State.SENDING)
    Notification.objects.filter(idempotency_key="older").update(state=Notification.State.UNCERTAIN)
    in_flight = client.get("/healthz").json()["outbox"]
    assert (in_flight["pending"], in_flight["uncertain"]) == (3, 1)

    Notification.objects.update(state=Notification.State.SENT, sent_at=timezone.now())
    ConventionDocument.objects.create(
        convention=ConventionFactory(), version=1, state=ConventionDocument.State.FAILED, error="disque plein"
    )
    EnrollmentCertificate.objects.create(
        application=ApplicationFactory(enrolled=True), state=EnrollmentCertificate.State.FAILED, error="disque plein"
    )
    EnrollmentCertificate.objects.create(application=ApplicationFactory(enrolled=True))
    FunderDocument.objects.create(
        application=ApplicationFactory(enrolled=True),
        kind=FunderDocument.Kind.ENTRY,
        render_state=RenderState.FAILED,
        error="disque plein",
    )
    AttendanceSheetFactory(render_state=RenderState.FAILED, error="disque plein")
    failed = client.get("/healthz")
    assert failed.status_code == 200
    assert failed.json()["status"] == "degraded"
    assert failed.json()["outbox"] == {"pending": 0, "oldest_pending_seconds": None, "uncertain": 0}
    assert failed.json()["failed_documents"] == {
        "attestations": 1,
        "conventions": 1,
        "documents_financeurs": 1,
        "feuilles_emargement": 1,
    }


@pytest.mark.parametrize("outage", ["stopped", "hung"])
def test_a_dead_redis_answers_within_two_seconds_with_200_and_says_so(client, redis_server, outage):
    if outage == "stopped":
        redis_server.stop()
    else:
        redis_server.pause()
    try:
        started = time.monotonic()
        response = client.get("/healthz")
        elapsed = time.monotonic() - started
    finally:
        if outage == "hung":
            redis_server.resume()

    assert elapsed < 2
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"], body["broker"], body["cache"]) == ("degraded", "ok", "error", "error")


def test_probes_in_quick_succession_open_one_broker_connection(client, redis_server, monkeypatch):
    checks = []
    check = core.health._broker_check
    monkeypatch.setattr(core.health, "_broker_check", lambda app: checks.append(1) or check(app))
    clock = [1000.0]
    monkeypatch.setattr(core.health, "_clock", lambda: clock[0])

    for _ in range(5):
        assert client.get("/healthz").json()["broker"] == "ok"
        clock[0] += 0.9
    assert len(checks) == 1

    # The broker dies: the next probe after the interval says so.
    redis_server.stop()
    clock[0] += core.health.BROKER_CHECK_SECONDS
    assert client.get("/healthz").json()["broker"] == "error"
    assert len(checks) == 2


def test_a_dead_database_answers_503_and_reads_nothing_else(client):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("connection refused")):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["outbox"] is None
    assert response.json()["failed_documents"] is None


def test_ready_needs_the_database_and_every_migration(client, monkeypatch):
    monkeypatch.setattr(core.health, "_migrations_applied", False)
    response = client.get("/healthz/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "migrations": "ok"}

    monkeypatch.setattr(core.health, "_migrations_applied", False)
    with mock.patch.object(core.health.MigrationExecutor, "migration_plan", return_value=[("a migration", False)]):
        pending = client.get("/healthz/ready")
    assert pending.status_code == 503
    assert pending.json() == {"status": "error", "database": "ok", "migrations": "pending"}

    with mock.patch.object(connection, "cursor", side_effect=OperationalError("connection refused")):
        down = client.get("/healthz/ready")
    assert down.status_code == 503
    assert down.json() == {"status": "error", "database": "error", "migrations": "unknown"}


def test_live_does_no_io_and_answers_while_everything_is_down(client, unreachable_broker, django_assert_num_queries):
    with (
        mock.patch.object(connection, "cursor", side_effect=OperationalError("connection refused")),
        django_assert_num_queries(0),
    ):
        response = client.get("/healthz/live")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.parametrize("path", ["/healthz", "/healthz/ready", "/healthz/live"])
def test_probes_over_plain_http_are_not_redirected(client, settings, path):
    settings.SECURE_SSL_REDIRECT = True

    response = client.get(path)

    assert response.status_code == 200
