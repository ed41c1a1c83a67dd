"""The cache's Redis down (or the broker's): sign-up, sign-in and applying still work, without a 500.

Each test runs the production cache configuration (``caches_from_url``) against a redis-server
of its own, then stops it; the broker, when it matters, is another redis-server stopped too.
"""

import logging
import time

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

import core.cache
from cnam_portal.settings import caches_from_url
from enrollment.models import Application
from programs.models import QualificationLevel
from tests.factories import ApplicantProfileFactory, SessionFactory, UserFactory
from tests.helpers import verified_email
from tests.redis_server import RedisServer

pytestmark = pytest.mark.django_db

PASSWORD = "Ylang-ylang-97600"


@pytest.fixture
def cache_server(settings, monkeypatch):
    """The cache on a Redis of the test's own, as production configures it; no outage remembered."""
    monkeypatch.setattr(core.cache, "_outages", {})
    server = RedisServer().start()
    settings.CACHES = caches_from_url(server.url(0))
    yield server
    server.cleanup()


@pytest.fixture
def broker_server(broker):
    server = RedisServer().start()
    broker(server.url(0))
    yield server
    server.cleanup()


@pytest.fixture(params=["cache", "broker", "both"])
def outage(request, cache_server, broker_server):
    """Which Redis is down: the cache's, the broker's or both."""
    if request.param in {"cache", "both"}:
        cache_server.stop()
    if request.param in {"broker", "both"}:
        broker_server.stop()
    return request.param


def test_sign_up_works_during_the_outage(client, outage):
    response = client.post(
        reverse("account_signup"), {"email": "amina@example.yt", "password1": PASSWORD, "password2": PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert get_user_model().objects.filter(email="amina@example.yt").exists()
    assert [message.to for message in mail.outbox] == [["amina@example.yt"]]


def test_sign_in_works_during_the_outage(client, outage):
    user = verified_email(UserFactory(email="amina@example.yt", password=PASSWORD))

    refused = client.post(reverse("account_login"), {"login": user.email, "password": "pas-le-bon"})
    assert refused.status_code == 200
    assert "Adresse de courriel ou mot de passe incorrect : vérifiez-les et réessayez." in refused.content.decode()

    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("enrollment:space")
    assert client.get(reverse("enrollment:space")).status_code == 200


def test_applying_works_during_the_outage(client, outage, django_capture_on_commit_callbacks):
    profile = ApplicantProfileFactory(highest_level=QualificationLevel.LEVEL_4)
    client.force_login(profile.user)
    session = SessionFactory(capacity=12)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("enrollment:apply", kwargs={"session_pk": session.pk}),
            {"motivation": "Je veux devenir gestionnaire RH dans ma commune."},
        )

    assert response.status_code == 302
    assert Application.objects.filter(applicant=profile.user, session=session).exists()


def test_a_hung_cache_costs_one_short_timeout_not_one_per_call(client, cache_server):
    user = verified_email(UserFactory(email="amina@example.yt", password=PASSWORD))
    cache_server.pause()
    try:
        started = time.monotonic()
        response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
        elapsed = time.monotonic() - started
    finally:
        cache_server.resume()

    assert response.status_code == 302
    # One socket timeout (0.5 s), then the cache stays away from Redis for a while.
    assert elapsed < 1.5


def test_the_outage_is_logged_once_per_interval_and_its_end_once(cache_server, monkeypatch, caplog):
    clock = [1000.0]
    monkeypatch.setattr(core.cache, "_now", lambda: clock[0])
    caplog.set_level(logging.WARNING, logger="core.cache")
    cache.set("key", "value")
    cache_server.stop()

    for _ in range(3):
        clock[0] += core.cache.FailOpenRedisCache.RETRY_SECONDS
        assert cache.get("key", "default") == "default"
        assert cache.add("lock", True) is True
    assert [record.message.split(",")[0] for record in caplog.records] == ["cache unreachable for 0 s"]

    clock[0] += core.cache.FailOpenRedisCache.WARNING_INTERVAL_SECONDS
    assert cache.get("key") is None
    assert len(caplog.records) == 2
    assert "cache unreachable for 70 s" in caplog.records[1].message

    cache_server.start()
    clock[0] += core.cache.FailOpenRedisCache.RETRY_SECONDS
    cache.set("key", "back")
    assert cache.get("key") == "back"
    assert len(caplog.records) == 3
    assert caplog.records[2].message.startswith("cache reachable again after")


def test_rate_limits_count_again_once_the_cache_is_back(client, cache_server, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(core.cache, "_now", lambda: clock[0])
    user = verified_email(UserFactory(email="amina@example.yt", password=PASSWORD))
    cache_server.stop()
    # While the cache is down failures are not counted (login_failed allows 5 per address)...
    for _ in range(6):
        assert client.post(reverse("account_login"), {"login": user.email, "password": "faux"}).status_code == 200

    cache_server.start()
    clock[0] += core.cache.FailOpenRedisCache.RETRY_SECONDS
    # ...and once it is back they are again.
    for _ in range(5):
        assert client.post(reverse("account_login"), {"login": user.email, "password": "faux"}).status_code == 200
    blocked = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})

    assert blocked.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "Trop de tentatives de connexion échouées" in blocked.content.decode()


def test_one_redis_client_serves_every_call_and_finds_its_server_again(cache_server, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(core.cache, "_now", lambda: clock[0])
    cache.set("centre-name", "CNAM Mayotte")
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client() is client  # not a new one, with its table of parsers, per call

    cache_server.stop()
    assert cache.get("centre-name") is None
    cache_server.start()
    clock[0] += core.cache.FailOpenRedisCache.RETRY_SECONDS
    cache.set("centre-name", "CNAM Mayotte, Dembéni")
    assert cache.get("centre-name") == "CNAM Mayotte, Dembéni"
    assert cache._cache.get_client(write=True) is client
