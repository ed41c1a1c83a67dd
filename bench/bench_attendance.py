"""Attendance under load, measured from outside: one slot's signatures over HTTP.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_attendance.py \
        [--only signatures,statements] [--people 200] [--within 60] [--clients 40] [--database NAME] [--keep-database]

Builds a database of its own (``bench_attendance``, or ``--database``; migrated, dropped at the end
unless ``--keep-database``) and serves it as production does (``tests/stack.py``: collectstatic,
gunicorn with ``gunicorn.conf.py``, 2 sync workers, ``DEBUG`` off, a Redis of the run's own for the
cache and the sessions). Each part is a function; ``--only`` runs some of them.

signatures: a session with a slot running now, its trainer and ``--people`` people enrolled, each
with an account. Everyone signs in through the portal's form first (untimed: the password hash is
the cost of signing in, not of signing). The trainer opens the sheet through « Ouvrir la feuille »
and keeps its live fragment polled every 3 s, as the page's script does. Each person, at a moment
drawn at random within ``--within`` seconds (seeded), "scans" the QR code: the token of the step
shown then (the sheet's secret is read from the database, as a phone reads the QR code), GETs its
address (the page with « Je signe ma présence »), waits 0.5 to 3 s, as a thumb does, and POSTs;
one person in ten taps twice. ``--clients`` threads carry them, each with the person's own cookies
and CSRF token. Counted: the signatures answered by the redirect to /emargement/, errors, the
lines and history rows in the database (one each per person: duplicates must be 0), latency of the
POST and of GET + POST (p50, p95, p99), the trainer's fragment (p95), server tracebacks.

statements: the monthly statements of 500 people (``--statement-people``) rendered in process through
the follow-up's render service, median and p95 time per PDF (``bench_attendance_statements.py``,
which also runs alone on a throwaway test database).

A run of a part writes bench/results/attendance_<part>.txt and the table between the
``attendance-<part>`` markers of bench/README.md.
"""

import argparse
import datetime
import os
import platform
import random
import re
import statistics
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_decisions import (  # noqa: E402 - the path above first
    _request,
    create_database,
    drop_database,
    make_people,
    percentile,
)

RESULTS = ROOT / "bench" / "results"
README = ROOT / "bench" / "README.md"
PARTS = ("signatures", "statements")
# Public, like the demo's: the accounts live in a database the run throws away.
PASSWORD = "Stagiaire-Banc-Emargement-976"  # noqa: S105
TRAINER_EMAIL = "formatrice.banc@cnam-mayotte.fr"
GOAL_P95_MS = 500
POLL_SECONDS = 3.0
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


# --- HTTP with one person's cookies ---------------------------------------------------------------


class Browser:
    """One signed-in person's cookies, and their requests to the stack."""

    def __init__(self, port: int, cookie: str, address: str) -> None:
        self.port = port
        self.address = address
        self.cookies = dict(part.split("=", 1) for part in cookie.split("; "))

    def headers(self, path: str) -> dict:
        return {
            "Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items()),
            "Referer": f"http://127.0.0.1:{self.port}{path}",
            "X-Forwarded-For": self.address,
        }

    def keep(self, headers) -> None:
        for name, value in headers:
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]

    def get(self, path: str):
        status, headers, body = _request(self.port, "GET", path, headers=self.headers(path))
        self.keep(headers)
        return status, {name.lower(): value for name, value in headers}, body.decode(errors="replace")

    def post(self, path: str, fields: dict[str, str]):
        payload = urllib.parse.urlencode(fields).encode()
        headers = {
            **self.headers(path),
            "Content-Type": "application/x-www-form-urlencoded",
            "Content-Length": str(len(payload)),
        }
        status, response_headers, body = _request(self.port, "POST", path, headers=headers, body=payload)
        self.keep(response_headers)
        return status, {name.lower(): value for name, value in response_headers}, body.decode(errors="replace")


def phone_address(n: int) -> str:
    """The address the reverse proxy would name for person ``n``'s phone (RFC 2544's benchmark range).

    Only a header: gunicorn is reached on the loopback, which the settings trust as the proxy
    (``FORWARDED_ALLOW_IPS``), so sign-in's per-address rate limit counts each phone on its own,
    as it does behind the production proxy.
    """
    return f"198.18.{n // 250}.{n % 250 + 1}"


