import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the cache (Redis in CI): start each test with none."""
    cache.clear()
    yield
    cache.clear()
