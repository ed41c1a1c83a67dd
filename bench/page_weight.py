"""Weight and first paint of the public pages on a slow mobile link, through the production stack.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/page_weight.py [--label after]
    .venv/bin/python bench/page_weight.py --base-url http://127.0.0.1:8000 --label dev-server

Without ``--base-url`` it creates a throwaway database, loads ``seed_demo``, serves it as
production does (``tests/stack.py``: collectstatic, gunicorn, WhiteNoise, ``DEBUG`` off) and
drops the database at the end. In Debian's Chromium, for the home page, the catalogue and
the programme page with the most sessions, it measures:

- a first visit with an empty cache: bytes transferred (as DevTools counts them, headers
  included) and requests, with and without the font files, and which fonts were fetched;
- a repeat visit in the same browser: bytes transferred and requests;
- the first contentful paint of a first visit over a 400 kbit/s link with 400 ms of latency;
- whether the HTML came compressed.

Each figure is the median of ``--runs`` rounds. Results are merged under ``--label`` into
bench/results/page_weight.json, and bench/README.md's table is rewritten from that file.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results" / "page_weight.json"
README = ROOT / "bench" / "README.md"
TABLE_START = "<!-- page-weight:start -->"
TABLE_END = "<!-- page-weight:end -->"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "fr-FR"}
# 400 kbit/s both ways and 400 ms of round trip: a prepaid phone on a weak 3G signal.
SLOW_LINK = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}


def _visit(context, url: str, throttle: bool = False) -> dict:
    """Load ``url`` in a new tab of ``context`` and count what crossed the network."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    # Playwright bypasses the cache by default on CDP-enabled pages only if asked; make it explicit.
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
    if throttle:
        cdp.send("Network.emulateNetworkConditions", SLOW_LINK)
    types: dict[str, str] = {}
    urls: dict[str, str] = {}
    sizes: dict[str, int] = {}
    encodings: dict[str, str] = {}
    cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
    cdp.on(
        "Network.responseReceived",
        lambda e: (
            types.__setitem__(e["requestId"], e["type"]),
            encodings.__setitem__(
                e["requestId"],
                {k.lower(): v for k, v in e["response"].get("headers", {}).items()}.get("content-encoding", ""),
            ),
        ),
    )
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])))
    started = time.monotonic()
    page.goto(url, wait_until="load", timeout=180_000)
    page.wait_for_load_state("networkidle", timeout=180_000)
    elapsed = time.monotonic() - started
    fcp = page.evaluate(
        "() => { const e = performance.getEntriesByName('first-contentful-paint')[0]; return e ? e.startTime : null; }"
    )
    page.close()
    by_type: dict[str, int] = {}
    requests = 0
    fonts = []
    document_encoding = ""
    for request_id, size in sizes.items():
        kind = types.get(request_id, "Other")
        if size == 0 and kind != "Document":
            continue  # served from the memory or disk cache: nothing crossed the network
        requests += 1
        by_type[kind] = by_type.get(kind, 0) + size
        if kind == "Font":
            fonts.append(urlsplit(urls.get(request_id, "")).path.rsplit("/", 1)[-1])
        if kind == "Document":
            document_encoding = encodings.get(request_id, "")
    total = sum(by_type.values())
    return {
        "bytes": total,
        "bytes_without_fonts": total - by_type.get("Font", 0),
        "requests": requests,
        "by_type": by_type,
        "fonts": sorted(fonts),
        "html_encoding": document_encoding or "none",
        "fcp_ms": fcp,
        "load_s": round(elapsed, 2),
    }


def measure_page(browser, url: str) -> dict:
    context = browser.new_context(**PHONE)
    first = _visit(context, url)
    repeat = _visit(context, url)
    context.close()
    slow = browser.new_context(**PHONE)
    throttled = _visit(slow, url, throttle=True)
    slow.close()
    return {"first": first, "repeat": repeat, "slow_fcp_ms": throttled["fcp_ms"], "slow_load_s": throttled["load_s"]}


def _median(rounds: list[dict], *path: str):
    values = []
    for item in rounds:
        for key in path:
            item = item[key]
        values.append(item)
    return statistics.median(values) if values and values[0] is not None else None


def measure(base_url: str, pages: dict[str, str], runs: int) -> dict:
    from playwright.sync_api import sync_playwright

    from tests.stack import CHROMIUM_ARGS

    results = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        rounds: dict[str, list[dict]] = {name: [] for name in pages}
        for _round in range(runs):
            for name, path in pages.items():  # interleaved: each round visits every page once
                rounds[name].append(measure_page(browser, base_url + path))
        browser.close()
    for name, page_rounds in rounds.items():
        last = page_rounds[-1]
        results[name] = {
            "path": pages[name],
            "first_bytes": _median(page_rounds, "first", "bytes"),
            "first_bytes_without_fonts": _median(page_rounds, "first", "bytes_without_fonts"),
            "first_requests": _median(page_rounds, "first", "requests"),
            "first_by_type": last["first"]["by_type"],
            "fonts": last["first"]["fonts"],
            "html_encoding": last["first"]["html_encoding"],
            "repeat_bytes": _median(page_rounds, "repeat", "bytes"),
            "repeat_requests": _median(page_rounds, "repeat", "requests"),
            "slow_fcp_ms": _median(page_rounds, "slow_fcp_ms"),
            "slow_load_s": _median(page_rounds, "slow_load_s"),
            "runs": len(page_rounds),
        }
    return results