def log_in(base: str, email: str, address: str) -> str:
    """Sign in through the portal's own form, from ``address``; the cookies."""
    import http.cookiejar
    import urllib.request

    from bench.bench_pages import LoopbackPolicy

    jar = http.cookiejar.CookieJar(policy=LoopbackPolicy())
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("X-Forwarded-For", address)]
    page = opener.open(f"{base}/compte/login/").read().decode()
    token = TOKEN.search(page).group(1)
    data = urllib.parse.urlencode({"login": email, "password": PASSWORD, "csrfmiddlewaretoken": token}).encode()
    request = urllib.request.Request(  # noqa: S310 - the benchmark's own server
        f"{base}/compte/login/", data=data, headers={"Referer": f"{base}/compte/login/"}
    )
    opener.open(request).read()
    cookies = {cookie.name: cookie.value for cookie in jar}
    if "sessionid" not in cookies:
        raise RuntimeError(f"Could not sign in as {email}.")
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def _log_in_all(base: str, emails: list[str], *, threads: int = 8) -> list[str]:
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(lambda pair: log_in(base, pair[1], phone_address(pair[0])), enumerate(emails)))


# --- signatures ---------------------------------------------------------------------------------


def _course(people: int):
    """A session with a slot running now, its trainer and ``people`` people enrolled, all with accounts."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from attendance.models import Trainer
    from enrollment.models import Application, ApplicationStatus
    from tests.factories import ProgrammeFactory, SessionFactory, SiteFactory, SlotFactory

    now = timezone.localtime()
    today = now.date()
    session = SessionFactory(
        programme=ProgrammeFactory(title="Gestionnaire de paie", slug="bench-emargement-paie"),
        site=SiteFactory(),
        reference="S-BENCH-EMARGEMENT",
        capacity=people,
        start_date=today - datetime.timedelta(days=7),
        end_date=today + datetime.timedelta(days=60),
    )
    start = max(now - datetime.timedelta(minutes=20), now.replace(hour=0, minute=0, second=0, microsecond=0))
    end = min(now + datetime.timedelta(hours=2), now.replace(hour=23, minute=59, second=0, microsecond=0))
    slot = SlotFactory(
        session=session,
        date=today,
        start_time=start.time().replace(microsecond=0),
        end_time=end.time().replace(microsecond=0),
    )
    hashed = make_password(PASSWORD)
    trainer_user = get_user_model().objects.create(
        username=TRAINER_EMAIL, email=TRAINER_EMAIL, first_name="Nadia", last_name="Madi", password=hashed
    )
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=trainer_user, email=TRAINER_EMAIL, verified=True, primary=True)
    trainer = Trainer.objects.create(user=trainer_user)
    trainer.sessions.add(session)
    persons = make_people(people, prefix="bench-stagiaire-", hashed=hashed, complete=True)
    Application.objects.bulk_create(
        [
            Application(
                reference=f"EMARG-{n:06d}",
                session=session,
                applicant=person,
                status=ApplicationStatus.ENROLLED,
                enrolled_at=timezone.now(),
                motivation="Je souhaite me former au métier de gestionnaire de paie.",
            )
            for n, person in enumerate(persons)
        ]
    )
    return slot, trainer_user, persons


class Poller(threading.Thread):
    """The trainer's page script: the live fragment every 3 s, timed, until told to stop."""

    def __init__(self, browser: Browser, path: str) -> None:
        super().__init__(daemon=True)
        self.browser, self.path = browser, path
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(POLL_SECONDS):
            began = time.perf_counter()
            status, _headers, body = self.browser.get(self.path)
            self.latencies.append(time.perf_counter() - began)
            if status != 200 or "Signatures" not in body:
                self.errors.append(f"fragment: {status}")


def _sign_one(browser: Browser, *, sheet, start_at: float, think: float, double: bool, records: list, errors: list):
    from django.utils import timezone

    from attendance import codes

    time.sleep(max(0.0, start_at - time.monotonic()))
    # The phone reads the QR code shown now.
    token = codes.token_for(sheet.pk, sheet.secret, codes.step_at(timezone.now()))
    path = f"/emargement/{token}/"
    began = time.perf_counter()
    status, _headers, body = browser.get(path)
    got = time.perf_counter()
    csrf = TOKEN.search(body)
    if status != 200 or csrf is None or "Je signe ma présence" not in body:
        errors.append(f"GET {status}: {re.sub(r'\s+', ' ', body)[:160]}")
        return
    time.sleep(think)
    taps = 2 if double else 1
    for tap in range(taps):
        posted = time.perf_counter()
        status, headers, body = browser.post(path, {"csrfmiddlewaretoken": csrf.group(1)})
        done = time.perf_counter()
        if status == 302 and headers.get("location", "").rstrip("/").endswith("/emargement"):
            if tap == 0:
                records.append((start_at, got - began, done - posted, (got - began) + (done - posted)))
        else:
            errors.append(f"POST {status}: {re.sub(r'\s+', ' ', body)[:160]}")


