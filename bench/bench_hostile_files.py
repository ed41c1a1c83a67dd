"""How long hostile files take to be refused: staff lists, and applicants' documents.

    .venv/bin/python bench/bench_hostile_files.py [--runs 3]

No database: the checks are pure functions over bytes. Each file is built in memory (see
tests/partner_space/workbooks.py and tests/enrollment/test_upload_depth.py), then refused
``--runs`` times; the figure is the median CPU time. A real 5,000-line workbook and a real photo are
timed too, as the cost the bounds must leave affordable. Goal: every refusal within 1 s.
Results go to bench/results/hostile_files.txt.
"""

import argparse
import io
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

RESULTS = ROOT / "bench" / "results" / "hostile_files.txt"
GOAL_SECONDS = 1.0


def staff_files():
    from tests.partner_space import workbooks

    row = ["Awa", "Madi", "awa@tsingoni.yt", "RH", "S-2027-TSG"]
    bomb = b" " * (30 * 1024 * 1024)
    return {
        "xlsx, 2,000,000 empty rows": workbooks.staff_workbook([row], empty_rows=2_000_000),
        "xlsx, dimension A1:XFD1048576": workbooks.staff_workbook([row], dimension="A1:XFD1048576"),
        "xlsx, zip bomb (30 MB member)": workbooks.workbook(
            workbooks.sheet_xml([workbooks.HEADER, row]), extra_members=[("xl/sharedStrings.xml", bomb)]
        ),
        "xlsx, entity expansion": workbooks.workbook(
            workbooks.sheet_xml(
                [workbooks.HEADER, row], prolog='<!DOCTYPE w [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;">]>'
            )
        ),
        "csv, 1 MB of blank lines": b"prenom;nom;email;session\r\n" + b";\r\n" * 340_000,
    }


def documents():
    from tests.enrollment.test_upload_depth import _png_bomb
    from tests.helpers import pdf_bytes

    return {
        "png, 8000 x 8000 bomb": ("image/png", _png_bomb(8000, 8000)),
        "pdf, OpenAction JavaScript": (
            "application/pdf",
            pdf_bytes(catalog=b"/OpenAction 4 0 R", objects=[b"<< /S /JavaScript /JS (app.alert(1)) >>"]),
        ),
    }


def timed(call, runs: int) -> float:
    """The median CPU time of ``call``: on a shared machine, wall time mostly measures the neighbours."""
    durations = []
    for _ in range(runs):
        started = time.process_time()
        call()
        durations.append(time.process_time() - started)
    return statistics.median(durations)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import logging

    import django

    django.setup()
    logging.disable(logging.WARNING)

    from django.core.exceptions import ValidationError
    from PIL import Image

    from enrollment.uploads import inspect_upload
    from partner_space import imports
    from tests.helpers import upload, xlsx_bytes

    codes: dict[str, str] = {}

    def refused(name, call) -> None:
        try:
            call()
        except ValidationError as error:
            codes[name] = error.code or ""
            return
        raise AssertionError(f"{name}: accepted")

    lines = [
        "Hostile files refused (bench/bench_hostile_files.py)",
        f"date: {time.strftime('%Y-%m-%d %H:%M:%S %z')}",
        f"machine: {platform.machine()} cpus={os.cpu_count()} python={platform.python_version()}",
        f"runs: {args.runs} (median)",
    ]
    slowest = 0.0
    for name, content in staff_files().items():
        filename = "agents.csv" if name.startswith("csv") else "agents.xlsx"
        seconds = timed(
            lambda name=name, content=content, filename=filename: refused(
                name, lambda: imports.parse_staff_file(content, filename)
            ),
            args.runs,
        )
        slowest = max(slowest, seconds)
        lines.append(f"staff list, {name} ({len(content) // 1024} KB): refused ({codes[name]}) in {seconds:.3f} s")
    for name, (_content_type, content) in documents().items():
        seconds = timed(
            lambda name=name, content=content: refused(name, lambda: inspect_upload(upload("piece", content))),
            args.runs,
        )
        slowest = max(slowest, seconds)
        lines.append(f"document, {name} ({len(content) // 1024} KB): refused ({codes[name]}) in {seconds:.3f} s")

    real_rows = [[f"Prénom{n}", f"Nom{n}", f"agent{n}@tsingoni.yt", "Agent", "S-2027-TSG"] for n in range(4999)]
    real_workbook = xlsx_bytes(real_rows)  # as openpyxl saves it, shared strings like Excel
    seconds = timed(lambda: imports.parse_staff_file(real_workbook, "agents.xlsx"), args.runs)
    lines.append(
        f"for reference, a real 5,000-line workbook ({len(real_workbook) // 1024} KB): read in {seconds:.3f} s"
    )
    photo = io.BytesIO()
    Image.effect_noise((4000, 3000), 16).convert("RGB").save(photo, "JPEG", quality=70)
    seconds = timed(lambda: inspect_upload(upload("photo.jpg", photo.getvalue())), args.runs)
    lines.append(
        f"for reference, a 12-megapixel photo ({len(photo.getvalue()) // 1024} KB): checked in {seconds:.3f} s"
    )
    ok = slowest < GOAL_SECONDS
    lines.append(f"goal: every refusal < {GOAL_SECONDS:.0f} s -> {'OK' if ok else 'MISSED'} (slowest {slowest:.3f} s)")
    print("\n".join(lines))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
