"""Partner staff import speed: validating and committing a 2,000-row CSV.

    DATABASE_URL=postgres://… .venv/bin/python bench/bench_staff_import.py [--rows 2000] [--runs 3]
    DATABASE_URL=postgres://… .venv/bin/python bench/bench_staff_import.py --http [--reuse-database NAME]

Each run builds a fresh scene in a throwaway database (``bench_<name>``, created and dropped
by the run): a commune with a signed convention reserving seats in 4 sessions, and a CSV
of ``--rows`` staff (10 % of them already have an account, reused). It times what the
référent waits for: the preview (parse + validate against the database) and the
confirmation (lock, validate again, then create accounts, profiles, applications, history,
notification and certificate rows in one transaction, all-or-nothing).

The tasks those rows enqueue after commit (emails, certificate PDFs) are published, in the
request, to a real Redis of the run's own (on a spare port): one message per row and task, or,
as the outbox does above ``outbox.FAN_OUT_OVER`` rows, one message per task that a worker fans
out. Each run times both, interleaved, on fresh scenes; no worker consumes them.

``--http`` does the same import through the partner space on the production stack
(``tests/stack.py``: gunicorn with ``gunicorn.conf.py``, ``DEBUG`` off, a Redis of its own as
broker and cache, no worker consuming), at region scale: the database holds ``seed_demo`` and
``bench/large_data.py --scale 1`` (``bench_staff_import_large``, built in about two minutes and
kept; ``--reuse-database`` names one built before, by this script or by ``bench_pages.py
--scale large``). Each run adds a scene of its own (a partner, its référent, a convention, 4
sessions, the 10 % existing accounts, all named after the run) and removes it afterwards. The
référent signs in through the login form, uploads the CSV on the import page, opens the
preview it redirects to, and confirms (all or nothing); each request is timed as the client
sees it, the confirmation with the dashboard it redirects to. The rows are counted in the
database and the messages in the stack's broker. After each, the same import of a fresh scene
runs in this process (service level, as above) on the same database: the ratio says what HTTP
adds, whatever the machine's load.

Results go to bench/results/staff_import.txt, one block per mode.
"""

import argparse
import http.cookiejar
import os
import platform
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

RESULTS = ROOT / "bench" / "results" / "staff_import.txt"
GOAL_SECONDS = 3.0
SESSIONS = 4
SERVICE_TITLE = "Partner staff import (bench/bench_staff_import.py)"
HTTP_TITLE = "Partner staff import over HTTP at region scale (bench/bench_staff_import.py --http)"
QUEUES = ("mail", "documents", "default")
LOGIN = "/compte/login/"
DASHBOARD = "/partenaires/"
IMPORT = "/partenaires/import/"
PREVIEW = "/partenaires/import/apercu/"
FORM = "application/x-www-form-urlencoded"
DEMO_REFERENT = "referent.tsingoni@mairie-tsingoni.example"  # seed_demo's


