"""The test run's Redis cache: clearing it forgets this process's keys only.

``make test`` runs the suite in several xdist workers that share the Redis database named by
``REDIS_URL``; a plain ``cache.clear()`` (FLUSHDB) in one worker would wipe the rate-limit
counters another worker's test is counting.
"""

from core.cache import FailOpenRedisCache


class WorkerRedisCache(FailOpenRedisCache):
    def clear(self):
        return self._call(self._clear_own_keys, False)

    def _clear_own_keys(self):
        client = self._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{self.key_prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
        return True