def discover_pages(base_url: str) -> dict[str, str]:
    """Home, catalogue, and the first programme the catalogue lists (when not told which)."""
    import re
    import urllib.request

    with urllib.request.urlopen(base_url + "/formations/", timeout=30) as response:  # noqa: S310 - our own server
        html = response.read().decode()
    slugs = re.findall(r'href="(/formations/[a-z0-9-]+/)"', html)
    return {"home": "/", "catalogue": "/formations/", "programme": slugs[0]}


def _kb(value) -> str:
    return "—" if value is None else f"{value / 1000:.0f} KB"


def write_readme(all_results: dict) -> None:
    lines = [
        TABLE_START,
        "| run | page | first visit | without fonts | requests | repeat visit | HTML | fonts fetched "
        "| first paint at 400 kbit/s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, run in all_results.items():
        for name, figures in run["pages"].items():
            fcp = figures["slow_fcp_ms"]
            lines.append(
                f"| {label} | {name} (`{figures['path']}`) | {_kb(figures['first_bytes'])} "
                f"| {_kb(figures['first_bytes_without_fonts'])} | {figures['first_requests']:.0f} "
                f"| {_kb(figures['repeat_bytes'])} ({figures['repeat_requests']:.0f} req.) "
                f"| {figures['html_encoding']} | {len(figures['fonts'])} "
                f"| {'—' if fcp is None else f'{fcp / 1000:.1f} s'} |"
            )
    lines.append(TABLE_END)
    table = "\n".join(lines)
    text = README.read_text() if README.exists() else ""
    if TABLE_START in text:
        before, rest = text.split(TABLE_START, 1)
        after = rest.split(TABLE_END, 1)[1]
        text = before + table + after
    else:
        text = text.rstrip() + "\n\n" + table + "\n"
    README.write_text(text)


def _database_url_for(name: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + name))


def _psql(admin_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(sql)


def serve_and_measure(runs: int) -> tuple[str, dict]:
    from tests.stack import ProductionStack

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server (any database: a throwaway one is created).")
    name = "cnam_bench_page_weight"
    admin_url = _database_url_for("postgres")
    _psql(admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _psql(admin_url, f"CREATE DATABASE {name}")
    stack = ProductionStack(database_url=_database_url_for(name), with_worker=False)
    try:
        stack.manage("migrate", "--noinput", "--verbosity", "0")
        # A throwaway database served as production (DEBUG off); the pages measured need no login.
        stack.manage("seed_demo", "--i-know-this-is-production")
        stack.start()
        pages = discover_pages(stack.url)
        pages["programme"] = _programme_with_most_sessions(stack) or pages["programme"]
        return stack.url, measure(stack.url, pages, runs)
    finally:
        stack.cleanup()
        _psql(admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _programme_with_most_sessions(stack) -> str | None:
    import psycopg

    with psycopg.connect(stack.database_url) as connection:
        row = connection.execute(
            """
            SELECT p.slug FROM programs_programme p JOIN programs_session s ON s.programme_id = p.id
            WHERE p.status = 'publiee' AND s.reserved_for_id IS NULL
            GROUP BY p.slug ORDER BY count(*) DESC, p.slug LIMIT 1
            """
        ).fetchone()
    return f"/formations/{row[0]}/" if row else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", help="measure an already running portal instead of starting one")
    parser.add_argument("--label", default="current", help="name of this run in the results (e.g. before, after)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    if args.base_url:
        base_url = args.base_url.rstrip("/")
        pages = measure(base_url, discover_pages(base_url), args.runs)
    else:
        base_url, pages = serve_and_measure(args.runs)

    all_results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    all_results[args.label] = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "machine": f"{platform.node()} · {os.cpu_count()} cores · Python {platform.python_version()}",
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
        "served_by": "production stack (gunicorn, WhiteNoise, DEBUG off)" if not args.base_url else base_url,
        "link": "first paint over 400 kbit/s down and up, 400 ms latency (Chromium network emulation)",
        "pages": pages,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(all_results, indent=2, ensure_ascii=False) + "\n")
    write_readme(all_results)
    for name, figures in pages.items():
        print(
            f"{args.label:10} {name:10} first {_kb(figures['first_bytes']):>7} "
            f"(no fonts {_kb(figures['first_bytes_without_fonts']):>7}, {figures['first_requests']:.0f} req.) "
            f"repeat {_kb(figures['repeat_bytes']):>6}  html {figures['html_encoding']:5} "
            f"fonts {figures['fonts']}  FCP@400kbit {figures['slow_fcp_ms']}"
        )


if __name__ == "__main__":
    main()