def build_scene(tag: str, rows: int):
    """A commune, its référent, a signed convention with seats in 4 sessions, and the CSV.

    Everything that must be unique is named after ``tag``, so that scenes live side by side in
    a database that holds others (``--http``'s region-scale one). Returns the référent's
    membership and the CSV.
    """
    from partners.models import Partner
    from programs.models import Programme
    from tests.factories import (
        ApplicantProfileFactory,
        ConventionFactory,
        PartnerFactory,
        PartnerMemberFactory,
        SeatAllocationFactory,
        SessionFactory,
        UserFactory,
        luhn_siret,
    )

    number = zlib.crc32(tag.encode())
    partner = PartnerFactory(
        name=f"Commune de Tsingoni {tag}", kind=Partner.Kind.COMMUNE, siret=luhn_siret(21_900_000_000 + number)
    )
    referent = f"referent.{tag}@mairie-tsingoni.yt"
    member = PartnerMemberFactory(partner=partner, user=UserFactory(username=referent, email=referent))
    convention = ConventionFactory(partner=partner, reference=f"CONV-2026-{number:010d}")
    # A programme of the catalogue when there is one; else the factory makes one.
    programme = Programme.objects.published().order_by("pk").first()
    catalogue = {"programme": programme} if programme is not None else {}
    per_session = -(-rows // SESSIONS)
    references = []
    for index in range(SESSIONS):
        session = SessionFactory(reference=f"S-BENCH-{tag}-{index}", capacity=per_session + 20, **catalogue)
        SeatAllocationFactory(convention=convention, session=session, seats=per_session)
        references.append(session.reference)
    lines = ["prenom;nom;email;fonction;session"]
    for n in range(rows):
        email = f"agent{tag}.{n}@mairie-tsingoni.yt"
        if n % 10 == 0:  # already has an account on the portal
            ApplicantProfileFactory(user=UserFactory(username=email, email=email))
        lines.append(f"Prénom{n};Nom{n};{email};Agent territorial;{references[n % SESSIONS]}")
    return member, ("\r\n".join(lines) + "\r\n").encode("utf-8")


def drop_scene(tag: str) -> None:
    """Remove what ``build_scene`` (even half done) and the import made: a reused database stays as built."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.db.models import Q

    from enrollment.models import Application
    from partners.models import Convention, Partner
    from programs.models import Session

    with transaction.atomic():
        sessions = Session.objects.filter(reference__startswith=f"S-BENCH-{tag}-")
        Application.objects.filter(session__in=sessions).delete()  # their history and outbox rows with them
        get_user_model().objects.filter(
            Q(email__startswith=f"agent{tag}.") | Q(email=f"referent.{tag}@mairie-tsingoni.yt")
        ).delete()
        Convention.objects.filter(partner__name=f"Commune de Tsingoni {tag}").delete()
        sessions.delete()
        Partner.objects.filter(name=f"Commune de Tsingoni {tag}").delete()


def write_block(title: str, lines: list[str]) -> None:
    """Replace this mode's block of the results file (the other mode's stays)."""
    blocks = RESULTS.read_text(encoding="utf-8").strip().split("\n\n") if RESULTS.exists() else []
    blocks = [block for block in blocks if block.splitlines()[0] != title]
    blocks.append("\n".join(lines))
    blocks.sort(key=lambda block: block.splitlines()[0] != SERVICE_TITLE)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--http", action="store_true", help="through the partner space on the production stack")
    parser.add_argument("--reuse-database", default="", help="(--http) a region-scale database built before")
    args = parser.parse_args()
    return over_http(args) if args.http else in_process(args)


def import_in_process(*, member, content: bytes, rows: int) -> tuple[float, float]:
    """The preview and the commit as the views call them, without HTTP: (preview, commit) seconds."""
    from enrollment.models import Application
    from partner_space import imports
    from partner_space import services as services_staff

    started = time.perf_counter()
    parsed = imports.parse_staff_file(content, "agents.csv")
    services_staff.staff_import_validate(partner=member.partner, rows=parsed)
    previewed = time.perf_counter()
    assert all(row.ok for row in parsed), [row.errors for row in parsed if not row.ok][:3]
    fresh = [imports.StaffRow.from_dict(row.as_dict()) for row in parsed]
    outcome = services_staff.staff_import_commit(member=member, rows=fresh, all_or_nothing=True)
    finished = time.perf_counter()  # the tasks are published once it returns
    assert len(outcome.applications) == rows
    assert Application.objects.filter(convention__partner=member.partner).count() == rows
    return previewed - started, finished - previewed


def publish_to(broker_url: str) -> None:
    """Tasks enqueued by this process go to that broker (the test settings run them in-process)."""
    from django.conf import settings

    from cnam_portal.celery import app as celery_app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = broker_url


def in_process(args) -> int:
    from tests.redis_server import RedisServer

    redis_server = RedisServer().start()
    os.environ["CELERY_BROKER_URL"] = redis_server.url()

    import logging

    import django

    django.setup()
    logging.disable(logging.WARNING)

    import redis

    from core import outbox

    publish_to(redis_server.url())
    broker = redis.Redis.from_url(redis_server.url())
    fan_out_over = outbox.FAN_OUT_OVER

    def published() -> int:
        return sum(broker.llen(queue) for queue in QUEUES)

    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    vendor = connection.vendor
    if vendor != "sqlite":
        connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_{connection.settings_dict['NAME']}"
    old_config = setup_databases(verbosity=0, interactive=False, keepdb=False)
    previews, commits, totals, per_row_commits, messages = [], [], [], [], {}
    try:
        for run in range(args.runs):
            for mode in ("per row", "fan-out"):
                outbox.FAN_OUT_OVER = 10**9 if mode == "per row" else fan_out_over
                member, content = build_scene(str(run * 2 + (mode == "fan-out")), args.rows)
                broker.flushdb()
                preview, commit = import_in_process(member=member, content=content, rows=args.rows)
                messages[mode] = published()
                if mode == "per row":
                    per_row_commits.append(commit)
                else:
                    previews.append(preview)
                    commits.append(commit)
                    totals.append(preview + commit)
                print(f"run {run + 1} ({mode}): commit {commit:.2f} s, {messages[mode]} messages")
    finally:
        outbox.FAN_OUT_OVER = fan_out_over
        teardown_databases(old_config, verbosity=0)
        redis_server.cleanup()

    median = statistics.median(totals)
    lines = [
        SERVICE_TITLE,
        f"date: {time.strftime('%Y-%m-%d %H:%M:%S %z')}",
        f"machine: {platform.machine()} cpus={os.cpu_count()} python={platform.python_version()} db={vendor}",
        f"data: {args.rows} CSV rows over {SESSIONS} sessions, 10 % existing accounts, all-or-nothing commit",
        f"runs: {len(totals)}",
        f"preview (parse + validate) median: {statistics.median(previews):.2f} s",
        f"commit (lock + validate again + write + publish) median: {statistics.median(commits):.2f} s, "
        f"{messages['fan-out']} messages published",
        f"the same commit publishing one message per row and task: {statistics.median(per_row_commits):.2f} s, "
        f"{messages['per row']} messages",
        f"total median: {median:.2f} s (min {min(totals):.2f} s, max {max(totals):.2f} s)",
        f"goal: total < {GOAL_SECONDS:.0f} s -> {'OK' if median < GOAL_SECONDS else 'MISSED'}",
    ]
    print("\n".join(lines))
    write_block(SERVICE_TITLE, lines)
    return 0 if median < GOAL_SECONDS else 1


# --- Over HTTP, at region scale --------------------------------------------------------------


class _Unredirected(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the caller times the page a redirect leads to on its own


class Browser:
    """One person's browser on the stack: cookies kept (the portal's Secure ones, over plain HTTP
    to this machine, as browsers send them to 127.0.0.1), redirects left to the caller."""

    def __init__(self, base: str):
        from bench.bench_pages import LoopbackPolicy

        self.base = base
        jar = http.cookiejar.CookieJar(policy=LoopbackPolicy())
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _Unredirected)

    def open(self, path: str, *, data: bytes | None = None, content_type: str = "") -> tuple[int, str, str, float]:
        """(status, path redirected to, body, seconds from sending the request to the last byte)."""
        headers = {"Referer": f"{self.base}{path}"}
        if content_type:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(f"{self.base}{path}", data=data, headers=headers)  # noqa: S310 - our server
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=120) as response:
                status, location, body = response.status, response.headers.get("Location", ""), response.read()
        except urllib.error.HTTPError as answer:  # a redirect not followed, or an error page
            status, location, body = answer.code, answer.headers.get("Location", ""), answer.read()
        elapsed = time.perf_counter() - started
        return status, urllib.parse.urlsplit(location).path, body.decode("utf-8", "replace"), elapsed

    def post(self, path: str, fields: dict[str, str], files: dict[str, tuple[str, bytes]] | None = None):
        if not files:
            return self.open(path, data=urllib.parse.urlencode(fields).encode(), content_type=FORM)
        boundary = secrets.token_hex(16)
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in fields.items()
        ]
        for name, (filename, content) in files.items():
            head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            parts.append(f"{head}Content-Type: text/csv\r\n\r\n".encode() + content + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        return self.open(path, data=b"".join(parts), content_type=f"multipart/form-data; boundary={boundary}")

    def log_in(self, email: str, password: str) -> None:
        """Through the login form, as ``bench_pages.log_in`` does."""
        _status, _location, page, _elapsed = self.open(LOGIN)
        status, location, _body, _elapsed = self.post(
            LOGIN,
            {"login": email, "password": password, "csrfmiddlewaretoken": form_value(page, "csrfmiddlewaretoken")},
        )
        if status != 302 or location == LOGIN:
            raise RuntimeError(f"Could not sign in as {email} ({status}).")


def form_value(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', page)
    if found is None:
        raise RuntimeError(f"No {name} in the page:\n{page[:3000]}")
    return found.group(1)


def import_over_http(browser: Browser, broker, *, member, content: bytes, rows: int) -> dict[str, float]:
    """Upload, preview, confirm as the référent does; the seconds each request took."""
    from enrollment.models import Application

    status, _location, page, _elapsed = browser.open(IMPORT)
    assert status == 200, status
    browser.open(DASHBOARD)  # the référent's first page: the member joins, the worker warms up
    status, location, _body, upload = browser.post(
        IMPORT, {"csrfmiddlewaretoken": form_value(page, "csrfmiddlewaretoken")}, {"file": ("agents.csv", content)}
    )
    assert status == 302 and location == PREVIEW, (status, location, _body[:3000])
    status, _location, page, preview = browser.open(PREVIEW)
    assert status == 200, status
    queued = sum(broker.llen(queue) for queue in QUEUES)
    fields = {
        "csrfmiddlewaretoken": form_value(page, "csrfmiddlewaretoken"),
        "token": form_value(page, "token"),
        "mode": "tout_ou_rien",
    }
    status, location, body, confirm = browser.post(PREVIEW, fields)
    assert status == 302 and location == DASHBOARD, (status, location, body[:3000])
    published = sum(broker.llen(queue) for queue in QUEUES) - queued
    status, _location, _dashboard, dashboard = browser.open(location)
    assert status == 200, status
    landed = Application.objects.filter(convention__partner=member.partner).count()
    assert landed == rows, f"{landed} applications for {rows} rows"
    return {
        "upload": upload,
        "preview": preview,
        "confirm": confirm,
        "dashboard": dashboard,
        "preview_kb": len(page.encode()) / 1024,
        "published": published,
    }


def over_http(args) -> int:
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith("postgres"):
        print("Set DATABASE_URL to a PostgreSQL server (any database: this script makes its own).", file=sys.stderr)
        return 2
    from bench.bench_pages import PASSWORDS, build_database, database_url

    name = args.reuse_database or "bench_staff_import_large"
    url = database_url(base_url, name) if args.reuse_database else build_database(base_url, name, "large")
    os.environ.update({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "tests.settings"})
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("CELERY_BROKER_URL", None)

    import logging

    import django

    django.setup()
    logging.disable(logging.WARNING)

    import redis
    from django.contrib.auth import get_user_model

    from enrollment.models import Application
    from tests.stack import ProductionStack

    User = get_user_model()
    # The demo référent's password (public, bench_pages.PASSWORDS): the hash made by the
    # portal's own hasher, which the test settings this process runs under do not use.
    password_hash = User.objects.get(email=DEMO_REFERENT).password
    scale = f"{Application.objects.count()} applications, {User.objects.count()} accounts"
    private_dir = Path(tempfile.mkdtemp(prefix="cnam-bench-import-"))
    stack = ProductionStack(database_url=url, private_dir=private_dir, with_worker=False)
    runs = []
    try:
        stack.start()
        publish_to(f"{stack.redis_url}/0")
        broker = redis.Redis(host="127.0.0.1", port=stack.redis_port, db=0)
        for run in range(args.runs):
            tag = secrets.token_hex(4)
            try:
                member, content = build_scene(tag, args.rows)
                User.objects.filter(pk=member.user_id).update(password=password_hash)
                browser = Browser(stack.url)
                browser.log_in(member.user.email, PASSWORDS["partner"])
                figures = import_over_http(browser, broker, member=member, content=content, rows=args.rows)
            finally:
                drop_scene(tag)
            # The same import on the same database without HTTP, right after: what the request adds.
            tag = secrets.token_hex(4)
            try:
                member, content = build_scene(tag, args.rows)
                queued = sum(broker.llen(queue) for queue in QUEUES)
                figures["service_preview"], figures["service_commit"] = import_in_process(
                    member=member, content=content, rows=args.rows
                )
                figures["service_published"] = sum(broker.llen(queue) for queue in QUEUES) - queued
            finally:
                drop_scene(tag)
            runs.append(figures)
            print(
                f"run {run + 1}: upload {figures['upload']:.2f} s, preview page {figures['preview']:.2f} s, "
                f"confirmation {figures['confirm']:.2f} s, dashboard {figures['dashboard']:.2f} s, "
                f"{figures['published']} messages; in process: preview {figures['service_preview']:.2f} s, "
                f"commit {figures['service_commit']:.2f} s, {figures['service_published']} messages",
                flush=True,
            )
    finally:
        stack.cleanup()
        shutil.rmtree(private_dir, ignore_errors=True)

    def median(key: str) -> float:
        return statistics.median(run[key] for run in runs)

    previews = [run["upload"] + run["preview"] for run in runs]
    commits = [run["confirm"] + run["dashboard"] for run in runs]
    commit = statistics.median(commits)
    met = commit <= GOAL_SECONDS
    lines = [
        HTTP_TITLE,
        f"date: {time.strftime('%Y-%m-%d %H:%M:%S %z')}",
        f"machine: {platform.machine()} cpus={os.cpu_count()} python={platform.python_version()} db=postgresql",
        f"stack: tests/stack.py, gunicorn ({stack.web_workers} workers, gunicorn.conf.py), DEBUG off, "
        "its own Redis as broker and cache, no worker consuming",
        f"database: {name} (seed_demo + bench/large_data.py --scale 1: {scale})",
        f"data: {args.rows} CSV rows over {SESSIONS} sessions, 10 % existing accounts, all-or-nothing commit",
        f"runs: {len(runs)} (upload + preview page / confirmation + dashboard, s: "
        + ", ".join(
            f"{run['upload']:.2f} + {run['preview']:.2f} / {run['confirm']:.2f} + {run['dashboard']:.2f}"
            for run in runs
        )
        + ")",
        f"upload (POST the file: parse, keep the rows in the session) median: {median('upload'):.2f} s",
        f"preview page (validate, list the rows) median: {median('preview'):.2f} s, "
        f"{median('preview_kb'):.0f} KB of HTML",
        f"preview (upload + preview page) median: {statistics.median(previews):.2f} s",
        f"confirmation (POST: lock + validate again + write + publish) median: {median('confirm'):.2f} s, "
        f"{runs[-1]['published']} messages published",
        f"dashboard it redirects to median: {median('dashboard'):.2f} s",
        f"the same import in process on this database, after each: preview {median('service_preview'):.2f} s, "
        f"commit {median('service_commit'):.2f} s (confirmation over HTTP / commit in process, median of the runs: "
        f"{statistics.median(run['confirm'] / run['service_commit'] for run in runs):.2f})",
        f"commit end to end (confirmation + dashboard) median: {commit:.2f} s "
        f"(min {min(commits):.2f} s, max {max(commits):.2f} s)",
        f"goal: commit end to end <= {GOAL_SECONDS:.0f} s -> {'OK' if met else 'MISSED'}",
    ]
    print("\n".join(lines))
    write_block(HTTP_TITLE, lines)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
