"""Time and memory of the LHEO export at region scale (2,000 programmes, 10,000 sessions).

    DATABASE_URL=postgres://…/cnam_large .venv/bin/python bench/bench_lheo.py [--runs 3]

Reads a database ``bench/large_data.py`` built, in read-only transactions (it writes nothing,
so it may point at a shared copy); ``--build`` makes a throwaway database with
``large_data.build`` (the demo, then the region) first and drops it after. The training body
is the centre's record, as the portal reads it.

Writes the document to a temporary file as ``/formations/lheo.xml`` does on a cache miss,
``--runs`` times (the median counts), then once under ``tracemalloc`` for Python's peak
allocation, and once for the first 200 programmes only: a bounded export holds about as much
at 200 programmes as at 2,000. Validates the document against the LHEO 2.3 schema when it
is at ``settings.LHEO_XSD``. Results go to bench/results/lheo.txt.
"""

import argparse
import datetime
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cnam_portal.settings")
os.environ.setdefault("DEBUG", "1")

RESULTS = ROOT / "bench" / "results" / "lheo.txt"
GOAL_SECONDS = 10.0
CHUNK = 200  # programs.lheo.CHUNK_SIZE
EVERY = datetime.date(2000, 1, 1)


def training_body():
    """The centre's record, the training body the export names (its first content when missing)."""
    from centre.selectors import training_body as stored

    return stored()


def export(path: Path, *, limit: int | None = None, today: datetime.date | None = None):
    """One export to ``path`` in a read-only transaction: (seconds, queries, summary).

    ``today`` earlier than every session exports the past sessions too: the worst case.
    """
    from django.conf import settings
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from programs import lheo

    now = timezone.make_aware(datetime.datetime.combine(today, datetime.time(12))) if today else None
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION READ ONLY")
        body = training_body()
        programmes = lheo.exported_programmes(today=today)
        if limit:
            programmes = programmes.filter(pk__in=list(programmes.values_list("pk", flat=True)[:limit]))
        with CaptureQueriesContext(connection) as queries, path.open("wb") as out:
            started = time.perf_counter()
            summary = lheo.write_document(out, body=body, site_url=settings.SITE_URL, programmes=programmes, now=now)
            seconds = time.perf_counter() - started
    return seconds, len(queries), summary


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def traced_peak_mib(path: Path, *, limit: int | None = None, today: datetime.date | None = None) -> float:
    tracemalloc.start()
    try:
        export(path, limit=limit, today=today)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def served(folder: Path, *, runs: int) -> list[str]:
    """What /formations/lheo.xml costs: writing its kept copy (plus SHA-1 and gzip twin), then a warm GET."""
    from unittest import mock

    from django.db import connection, transaction
    from django.test import Client, override_settings

    from programs import exports

    body = training_body()
    misses, warm, warm_gzip = [], [], []
    with (
        override_settings(LHEO_EXPORT_DIR=folder / "kept"),
        mock.patch.object(exports, "training_body", return_value=body),
        transaction.atomic(),
    ):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION READ ONLY")
        from django.utils import timezone

        for _ in range(runs):
            started = time.perf_counter()
            document = exports._write(version=f"bench-{time.time_ns()}", now=timezone.now())
            misses.append(time.perf_counter() - started)
        client = Client(HTTP_HOST="localhost")
        for timings, headers in ((warm, {}), (warm_gzip, {"accept-encoding": "gzip"})):
            for _ in range(runs):
                started = time.perf_counter()
                response = client.get("/formations/lheo.xml", headers=headers)
                size = sum(len(chunk) for chunk in response.streaming_content)
                timings.append(time.perf_counter() - started)
                assert response.status_code == 200, response.status_code
        gzip_size = document.gzip_path.stat().st_size
    return [
        f"cache miss         : median {statistics.median(misses):.2f} s of {runs} (document, SHA-1 and gzip copy)",
        f"warm GET           : median {statistics.median(warm) * 1000:.0f} ms ({document.size / 2**20:.1f} MiB), "
        f"gzip {statistics.median(warm_gzip) * 1000:.0f} ms ({gzip_size / 2**20:.1f} MiB, last read {size} bytes)",
    ]


def validate(path: Path) -> str:
    from django.conf import settings
    from lxml import etree

    schema_path = Path(settings.LHEO_XSD)
    if not schema_path.is_file():
        return f"not checked (no schema at {schema_path}; http://lheo.gouv.fr/2.3/lheo.xsd)"
    schema = etree.XMLSchema(etree.parse(str(schema_path)))
    ok = schema.validate(etree.parse(str(path)))
    return "valid" if ok else f"INVALID: {schema.error_log.last_error}"


def timed(folder: Path, *, runs: int, today: datetime.date | None, name: str) -> dict:
    path = folder / f"{name}.xml"
    timings = []
    for _ in range(runs):
        seconds, queries, summary = export(path, today=today)
        timings.append(seconds)
    return {"path": path, "timings": timings, "queries": queries, "summary": summary, "today": today}


def report(run: dict, folder: Path) -> tuple[list[str], bool]:
    """The figures of a timed scenario, after checking its document and tracing its memory."""
    path, timings, summary, today = run["path"], run["timings"], run["summary"], run["today"]
    size = path.stat().st_size
    validity = validate(path)
    peak_all = traced_peak_mib(path, today=today)
    peak_200 = traced_peak_mib(folder / "lheo-200.xml", limit=200, today=today)
    median = statistics.median(timings)
    lines = [
        f"catalogue exported : {summary.formations} formations, {summary.actions} actions, {summary.sessions} sessions",
        f"document           : {size / 2**20:.1f} MiB ({size} bytes), schema: {validity}",
        f"time               : median {median:.2f} s of {len(timings)} ({', '.join(f'{t:.2f}' for t in timings)}); "
        f"goal <= {GOAL_SECONDS:.0f} s",
        f"queries            : {run['queries']} (fixed per chunk of {CHUNK} programmes)",
        f"python peak        : {peak_all:.1f} MiB for the whole catalogue, {peak_200:.1f} MiB for 200 programmes "
        "(tracemalloc)",
    ]
    return lines, median <= GOAL_SECONDS and not validity.startswith("INVALID")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--build", action="store_true", help="build a throwaway region-scale database first")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    old_name = None
    if args.build:
        from django.test.utils import setup_test_environment

        from bench import large_data

        setup_test_environment()
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)

        large_data.build(scale=1.0, seed=7)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-lheo-") as folder:
            scenarios = (("upcoming public sessions (what is served)", None), ("past ones too", EVERY))
            rss_before = rss_mib()
            runs = [
                (label, timed(Path(folder), runs=args.runs, today=today, name=f"lheo-{index}"))
                for index, (label, today) in enumerate(scenarios)
            ]
            # Before anything parses a whole document (the schema check does): the export's own peak.
            rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            lines = [f"LHEO export — {connection.vendor}, {platform.machine()}, {os.cpu_count()} CPUs (shared, noisy)"]
            ok = True
            for label, run in runs:
                scenario, fine = report(run, Path(folder))
                lines += [f"-- {label}", *scenario]
                ok = ok and fine
            lines.append(
                f"process RSS        : {rss_before:.0f} MiB before the exports, peak {rss_peak:.0f} MiB during them"
            )
            lines += ["-- served (upcoming public sessions)", *served(Path(folder), runs=args.runs)]
    finally:
        if old_name is not None:
            connection.creation.destroy_test_db(old_name, verbosity=0)

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
