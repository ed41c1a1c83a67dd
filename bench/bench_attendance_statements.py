"""The monthly attendance statements of 500 people, rendered in process, one PDF at a time.

    DATABASE_URL=postgres://… .venv/bin/python bench/bench_attendance_statements.py [--people 500]

Builds, in a throwaway database (``bench_<name>``, created and dropped by the run), sessions of
40 people each with a past month of course days (Tuesday and Thursday evenings, Saturday
mornings) and closed sheets (most people present, some late, absent or excused), then lets
the follow-up enter them (``participations_refresh``, as the sheets call it). The month's run
(``monthly_statements_request``) then writes one row per person, and each is rendered through
``document_render`` as the worker does (data, hash, WeasyPrint, private storage), after one
warm-up render. Prints and writes to bench/results/attendance_statements.txt the median and
p95 time per PDF, the total, and the time of the run and of the refresh.

``bench_statements`` is the part of ``bench/bench_attendance.py`` about statements: it returns
its figures as lines and a pass mark, for that script to report beside its signatures.
"""

import argparse
import datetime
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

RESULTS = ROOT / "bench" / "results" / "attendance_statements.txt"
GOAL_MEDIAN_SECONDS = 1.0
PER_SESSION = 40
# Tuesday and Thursday 17 h 30 – 20 h 30, Saturday 8 h – 12 h.
WEEKLY = {1: (datetime.time(17, 30), datetime.time(20, 30)), 3: (datetime.time(17, 30), datetime.time(20, 30))}
WEEKLY[5] = (datetime.time(8, 0), datetime.time(12, 0))
STATUSES = [("present", 85), ("retard", 5), ("absent", 7), ("excuse", 3)]


def _month_before(day: datetime.date) -> datetime.date:
    first = day.replace(day=1)
    return (first - datetime.timedelta(days=1)).replace(day=1)


