"""Racing service calls against each other, for the tests that check PostgreSQL row locks."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

needs_row_locks = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Needs PostgreSQL: row locks (select_for_update) are what this test exercises; "
    "SQLite serialises whole transactions instead.",
)


def run_in_threads(targets) -> list:
    """Start every call at the same instant (barrier); each thread closes its own connection.

    Returns, in the order of ``targets``, ``("ok", result)``, ``("refused", first message)`` for a
    ValidationError, or ``("error", repr)`` for anything else, for the test to assert on.
    """
    barrier = threading.Barrier(len(targets))
    results = [None] * len(targets)

    def worker(index, call):
        try:
            barrier.wait()
            results[index] = ("ok", call())
        except ValidationError as error:
            results[index] = ("refused", error.messages[0])
        except Exception as error:  # pragma: no cover - reported by the assertion below
            results[index] = ("error", repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
