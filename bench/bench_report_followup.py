"""The staff report's follow-up figures at region scale: queries and time, with every enrolled person followed.

    DATABASE_URL=postgres://… DEBUG=1 .venv/bin/python bench/bench_report_followup.py

On a database ``large_data.py`` built (200,000 applications), gives every enrollment whose
session has started a follow-up row (``attendance.Participation``: hours planned so far, hours
attended, an exit for some: completed when the session is over, abandons for each reason,
exclusions), then times ``backoffice.selectors.build_report`` (median of 5) over the last twelve
months and over everything, and each of the follow-up's three queries alone. Everything runs in
one transaction rolled back at the end: the database is left as it was. Results go to
bench/results/report_followup.txt.
"""

import os
import platform
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cnam_portal.settings")

RESULTS = ROOT / "bench" / "results" / "report_followup.txt"
RUNS = 5
BATCH = 5000


class Rollback(Exception):
    pass


def follow_everyone(seed: int = 7) -> int:
    """A follow-up row for every enrollment whose session has started, as the attendance services keep them."""
    from django.db import connection
    from django.db.models import Q
    from django.utils import timezone

    from attendance.models import AbandonReason, ExitKind, Participation, ParticipationState
    from enrollment.models import Application, ApplicationStatus

    rng = random.Random(seed)
    today = timezone.localdate()
    enrolled = (
        Application.objects.filter(Q(status=ApplicationStatus.ENROLLED) | Q(enrolled_at__isnull=False))
        .filter(session__start_date__lte=today)
        .values_list("pk", "session__start_date", "session__end_date", "session__hours")
    )
    reasons = list(AbandonReason.values)
    rows, made = [], 0
    for pk, start, end, hours in enrolled.iterator(chunk_size=BATCH):
        span = max(1, (end - start).days)
        elapsed = min(1.0, max(0.0, (today - start).days / span))
        planned = Decimal(round((hours or 60) * elapsed, 1))
        attended = (planned * Decimal(rng.uniform(0.4, 1.0))).quantize(Decimal("0.01"))
        fields = {"state": ParticipationState.IN_TRAINING, "exited_on": None, "exit_kind": "", "abandon_reason": ""}
        draw = rng.random()
        if draw < 0.12:
            left = start + (today - start) * rng.uniform(0.1, 0.9) if today > start else start
            fields = {
                "state": ParticipationState.EXITED,
                "exited_on": min(left, end),
                "exit_kind": ExitKind.ABANDON,
                "abandon_reason": rng.choice(reasons),
            }
        elif draw < 0.13:
            fields = {"state": ParticipationState.EXITED, "exited_on": min(today, end), "exit_kind": ExitKind.EXCLUSION}
        elif end < today:
            fields = {"state": ParticipationState.EXITED, "exited_on": end, "exit_kind": ExitKind.COMPLETED}
        rows.append(
            Participation(application_id=pk, entered_on=start, hours_planned=planned, hours_attended=attended, **fields)
        )
        if len(rows) == BATCH:
            made += len(Participation.objects.bulk_create(rows))
            rows = []
    made += len(Participation.objects.bulk_create(rows))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE attendance_participation")
    return made


def timed(call) -> tuple[int, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings, counts = [], []
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            call()
            timings.append(time.perf_counter() - started)
        counts.append(len(queries))
    assert len(set(counts)) == 1, counts
    return counts[0], statistics.median(timings)


def measure(lines: list[str], label: str, period) -> None:
    from backoffice import selectors as reporting

    count, seconds = timed(lambda: reporting.build_report(period=period))
    lines.append(f"{label}: build_report  {count} queries  median {seconds:.3f} s")
    for name in ("followup_summary", "session_attendance", "convention_hours"):
        function = getattr(reporting, name)
        count, seconds = timed(lambda function=function: function(period=period))
        lines.append(f"  {name:<20} {count} query  median {seconds:.3f} s")


def main() -> int:
    import django

    django.setup()
    from django.db import connection, transaction

    from backoffice import selectors as reporting
    from enrollment.models import Application

    if connection.vendor != "postgresql":
        print("Point DATABASE_URL at the PostgreSQL database large_data.py built.", file=sys.stderr)
        return 2
    lines = [
        f"Staff report's follow-up figures — postgresql, {platform.machine()}, {os.cpu_count()} CPUs",
        f"applications: {Application.objects.count():,}",
    ]
    twelve = reporting.Period.last_twelve_months()
    everything = reporting.Period(start=twelve.start.replace(year=2000), end=twelve.end.replace(year=2099))
    try:
        with transaction.atomic():
            count, seconds = timed(lambda: reporting.build_report(period=twelve))
            lines.append(f"no follow-up row yet, last 12 months: build_report  {count} queries  median {seconds:.3f} s")
            started = time.perf_counter()
            made = follow_everyone()
            lines.append(f"follow-up rows written: {made:,} in {time.perf_counter() - started:.1f} s")
            measure(lines, "last 12 months", twelve)
            measure(lines, "everything", everything)
            report = reporting.build_report(period=twelve)
            summary = report.followup
            lines.append(
                f"last 12 months: {summary.entered:,} entered, attendance {summary.attendance_display} %, "
                f"completed {summary.completion_display} %, abandoned {summary.abandonment_display} %, "
                f"{report.attendance_count:,} sessions, {len(report.convention_hours)} conventions"
            )
            # What the index on (session, id) saves: dropped here, put back by the rollback.
            with connection.cursor() as cursor:
                cursor.execute("DROP INDEX application_session_person")
            measure(lines, "last 12 months, without the index application_session_person", twelve)
            raise Rollback
    except Rollback:
        pass
    text = "\n".join(lines) + "\n"
    print(text, end="")
    RESULTS.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
