"""A Redis cache that fails open: when Redis is unreachable, the portal serves as if the cache were empty.

The cache only holds what can be lost (rate-limit counters, the footer's copy of a centre
field), so an outage of its Redis must never turn a sign-in into a 500. While it lasts, reads
miss, writes are dropped and ``add`` reports success (django-allauth takes its rate-limit lock
with ``add``: a refused lock would refuse every sign-in), so rate limits do not apply. After a
failure the cache stays away from Redis for ``RETRY_SECONDS`` (a hung server costs one socket
timeout, not one per call), and the outage is logged once per ``WARNING_INTERVAL_SECONDS``.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)

# Without a word from the settings, a dead cache server costs half a second, not a minute.
DEFAULT_SOCKET_TIMEOUT = 0.5


def _now() -> float:
    return time.monotonic()


@dataclass
class _Outage:
    since: float
    retry_at: float
    warned_at: float


# Caches are per thread in Django; what is known of a server's outage is shared by the process.
_outages: dict[str, _Outage] = {}
_outages_lock = threading.Lock()


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's client makes a ``redis.Redis`` for every call, each building its table of reply
    parsers (half a millisecond, three times in a signed-in page served from the cache): one per
    connection pool serves every call (it is thread-safe, its pool hands out the connections)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key=None, *, write=False):
        # Django's own attributes, absent from its type stubs.
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
            client = self._clients[index] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class FailOpenRedisCache(RedisCache):
    RETRY_SECONDS = 5.0
    WARNING_INTERVAL_SECONDS = 60.0

    def __init__(self, server, params):
        options = {
            "socket_connect_timeout": DEFAULT_SOCKET_TIMEOUT,
            "socket_timeout": DEFAULT_SOCKET_TIMEOUT,
            **params.get("OPTIONS", {}),
        }
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusedClientRedisCacheClient
        self._server_name = server if isinstance(server, str) else ",".join(server)

    # --- outage bookkeeping ------------------------------------------------------------

    def _unavailable(self) -> bool:
        outage = _outages.get(self._server_name)
        return outage is not None and _now() < outage.retry_at

    def _failed(self, error: Exception) -> None:
        now = _now()
        with _outages_lock:
            outage = _outages.get(self._server_name)
            if outage is None:
                _outages[self._server_name] = _Outage(since=now, retry_at=now + self.RETRY_SECONDS, warned_at=now)
                warn, duration = True, 0.0
            else:
                outage.retry_at = now + self.RETRY_SECONDS
                warn = now - outage.warned_at >= self.WARNING_INTERVAL_SECONDS
                if warn:
                    outage.warned_at = now
                duration = now - outage.since
        if warn:
            logger.warning(
                "cache unreachable for %.0f s, serving without it (rate limits do not apply): %s",
                duration,
                error,
            )

    def _recovered(self) -> None:
        if self._server_name not in _outages:
            return
        with _outages_lock:
            outage = _outages.pop(self._server_name, None)
        if outage is not None:
            logger.warning("cache reachable again after %.0f s", _now() - outage.since)

    def _call(self, method: Callable[..., Any], when_down: Any, *args: Any, **kwargs: Any) -> Any:
        if self._unavailable():
            return when_down
        try:
            result = method(*args, **kwargs)
        except UNREACHABLE as error:
            self._failed(error)
            return when_down
        self._recovered()
        return result

    def reachable(self) -> bool:
        """Ask Redis itself (for /healthz), whatever the last calls found."""
        try:
            self._cache.get_client(write=True).ping()
        except UNREACHABLE as error:
            self._failed(error)
            return False
        self._recovered()
        return True

    # --- the cache API -----------------------------------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().add, True, key, value, timeout=timeout, version=version)

    def get(self, key, default=None, version=None):
        return self._call(super().get, default, key, default=default, version=version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().set, None, key, value, timeout=timeout, version=version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().touch, False, key, timeout=timeout, version=version)

    def delete(self, key, version=None):
        return self._call(super().delete, False, key, version=version)

    def get_many(self, keys, version=None):
        return self._call(super().get_many, {}, keys, version=version)

    def has_key(self, key, version=None):
        return self._call(super().has_key, False, key, version=version)

    def incr(self, key, delta=1, version=None):
        missing = object()
        result = self._call(super().incr, missing, key, delta=delta, version=version)
        if result is missing:
            raise ValueError(f"Key '{key}' not found.")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().set_many, list(data), data, timeout=timeout, version=version)

    def delete_many(self, keys, version=None):
        return self._call(super().delete_many, None, keys, version=version)

    def clear(self):
        return self._call(super().clear, False)
