"""The portal served the way production serves it, for browser tests and benchmarks.

``collectstatic`` (the manifest storage, compressed copies; kept between runs by
``tests/static_cache.py``),
``DEBUG`` off with a random ``SECRET_KEY``, gunicorn with the project's
``gunicorn.conf.py`` behind WhiteNoise, PostgreSQL, a Redis of its own (broker and cache,
on a spare port, so stopping it never touches the machine's shared Redis), and a real
Celery worker that sends the emails (to a folder) and renders the PDFs.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# Debian's Chromium on a machine without a display or an outside network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def served_database_url() -> str:
    """The URL of the database this test process uses (the test database), for a server process."""
    from django.db import connection

    db = connection.settings_dict
    credentials = quote(db["USER"] or "postgres", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _wait(predicate, *, timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-4000:] if log and log.exists() else ""
    raise RuntimeError(f"{what} did not become ready within {timeout:.0f} s.\n{tail}")


@dataclass
class ProductionStack:
    """Start with :meth:`start`, stop with :meth:`stop` (or use it as a context manager).

    ``database_url`` names a database that already holds the schema. ``private_dir``, when
    given, is where the servers keep uploads and PDFs (a test shares it with the server).
    ``settings_module`` defaults to the production settings.
    """

    database_url: str
    private_dir: Path | None = None
    settings_module: str = "cnam_portal.settings"
    web_workers: int = 2
    with_worker: bool = True
    extra_env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        self.data_dir = Path(tempfile.mkdtemp(prefix="cnam-stack-"))
        self.mail_dir = self.data_dir / "mail"
        self.port = free_port()
        self.redis_port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # One key for every process of the stack: the worker signs what the web servers check.
        self.secret_key = secrets.token_urlsafe(50)
        self._processes: list[tuple[str, subprocess.Popen]] = []

    # --- environment -------------------------------------------------------------------

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}"

    def env(self) -> dict[str, str]:
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/tmp"),
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "DJANGO_SETTINGS_MODULE": self.settings_module,
            "DEBUG": "0",
            "SECRET_KEY": self.secret_key,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": self.url,
            "DATA_DIR": str(self.data_dir),
            "DATABASE_URL": self.database_url,
            "REDIS_URL": f"{self.redis_url}/1",
            "CELERY_BROKER_URL": f"{self.redis_url}/0",
            "MAIL_URL": f"file://{self.mail_dir}",
            "LOG_LEVEL": "WARNING",
            # Plain HTTP on one machine: no redirect to HTTPS, no HSTS (both on by default).
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_HSTS_SECONDS": "0",
            **self.extra_env,
        }

    def manage(self, *args: str) -> None:
        subprocess.run(
            [str(BIN / "python"), "manage.py", *args], cwd=ROOT, env=self.env(), check=True, capture_output=True
        )

    # --- processes ---------------------------------------------------------------------

    def _spawn(self, name: str, command: list[str]) -> Path:
        log = self.data_dir / f"{name}.log"
        handle = log.open("ab")
        process = subprocess.Popen(
            command, cwd=ROOT, env=self.env(), stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        handle.close()
        self._processes.append((name, process))
        return log

    def _answers(self, path: str) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}{path}", timeout=2) as response:  # noqa: S310 - our own server
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def prepare(self) -> ProductionStack:
        """Once: the stack's own Redis and the collected static files."""
        if shutil.which("redis-server") is None:
            raise RuntimeError("redis-server is not installed.")
        self.mail_dir.mkdir(exist_ok=True)
        if self.private_dir is not None and not (self.data_dir / "private").exists():
            (self.data_dir / "private").symlink_to(self.private_dir, target_is_directory=True)
        try:
            redis_log = self._spawn(
                "redis",
                [
                    "redis-server",
                    "--port",
                    str(self.redis_port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(self.data_dir),
                ],
            )
            _wait(self._redis_answers, timeout=15, what="Redis", log=redis_log)
            # collectstatic, or the same files an earlier run collected (tests/static_cache.py).
            subprocess.run(
                [str(BIN / "python"), "-m", "tests.static_cache", str(self.data_dir / "static")],
                cwd=ROOT,
                env=self.env(),
                check=True,
                capture_output=True,
            )
        except BaseException:
            self.stop()
            raise
        return self

    def serve(self) -> ProductionStack:
        """Start gunicorn and the Celery worker, as a deployment does; wait until both answer."""
        try:
            web_log = self._spawn(
                "gunicorn",
                [
                    str(BIN / "gunicorn"),
                    "cnam_portal.wsgi",
                    "--config",
                    "gunicorn.conf.py",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    str(self.web_workers),
                ],
            )
            worker_log = self.data_dir / "worker.log"
            if self.with_worker:
                ready_before = worker_log.read_text(errors="replace").count("ready.") if worker_log.exists() else 0
                worker_log = self._spawn(
                    "worker",
                    [
                        str(BIN / "celery"),
                        "-A",
                        "cnam_portal",
                        "worker",
                        "--loglevel=INFO",
                        "--concurrency=1",
                        # One worker for the whole stack: it consumes every queue of CELERY_TASK_ROUTES.
                        "--queues=mail,documents,default",
                        "--without-gossip",
                        "--without-mingle",
                        "--without-heartbeat",
                    ],
                )
            _wait(lambda: self._answers("/healthz"), timeout=60, what="gunicorn", log=web_log)
            if self.with_worker:
                _wait(
                    lambda: worker_log.read_text(errors="replace").count("ready.") > ready_before,
                    timeout=60,
                    what="the Celery worker",
                    log=worker_log,
                )
        except BaseException:
            self.halt()
            raise
        return self

    @property
    def serving(self) -> bool:
        """gunicorn (and the worker, when there is one) are running."""
        running = {name for name, process in self._processes if process.poll() is None}
        return "gunicorn" in running and (not self.with_worker or "worker" in running)

    def halt(self) -> None:
        """Stop gunicorn and the worker (Redis and the static files stay for the next start)."""
        self.stop(names={"gunicorn", "worker"})

    def start(self) -> ProductionStack:
        return self.prepare().serve()

    def _redis_answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.redis_port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self, names: set[str] | None = None) -> None:
        """Stop the named processes (all by default), newest first."""
        chosen = [(name, process) for name, process in self._processes if names is None or name in names]
        for _name, process in reversed(chosen):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for _name, process in reversed(chosen):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        self._processes = [entry for entry in self._processes if entry not in chosen]

    def web_worker_memory_mb(self) -> list[float]:
        """The resident memory of each gunicorn worker now (the master's children), in MB."""
        masters = [process.pid for name, process in self._processes if name == "gunicorn" and process.poll() is None]
        sizes = []
        for status in Path("/proc").glob("[0-9]*/status"):
            with contextlib.suppress(OSError, ValueError):
                fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
                if int(fields["PPid"]) in masters:
                    sizes.append(int(fields["VmRSS"].split()[0]) / 1024)
        return sorted(sizes)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> ProductionStack:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.cleanup()

    def log(self, name: str) -> str:
        path = self.data_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # --- what the servers did ----------------------------------------------------------

    def flush_cache(self) -> None:
        """Forget rate-limit counters, leaving the broker's queues to the running worker."""
        with socket.create_connection(("127.0.0.1", self.redis_port), timeout=2) as conn:
            conn.sendall(b"SELECT 1\r\nFLUSHDB\r\n")
            received = b""
            while received.count(b"\r\n") < 2 and (chunk := conn.recv(64)):
                received += chunk

    def emails(self) -> list[EmailMessage]:
        """Every email the worker and the web servers wrote to the mail folder, oldest first."""
        messages = []
        for path in sorted(self.mail_dir.glob("*.log"), key=lambda p: p.stat().st_mtime_ns):
            # The file backend writes each message followed by a line of 79 dashes.
            for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if chunk.strip():
                    messages.append(email.message_from_bytes(chunk.lstrip(b"\n"), policy=email.policy.default))
        return messages

    def clear_emails(self) -> None:
        for path in self.mail_dir.glob("*.log"):
            path.unlink()

    def wait_for_email(self, *, to: str, subject_contains: str = "", timeout: float = 30) -> EmailMessage:
        """The newest email to ``to`` (whose subject contains the text), once the worker has sent it."""
        found: list[EmailMessage] = []

        def arrived() -> bool:
            found[:] = [
                message
                for message in self.emails()
                if to in str(message["To"]) and subject_contains in str(message["Subject"])
            ]
            return bool(found)

        _wait(arrived, timeout=timeout, what=f"An email to {to}", log=self.data_dir / "worker.log")
        return found[-1]
