import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the cache (Redis in CI): start each test with none."""
    cache.clear()
    yield
    cache.clear()


def _restore_reference_data():
    from django.apps import apps

    from partners.migrations import _reference as axes
    from programs.migrations import _reference as audiences

    audiences.create_audiences(apps, None)
    axes.create_axes(apps, None)


@pytest.fixture(autouse=True)
def _reference_data(request, django_db_blocker):
    """Put back the rows data migrations create (audiences, convention axes).

    A transactional test (threads, live server) empties every table when it ends,
    and the next test, or the next run with --reuse-db, would miss them.
    """
    yield
    transactional = {"transactional_db", "live_server"} & set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    if transactional or (marker and marker.kwargs.get("transaction")):
        with django_db_blocker.unblock():
            _restore_reference_data()
