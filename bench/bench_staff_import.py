"""Partner staff import speed: validating and committing a 2,000-row CSV.

    DATABASE_URL=postgres://… .venv/bin/python bench/bench_staff_import.py [--rows 2000] [--runs 3]

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
Results go to bench/results/staff_import.txt.
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

RESULTS = ROOT / "bench" / "results" / "staff_import.txt"
GOAL_SECONDS = 3.0
SESSIONS = 4


def build_scene(run: int, rows: int):
    from partners.models import Partner
    from tests.factories import (
        ApplicantProfileFactory,
        ConventionFactory,
        PartnerFactory,
        PartnerMemberFactory,
        SeatAllocationFactory,
        SessionFactory,
        UserFactory,
    )

    partner = PartnerFactory(name=f"Commune de Tsingoni {run}", kind=Partner.Kind.COMMUNE)
    member = PartnerMemberFactory(partner=partner)
    convention = ConventionFactory(partner=partner)
    per_session = -(-rows // SESSIONS)
    references = []
    for index in range(SESSIONS):
        session = SessionFactory(reference=f"S-BENCH-{run}-{index}", capacity=per_session + 20)
        SeatAllocationFactory(convention=convention, session=session, seats=per_session)
        references.append(session.reference)
    lines = ["prenom;nom;email;fonction;session"]
    for n in range(rows):
        email = f"agent{run}.{n}@mairie-tsingoni.yt"
        if n % 10 == 0:  # already has an account on the portal
            ApplicantProfileFactory(user=UserFactory(username=email, email=email))
        lines.append(f"Prénom{n};Nom{n};{email};Agent territorial;{references[n % SESSIONS]}")
    return member, ("\r\n".join(lines) + "\r\n").encode("utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from tests.redis_server import RedisServer

    redis_server = RedisServer().start()
    os.environ["CELERY_BROKER_URL"] = redis_server.url()

    import logging

    import django

    django.setup()
    logging.disable(logging.WARNING)

    import redis
    from django.conf import settings

    from cnam_portal.celery import app as celery_app
    from core import outbox

    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = redis_server.url()
    broker = redis.Redis.from_url(redis_server.url())
    fan_out_over = outbox.FAN_OUT_OVER

    def published() -> int:
        return sum(broker.llen(queue) for queue in ("mail", "documents", "default"))

    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    from enrollment.models import Application
    from partner_space import imports
    from partner_space import services as services_staff

    vendor = connection.vendor
    if vendor != "sqlite":
        connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_{connection.settings_dict['NAME']}"
    old_config = setup_databases(verbosity=0, interactive=False, keepdb=False)
    previews, commits, totals, per_row_commits, messages = [], [], [], [], {}
    try:
        for run in range(args.runs):
            for mode in ("per row", "fan-out"):
                outbox.FAN_OUT_OVER = 10**9 if mode == "per row" else fan_out_over
                member, content = build_scene(run * 2 + (mode == "fan-out"), args.rows)
                broker.flushdb()
                started = time.perf_counter()
                rows = imports.parse_staff_file(content, "agents.csv")
                services_staff.staff_import_validate(partner=member.partner, rows=rows)
                previewed = time.perf_counter()
                assert all(row.ok for row in rows), [row.errors for row in rows if not row.ok][:3]
                fresh = [imports.StaffRow.from_dict(row.as_dict()) for row in rows]
                outcome = services_staff.staff_import_commit(member=member, rows=fresh, all_or_nothing=True)
                finished = time.perf_counter()  # the tasks are published once it returns
                assert len(outcome.applications) == args.rows
                assert Application.objects.filter(convention__partner=member.partner).count() == args.rows
                messages[mode] = published()
                if mode == "per row":
                    per_row_commits.append(finished - previewed)
                else:
                    previews.append(previewed - started)
                    commits.append(finished - previewed)
                    totals.append(finished - started)
                print(f"run {run + 1} ({mode}): commit {finished - previewed:.2f} s, {messages[mode]} messages")
    finally:
        outbox.FAN_OUT_OVER = fan_out_over
        teardown_databases(old_config, verbosity=0)
        redis_server.cleanup()

    median = statistics.median(totals)
    lines = [
        "Partner staff import (bench/bench_staff_import.py)",
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
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0 if median < GOAL_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