def signatures(stack, *, people: int, within: float, clients: int, seed: int = 976) -> dict:
    """``people`` sign one slot over HTTP within ``within`` seconds; duplicates must be 0."""
    from attendance.models import Attendance, AttendanceChange, AttendanceSheet

    slot, _trainer_user, persons = _course(people)
    stack.serve()
    trainer = Browser(stack.port, log_in(stack.url, TRAINER_EMAIL, "198.18.255.1"), "198.18.255.1")
    status, _headers, home = trainer.get("/formateur/")
    csrf = TOKEN.search(home)
    if status != 200 or csrf is None:
        raise RuntimeError(f"The trainer's home answered {status}.")
    status, headers, _body = trainer.post(
        f"/formateur/creneaux/{slot.pk}/ouvrir/", {"csrfmiddlewaretoken": csrf.group(1)}
    )
    sheet = AttendanceSheet.objects.get(slot=slot)
    if status != 302 or not headers.get("location", "").endswith(f"/formateur/feuilles/{sheet.pk}/"):
        raise RuntimeError(f"Opening the sheet answered {status} {headers.get('location')}.")
    print(f"signatures: signing in {people} people through the form…", flush=True)
    started = time.monotonic()
    cookies = _log_in_all(stack.url, [person.email for person in persons])
    print(f"signatures: {people} people signed in in {time.monotonic() - started:.0f} s (untimed)", flush=True)
    browsers = [Browser(stack.port, cookie, phone_address(n)) for n, cookie in enumerate(cookies)]
    # One untimed page each for the two workers, so that their first imports do not count.
    for browser in browsers[:4]:
        browser.get("/emargement/")

    draw = random.Random(seed)
    poller = Poller(trainer, f"/formateur/feuilles/{sheet.pk}/direct/")
    records: list = []
    errors: list[str] = []
    load = os.getloadavg()[0]
    t0 = time.monotonic() + 1.0
    plan = [
        {
            "start_at": t0 + draw.uniform(0, max(0.0, within - 3.5)),
            "think": draw.uniform(0.5, 3.0),
            "double": draw.random() < 0.1,
        }
        for _ in browsers
    ]
    poller.start()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        futures = [
            pool.submit(_sign_one, browser, sheet=sheet, records=records, errors=errors, **step)
            for browser, step in sorted(zip(browsers, plan, strict=True), key=lambda pair: pair[1]["start_at"])
        ]
        for future in futures:
            future.result()
    finished = time.monotonic()
    poller.stopping.set()
    poller.join(timeout=10)
    server_errors = stack.log("gunicorn").count("Traceback")
    stack.halt()

    lines = Attendance.objects.filter(sheet=sheet)
    signed_lines = lines.filter(signed_at__isnull=False).count()
    distinct = lines.values("application_id").distinct().count()
    changes = AttendanceChange.objects.filter(sheet=sheet).count()
    posts = [record[2] * 1000 for record in records]
    cycles = [record[3] * 1000 for record in records]
    gets = [record[1] * 1000 for record in records]
    fragments = [value * 1000 for value in poller.latencies]
    summary = {
        "people": people,
        "within_s": within,
        "window_s": finished - t0,
        "clients": clients,
        "signed": len(records),
        "double_taps": sum(1 for step in plan if step["double"]),
        "errors": len(errors) + len(poller.errors),
        "error_samples": (errors + poller.errors)[:5],
        "lines": lines.count(),
        "signed_lines": signed_lines,
        "duplicates": lines.count() - distinct,
        "history_rows": changes,
        "post_p50_ms": percentile(posts, 0.50),
        "post_p95_ms": percentile(posts, 0.95),
        "post_p99_ms": percentile(posts, 0.99),
        "get_p95_ms": percentile(gets, 0.95),
        "cycle_p95_ms": percentile(cycles, 0.95),
        "post_mean_ms": statistics.fmean(posts) if posts else 0.0,
        "fragment_polls": len(fragments),
        "fragment_p95_ms": percentile(fragments, 0.95),
        "server_errors": server_errors,
        "load": load,
    }
    summary["goal_met"] = (
        summary["signed"] == people
        and summary["signed_lines"] == people
        and summary["duplicates"] == 0
        and summary["history_rows"] == people
        and summary["errors"] == 0
        and summary["server_errors"] == 0
        and summary["post_p95_ms"] <= GOAL_P95_MS
    )
    print(
        f"signatures: {summary['signed']}/{people} signed in {summary['window_s']:.1f} s with {clients} clients "
        f"({summary['double_taps']} tapped twice); POST p50 {summary['post_p50_ms']:.0f} ms, "
        f"p95 {summary['post_p95_ms']:.0f} ms, p99 {summary['post_p99_ms']:.0f} ms; GET + POST p95 "
        f"{summary['cycle_p95_ms']:.0f} ms; trainer's fragment p95 {summary['fragment_p95_ms']:.0f} ms over "
        f"{summary['fragment_polls']} polls; errors {summary['errors']}; in the database {summary['lines']} lines, "
        f"{summary['signed_lines']} signed, duplicates {summary['duplicates']}, {changes} history rows; "
        f"server tracebacks {server_errors}",
        flush=True,
    )
    for error in summary["error_samples"]:
        print(f"  error: {error}")
    return summary


