import io
from dataclasses import dataclass

import pytest
from _pytest.nodeid import NodeId
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from pytest_django.plugin import blocking_manager_key


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Put each item's ``xdist_group`` in its node id, which is how ``--dist loadgroup`` groups.

    pytest-xdist 3.8 writes the suffix to ``item._nodeid``, which pytest 9.2 no longer reads
    (node ids are structured now), so its groups are silently ignored (pytest-xdist#1386).
    """
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        marks = item.iter_markers("xdist_group")
        names = {str(mark.args[0] if mark.args else mark.kwargs.get("name", "default")) for mark in marks}
        suffix = "@" + "_".join(sorted(names))
        if names and hasattr(item, "_id") and not item.nodeid.endswith(suffix):
            item._id = NodeId.parse(item.nodeid + suffix)


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the cache (Redis in CI): start each test with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _celery_may_wait_for_results():
    """Tasks run in-process here: Celery raises a process-wide flag while one runs and restores it
    after, and two threads running tasks at once (tests/concurrency.py) can leave it raised, which
    makes every later ``result.get()`` of the process refuse ("within a task"). No test starts
    inside a task."""
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)
    yield


def _restore_reference_data():
    from django.apps import apps

    from centre.migrations import _reference as centre
    from cnam_portal.roles import sync_roles
    from partners.migrations import _reference as axes
    from programs.migrations import _reference as audiences

    audiences.create_audiences(apps, None)
    audiences.set_audience_formacodes(apps, None)
    axes.create_axes(apps, None)
    centre.create_centre(apps, None)
    sync_roles()


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = set(getattr(item, "fixturenames", ()))
    return bool({"transactional_db", "live_server"} & fixtures) or bool(marker and marker.kwargs.get("transaction"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Put back the rows data migrations create (audiences, convention axes, the centre record, staff roles).

    A transactional test (threads, live server) empties every table when its fixtures
    end, and the next test, or the next run with --reuse-db, would miss them. This runs
    after every fixture of the test has been torn down, so after that flush.
    """
    yield
    # A test skipped before its fixtures ran (the browser tests without PostgreSQL) flushed nothing.
    if _is_transactional(item) and not item.get_closest_marker("skip"):
        with item.config.stash[blocking_manager_key].unblock():
            _restore_reference_data()


UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def broker(settings, monkeypatch):
    """Hand tasks to a given broker instead of running them in-process: ``broker(url)``."""
    import core.health
    from cnam_portal.celery import app as celery_app

    monkeypatch.setattr(core.health, "_broker_checks", {})

    def use(url: str):
        settings.CELERY_TASK_ALWAYS_EAGER = False
        # Celery read its configuration once, and its CELERY_BROKER_URL
        # environment variable wins over that configuration.
        monkeypatch.setenv("CELERY_BROKER_URL", url)
        monkeypatch.delenv("CELERY_BROKER_WRITE_URL", raising=False)
        monkeypatch.setattr(celery_app.conf, "broker_url", url)

    return use


@pytest.fixture
def unreachable_broker(broker):
    """Tasks go to a broker nobody answers on: what a Redis outage looks like to the web process."""
    broker(UNREACHABLE_BROKER)
    return UNREACHABLE_BROKER


@dataclass(frozen=True)
class DemoRun:
    output: str
    outbox: list


@pytest.fixture(scope="module")
def _demo_seeded_for_module(django_db_setup, django_db_blocker):
    """``seed_demo`` run once for a whole module, in a transaction rolled back after its last test.

    Building the demo takes over a second; each test still runs in its own savepoint inside
    this transaction (pytest-django's ``db``), so what one test changes is gone for the next.
    """
    output = io.StringIO()
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        sent_before = len(mail.outbox)
        try:
            # As a developer runs it (DEBUG on): the demo with its published passwords.
            with override_settings(DEBUG=True):
                call_command("seed_demo", stdout=output)
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
        run = DemoRun(output=output.getvalue(), outbox=mail.outbox[sent_before:])
    yield run
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def demo_seeded(_demo_seeded_for_module, db) -> str:
    """The demo data, as ``seed_demo`` left it; returns what the command printed.

    The test's outbox starts with what seeding sent, as if it had just run.
    """
    mail.outbox.extend(_demo_seeded_for_module.outbox)
    return _demo_seeded_for_module.output
