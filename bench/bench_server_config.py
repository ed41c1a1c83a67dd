"""What gunicorn's recycling costs: the bare view's throughput and p95 under each configuration.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_server_config.py \
        [--rounds 3] [--duration 8] [--reuse-database bench_pages_demo]

Serves the portal as production does (tests/stack.py, gunicorn.conf.py) once per configuration
and round, interleaved, and loads the bare view (BENCH_BARE_VIEW) and the catalogue with wrk at
50 connections: recycling every 1,000 requests (the former setting), the current one
(WEB_MAX_REQUESTS 200,000 with jitter, and by memory past WEB_MAX_MEMORY_MB), and none. Each
figure is the median of the rounds; the share is of the unrecycled throughput. Writes
bench/results/server_config.json.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

CONFIGS = {
    "every 1,000 requests (before)": {"WEB_MAX_REQUESTS": "1000", "WEB_MAX_REQUESTS_JITTER": "100"},
    "current (200,000 ± 20,000, memory 200 MB)": {},
    "none": {"WEB_MAX_REQUESTS": "0", "WEB_MAX_MEMORY_MB": "0"},
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=8)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--reuse-database", default="bench_pages_demo")
    args = parser.parse_args()

    from bench_pages import database_url, wrk

    from tests.stack import ProductionStack

    url = database_url(os.environ["DATABASE_URL"], args.reuse_database)
    results: dict[str, dict[str, list]] = {name: {"bare": [], "catalogue": [], "boots": []} for name in CONFIGS}
    for round_number in range(args.rounds):
        for name, env in CONFIGS.items():
            stack = ProductionStack(
                database_url=url,
                private_dir=Path(tempfile.mkdtemp(prefix="cnam-bench-server-")),
                web_workers=args.web_workers,
                with_worker=False,
                extra_env={"BENCH_BARE_VIEW": "1", **env},
            )
            try:
                stack.start()
                before = (stack.data_dir / "gunicorn.log").read_text(errors="replace").count("Booting worker")
                for page, path in (("bare", "/_bench/bare"), ("catalogue", "/formations/")):
                    results[name][page].append(wrk(f"{stack.url}{path}", connections=50, duration=args.duration))
                log = (stack.data_dir / "gunicorn.log").read_text(errors="replace")
                results[name]["boots"].append(log.count("Booting worker") - before)
            finally:
                stack.cleanup()
            bare = results[name]["bare"][-1]
            print(f"round {round_number + 1} {name}: bare {bare['rps']:.0f} req/s, p95 {bare['p95'] / 1000:.0f} ms")

    unrecycled = statistics.median(r["rps"] for r in results["none"]["bare"])
    report = {"date": time.strftime("%Y-%m-%d %H:%M:%S %z"), "web_workers": args.web_workers, "configs": []}
    for name, figures in results.items():
        row = {"config": name, "workers_restarted": statistics.median(figures["boots"])}
        for page in ("bare", "catalogue"):
            row[f"{page}_rps"] = round(statistics.median(r["rps"] for r in figures[page]), 1)
            row[f"{page}_p95_ms"] = round(statistics.median(r["p95"] for r in figures[page]) / 1000, 1)
        row["bare_share_of_unrecycled"] = round(row["bare_rps"] / unrecycled, 3)
        report["configs"].append(row)
        print(json.dumps(row, ensure_ascii=False))
    out = ROOT / "bench" / "results" / "server_config.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
