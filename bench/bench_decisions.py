"""Seat decisions under concurrency, and applications over HTTP, measured from outside.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_decisions.py \
        [--only race,hot,spread,submit] [--processes 8] [--duration 20] [--clients 10] [--database NAME]

Builds a database of its own (``bench_decisions``, or ``--database``; migrated, dropped at the
end unless ``--keep-database``) and runs the portal's production settings (``DEBUG`` off, the
lock timeout ``SEAT_LOCK_TIMEOUT_MS`` as deployed) against a Redis of the run's own
(``tests/stack.py``: the cache, where every seat move makes the public pages stale, and the
Celery broker, to which every decision publishes its email after commit; no worker consumes
them, so no email is sent during the measurement).

Decisions go through the service staff use, ``application_accept``, from ``--processes``
separate OS processes (spawned, each with ``django.setup()`` and its own PostgreSQL
connections), released together by a barrier after one untimed decision each:

- race: ``--race-rounds`` times, a fresh session of 5 seats and 200 submitted applications;
  the 200 accepts are shared out over the processes, ``--race-threads`` threads each (each
  thread its own connection), so that 8 × 4 = 32 wait on the session at once. Counted: the
  seats taken afterwards, read from the database (applications holding a seat, their history
  rows and emails), the refusals "session full" (expected), the refusals "busy" (the lock
  timeout ran out) and anything else (unexpected, must be 0).
- hot: one session with a seat for each of ``--processes`` × ``--per-process`` submitted
  applications; each process accepts its own share, one after the other, for ``--duration``
  seconds. Every decision queues on the same session row.
- spread: 8 sessions (one per process), the same otherwise: no two processes wait on each other.

For hot and spread: decisions per minute over the window (first start to last end), latency
per decision (the service call, after-commit hooks included), and where the time of a decision
goes, timed inside each process: the session lock (the ``SELECT … FOR UPDATE``, waiting
included), the other SQL statements, ``COMMIT``, the after-commit publishing (cache and
broker) and the rest (Python); and how long the session row stays locked, from its lock to the
end of ``COMMIT``, which bounds one session's decisions per minute. Each process checks that
``lock_sessions`` set the lock timeout in every decision.

submit: the production stack (collectstatic, gunicorn with ``gunicorn.conf.py``, 2 sync
workers, ``DEBUG`` off), ``--clients`` threads of this process, each signed in through the
portal's form as a distinct applicant with a complete profile, each applying to one open
session after another through the real form, POSTed as multipart with a 200 KB PDF (a
greyscale scan, a JPEG image in a PDF, which the upload checks parse in full). After one
untimed application each, two phases of ``--duration`` seconds: the POST alone, with the CSRF
token of the person's last GET (valid for any form of their session: what the goal counts),
then GET the form and POST it, as a person does. The POST is answered by the redirect to the
application's page, not followed. Python threads with ``http.client`` rather than wrk: each
POST names a session the person has not applied to yet, with a token from a page. Counted:
applications per second, latency (the POST; the GET and POST in the second phase), errors,
and the applications and documents in the database, which must equal the successes. The
apply form has no rate limit and sign-in counts failures only, so distinct users measure the
application path, not a limiter.

A run of every part writes bench/results/decisions.txt and the table between the
``decisions`` markers of bench/README.md; a run of some parts (``--only``) prints only.
"""

import argparse
import contextlib
import http.client
import io
import math
import multiprocessing
import os
import platform
import random
import re
import statistics
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results" / "decisions.txt"
README = ROOT / "bench" / "README.md"
MARKERS = ("<!-- decisions:start -->", "<!-- decisions:end -->")
PARTS = ("race", "hot", "spread", "submit")

RACE_CAPACITY = 5
RACE_APPLICATIONS = 200
# Goals of the issue, and what already held before it (measured the same way).
GOAL_HOT_PER_MINUTE = 3000
HELD_SPREAD_PER_MINUTE = 4500
GOAL_SUBMISSIONS_PER_SECOND = 60
HELD_SUBMISSION_P95_MS = 200
PDF_TARGET_BYTES = 200 * 1024
# Public, like the demo's: the accounts live in a database the run throws away.
PASSWORD = "Candidat-Banc-Decisions-976"  # noqa: S105
STAFF_USERNAME = "bench-gestionnaire"


# --- Inside each decision process -------------------------------------------------------------


class _Timing(threading.local):
    """What one decision of this thread spent, reset before each."""

    def reset(self) -> None:
        self.lock = self.sql = self.commit = self.after = self.held = self.locked_at = 0.0
        self.queries = 0
        self.timeouts: list[str] = []


TIMING = _Timing()
LOCK_TIMEOUT_SQL = re.compile(r"SET LOCAL lock_timeout = '(\d+)ms'")


