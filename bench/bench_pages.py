"""Pages under load, each against a bare Django view, on the production stack.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_pages.py \
        [--scale demo|large] [--rounds 3] [--duration 8] [--web-workers 2] [--reuse-database NAME]

Builds its data in a database of its own (``bench_pages_<scale>``: ``migrate``, ``seed_demo``,
and for ``large`` the region-sized set of ``bench/large_data.py``; kept for the next run with
``--reuse-database``), serves it as production does (``tests/stack.py``: collectstatic,
gunicorn with ``gunicorn.conf.py``, WhiteNoise, ``DEBUG`` off, its own Redis for the cache) with
the benchmark's bare view enabled (``BENCH_BARE_VIEW``: ``HttpResponse("ok")`` through the same
middleware), then loads each page with wrk (Debian's package) for ``--duration`` seconds,
right after the bare view, for ``--rounds`` interleaved rounds: public pages at 50 connections,
staff pages at 4. A page's ratio is its requests per second over the bare view's in the same
pair; the figures are the medians of the rounds. Query counts and HTML sizes come from the
Django test client in this process, against the same database: the first request (nothing
cached) and the third (a signed-in person's first visit records itself in their session, so
their page is kept from their second visit on).

Writes bench/results/pages_<scale>.json and the table between the ``pages-<scale>`` markers of
bench/README.md.
"""

import argparse
import http.cookiejar
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"
README = ROOT / "bench" / "README.md"
WRK_SCRIPT = ROOT / "bench" / "wrk_report.lua"
PASSWORDS = {"admin": "Lagon-Bleu-Admin-976", "partner": "Partenaire-Demo-976", "applicant": "Candidat-Demo-976"}
GOALS = {"public": (0.40, 150), "space": (0.25, 300), "staff": (None, 500)}


def database_url(base: str, name: str) -> str:
    parts = urllib.parse.urlsplit(base)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def run(command: list[str], env: dict[str, str]) -> None:
    subprocess.run(command, cwd=ROOT, env={**os.environ, **env}, check=True)


def build_database(base_url: str, name: str, scale: str) -> str:
    import psycopg

    url = database_url(base_url, name)
    with psycopg.connect(base_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    env = {"DATABASE_URL": url, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "cnam_portal.settings"}
    started = time.monotonic()
    run([sys.executable, "manage.py", "migrate", "-v0"], env)
    run([sys.executable, "manage.py", "seed_demo"], env)
    if scale == "large":
        run([sys.executable, "bench/large_data.py", "--scale", "1"], env)
    print(f"data built in {time.monotonic() - started:.0f} s", flush=True)
    return url


class LoopbackPolicy(http.cookiejar.DefaultCookiePolicy):
    """Sends the portal's Secure cookies back over plain HTTP to this machine, as browsers do for 127.0.0.1."""

    def return_ok_secure(self, cookie, request):
        return True


def log_in(base: str, email: str, password: str) -> str:
    """Sign in through the portal's own form; the session cookie for wrk."""
    jar = http.cookiejar.CookieJar(policy=LoopbackPolicy())
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/compte/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"login": email, "password": password, "csrfmiddlewaretoken": token}).encode()
    request = urllib.request.Request(  # noqa: S310 - the benchmark's own server
        f"{base}/compte/login/", data=data, headers={"Referer": f"{base}/compte/login/"}
    )
    opener.open(request).read()
    cookies = {cookie.name: cookie.value for cookie in jar}
    if "sessionid" not in cookies:
        raise RuntimeError(f"Could not sign in as {email}.")
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def wrk(url: str, *, connections: int, duration: float, cookie: str = "") -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration:.0f}s", "--timeout", "10s", "-s", str(WRK_SCRIPT)]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    report = json.loads(output[output.index("{") : output.rindex("}") + 1])
    report["rps"] = report["requests"] / (report["duration_us"] / 1e6)
    return report


