"""Query count and time of the staff report on the demo data, then on ten times more.

    DATABASE_URL=postgres://… .venv/bin/python bench/bench_reporting.py

Creates a throwaway test database, loads ``seed_demo``, times the report page as a
superuser (median of 5), then copies every session with its applications nine times
(new references, new applicants) and measures again. The query count must not move.
Results go to bench/results/reporting.txt.
"""

import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

RESULTS = ROOT / "bench" / "results" / "reporting.txt"
COPIES = 9
RUNS = 5


def measure(client) -> tuple[int, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings, counts = [], []
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get("/admin/rapports/?du=2020-01-01&au=2030-12-31")
            timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
        counts.append(len(queries))
    assert len(set(counts)) == 1, counts
    return counts[0], statistics.median(timings)


def multiply(copies: int) -> None:
    """Copy every session and its applications ``copies`` times, with new applicants."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from enrollment.models import ApplicantProfile, Application
    from programs.models import Session

    User = get_user_model()
    sessions = list(Session.objects.all())
    applications = list(Application.objects.select_related("applicant__applicant_profile"))
    with transaction.atomic():
        for copy in range(1, copies + 1):
            session_map = {}
            for session in sessions:
                clone = Session.objects.get(pk=session.pk)
                clone.pk = None
                clone.reference = f"{session.reference}-X{copy}"
                clone.save()
                session_map[session.pk] = clone
            users = User.objects.bulk_create(
                [User(username=f"x{copy}-{a.pk}", email=f"x{copy}-{a.pk}@bench.example") for a in applications]
            )
            profiles, clones = [], []
            for application, user in zip(applications, users, strict=True):
                source = getattr(application.applicant, "applicant_profile", None)
                if source is not None:
                    profile = ApplicantProfile.objects.get(pk=source.pk)
                    profile.pk, profile.user = None, user
                    profiles.append(profile)
                clone = Application.objects.get(pk=application.pk)
                clone.pk = None
                clone.reference = f"X{copy}-{application.reference}"[:24]
                clone.applicant = user
                clone.session = session_map[application.session_id]
                clones.append(clone)
            ApplicantProfile.objects.bulk_create(profiles)
            Application.objects.bulk_create(clones)


def main() -> int:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from enrollment.models import Application
    from programs.models import Session

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        # A throwaway database with DEBUG off: the report needs no demo password (force_login).
        call_command("seed_demo", "--i-know-this-is-production", stdout=open(os.devnull, "w"))  # noqa: SIM115
        admin = get_user_model().objects.get(email="admin@cnam-mayotte.fr")
        client = Client()
        client.force_login(admin)
        demo = (Session.objects.count(), Application.objects.count(), *measure(client))
        multiply(COPIES)
        bigger = (Session.objects.count(), Application.objects.count(), *measure(client))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    lines = [
        f"Staff report /admin/rapports/ — {connection.vendor}, {platform.machine()}, {os.cpu_count()} CPUs",
        "demo data : {:5d} sessions {:6d} applications  {} queries  median {:.3f} s".format(*demo),
        "10x data  : {:5d} sessions {:6d} applications  {} queries  median {:.3f} s".format(*bigger),
        "same query count: " + ("yes" if demo[2] == bigger[2] else "NO"),
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0 if demo[2] == bigger[2] else 1


if __name__ == "__main__":
    raise SystemExit(main())