def _timed_sql(execute, sql, params, many, context):
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        elapsed = time.perf_counter() - started
        TIMING.queries += 1
        if sql.startswith("SET LOCAL lock_timeout"):
            TIMING.timeouts.append(LOCK_TIMEOUT_SQL.match(sql).group(1))
        if "FOR UPDATE" in sql and 'FROM "programs_session"' in sql:
            TIMING.lock += elapsed
            TIMING.locked_at = started + elapsed
        else:
            TIMING.sql += elapsed


def _timed(function, attribute: str):
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            setattr(TIMING, attribute, getattr(TIMING, attribute) + time.perf_counter() - started)

    return wrapper


def _timed_commit(commit):
    """Time COMMIT, and how long the session row stayed locked: from its lock to the commit's end."""

    def wrapper():
        started = time.perf_counter()
        try:
            return commit()
        finally:
            ended = time.perf_counter()
            TIMING.commit += ended - started
            if TIMING.locked_at:
                TIMING.held += ended - TIMING.locked_at
                TIMING.locked_at = 0.0

    return wrapper


def _time_after_commit() -> None:
    """Time what runs after each commit: the cache bump of every seat move, the email's publishing."""
    from core import fragments, outbox

    fragments.bump_now = _timed(fragments.bump_now, "after")
    outbox._enqueue = _timed(outbox._enqueue, "after")


def _refusal(error) -> str:
    code = getattr(error, "code", None)
    return {"session_full": "full", "busy": "busy"}.get(code, f"refused ({code})")


def _decide_each(applications, staff, deadline: float | None) -> dict:
    """Accept each application in turn (until ``deadline``); one record per decision."""
    from django.core.exceptions import ValidationError
    from django.db import connection

    from enrollment.services.applications import application_accept

    if not hasattr(connection, "_bench_commit"):
        connection._bench_commit = True
        connection.commit = _timed_commit(connection.commit)
    records, errors, ran_out = [], [], deadline is not None
    started = time.monotonic()
    with connection.execute_wrapper(_timed_sql):
        for application in applications:
            if deadline is not None and time.monotonic() >= deadline:
                ran_out = False
                break
            TIMING.reset()
            began = time.perf_counter()
            try:
                application_accept(application=application, by=staff)
                outcome = "accepted"
            except ValidationError as error:
                outcome = _refusal(error)
                if outcome not in ("full", "busy"):
                    errors.append(f"{outcome}: {' '.join(error.messages)}")
            except Exception as error:
                outcome = "error"
                errors.append(repr(error))
            elapsed = time.perf_counter() - began
            records.append(
                (
                    outcome,
                    elapsed,
                    TIMING.lock,
                    TIMING.sql,
                    TIMING.commit,
                    TIMING.after,
                    TIMING.queries,
                    ",".join(TIMING.timeouts),
                    TIMING.held,
                )
            )
    return {"records": records, "errors": errors, "start": started, "end": time.monotonic(), "ran_out": ran_out}


def _load(ids):
    from enrollment.models import Application

    return list(Application.objects.filter(pk__in=ids).order_by("pk"))


