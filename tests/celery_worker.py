"""A real Celery worker (and beat) in a subprocess, as deployed, against the test database.

The worker sends its emails to the SMTP server on ``mail_port`` and takes its tasks from the
broker the caller gives (a Redis of the test's own: ``tests.redis_server``).
"""

import contextlib
import os
import secrets
import signal
import subprocess
from pathlib import Path

from cnam_portal.celery import app as celery_app
from tests.stack import BIN, ROOT, _wait, served_database_url


def worker_queues() -> str:
    """Every queue a task may be routed to, so one worker serves them all."""
    routes = celery_app.conf.task_routes
    queues = {celery_app.conf.task_default_queue}
    if isinstance(routes, dict):
        queues |= {route["queue"] for route in routes.values() if isinstance(route, dict) and "queue" in route}
    return ",".join(sorted(queues))


class CeleryProcess:
    """One ``celery`` command (``worker`` or ``beat``) in its own process group, logging to a file."""

    command: list[str] = []
    ready_line = ""

    def __init__(self, *, broker_url: str, mail_port: int, data_dir: Path, name: str = "worker"):
        self.data_dir = data_dir
        self.log = data_dir / f"{name}.log"
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/tmp"),
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "DJANGO_SETTINGS_MODULE": "cnam_portal.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": "http://127.0.0.1",
            "DATA_DIR": str(data_dir),
            "DATABASE_URL": served_database_url(),
            "CELERY_BROKER_URL": broker_url,
            "MAIL_URL": f"smtp://127.0.0.1:{mail_port}",
            "LOG_LEVEL": "INFO",
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        ready_before = self._log_text().count(self.ready_line)
        with self.log.open("ab") as handle:
            self.process = subprocess.Popen(
                [str(BIN / "celery"), "-A", "cnam_portal", *self.command],
                cwd=ROOT,
                env=self.env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _wait(
            lambda: self._log_text().count(self.ready_line) > ready_before,
            timeout=60,
            what=f"celery {self.command[0]}",
            log=self.log,
        )

    def kill(self) -> None:
        """kill -9 of the whole process group, as an out-of-memory killer or a host loss does."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None

    def _log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class Worker(CeleryProcess):
    """``celery worker`` as docker-compose runs it, every queue, one pool child unless told."""

    ready_line = "ready."

    def __init__(self, *, concurrency: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.command = ["worker", "--loglevel=INFO", f"--concurrency={concurrency}", "--without-gossip"]
        self.command += ["--without-mingle", "--without-heartbeat", "-Q", worker_queues()]

    def pool_children(self) -> list[int]:
        assert self.process is not None
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError):
                # "pid (name) state ppid ...": the name may hold spaces, the fields after it do not.
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == self.process.pid:
                    children.append(int(stat.parent.name))
        return children


class Beat(CeleryProcess):
    """``celery beat`` with the project's schedule (its state file in ``data_dir``)."""

    ready_line = "beat: Starting"

    def __init__(self, **kwargs):
        super().__init__(name="beat", **kwargs)
        self.command = ["beat", "--loglevel=INFO", "-s", str(self.data_dir / "beat-schedule")]
