"""/healthz: what a load balancer and an operator read about the portal's state."""

from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError, connection

from tests.conftest import UNREACHABLE_BROKER

pytestmark = pytest.mark.django_db


def summary(response) -> dict:
    """What these tests are about; tests/core/test_health_checks.py reads the cache, outbox and documents."""
    body = response.json()
    return {name: body[name] for name in ("status", "database", "broker")}


def assert_not_cached(response):
    cache_control = response.headers.get("Cache-Control", "")
    assert "no-cache" in cache_control
    assert "no-store" in cache_control
    assert "max-age=0" in cache_control


def test_in_process_tasks_and_a_working_database(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert summary(response) == {"status": "ok", "database": "ok", "broker": "in-process"}
    assert_not_cached(response)


def test_a_reachable_broker_is_ok(client, broker):
    url = settings.CELERY_BROKER_URL or settings.REDIS_URL
    if not url.startswith("redis://"):
        pytest.skip("No Redis broker configured (set CELERY_BROKER_URL or REDIS_URL to test a real one).")
    broker(url)

    response = client.get("/healthz")

    assert response.status_code == 200
    assert summary(response) == {"status": "ok", "database": "ok", "broker": "ok"}


def test_an_unreachable_broker_degrades_but_keeps_serving(client, broker):
    broker(UNREACHABLE_BROKER)

    response = client.get("/healthz")

    # Emails and PDFs wait in the outbox; the portal itself still serves.
    assert response.status_code == 200
    assert summary(response) == {"status": "degraded", "database": "ok", "broker": "error"}
    assert_not_cached(response)


def test_an_unreachable_database_takes_the_portal_out_of_rotation(client):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("connection refused")):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert summary(response) == {"status": "error", "database": "error", "broker": "in-process"}
    assert_not_cached(response)


def test_only_get_is_allowed(client):
    response = client.post("/healthz")

    assert response.status_code == 405
