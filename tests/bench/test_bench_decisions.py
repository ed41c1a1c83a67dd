"""What bench/bench_decisions.py relies on: its PDF and its form body pass the real apply view,
and its figures add up."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bench import bench_decisions
from enrollment.models import Application, ApplicationDocument
from enrollment.uploads import inspect_upload
from tests.factories import ApplicantFactory, SessionFactory


def test_the_scan_is_a_pdf_of_just_under_200_kb_the_upload_checks_accept():
    pdf = bench_decisions.scan_pdf()
    assert 190 * 1024 < len(pdf) <= bench_decisions.PDF_TARGET_BYTES
    assert inspect_upload(SimpleUploadedFile("scan.pdf", pdf)).content_type == "application/pdf"


@pytest.mark.django_db
def test_the_benchmark_s_multipart_body_submits_an_application(client):
    person = ApplicantFactory()
    session = SessionFactory()
    client.force_login(person)
    content_type, body = bench_decisions._multipart(
        {"motivation": "Je veux me former pour travailler dans ma commune.", "document_1_kind": "cv"},
        {"document_1_file": ("scan-cv.pdf", "application/pdf", bench_decisions.scan_pdf())},
    )
    response = client.generic("POST", f"/candidatures/postuler/{session.pk}/", body, content_type=content_type)
    application = Application.objects.get(applicant=person, session=session)
    assert response.status_code == 302
    assert response.url == f"/candidatures/{application.reference}/"
    assert ApplicationDocument.objects.filter(application=application, kind="cv").count() == 1


def test_decisions_add_up_per_outcome_and_over_the_window():
    # (outcome, seconds, lock, other SQL, COMMIT, after commit, statements, lock timeouts set, row held)
    records = [("accepted", 0.010, 0.004, 0.003, 0.001, 0.001, 14, "5000", 0.005)] * 9
    records += [
        ("full", 0.002, 0.001, 0.0, 0.0, 0.0, 5, "5000", 0.0),
        ("busy", 5.0, 5.0, 0.0, 0.0, 0.0, 3, "5000", 0.0),
    ]
    results = [
        {"records": records[:5], "errors": [], "start": 100.0, "end": 130.0, "ran_out": False, "lock_timeout_ms": 5000},
        {
            "records": records[5:],
            "errors": ["refused (invalid_move): …"],
            "start": 101.0,
            "end": 160.0,
            "ran_out": False,
            "lock_timeout_ms": 5000,
        },
    ]
    results[1]["records"].append(("refused (invalid_move)", 0.001, 0.0, 0.0, 0.0, 0.0, 4, "5000", 0.0))
    summary = bench_decisions.decisions_summary(results)
    assert (summary["accepted"], summary["full"], summary["busy"], summary["unexpected"]) == (9, 1, 1, 1)
    assert summary["window_s"] == 60.0
    assert summary["per_minute"] == 9.0
    assert summary["timeout_set"] == summary["decisions"] == 12
    assert summary["breakdown"]["python"] == pytest.approx(1.0)
    assert summary["breakdown"]["held"] == pytest.approx(5.0)
    assert summary["p50_ms"] == pytest.approx(10.0)
    assert summary["max_ms"] == pytest.approx(5000.0)


def test_the_readme_table_is_rewritten_between_its_markers(tmp_path, monkeypatch):
    readme = tmp_path / "README.md"
    start, end = bench_decisions.MARKERS
    readme.write_text(f"# Benchmarks\n\n{start}\nold\n{end}\n\nAfter.\n", encoding="utf-8")
    monkeypatch.setattr(bench_decisions, "README", readme)
    bench_decisions.rewrite_readme("| new |")
    assert readme.read_text(encoding="utf-8") == f"# Benchmarks\n\n{start}\n| new |\n{end}\n\nAfter.\n"
