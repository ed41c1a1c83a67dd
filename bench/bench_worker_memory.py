"""The documents worker's memory after rendering 100 attestations and 20 conventions.

    DATABASE_URL=postgres://… .venv/bin/python bench/bench_worker_memory.py [--attestations 100]
        [--conventions 20] [--max-tasks-per-child N] [--max-memory-per-child KIB] [--label NAME]

In a throwaway database (``bench_<name>``, created and dropped by the run), with a Redis of its
own on a spare port, the run starts the worker group that renders PDFs as docker-compose.yml
starts it (``worker-documents``: its concurrency, its queue, its recycling settings
``CELERY_WORKER_MAX_TASKS_PER_CHILD`` and ``CELERY_WORKER_MAX_MEMORY_PER_CHILD``; the two
options replace them), lets it settle, then asks, in one transaction, for the attestation
d'inscription of ``--attestations`` enrolled applicants and the PDF of ``--conventions`` full
conventions (10 articles, the 6 axes, 12 seat allocations, 4 signatories) through the services
staff use (``certificate_request``, ``convention_document_request``): their tasks are published
after commit. It waits until every row is ready and its file written, then reads the resident
memory (``VmRSS``, and the proportional share ``Pss`` that counts pages shared after the fork
once) of the worker's main process and of each pool child, before and after, and the peak of
each process sampled every 0.2 s meanwhile. The children the pool replaced are counted from the
worker's log (the tasks each child ran): after their task count, or past the memory limit.
Results are appended to bench/results/worker_memory.txt. Goal: every process at most 300 MB,
after and at its peak.
"""

import argparse
import contextlib
import os
import platform
import re
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

RESULTS = ROOT / "bench" / "results" / "worker_memory.txt"
GOAL_KIB = 300 * 10**6 // 1024  # 300 MB
SERVICE = "worker-documents"
SETTLE_SECONDS = 5
DONE_TIMEOUT = 15 * 60
SAMPLE_EVERY = 0.2
# Each pool child logs under its own name (ForkPoolWorker-1, -2, … numbered as they are started).
SUCCEEDED = re.compile(r"/ForkPoolWorker-(\d+)\] Task \S+ succeeded")


def deployment() -> dict:
    """The documents worker's options and recycling settings, as docker-compose.yml gives them."""
    import yaml

    service = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"][SERVICE]
    options = dict(arg.removeprefix("--").split("=", 1) for arg in service["command"] if arg.startswith("--"))
    return {
        "concurrency": int(options["concurrency"]),
        "queues": options["queues"],
        "environment": {
            key: str(value) for key, value in service["environment"].items() if key.startswith("CELERY_WORKER_")
        },
    }