def _run_task(task: dict, staff, barrier) -> dict:
    """Load the task's applications in each thread, wait for every process, then decide."""
    from django.conf import settings
    from django.db import connections

    threads = task["threads"]
    shares = [task["ids"][n::threads] for n in range(threads)]
    loaded = threading.Barrier(threads + 1)
    go = threading.Event()
    outcomes: list[dict] = [{} for _ in range(threads)]

    def thread_main(n: int) -> None:
        try:
            applications = _load(shares[n])
            loaded.wait()
            go.wait()
            deadline = time.monotonic() + task["duration"] if task["duration"] else None
            outcomes[n] = _decide_each(applications, staff, deadline)
        except Exception as error:  # reported to the parent, which counts it as unexpected
            outcomes[n] = {"records": [], "errors": [repr(error)], "start": 0, "end": 0, "ran_out": False}
            with contextlib.suppress(threading.BrokenBarrierError):
                loaded.abort()
        finally:
            connections.close_all()

    workers = [threading.Thread(target=thread_main, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        loaded.wait()
    barrier.wait()
    go.set()
    for worker in workers:
        worker.join()
    merged = {
        "records": [record for outcome in outcomes for record in outcome["records"]],
        "errors": [error for outcome in outcomes for error in outcome["errors"]],
        "start": min(outcome["start"] for outcome in outcomes if outcome["records"])
        if any(outcome["records"] for outcome in outcomes)
        else 0,
        "end": max(outcome["end"] for outcome in outcomes),
        "ran_out": any(outcome["ran_out"] for outcome in outcomes),
        "lock_timeout_ms": settings.SEAT_LOCK_TIMEOUT_MS,
    }
    return merged


def _worker_main(index: int, inbox, results, barrier, warmup_id: int) -> None:
    """One decision process: set Django up, decide once untimed, then run the tasks it is sent."""
    import logging

    import django

    django.setup()
    logging.disable(logging.WARNING)
    from django.contrib.auth import get_user_model
    from django.db import connections

    _time_after_commit()
    staff = get_user_model().objects.get(username=STAFF_USERNAME)
    # The first decision connects to the broker and imports the tasks: not part of any figure.
    warmup = _decide_each(_load([warmup_id]), staff, None)
    connections.close_all()
    results.put(("ready", index, warmup["errors"]))
    while (task := inbox.get()) is not None:
        results.put(("done", index, _run_task(task, staff, barrier)))


class DecisionProcesses:
    """``count`` decision processes, started once and sent one task each per scenario."""

    def __init__(self, count: int, warmup_ids: list[int]) -> None:
        context = multiprocessing.get_context("spawn")
        self.count = count
        self.barrier = context.Barrier(count + 1)
        self.results = context.Queue()
        self.inboxes = [context.Queue() for _ in range(count)]
        self.processes = [
            context.Process(
                target=_worker_main,
                args=(n, self.inboxes[n], self.results, self.barrier, warmup_ids[n]),
                name=f"decisions-{n}",
            )
            for n in range(count)
        ]
        for process in self.processes:
            process.start()
        for _ in range(count):
            _kind, index, errors = self.results.get(timeout=180)
            if errors:
                raise RuntimeError(f"decision process {index} failed its first decision: {errors[0]}")

    def run(self, shares: list[list[int]], *, threads: int = 1, duration: float = 0) -> list[dict]:
        for inbox, ids in zip(self.inboxes, shares, strict=True):
            inbox.put({"ids": ids, "threads": threads, "duration": duration})
        self.barrier.wait(timeout=180)
        done = [self.results.get(timeout=duration + 300) for _ in range(self.count)]
        return [result for _kind, _index, result in sorted(done, key=lambda item: item[1])]

    def close(self) -> None:
        for inbox in self.inboxes:
            inbox.put(None)
        for process in self.processes:
            process.join(timeout=30)
            if process.is_alive():
                process.terminate()
                process.join(timeout=10)


# --- Data -------------------------------------------------------------------------------------


def create_database(base_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(base_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    parts = urllib.parse.urlsplit(base_url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def drop_database(base_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(base_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_people(count: int, *, prefix: str, hashed: str = "", complete: bool = False) -> list:
    """``count`` accounts in a few queries, sharing the password ``hashed`` (none without it);
    ``complete``: a confirmed email and a complete profile too."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX as UNUSABLE

    from enrollment.models import ApplicantProfile
    from tests.factories import ApplicantProfileFactory

    User = get_user_model()
    User.objects.bulk_create(
        [
            User(username=f"{prefix}{n}", email=f"{prefix}{n}@candidat.example", password=hashed or UNUSABLE)
            for n in range(count)
        ],
        batch_size=2000,
    )
    people = list(User.objects.filter(username__startswith=prefix).order_by("pk"))
    if complete:
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in people]
        )
        ApplicantProfile.objects.bulk_create([ApplicantProfileFactory.build(user=user) for user in people])
    return people


def make_applications(session, people, *, prefix: str) -> list[int]:
    """One submitted application of each person to ``session``; their primary keys, in order."""
    from enrollment.models import Application

    created = Application.objects.bulk_create(
        [
            Application(
                reference=f"{prefix}-{n:06d}",
                session=session,
                applicant=person,
                status=Application.Status.SUBMITTED,
                motivation="Je souhaite me reconvertir et obtenir une qualification reconnue.",
            )
            for n, person in enumerate(people)
        ],
        batch_size=2000,
    )
    return [application.pk for application in created]


def scan_pdf(target: int = PDF_TARGET_BYTES) -> bytes:
    """A one-page greyscale scan (a JPEG image in a PDF, as a phone's scanner app makes), just
    under ``target`` bytes: noise, so that it compresses no further, always the same."""
    from PIL import Image

    noise = random.Random(976).randbytes(620 * 820)
    image = Image.frombytes("L", (620, 820), noise)
    for quality in range(75, 5, -1):
        buffer = io.BytesIO()
        image.save(buffer, "PDF", resolution=150, quality=quality)
        if len(buffer.getvalue()) <= target:
            return buffer.getvalue()
    raise RuntimeError("Could not make the scanned PDF small enough.")


# --- Figures ----------------------------------------------------------------------------------


def percentile(values, fraction: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


def decisions_summary(results: list[dict]) -> dict:
    records = [record for result in results for record in result["records"]]
    outcomes = {}
    for record in records:
        outcomes[record[0]] = outcomes.get(record[0], 0) + 1
    accepted = [record for record in records if record[0] == "accepted"]
    started = [result["start"] for result in results if result["records"]]
    window = (max(result["end"] for result in results) - min(started)) if started else 0.0
    latencies = [record[1] * 1000 for record in records]

    def mean_ms(position: int) -> float:
        return statistics.fmean(record[position] for record in accepted) * 1000 if accepted else 0.0

    breakdown = {
        "total": mean_ms(1),
        "lock": mean_ms(2),
        "sql": mean_ms(3),
        "commit": mean_ms(4),
        "after": mean_ms(5),
        "queries": statistics.fmean(record[6] for record in accepted) if accepted else 0.0,
        "held": mean_ms(8),
    }
    breakdown["python"] = breakdown["total"] - sum(breakdown[key] for key in ("lock", "sql", "commit", "after"))
    timeouts = [record[7] for record in records]
    return {
        "decisions": len(records),
        "accepted": outcomes.get("accepted", 0),
        "full": outcomes.get("full", 0),
        "busy": outcomes.get("busy", 0),
        "unexpected": len(records)
        - sum(outcomes.get(key, 0) for key in ("accepted", "full", "busy"))
        + sum(1 for result in results if not result["records"] and result["errors"]),
        "errors": [error for result in results for error in result["errors"]][:5],
        "window_s": window,
        "per_minute": outcomes.get("accepted", 0) / window * 60 if window else 0.0,
        "p50_ms": percentile(latencies, 0.50),
        "p95_ms": percentile(latencies, 0.95),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": max(latencies, default=0.0),
        "breakdown": breakdown,
        "ran_out": any(result["ran_out"] for result in results),
        "lock_timeout_ms": results[0]["lock_timeout_ms"],
        # Each decision sets the timeout once, to the setting's value.
        "timeout_set": sum(1 for value in timeouts if value == str(results[0]["lock_timeout_ms"])),
    }


# --- The parts --------------------------------------------------------------------------------


def race(processes: DecisionProcesses, people: list, rounds: int, threads: int) -> dict:
    from core.models import Notification
    from enrollment.models import SEAT_STATUSES, Application, ApplicationStatus, ApplicationStatusChange
    from enrollment.seats import session_seat_count
    from tests.factories import SessionFactory

    taken, summaries = [], []
    for round_number in range(1, rounds + 1):
        session = SessionFactory(reference=f"S-BENCH-RACE-{round_number}", capacity=RACE_CAPACITY)
        ids = make_applications(session, people[:RACE_APPLICATIONS], prefix=f"RACE{round_number}")
        summary = decisions_summary(
            processes.run([ids[n :: processes.count] for n in range(processes.count)], threads=threads)
        )
        in_db = {
            "holding": Application.objects.filter(session=session, status__in=SEAT_STATUSES).count(),
            "ledger": session_seat_count(session_id=session.pk).taken,
            "history": ApplicationStatusChange.objects.filter(
                application__session=session, to_status=ApplicationStatus.ACCEPTED
            ).count(),
            "emails": Notification.objects.filter(
                application__session=session, template="application_accepted"
            ).count(),
        }
        taken.append(in_db)
        summaries.append(summary)
        print(
            f"race {round_number}: {in_db['holding']} seats taken in the database (ledger {in_db['ledger']}, "
            f"history {in_db['history']}, emails {in_db['emails']}); accepted {summary['accepted']}, "
            f"full {summary['full']}, busy {summary['busy']}, unexpected {summary['unexpected']}, "
            f"p95 {summary['p95_ms']:.0f} ms, max {summary['max_ms']:.0f} ms",
            flush=True,
        )
        for error in summary["errors"]:
            print(f"  unexpected: {error}")
    exact = all(
        set(row.values()) == {RACE_CAPACITY} and summary["accepted"] == RACE_CAPACITY
        for row, summary in zip(taken, summaries, strict=True)
    )
    unexpected = sum(summary["unexpected"] for summary in summaries)
    return {
        "rounds": rounds,
        "threads": threads,
        "taken": [row["holding"] for row in taken],
        "in_db": taken,
        "accepted": [summary["accepted"] for summary in summaries],
        "full": sum(summary["full"] for summary in summaries),
        "busy": sum(summary["busy"] for summary in summaries),
        "unexpected": unexpected,
        "errors": [error for summary in summaries for error in summary["errors"]][:5],
        "p50_ms": statistics.median(summary["p50_ms"] for summary in summaries),
        "p95_ms": statistics.median(summary["p95_ms"] for summary in summaries),
        "max_ms": max(summary["max_ms"] for summary in summaries),
        "lock_timeout_ms": summaries[0]["lock_timeout_ms"],
        "goal_met": exact and unexpected == 0,
    }


def throughput(processes: DecisionProcesses, people: list, *, sessions: int, per_process: int, duration: float) -> dict:
    """Accepts for ``duration`` seconds: on one session (``sessions=1``) or one session per process."""
    from enrollment.models import SEAT_STATUSES, Application
    from tests.factories import SessionFactory

    count = processes.count
    label = "hot" if sessions == 1 else "spread"
    if sessions == 1:
        session = SessionFactory(reference="S-BENCH-HOT", capacity=count * per_process)
        ids = make_applications(session, people[: count * per_process], prefix="HOT")
        shares = [ids[n::count] for n in range(count)]
        made = [session]
    else:
        made, shares = [], []
        for n in range(count):
            session = SessionFactory(reference=f"S-BENCH-SPREAD-{n}", capacity=per_process)
            shares.append(make_applications(session, people[:per_process], prefix=f"SPREAD{n}"))
            made.append(session)
    summary = decisions_summary(processes.run(shares, duration=duration))
    held = Application.objects.filter(session__in=made, status__in=SEAT_STATUSES).count()
    summary["in_db"] = held
    summary["sessions"] = sessions
    summary["consistent"] = held == summary["accepted"]
    goal = GOAL_HOT_PER_MINUTE if sessions == 1 else HELD_SPREAD_PER_MINUTE
    summary["goal_met"] = (
        summary["per_minute"] >= goal
        and summary["unexpected"] == 0
        and summary["consistent"]
        and not summary["ran_out"]
    )
    b = summary["breakdown"]
    print(
        f"{label}: {summary['accepted']} accepted in {summary['window_s']:.1f} s = {summary['per_minute']:.0f}/min "
        f"(in the database: {held}); p50 {summary['p50_ms']:.1f} ms, p95 {summary['p95_ms']:.1f} ms, "
        f"p99 {summary['p99_ms']:.1f} ms; busy {summary['busy']}, unexpected {summary['unexpected']}; "
        f"per decision: lock {b['lock']:.1f} ms, other SQL {b['sql']:.1f} ms ({b['queries']:.0f} statements), "
        f"COMMIT {b['commit']:.1f} ms, after commit {b['after']:.1f} ms, Python {b['python']:.1f} ms, "
        f"session row held {b['held']:.1f} ms; "
        f"lock timeout {summary['lock_timeout_ms']} ms set in {summary['timeout_set']} of {summary['decisions']}",
        flush=True,
    )
    for error in summary["errors"]:
        print(f"  unexpected: {error}")
    if summary["ran_out"]:
        print(f"  a process decided all its {per_process} applications before the end: raise --per-process")
    return summary


def _request(port: int, method: str, path: str, *, headers: dict, body: bytes | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, str, bytes]]) -> tuple[str, bytes]:
    boundary = "----cnam-bench-decisions-7a9c"
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content_type, content) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Applicant:
    """One signed-in person applying to one session after another.

    With ``with_form`` each application first GETs the form (its CSRF token); without it the
    POST reuses the token of the person's last GET, valid for every form of their session.
    """

    def __init__(self, port: int, cookie: str, session_pks: list[int], pdf: bytes) -> None:
        self.port = port
        self.cookies = dict(part.split("=", 1) for part in cookie.split("; "))
        self.sessions = iter(session_pks)
        self.pdf = pdf
        self.token = ""
        self.ran_out = False
        self.clear()

    def clear(self) -> None:
        self.cycles: list[float] = []
        self.posts: list[float] = []
        self.errors: list[str] = []
        self.successes = 0
        self.start = self.end = 0.0

    def _headers(self, path: str) -> dict:
        return {
            "Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items()),
            "Referer": f"http://127.0.0.1:{self.port}{path}",
        }

    def _keep_cookies(self, headers) -> None:
        for name, value in headers:
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]

    def submit(self, *, with_form: bool = True) -> bool:
        pk = next(self.sessions, None)
        if pk is None:
            self.ran_out = True
            return False
        path = f"/candidatures/postuler/{pk}/"
        began = time.perf_counter()
        if with_form or not self.token:
            status, headers, body = _request(self.port, "GET", path, headers=self._headers(path))
            self._keep_cookies(headers)
            token = TOKEN.search(body.decode(errors="replace"))
            if status != 200 or token is None:
                self.errors.append(f"GET {path}: {status}")
                return True
            self.token = token.group(1)
        content_type, payload = _multipart(
            {
                "csrfmiddlewaretoken": self.token,
                "motivation": "Je veux me former pour travailler dans ma commune, à Mayotte.",
                "document_1_kind": "cv",
            },
            {"document_1_file": ("scan-cv.pdf", "application/pdf", self.pdf)},
        )
        posted = time.perf_counter()
        status, headers, body = _request(
            self.port,
            "POST",
            path,
            headers={**self._headers(path), "Content-Type": content_type, "Content-Length": str(len(payload))},
            body=payload,
        )
        done = time.perf_counter()
        self._keep_cookies(headers)
        location = {name.lower(): value for name, value in headers}.get("location", "")
        if status == 302 and location.startswith("/candidatures/") and "postuler" not in location:
            self.successes += 1
            self.cycles.append(done - began)
            self.posts.append(done - posted)
        else:
            snippet = re.sub(r"\s+", " ", body.decode(errors="replace"))[:200]
            self.errors.append(f"POST {path}: {status} {location} {snippet}")
        return True

    def run(self, *, deadline: float, with_form: bool) -> None:
        self.clear()
        self.start = time.monotonic()
        while time.monotonic() < deadline and self.submit(with_form=with_form):
            pass
        self.end = time.monotonic()


def _phase(applicants: list[Applicant], *, duration: float, with_form: bool) -> dict:
    threads = [
        threading.Thread(target=applicant.run, kwargs={"deadline": time.monotonic() + duration, "with_form": with_form})
        for applicant in applicants
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    window = max(applicant.end for applicant in applicants) - min(applicant.start for applicant in applicants)
    posts = [value * 1000 for applicant in applicants for value in applicant.posts]
    cycles = [value * 1000 for applicant in applicants for value in applicant.cycles]
    errors = [error for applicant in applicants for error in applicant.errors]
    done = sum(applicant.successes for applicant in applicants)
    return {
        "submitted": done,
        "window_s": window,
        "per_second": done / window if window else 0.0,
        "p50_ms": percentile(cycles if with_form else posts, 0.50),
        "p95_ms": percentile(cycles if with_form else posts, 0.95),
        "p99_ms": percentile(cycles if with_form else posts, 0.99),
        "post_p95_ms": percentile(posts, 0.95),
        "errors": errors,
    }


def submissions(stack, *, clients: int, duration: float, sessions: int) -> dict:
    """Two phases of ``duration``: POSTs alone (the token of an earlier GET), then GET + POST."""
    from django.contrib.auth.hashers import make_password

    from bench.bench_pages import log_in
    from enrollment.models import Application, ApplicationDocument
    from programs.models import Session
    from tests.factories import ProgrammeFactory, SessionFactory, SiteFactory

    programme = ProgrammeFactory(title="Gestionnaire de paie", slug="bench-gestionnaire-de-paie")
    site = SiteFactory()
    made = Session.objects.bulk_create(
        [
            SessionFactory.build(programme=programme, site=site, reference=f"S-BENCH-SUBMIT-{n:04d}", capacity=20)
            for n in range(sessions)
        ]
    )
    session_pks = [session.pk for session in made]
    people = make_people(clients, prefix="bench-candidat-", hashed=make_password(PASSWORD), complete=True)
    pdf = scan_pdf()

    stack.serve()
    applicants = [
        Applicant(stack.port, log_in(stack.url, person.email, PASSWORD), session_pks, pdf) for person in people
    ]
    # One untimed application each: the workers' first requests import what they have not yet.
    warmups = [threading.Thread(target=applicant.submit) for applicant in applicants]
    for thread in warmups:
        thread.start()
    for thread in warmups:
        thread.join()
    warmed = sum(applicant.successes for applicant in applicants)
    errors = [error for applicant in applicants for error in applicant.errors]
    post_only = _phase(applicants, duration=duration, with_form=False)
    with_form = _phase(applicants, duration=duration, with_form=True)
    server_errors = stack.log("gunicorn").count("Traceback")
    stack.halt()

    errors += post_only["errors"] + with_form["errors"]
    successes = warmed + post_only["submitted"] + with_form["submitted"]
    stored = Application.objects.filter(applicant__in=people).count()
    documents = ApplicationDocument.objects.filter(application__applicant__in=people).count()
    summary = {
        "clients": clients,
        "pdf_bytes": len(pdf),
        "post_only": post_only,
        "with_form": with_form,
        "warmup": warmed,
        "successes": successes,
        "errors": len(errors),
        "error_samples": errors[:5],
        "in_db": stored,
        "documents": documents,
        "consistent": stored == successes and documents == successes,
        "server_errors": server_errors,
        "ran_out": any(applicant.ran_out for applicant in applicants),
    }
    summary["goal_met"] = (
        post_only["per_second"] >= GOAL_SUBMISSIONS_PER_SECOND
        and post_only["p95_ms"] <= HELD_SUBMISSION_P95_MS
        and not errors
        and not server_errors
        and summary["consistent"]
        and not summary["ran_out"]
    )
    for label, phase in (("submit (POST)", post_only), ("form + submit (GET + POST)", with_form)):
        print(
            f"{label}: {phase['submitted']} applications in {phase['window_s']:.1f} s = "
            f"{phase['per_second']:.1f}/s with {clients} clients; p50 {phase['p50_ms']:.0f} ms, "
            f"p95 {phase['p95_ms']:.0f} ms, p99 {phase['p99_ms']:.0f} ms (POST p95 {phase['post_p95_ms']:.0f} ms); "
            f"errors {len(phase['errors'])}",
            flush=True,
        )
    print(
        f"submit: in the database {stored} applications and {documents} documents for {successes} successes "
        f"({warmed} untimed); server tracebacks {server_errors}; PDF {len(pdf)} bytes",
        flush=True,
    )
    for error in errors[:5]:
        print(f"  error: {error}")
    if summary["ran_out"]:
        print(f"  a client applied to all {sessions} sessions before the end: raise --sessions")
    return summary


# --- Report -----------------------------------------------------------------------------------


def table_rows(figures: dict, args) -> list[list[str]]:
    rows = []
    if "race" in figures:
        race_figures = figures["race"]
        rows.append(
            [
                f"race: 200 accepts on a 5-seat session, {args.processes} processes × "
                f"{race_figures['threads']} threads at once, {race_figures['rounds']} rounds",
                "seats taken " + " / ".join(str(n) for n in race_figures["taken"]),
                f"{race_figures['p50_ms']:.0f} / {race_figures['p95_ms']:.0f}",
                f"{race_figures['full']} / {race_figures['busy']}",
                str(race_figures["unexpected"]),
                "exactly 5 taken, 0 unexpected",
                "met" if race_figures["goal_met"] else "MISSED",
            ]
        )
    for key, title, goal in (
        ("hot", "hot: one session", f"≥ {GOAL_HOT_PER_MINUTE:,} /min"),
        ("spread", f"spread: {args.processes} sessions", f"≥ {HELD_SPREAD_PER_MINUTE:,} /min (held)"),
    ):
        if key in figures:
            summary = figures[key]
            rows.append(
                [
                    f"{title}, {args.processes} processes, {args.duration:.0f} s",
                    f"{summary['per_minute']:,.0f} decisions/min",
                    f"{summary['p50_ms']:.1f} / {summary['p95_ms']:.1f}",
                    f"{summary['full']} / {summary['busy']}",
                    str(summary["unexpected"]),
                    goal,
                    "met" if summary["goal_met"] else "MISSED",
                ]
            )
    if "submit" in figures:
        summary = figures["submit"]
        for phase, title, goal in (
            (
                "post_only",
                "submit: POST with a token from an earlier GET",
                f"≥ {GOAL_SUBMISSIONS_PER_SECOND} /s, p95 ≤ {HELD_SUBMISSION_P95_MS} ms",
            ),
            ("with_form", "form + submit: GET, then POST", "—"),
        ):
            figures_of = summary[phase]
            result = "—" if goal == "—" else ("met" if summary["goal_met"] else "MISSED")
            rows.append(
                [
                    f"{title}, {summary['clients']} clients, {summary['pdf_bytes'] / 1024:.0f} KB PDF, "
                    f"{args.duration:.0f} s",
                    f"{figures_of['per_second']:.1f} applications/s",
                    f"{figures_of['p50_ms']:.0f} / {figures_of['p95_ms']:.0f}",
                    "—",
                    str(len(figures_of["errors"])),
                    goal,
                    result,
                ]
            )
    return rows


HEADER = ["what", "figure", "p50 / p95 ms", "refused full / busy", "unexpected", "goal", "result"]
BREAKDOWN_HEADER = [
    "per decision (mean ms)",
    "session lock, waiting included",
    "other SQL (statements)",
    "COMMIT",
    "after commit (cache, broker)",
    "Python",
    "total",
    "session row held (one session's ceiling)",
]


def breakdown_rows(figures: dict) -> list[list[str]]:
    rows = []
    for key in ("hot", "spread"):
        if key in figures:
            b = figures[key]["breakdown"]
            rows.append(
                [
                    key,
                    f"{b['lock']:.1f}",
                    f"{b['sql']:.1f} ({b['queries']:.0f})",
                    f"{b['commit']:.1f}",
                    f"{b['after']:.1f}",
                    f"{b['python']:.1f}",
                    f"{b['total']:.1f}",
                    f"{b['held']:.1f} ({60000 / b['held'] if b['held'] else 0:,.0f}/min)",
                ]
            )
    return rows


def markdown_table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def text_table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[n]) for row in [header, *rows]) for n in range(len(header))]
    line = "  ".join("-" * width for width in widths)
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(header, widths, strict=True)),
        line,
        *("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows),
    ]


def heading(figures: dict) -> str:
    lock = next((figures[key]["lock_timeout_ms"] for key in ("race", "hot", "spread") if key in figures), None)
    loads = ", ".join(f"{key} {figures[key]['load']:.1f}" for key in PARTS if key in figures)
    parts = [
        time.strftime("%Y-%m-%d %H:%M:%S %z"),
        f"{platform.machine()} cpus={os.cpu_count()} python={platform.python_version()}",
        f"1-min load average before each part: {loads}",
        "PostgreSQL, production settings (DEBUG off)",
    ]
    if lock is not None:
        parts.append(f"SEAT_LOCK_TIMEOUT_MS={lock}")
    return ", ".join(parts)


def rewrite_readme(block: str) -> None:
    """Put ``block`` between the markers of bench/README.md (at its end if they are missing)."""
    start, end = MARKERS
    text = README.read_text(encoding="utf-8")
    framed = f"{start}\n{block}\n{end}"
    if start in text and end in text:
        text = text[: text.index(start)] + framed + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + f"\n\n{framed}\n"
    README.write_text(text, encoding="utf-8")


def checks(figures: dict) -> list[str]:
    """What the database holds after each part, against what the processes and clients counted."""
    lines = []
    if "race" in figures:
        rounds = figures["race"]["in_db"]

        def each(key: str) -> str:
            return " / ".join(str(row[key]) for row in rounds)

        lines.append(
            f"race, each round: {each('holding')} applications holding a seat, ledger {each('ledger')}, "
            f"{each('history')} history rows, {each('emails')} emails; slowest decision "
            f"{figures['race']['max_ms']:.0f} ms"
        )
    for key in ("hot", "spread"):
        if key in figures:
            summary = figures[key]
            lines.append(
                f"{key}: {summary['accepted']} accepted, {summary['in_db']} applications holding a seat; "
                f"lock timeout {summary['lock_timeout_ms']} ms set in {summary['timeout_set']} of "
                f"{summary['decisions']} decisions; p99 {summary['p99_ms']:.0f} ms, slowest {summary['max_ms']:.0f} ms"
            )
    if "submit" in figures:
        summary = figures["submit"]
        lines.append(
            f"submit: {summary['successes']} answered with the application's page ({summary['warmup']} untimed), "
            f"{summary['in_db']} applications and {summary['documents']} documents stored; "
            f"{summary['server_errors']} server tracebacks"
        )
    return lines


def report(figures: dict, args, *, write: bool) -> bool:
    rows, breakdown = table_rows(figures, args), breakdown_rows(figures)
    met = all(row[-1] in ("met", "—") for row in rows)
    head = heading(figures)
    text = [
        "Seat decisions and applications under concurrency (bench/bench_decisions.py)",
        f"date and machine: {head}",
        "",
        *text_table(HEADER, rows),
    ]
    if breakdown:
        text += ["", *text_table(BREAKDOWN_HEADER, breakdown)]
    missed = [row[0].split(":")[0] for row in rows if row[-1] == "MISSED"]
    goals = f"goals: {'missed: ' + ', '.join(missed) if missed else 'all met'}"
    text += ["", *checks(figures), "", goals]
    print("\n" + "\n".join(text))
    if write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text("\n".join(text) + "\n", encoding="utf-8")
        block = [head, "", *markdown_table(HEADER, rows)]
        if breakdown:
            block += ["", *markdown_table(BREAKDOWN_HEADER, breakdown)]
        block += ["", *(f"- {line}" for line in checks(figures)), f"- {goals}"]
        rewrite_readme("\n".join(block))
    return met


# --- Main -------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts among {', '.join(PARTS)}")
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--duration", type=float, default=20, help="seconds of each timed part")
    parser.add_argument("--race-rounds", type=int, default=3)
    parser.add_argument("--race-threads", type=int, default=4)
    parser.add_argument("--per-process", type=int, default=1000, help="applications each process may decide")
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--sessions", type=int, default=400, help="open sessions the clients apply to")
    parser.add_argument("--database", default="bench_decisions")
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args()
    parts = [part.strip() for part in args.only.split(",") if part.strip()]
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith("postgres"):
        print("Set DATABASE_URL to a PostgreSQL server (any database: this script makes its own).", file=sys.stderr)
        return 2

    from tests.stack import ProductionStack

    started = time.monotonic()
    url = create_database(base_url, args.database)
    stack = ProductionStack(database_url=url, with_worker=False)
    processes = None
    figures: dict = {}
    try:
        stack.prepare()
        # This process and every process it starts run the settings the stack's servers run.
        os.environ.update(stack.env())
        import logging

        import django

        django.setup()
        logging.disable(logging.WARNING)
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.db import connections

        from tests.factories import SessionFactory

        call_command("migrate", verbosity=0)
        print(f"database migrated in {time.monotonic() - started:.0f} s", flush=True)
        decisions = [part for part in PARTS if part in parts and part != "submit"]
        if decisions:
            get_user_model().objects.create_superuser(STAFF_USERNAME, f"{STAFF_USERNAME}@cnam-mayotte.fr", None)
            people = make_people(
                max(RACE_APPLICATIONS, args.processes * args.per_process if "hot" in parts else args.per_process),
                prefix="bench-personne-",
            )
            warmup = SessionFactory(reference="S-BENCH-WARMUP", capacity=args.processes)
            warmup_ids = make_applications(warmup, people[: args.processes], prefix="WARMUP")
            connections.close_all()
            processes = DecisionProcesses(args.processes, warmup_ids)
            print(f"{args.processes} decision processes ready at {time.monotonic() - started:.0f} s", flush=True)
            runs = {
                "race": lambda: race(processes, people, args.race_rounds, args.race_threads),
                "hot": lambda: throughput(
                    processes, people, sessions=1, per_process=args.per_process, duration=args.duration
                ),
                "spread": lambda: throughput(
                    processes, people, sessions=args.processes, per_process=args.per_process, duration=args.duration
                ),
            }
            for part in decisions:
                load = os.getloadavg()[0]
                figures[part] = {**runs[part](), "load": load}
            processes.close()
            processes = None
        if "submit" in parts:
            load = os.getloadavg()[0]
            submitted = submissions(stack, clients=args.clients, duration=args.duration, sessions=args.sessions)
            figures["submit"] = {**submitted, "load": load}
        connections.close_all()
    finally:
        if processes is not None:
            processes.close()
        stack.cleanup()
        if not args.keep_database:
            drop_database(base_url, args.database)
    met = report(figures, args, write=set(parts) == set(PARTS))
    print(f"whole run: {time.monotonic() - started:.0f} s")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
