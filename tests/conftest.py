import pytest
from django.core.cache import cache
from pytest_django.plugin import blocking_manager_key


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the cache (Redis in CI): start each test with none."""
    cache.clear()
    yield
    cache.clear()


def _restore_reference_data():
    from django.apps import apps

    from cnam_portal.roles import sync_roles
    from partners.migrations import _reference as axes
    from programs.migrations import _reference as audiences

    audiences.create_audiences(apps, None)
    axes.create_axes(apps, None)
    sync_roles()


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = set(getattr(item, "fixturenames", ()))
    return bool({"transactional_db", "live_server"} & fixtures) or bool(marker and marker.kwargs.get("transaction"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Put back the rows data migrations create (audiences, convention axes, staff roles).

    A transactional test (threads, live server) empties every table when its fixtures
    end, and the next test, or the next run with --reuse-db, would miss them. This runs
    after every fixture of the test has been torn down, so after that flush.
    """
    yield
    if _is_transactional(item):
        with item.config.stash[blocking_manager_key].unblock():
            _restore_reference_data()
