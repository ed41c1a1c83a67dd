"""Convention PDF rendering speed with a warm worker.

    DATABASE_URL=postgres://… .venv/bin/python bench/bench_convention_pdf.py [--runs 20]

Builds a realistic convention (10 articles, the 6 axes, 12 seat allocations, 4 signatories)
in a throwaway database (``bench_<name>``, created and dropped by the run), loads it the way
the worker does, renders once to warm up (fonts, templates), then times ``--runs`` renders
(query + data + WeasyPrint) and writes median / p90 / min to bench/results/convention_pdf.txt.
"""

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")

RESULTS = ROOT / "bench" / "results" / "convention_pdf.txt"
GOAL_SECONDS = 1.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    import logging

    import django

    django.setup()
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)

    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    from partners import documents, selectors
    from tests.partners.convention_builders import build_full_convention

    vendor = connection.vendor
    if vendor != "sqlite":
        connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_{connection.settings_dict['NAME']}"
    old_config = setup_databases(verbosity=0, interactive=False, keepdb=False)
    try:
        convention = build_full_convention(allocations=12, articles=10)

        def render_once() -> tuple[float, int]:
            started = time.perf_counter()
            loaded = selectors.convention_for_document(convention_id=convention.pk)
            pdf = documents.render_convention(loaded)
            return time.perf_counter() - started, len(pdf)

        cold, size = render_once()
        timings = [render_once()[0] for _ in range(args.runs)]
    finally:
        teardown_databases(old_config, verbosity=0)

    timings.sort()
    median = statistics.median(timings)
    p90 = timings[max(0, round(0.9 * len(timings)) - 1)]
    import weasyprint

    lines = [
        "Convention PDF (bench/bench_convention_pdf.py)",
        f"date: {time.strftime('%Y-%m-%d %H:%M:%S %z')}",
        f"machine: {platform.machine()} {platform.processor() or ''} cpus={os.cpu_count()} "
        f"python={platform.python_version()} weasyprint={weasyprint.__version__} db={vendor}",
        "data: 10 articles, 6 axes, 12 allocations, 4 signatories",
        f"pdf: {size} bytes",
        f"first render (cold): {cold:.3f} s",
        f"runs: {len(timings)}",
        f"median: {median:.3f} s",
        f"p90: {p90:.3f} s",
        f"min: {timings[0]:.3f} s",
        f"goal: median < {GOAL_SECONDS:.1f} s -> {'OK' if median < GOAL_SECONDS else 'MISSED'}",
    ]
    print("\n".join(lines))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0 if median < GOAL_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