def statements(stack, *, people: int = 500, **_kwargs) -> dict:
    """The monthly statements of ``people`` rendered in process, median time per PDF
    (``bench_attendance_statements.bench_statements``, in this run's database)."""
    from bench_attendance_statements import bench_statements

    lines, met = bench_statements(people=people)
    return {"lines": lines, "goal_met": met}


# --- Report -------------------------------------------------------------------------------------


def _heading(figures: dict) -> str:
    stamp = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %z")
    return (
        f"{stamp}, {platform.machine()} cpus={os.cpu_count()} python={platform.python_version()}, "
        f"1-min load average before the run {figures['load']:.1f}, PostgreSQL, production settings (DEBUG off), "
        "gunicorn 2 sync workers"
    )


def signature_rows(figures: dict) -> list[list[str]]:
    return [
        [
            f"{figures['people']} people, one slot, within {figures['within_s']:.0f} s ({figures['clients']} clients)",
            f"{figures['signed']} / {figures['people']} in {figures['window_s']:.1f} s",
            f"{figures['post_p50_ms']:.0f} / {figures['post_p95_ms']:.0f} / {figures['post_p99_ms']:.0f} ms",
            f"{figures['cycle_p95_ms']:.0f} ms",
            f"{figures['fragment_p95_ms']:.0f} ms ({figures['fragment_polls']} polls)",
            str(figures["errors"]),
            f"{figures['duplicates']} ({figures['double_taps']} double taps)",
            f"{figures['lines']} lines, {figures['history_rows']} history rows",
        ]
    ]


SIGNATURE_HEADER = [
    "run",
    "signed",
    "POST p50 / p95 / p99",
    "GET + POST p95",
    "trainer's fragment p95",
    "errors",
    "duplicates",
    "in the database",
]


def _markdown(header: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def _rewrite_readme(part: str, block: list[str]) -> None:
    start, end = f"<!-- attendance-{part}:start -->", f"<!-- attendance-{part}:end -->"
    text = README.read_text()
    if start not in text:
        return
    before, rest = text.split(start, 1)
    _old, after = rest.split(end, 1)
    README.write_text(before + start + "\n" + "\n".join(block) + "\n" + end + after)


def report(part: str, figures: dict) -> None:
    if part == "statements":
        lines = ["Monthly attendance statements (bench/bench_attendance.py --only statements)", *figures["lines"]]
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "attendance_statements.txt").write_text("\n".join(lines) + "\n")
        print("\n".join(lines))
        return
    heading = _heading(figures)
    rows = signature_rows(figures)
    lines = [heading, "", *_markdown(SIGNATURE_HEADER, rows)]
    if figures["error_samples"]:
        lines += ["", "errors:", *(f"- {error}" for error in figures["error_samples"])]
    lines += [
        "",
        f"goal (all signed once, 0 errors, 0 duplicates, POST p95 ≤ {GOAL_P95_MS} ms): "
        f"{'met' if figures['goal_met'] else 'NOT MET'}",
    ]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"attendance_{part}.txt").write_text("\n".join(lines) + "\n")
    _rewrite_readme(part, lines)
    print("\n".join(lines))


# --- Main ---------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="signatures", help=f"comma-separated parts among {', '.join(PARTS)}")
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--within", type=float, default=60, help="seconds over which the people sign")
    parser.add_argument("--clients", type=int, default=40, help="threads carrying the people's requests")
    parser.add_argument("--statement-people", type=int, default=500, help="people whose statements are rendered")
    parser.add_argument("--database", default="bench_attendance")
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
    met = True
    try:
        stack.prepare()
        # This process runs the settings the stack's servers run (it builds the data, reads it back).
        os.environ.update(stack.env())
        import logging

        import django

        django.setup()
        logging.disable(logging.WARNING)
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0)
        print(f"database migrated in {time.monotonic() - started:.0f} s", flush=True)
        runs = {
            "signatures": lambda: signatures(stack, people=args.people, within=args.within, clients=args.clients),
            "statements": lambda: statements(stack, people=args.statement_people),
        }
        for part in parts:
            figures = runs[part]()
            report(part, figures)
            met = met and figures["goal_met"]
        connections.close_all()
    finally:
        stack.cleanup()
        if not args.keep_database:
            drop_database(base_url, args.database)
    print(f"whole run: {time.monotonic() - started:.0f} s")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
