"""Three Celery queues: emails, PDFs and periodic sweeps never wait behind one another.

Every task of the portal is routed by name (settings.CELERY_TASK_ROUTES); a new task without a
route fails here. Each queue has its worker group in docker-compose.yml, and the one worker of
the test stack and of ``make worker`` consumes them all.
"""

import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import redis
import yaml
from django.conf import settings
from django.utils.module_loading import autodiscover_modules

from cnam_portal.celery import app
from tests.stack import free_port

ROOT = Path(__file__).resolve().parents[2]
QUEUES = {"mail", "documents", "default"}
MAIL_TASKS = {"enrollment.tasks.send_notification"}
DOCUMENT_TASKS = {
    "enrollment.tasks.render_certificate",
    "partners.tasks.render_convention_document",
    "attendance.tasks.render_sheet",
    "attendance.tasks.render_funder_document",
}


def portal_tasks() -> set[str]:
    autodiscover_modules("tasks")
    return {name for name in app.tasks if not name.startswith("celery.")}


def routed_queue(name: str) -> str:
    return app.amqp.router.route({}, name)["queue"].name


def test_every_task_of_the_portal_has_its_own_route():
    tasks = portal_tasks()
    assert tasks >= MAIL_TASKS | DOCUMENT_TASKS
    unrouted = sorted(tasks - set(settings.CELERY_TASK_ROUTES))
    assert not unrouted, f"Name these tasks' queue in CELERY_TASK_ROUTES: {unrouted}"
    stale = sorted(set(settings.CELERY_TASK_ROUTES) - tasks)
    assert not stale, f"These routes name no task: {stale}"


def test_emails_pdfs_and_sweeps_go_to_their_queues():
    for name in portal_tasks():
        expected = "mail" if name in MAIL_TASKS else "documents" if name in DOCUMENT_TASKS else "default"
        assert routed_queue(name) == expected, name
    # A task the table forgets lands on "default", never on Celery's own "celery" queue nobody reads.
    assert routed_queue("tests.not_a_task") == "default"


def test_beat_sends_only_periodic_work_and_all_of_it_to_default():
    for entry in app.conf.beat_schedule.values():
        assert routed_queue(entry["task"]) == "default", entry["task"]


def _queues_of(command: list[str]) -> set[str]:
    for index, word in enumerate(command):
        if word in {"-Q", "--queues"}:
            return set(command[index + 1].split(","))
        if word.startswith("--queues="):
            return set(word.removeprefix("--queues=").split(","))
    return {"celery"}  # Celery's own default: what a worker without -Q reads


def test_docker_compose_runs_one_worker_group_per_queue():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    workers = {
        name: _queues_of(service["command"])
        for name, service in services.items()
        if isinstance(service.get("command"), list) and service["command"][3:4] == ["worker"]
    }
    assert sorted(workers.values(), key=sorted) == sorted([{"default"}, {"documents"}, {"mail"}], key=sorted)
    hostnames = [next(w for w in services[name]["command"] if w.startswith("--hostname=")) for name in workers]
    assert len(set(hostnames)) == len(hostnames)  # one worker name per group, on each host


def test_the_test_stack_and_make_worker_consume_every_queue():
    stack = (ROOT / "tests" / "stack.py").read_text()
    queues = re.search(r'"--queues=([a-z,]+)"', stack)
    assert queues and set(queues.group(1).split(",")) == QUEUES
    makefile = (ROOT / "Makefile").read_text()
    default = re.search(r"^WORKER_QUEUES \?= ([a-z,]+)$", makefile, re.MULTILINE)
    assert default and set(default.group(1).split(",")) == QUEUES
    assert "--queues=$(WORKER_QUEUES)" in makefile


@pytest.fixture
def own_redis():
    """A redis-server of the test's own, on a spare port (never the machine's)."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    folder = tempfile.mkdtemp(prefix="cnam-routes-redis-")
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0", client
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(folder, ignore_errors=True)


def test_a_real_broker_receives_each_kind_of_task_on_its_queue(own_redis, broker):
    url, client = own_redis
    broker(url)
    from enrollment import tasks as enrollment_tasks
    from partners import tasks as partner_tasks

    with app.connection_for_write(url) as connection:
        for _ in range(3):
            partner_tasks.render_convention_document.apply_async((1,), connection=connection)
        enrollment_tasks.send_notification.apply_async((1,), connection=connection)
        enrollment_tasks.sweep_notifications.apply_async(connection=connection)
    assert {queue: client.llen(queue) for queue in [*sorted(QUEUES), "celery"]} == {
        "default": 1,
        "documents": 3,
        "mail": 1,
        "celery": 0,
    }