def memory_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, Pss) of a process in KiB; (0, 0) once it is gone."""
    rss = pss = 0
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
    return rss, pss


class Sampler(threading.Thread):
    """Reads the worker's processes every ``SAMPLE_EVERY`` seconds and keeps each one's peak."""

    def __init__(self, worker):
        super().__init__(daemon=True)
        self.worker = worker
        self.peaks: dict[int, int] = {}
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            for pid in [self.worker.process.pid, *self.worker.pool_children()]:
                rss, _pss = memory_kib(pid)
                self.peaks[pid] = max(self.peaks.get(pid, 0), rss)
            self.halt.wait(SAMPLE_EVERY)


def snapshot(worker) -> dict[str, tuple[int, int, int]]:
    """{"main" | "child N": (pid, VmRSS KiB, Pss KiB)}."""
    shot = {"main": (worker.process.pid, *memory_kib(worker.process.pid))}
    for index, pid in enumerate(sorted(worker.pool_children()), start=1):
        shot[f"child {index}"] = (pid, *memory_kib(pid))
    return shot


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


def describe(shot: dict[str, tuple[int, int, int]]) -> str:
    parts = [f"{name} {mib(rss)} (Pss {mib(pss)}, pid {pid})" for name, (pid, rss, pss) in shot.items()]
    total_pss = sum(pss for _pid, _rss, pss in shot.values())
    return "; ".join(parts) + f"; all together Pss {mib(total_pss)}"


def build_conventions(count: int) -> list:
    """``count`` conventions with the content of the real ones (tests/partners/convention_builders.py)."""
    import datetime

    from partners.models import Axis, ConventionArticle, Signatory
    from tests.factories import (
        ConventionFactory,
        PartnerFactory,
        ProgrammeFactory,
        SeatAllocationFactory,
        SessionFactory,
        SignatoryFactory,
    )
    from tests.partners.convention_builders import ARTICLE_TITLES, PREAMBLE

    conventions = []
    axes = list(Axis.objects.all())
    programme = ProgrammeFactory(title="Certificat de compétence — management d'équipe")
    for number in range(count):
        convention = ConventionFactory(
            partner=PartnerFactory(name=f"Commune partenaire {number + 1}", address="Place de la mairie"),
            title="Convention cadre de partenariat pour la formation tout au long de la vie",
            preamble=PREAMBLE,
            financial_terms="Le partenaire prend en charge les frais pédagogiques de ses personnels.",
        )
        convention.axes.set(axes)
        ConventionArticle.objects.bulk_create(
            ConventionArticle(
                convention=convention,
                number=position,
                title=title,
                body=f"Le présent article {position} précise les modalités relatives à « {title.lower()} ».\n\n"
                "Les parties s'engagent à se tenir mutuellement informées de toute difficulté.",
            )
            for position, title in enumerate(ARTICLE_TITLES, start=1)
        )
        for party in (Signatory.Party.CNAM, Signatory.Party.PARTNER):
            for position in range(2):
                SignatoryFactory(
                    convention=convention, party=party, full_name=f"Signataire {position + 1}", position=position
                )
        for index in range(12):
            start = datetime.date(2026, 2, 1) + datetime.timedelta(days=30 * index)
            session = SessionFactory(
                programme=programme,
                reference=f"S-2026-MEM-{number + 1:02d}-{index + 1:02d}",
                start_date=start,
                end_date=start + datetime.timedelta(days=90),
                capacity=30,
            )
            SeatAllocationFactory(convention=convention, session=session, seats=2 + index % 5)
        conventions.append(convention)
    return conventions


def build_enrolled(count: int) -> list:
    from tests.factories import ApplicationFactory, SessionFactory

    sessions = [SessionFactory(capacity=count) for _ in range(5)]
    return [ApplicationFactory(session=sessions[n % len(sessions)], enrolled=True) for n in range(count)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attestations", type=int, default=100)
    parser.add_argument("--conventions", type=int, default=20)
    parser.add_argument("--max-tasks-per-child", type=int, help="instead of docker-compose.yml's")
    parser.add_argument("--max-memory-per-child", type=int, help="KiB, instead of docker-compose.yml's (0: none)")
    parser.add_argument("--label", default="")
    args = parser.parse_args()

    from tests.redis_server import RedisServer
    from tests.stack import free_port

    redis_server = RedisServer().start()
    os.environ["CELERY_BROKER_URL"] = redis_server.url()

    import logging

    import django

    django.setup()
    logging.disable(logging.WARNING)

    from django.conf import settings
    from django.db import connection, transaction
    from django.test.utils import setup_databases, teardown_databases

    from cnam_portal.celery import app as celery_app
    from enrollment.models import EnrollmentCertificate
    from enrollment.services import certificates
    from partners import services as partner_services
    from partners.models import ConventionDocument
    from tests.celery_worker import Worker

    if connection.vendor != "postgresql":
        print("The worker shares the database: set DATABASE_URL to a PostgreSQL server.", file=sys.stderr)
        return 2
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = redis_server.url()

    deployed = deployment()
    environment = dict(deployed["environment"])
    if args.max_tasks_per_child is not None:
        environment["CELERY_WORKER_MAX_TASKS_PER_CHILD"] = str(args.max_tasks_per_child)
    if args.max_memory_per_child is not None:
        environment["CELERY_WORKER_MAX_MEMORY_PER_CHILD"] = str(args.max_memory_per_child)
    max_tasks = environment.get("CELERY_WORKER_MAX_TASKS_PER_CHILD", str(settings.CELERY_WORKER_MAX_TASKS_PER_CHILD))
    max_memory = environment.get("CELERY_WORKER_MAX_MEMORY_PER_CHILD", str(settings.CELERY_WORKER_MAX_MEMORY_PER_CHILD))

    data_dir = Path(tempfile.mkdtemp(prefix="cnam-bench-worker-memory-"))
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_{connection.settings_dict['NAME']}"
    old_config = setup_databases(verbosity=0, interactive=False, keepdb=False)
    worker = None
    try:
        applications = build_enrolled(args.attestations)
        conventions = build_conventions(args.conventions)

        worker = Worker(
            concurrency=deployed["concurrency"], broker_url=redis_server.url(), mail_port=free_port(), data_dir=data_dir
        )
        worker.command[worker.command.index("-Q") + 1] = deployed["queues"]
        worker.command.append("--hostname=documents@%h")
        worker.env.update(environment)
        worker.start()
        time.sleep(SETTLE_SECONDS)
        before = snapshot(worker)
        sampler = Sampler(worker)
        sampler.start()

        with transaction.atomic():
            for application in applications:
                certificates.certificate_request(application=application)
            for convention in conventions:
                partner_services.convention_document_request(convention=convention)
        started = time.monotonic()
        expected = args.attestations + args.conventions
        deadline = started + DONE_TIMEOUT
        while time.monotonic() < deadline:
            ready = (
                EnrollmentCertificate.objects.filter(state=EnrollmentCertificate.State.READY).count()
                + ConventionDocument.objects.filter(state=ConventionDocument.State.READY).count()
            )
            if ready >= expected:
                break
            time.sleep(0.2)
        finished = time.monotonic()
        time.sleep(1)  # the pool replaces a child after its last task: let it settle
        sampler.halt.set()
        sampler.join()
        after = snapshot(worker)
        failed = (
            EnrollmentCertificate.objects.exclude(state=EnrollmentCertificate.State.READY).count()
            + ConventionDocument.objects.exclude(state=ConventionDocument.State.READY).count()
        )
        pdfs = [path for path in data_dir.rglob("*.pdf") if path.stat().st_size > 0]
        log = worker.log.read_text(errors="replace")
    finally:
        if worker is not None:
            worker.stop()
        teardown_databases(old_config, verbosity=0)
        redis_server.cleanup()

    shutil.rmtree(data_dir, ignore_errors=True)
    main_pid = after["main"][0]
    children_peaks = [peak for pid, peak in sampler.peaks.items() if pid != main_pid]
    # A child that left before the end (the last ones still run) did so after its task count, or
    # else because it had passed the memory limit (billiard checks it after each task).
    done = Counter(int(number) for number in SUCCEEDED.findall(log))
    gone = sorted(done)[: -deployed["concurrency"]]
    by_count = [number for number in gone if done[number] == int(max_tasks)]
    by_memory = [done[number] for number in gone if done[number] != int(max_tasks)]
    highest = max(rss for _pid, rss, _pss in after.values())
    highest_peak = max(sampler.peaks.values())
    met = highest <= GOAL_KIB and highest_peak <= GOAL_KIB and ready >= expected
    lines = [
        f"Documents worker memory (bench/bench_worker_memory.py){' — ' + args.label if args.label else ''}",
        f"date: {time.strftime('%Y-%m-%d %H:%M:%S %z')}",
        f"machine: {platform.machine()} cpus={os.cpu_count()} python={platform.python_version()} "
        f"db={connection.vendor}",
        f"worker: {SERVICE} of docker-compose.yml, --concurrency={deployed['concurrency']} "
        f"--queues={deployed['queues']}, max tasks per child {max_tasks}, "
        f"max memory per child {max_memory} KiB ({mib(int(max_memory))})",
        f"tasks: {args.attestations} attestations + {args.conventions} conventions (12 allocations, 10 articles)",
        f"ready: {ready} / {expected}; not ready: {failed}; PDF files written: {len(pdfs)}",
        f"time from commit to the last PDF: {finished - started:.1f} s "
        f"({(finished - started) / expected:.2f} s per PDF over {deployed['concurrency']} children)",
        f"before: {describe(before)}",
        f"after: {describe(after)}",
        f"peak while rendering: main {mib(sampler.peaks.get(main_pid, 0))}; children "
        + ", ".join(mib(peak) for peak in children_peaks),
        f"tasks per child, in the order they started: {', '.join(str(done[number]) for number in sorted(done))}",
        f"children replaced: {len(gone)} ({len(by_count)} after their {max_tasks} tasks, {len(by_memory)} past the "
        f"memory limit{', after ' + ', '.join(map(str, by_memory)) + ' tasks' if by_memory else ''})",
        f"goal: every process <= 300 MB ({mib(GOAL_KIB)}) after and at its peak -> {'OK' if met else 'MISSED'}",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    RESULTS.parent.mkdir(exist_ok=True)
    with RESULTS.open("a") as handle:
        handle.write(text + "\n")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