def drain(base: str, *, timeout: float = 60) -> None:
    """Wait until the server answers the bare view at once again: a slow page's backlog must
    not count against the next run."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            urllib.request.urlopen(f"{base}/_bench/bare", timeout=5).read()  # noqa: S310 - our own server
        except OSError:
            pass
        else:
            if time.monotonic() - started < 0.05:
                return
        time.sleep(0.5)


def pages_to_load(scale: str) -> list[dict]:
    """The pages and who asks for them, found in the data."""
    from django.db.models import Count, Q

    from enrollment.models import Application
    from partners.models import Partner
    from programs.models import Programme, Session

    busiest = (
        Programme.objects.published()
        .annotate(n=Count("sessions", filter=Q(sessions__state=Session.State.SCHEDULED)))
        .order_by("-n", "pk")
        .first()
    )
    word = (Programme.objects.published().order_by("pk").values_list("title", flat=True).first() or "gestion").split()[
        0
    ]
    biggest = Partner.objects.annotate(n=Count("conventions__applications")).order_by("-n", "pk").first()
    referent = biggest.members.filter(role="referent").select_related("user").first() if biggest else None
    application = Application.objects.order_by("-pk").first()
    pages = [
        {"name": "home", "path": "/", "kind": "public"},
        {"name": "catalogue", "path": "/formations/", "kind": "public"},
        {"name": "catalogue searched", "path": f"/formations/?q={urllib.parse.quote(word.lower())}", "kind": "public"},
        {"name": "catalogue filtered", "path": "/formations/?modalite=presentiel&rythme=soir", "kind": "public"},
        {"name": "catalogue page 2", "path": "/formations/?page=2", "kind": "public"},
        {"name": "programme (most sessions)", "path": busiest.get_absolute_url(), "kind": "public"},
        {"name": "applicant space", "path": "/candidatures/", "kind": "space", "as": "fatima.said@candidat.example"},
    ]
    if referent is not None:
        pages.append({"name": "partner dashboard", "path": "/partenaires/", "kind": "space", "as": referent.user.email})
    pages += [
        {"name": "admin applications", "path": "/admin/enrollment/application/", "kind": "staff"},
        {
            "name": "admin application",
            "path": f"/admin/enrollment/application/{application.pk}/change/",
            "kind": "staff",
        },
        {"name": "admin sessions", "path": "/admin/programs/session/", "kind": "staff"},
        {"name": "admin conventions", "path": "/admin/partners/convention/", "kind": "staff"},
        {"name": "report", "path": "/admin/rapports/", "kind": "staff"},
    ]
    for page in pages:
        if page["kind"] == "staff":
            page["as"] = "admin@cnam-mayotte.fr"
    return pages


def in_process_figures(pages: list[dict]) -> None:
    """Queries (first request, then kept) and HTML bytes of each page, with the test client."""
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    users = {user.email: user for user in get_user_model().objects.filter(email__in={p.get("as") for p in pages})}
    cache.clear()
    for page in pages:
        client = Client()
        if page.get("as"):
            client.force_login(users[page["as"]])
        counts = []
        for _ in range(3):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(page["path"], HTTP_HOST="127.0.0.1")
            assert response.status_code == 200, (page["path"], response.status_code)
            counts.append(len(queries))
        page["queries_first"], page["queries_cached"] = counts[0], counts[-1]
        page["html_bytes"] = len(response.content)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["demo", "large"], default="demo")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=8)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--reuse-database", default="", help="a database this script built before")
    parser.add_argument("--only", default="", help="comma-separated page names (default: every page)")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith("postgres"):
        print("Set DATABASE_URL to a PostgreSQL server (any database: this script makes its own).", file=sys.stderr)
        return 2
    name = args.reuse_database or f"bench_pages_{args.scale}"
    url = database_url(base_url, name) if args.reuse_database else build_database(base_url, name, args.scale)

    os.environ.update({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "tests.settings"})
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from tests.stack import ProductionStack

    pages = pages_to_load(args.scale)
    if args.only:
        wanted = {name.strip() for name in args.only.split(",")}
        pages = [page for page in pages if page["name"] in wanted]
    in_process_figures(pages)

    stack = ProductionStack(
        database_url=url,
        private_dir=Path(tempfile.mkdtemp(prefix="cnam-bench-pages-")),
        web_workers=args.web_workers,
        with_worker=False,
        extra_env={"BENCH_BARE_VIEW": "1"},
    )
    try:
        stack.start()
        cookies = {
            email: log_in(stack.url, email, PASSWORDS[_role(email)]) for email in {p.get("as") for p in pages} if email
        }
        for page in pages:
            page["rounds"] = []
        for round_number in range(args.rounds):
            for page in pages:
                connections = 4 if page["kind"] == "staff" else 50
                cookie = cookies.get(page.get("as", ""), "")
                drain(stack.url)
                bare = wrk(f"{stack.url}/_bench/bare", connections=connections, duration=args.duration)
                loaded = wrk(
                    f"{stack.url}{page['path']}", connections=connections, duration=args.duration, cookie=cookie
                )
                ratio = loaded["rps"] / bare["rps"] if bare["rps"] else 0.0
                page["rounds"].append({"bare": bare, "page": loaded, "ratio": ratio})
                print(
                    f"round {round_number + 1} {page['name']}: {loaded['rps']:.0f} req/s (bare {bare['rps']:.0f}), "
                    f"ratio {ratio:.2f}, p95 {loaded['p95'] / 1000:.0f} ms, "
                    f"errors {loaded['errors'] + loaded['non2xx']}",
                    flush=True,
                )
        memory = stack.web_worker_memory_mb()
        restarts = (stack.data_dir / "gunicorn.log").read_text(errors="replace").count(
            "Booting worker"
        ) - args.web_workers
    finally:
        stack.cleanup()

    rows = [summary(page) for page in pages]
    label = args.label or args.scale
    report = {
        "scale": args.scale,
        "label": label,
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "machine": f"{platform.machine()} cpus={os.cpu_count()} python={platform.python_version()}",
        "web_workers": args.web_workers,
        "rounds": args.rounds,
        "duration_s": args.duration,
        "web_worker_rss_mb_after": [round(size) for size in memory],
        "web_workers_replaced": restarts,
        "pages": rows,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"pages_{args.scale}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    write_table(args.scale, report)
    print(markdown(report))
    return 0 if all(row["goal_met"] for row in rows) else 1


def _role(email: str) -> str:
    if email.startswith("admin@"):
        return "admin"
    return "applicant" if email.endswith("@candidat.example") else "partner"


def summary(page: dict) -> dict:
    ratio = statistics.median(r["ratio"] for r in page["rounds"])
    p95_ms = statistics.median(r["page"]["p95"] for r in page["rounds"]) / 1000
    goal_ratio, goal_p95 = GOALS[page["kind"]]
    return {
        "name": page["name"],
        "path": page["path"],
        "kind": page["kind"],
        "connections": 4 if page["kind"] == "staff" else 50,
        "ratio": round(ratio, 3),
        "rps": round(statistics.median(r["page"]["rps"] for r in page["rounds"]), 1),
        "bare_rps": round(statistics.median(r["bare"]["rps"] for r in page["rounds"]), 1),
        "p50_ms": round(statistics.median(r["page"]["p50"] for r in page["rounds"]) / 1000, 1),
        "p95_ms": round(p95_ms, 1),
        "p99_ms": round(statistics.median(r["page"]["p99"] for r in page["rounds"]) / 1000, 1),
        "errors": sum(r["page"]["errors"] + r["page"]["non2xx"] for r in page["rounds"]),
        "queries_first": page["queries_first"],
        "queries_cached": page["queries_cached"],
        "html_bytes": page["html_bytes"],
        "goal_met": (goal_ratio is None or ratio >= goal_ratio)
        and p95_ms <= goal_p95
        and (page["kind"] != "staff" or page["html_bytes"] <= 300_000),
    }


def markdown(report: dict) -> str:
    lines = [
        f"{report['label']} — {report['date']}, {report['machine']}, {report['web_workers']} gunicorn workers, "
        f"medians of {report['rounds']} rounds of {report['duration_s']:.0f} s; workers' memory after the load: "
        f"{', '.join(f'{size} MB' for size in report['web_worker_rss_mb_after'])}, "
        f"{report['web_workers_replaced']} replaced during it",
        "",
        "| page | conn. | ratio | req/s (bare) | p50 / p95 / p99 ms | errors | queries (first / cached) | HTML "
        "| goal |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in report["pages"]:
        lines.append(
            f"| {row['name']} | {row['connections']} | {row['ratio']:.2f} | {row['rps']:.0f} ({row['bare_rps']:.0f}) | "
            f"{row['p50_ms']:.0f} / {row['p95_ms']:.0f} / {row['p99_ms']:.0f} | {row['errors']} | "
            f"{row['queries_first']} / {row['queries_cached']} | {row['html_bytes'] / 1024:.0f} KB | "
            f"{'met' if row['goal_met'] else 'missed'} |"
        )
    return "\n".join(lines)


def write_table(scale: str, report: dict) -> None:
    start, end = f"<!-- pages-{scale}:start -->", f"<!-- pages-{scale}:end -->"
    text = README.read_text()
    block = f"{start}\n{markdown(report)}\n{end}"
    if start in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + f"\n\n{block}\n"
    README.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