def build(*, people: int, month: datetime.date, seed: int = 14) -> list[int]:
    """Sessions of ``PER_SESSION`` people with ``month``'s course days and closed sheets; the applications' ids."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from attendance.models import Attendance, AttendanceSheet, Slot
    from enrollment.models import ApplicantProfile, Application
    from enrollment.models.profiles import CONSENT_TEXT
    from tests.factories import SessionFactory, UserFactory

    rng = random.Random(seed)
    user_model = get_user_model()
    trainer = UserFactory(username="formatrice-bench", first_name="Nadia", last_name="Formatrice")
    now = timezone.now()
    application_ids = []
    days = []
    day = month
    while day.month == month.month:
        if day.weekday() in WEEKLY:
            days.append(day)
        day += datetime.timedelta(days=1)
    made = 0
    number = 0
    while made < people:
        number += 1
        count = min(PER_SESSION, people - made)
        session = SessionFactory(
            reference=f"S-BENCH-{number:03d}",
            programme__title=f"Titre professionnel Comptable assistant — groupe {number}",
            start_date=month - datetime.timedelta(days=10),
            end_date=month + datetime.timedelta(days=150),
        )
        # The month's course days, and one of the month before (on no statement of this month).
        before = month - datetime.timedelta(days=3)
        slots = Slot.objects.bulk_create(
            [
                Slot(session=session, site_id=session.site_id, date=day, start_time=start, end_time=end)
                for day, (start, end) in [(day, WEEKLY[day.weekday()]) for day in days] + [(before, WEEKLY[1])]
            ]
        )
        users = user_model.objects.bulk_create(
            [
                user_model(username=f"bench-{made + index}", email=f"stagiaire{made + index}@example.yt")
                for index in range(count)
            ]
        )
        ApplicantProfile.objects.bulk_create(
            [
                ApplicantProfile(
                    user=user,
                    first_name=rng.choice(["Faïza", "Ali", "Zaïnaba", "Anli", "Mariame", "Soilihi", "Nadjima"]),
                    last_name=rng.choice(["Ousseni", "Combo", "Madi", "Abdallah", "Attoumani", "Saïd", "Ahamada"]),
                    situation="demandeur_emploi",
                    france_travail_id=f"{1000000 + made + index:07d}A",
                    consent_at=now,
                    consent_text=CONSENT_TEXT,
                )
                for index, user in enumerate(users)
            ]
        )
        applications = Application.objects.bulk_create(
            [
                Application(
                    reference=f"CAND-BENCH-{made + index:06d}",
                    session=session,
                    applicant=user,
                    status=Application.Status.ENROLLED,
                    enrolled_at=now,
                )
                for index, user in enumerate(users)
            ]
        )
        sheets = AttendanceSheet.objects.bulk_create(
            [
                AttendanceSheet(slot=slot, opened_by=trainer, state="close", closed_at=now, countersigned_by=trainer)
                for slot in slots
            ]
        )
        statuses, weights = zip(*STATUSES, strict=True)
        Attendance.objects.bulk_create(
            [
                Attendance(
                    sheet=sheet,
                    application=application,
                    status=(status := rng.choices(statuses, weights)[0]),
                    signed_at=now if status == "present" else None,
                    reason="Certificat médical." if status == "excuse" else "",
                    marked_by=trainer,
                )
                for sheet in sheets
                for application in applications
            ],
            batch_size=2000,
        )
        application_ids += [application.pk for application in applications]
        made += count
    return application_ids


def _load(values: tuple[float, float, float]) -> str:
    return " / ".join(f"{value:.1f}" for value in values)


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def bench_statements(*, people: int = 500, today: datetime.date | None = None) -> tuple[list[str], bool]:
    """Build ``people`` with a past month of attendance, render their statements; (report lines, goal met).

    Runs in the current database (the caller makes a throwaway one); writes nothing to results.
    """
    from django.db import connection
    from django.utils import timezone

    from attendance.models import FunderDocument, RenderState
    from attendance.services import followup, funder_documents
    from core import outbox

    today = today or timezone.localdate()
    month = _month_before(today)
    load_before = os.getloadavg()
    started = time.perf_counter()
    application_ids = build(people=people, month=month)
    built = time.perf_counter() - started

    # The workers are this loop: what the services hand over after commit is left unsent.
    with mock.patch.object(outbox, "enqueue_on_commit"):
        started = time.perf_counter()
        for index in range(0, len(application_ids), PER_SESSION):
            followup.participations_refresh(application_ids=application_ids[index : index + PER_SESSION])
        refreshed = time.perf_counter() - started
        started = time.perf_counter()
        ids = funder_documents.monthly_statements_request(month=month)
        requested = time.perf_counter() - started

    # One render first: fonts, templates and WeasyPrint's own caches, as a worker that has run before.
    warm_started = time.perf_counter()
    funder_documents.document_render(document_id=ids[0], today=today)
    warm = time.perf_counter() - warm_started
    timings = []
    total_started = time.perf_counter()
    for document_id in ids[1:]:
        started = time.perf_counter()
        funder_documents.document_render(document_id=document_id, today=today)
        timings.append(time.perf_counter() - started)
    total = time.perf_counter() - total_started + warm
    ready = FunderDocument.objects.filter(pk__in=ids, render_state=RenderState.READY)
    sizes = [document.file.size for document in ready.only("file")]
    again_started = time.perf_counter()
    unchanged = funder_documents.document_render(document_id=ids[-1], today=today)
    again = time.perf_counter() - again_started

    median = statistics.median(timings)
    lines = [
        f"data: {people} people in {len(application_ids) // PER_SESSION + (len(application_ids) % PER_SESSION > 0)} "
        f"sessions of {PER_SESSION}, month {month:%Y-%m} ({len(ids)} statements), built in {built:.1f} s",
        f"follow-up refresh (entries, hours, alerts; {PER_SESSION} people a call): {refreshed:.2f} s in all",
        f"monthly run (rows written, renders handed over): {requested:.2f} s",
        f"statements rendered: {ready.count()} of {len(ids)}, PDF median {statistics.median(sizes) / 1024:.0f} KiB",
        f"first render (warm-up): {warm:.3f} s",
        f"per PDF (document_render: data, hash, WeasyPrint, storage): median {median:.3f} s, "
        f"p95 {_quantile(timings, 0.95):.3f} s, min {min(timings):.3f} s, max {max(timings):.3f} s",
        f"total: {total:.1f} s for {len(ids)} PDFs ({len(ids) / total:.1f} per second, one process)",
        f"same data again: {unchanged.value} in {again * 1000:.0f} ms (no new version)",
        f"goal: median < {GOAL_MEDIAN_SECONDS:.1f} s -> {'OK' if median < GOAL_MEDIAN_SECONDS else 'MISSED'}",
        f"db: {connection.vendor}; load average (1, 5, 15 min) before {_load(load_before)}, "
        f"after {_load(os.getloadavg())} on {os.cpu_count()} cpus (figures grow with it)",
    ]
    return lines, median < GOAL_MEDIAN_SECONDS and ready.count() == len(ids)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=500)
    args = parser.parse_args()

    import logging

    import django

    django.setup()
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)

    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    if connection.vendor != "sqlite":
        connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_{connection.settings_dict['NAME']}"
    old_config = setup_databases(verbosity=0, interactive=False, keepdb=False)
    try:
        lines, ok = bench_statements(people=args.people)
    finally:
        teardown_databases(old_config, verbosity=0)

    import weasyprint

    report = [
        "Monthly attendance statements (bench/bench_attendance_statements.py)",
        f"date: {time.strftime('%Y-%m-%d %H:%M:%S %z')}",
        f"machine: {platform.machine()} cpus={os.cpu_count()} python={platform.python_version()} "
        f"weasyprint={weasyprint.__version__}",
        *lines,
    ]
    text = "\n".join(report) + "\n"
    print(text, end="")
    RESULTS.write_text(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
