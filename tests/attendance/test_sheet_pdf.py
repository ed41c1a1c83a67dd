"""The attendance sheet's PDF: its text, its rendering by the task, failures, the sweep, the admin."""

import datetime
import io

import pytest
from celery.schedules import crontab
from django.urls import reverse
from pypdf import PdfReader

from attendance import tasks
from attendance.documents import sheets as sheet_documents
from attendance.models import AttendanceChange, AttendanceSheet, AttendanceStatus, RenderState
from attendance.services import rendering
from attendance.services import sheets as services
from cnam_portal.celery import app
from cnam_portal.roles import CHARGE_PARTENARIATS, DIRECTION, GESTIONNAIRE
from tests.attendance.conftest import DAY, NOW, PASSWORD, at, token_of
from tests.factories import SessionFactory, SiteFactory, SlotFactory, StaffUserFactory, TrainerFactory
from tests.helpers import messages_of, visible_text

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages), len(reader.pages)


@pytest.fixture
def closed(course, django_capture_on_commit_callbacks):
    """The sheet signed by Abdallah, Boina late, Chanfi excused, closed at 20 h 35; its PDF rendered."""
    course.user.first_name, course.user.last_name = "Nadia", "Madi"
    course.user.save()
    sheet = services.sheet_open(slot=course.slot, user=course.user, now=NOW)
    present, late, excused = course.people
    services.attendance_sign(user=present.applicant, token=token_of(sheet), now=NOW)
    services.attendance_mark(
        sheet=sheet, application=late, status=AttendanceStatus.LATE, reason="Arrivée à 18 h 05.", by=course.user
    )
    services.attendance_mark(
        sheet=sheet, application=excused, status=AttendanceStatus.EXCUSED, reason="Certificat médical.", by=course.user
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.sheet_close(sheet=sheet, user=course.user, password=PASSWORD, now=at(20, 35))
    sheet.refresh_from_db()
    return sheet


def test_closing_renders_the_sheet_s_pdf_with_names_times_statuses_and_the_countersignature(course, closed):
    assert closed.render_state == RenderState.READY
    text, pages = pdf_text(closed.file.read())

    assert pages == 1
    assert "Feuille d'émargement" in text
    assert course.session.programme.title in text
    assert course.session.reference in text
    assert "1er juin 2027" in text
    assert "17 h 30 – 20 h 30" in text
    assert "Centre CNAM de Mamoudzou" in text
    for person in course.people:
        assert person.applicant.applicant_profile.last_name.upper() in text
        assert person.reference in text
    assert "Présent — signé à 17 h 35" in text
    assert "(3 h)" in text
    assert "En retard" in text and "Arrivée à 18 h 05." in text
    assert "Absence excusée" in text and "Certificat médical." in text
    assert "Nadia Madi, le 1er juin 2027 à 20 h 35" in text
    assert closed.countersignature[:16] in text
    assert "Page 1 / 1" in text


def test_a_remote_slot_says_a_distance_and_people_enrolled_after_nothing(course):
    remote = SiteFactory(remote=True)
    session = SessionFactory(site=remote, start_date=DAY, end_date=DAY + datetime.timedelta(days=30))
    slot = SlotFactory(session=session, date=DAY)
    trainer = TrainerFactory(sessions=[session])
    sheet = services.sheet_open(slot=slot, user=trainer.user, now=NOW)
    services.sheet_close(sheet=sheet, user=trainer.user, password=PASSWORD, now=at(20, 35))

    data = sheet_documents.sheet_data(sheet)
    text, pages = pdf_text(sheet_documents.render_sheet(data))

    assert data["place"] == "À distance"
    assert "À distance" in text
    assert "Personne n'était inscrit à ce créneau." in text
    assert pages == 1


def test_a_long_sheet_runs_over_pages_numbered_x_of_y(course):
    sheet = services.sheet_open(slot=course.slot, user=course.user, now=NOW)
    data = sheet_documents.sheet_data(sheet)
    data["rows"] = [
        {"name": f"PERSONNE {n:03d}", "reference": f"CAND-{n:06d}", "presence": "Absent", "reason": ""}
        for n in range(120)
    ]
    text, pages = pdf_text(sheet_documents.render_sheet(data))
    assert pages >= 3
    assert f"Page 1 / {pages}" in text and f"Page {pages} / {pages}" in text


def test_the_render_is_skipped_when_nothing_changed_and_redone_after_a_correction(course, closed):
    first = closed.file.name
    assert services.sheet_render(sheet_id=closed.pk) is rendering.Outcome.UNCHANGED

    services.attendance_correct(
        sheet=closed,
        application=course.people[1],
        status=AttendanceStatus.PRESENT,
        reason="Le retard était excusé par l'employeur.",
        by=StaffUserFactory(role=GESTIONNAIRE),
        now=at(9, 0, day=DAY + datetime.timedelta(days=1)),
    )
    assert services.sheet_render(sheet_id=closed.pk) is rendering.Outcome.RENDERED

    closed.refresh_from_db()
    assert closed.file.name != first
    text, _pages = pdf_text(closed.file.read())
    assert "Corrections après la clôture" in text
    assert "Le retard était excusé par l'employeur." in text
    assert "En retard → Présent" in text


def test_an_open_sheet_is_never_rendered():
    sheet = SlotFactory()
    opened = AttendanceSheet.objects.create(slot=sheet, opened_by=StaffUserFactory())
    assert services.sheet_render(sheet_id=opened.pk) is rendering.Outcome.UNCHANGED
    opened.refresh_from_db()
    assert not opened.file


def test_a_failed_render_is_recorded_in_french_raised_by_the_task_and_swept(
    closed, monkeypatch, django_capture_on_commit_callbacks
):
    AttendanceSheet.objects.filter(pk=closed.pk).update(render_state=RenderState.PENDING, data_hash="")

    def broken(data):
        raise RuntimeError("WeasyPrint")

    monkeypatch.setattr(sheet_documents, "render_sheet", broken)
    # Run as a worker does (not eagerly): the failure is committed, then raised for Celery to retry.
    tasks.render_sheet.push_request(is_eager=False)
    try:
        with pytest.raises(rendering.RenderError):
            tasks.render_sheet.run(closed.pk)
    finally:
        tasks.render_sheet.pop_request()
    closed.refresh_from_db()
    assert closed.render_state == RenderState.FAILED
    assert (
        closed.error == "Échec de la production du document « feuille d'émargement » : la mise en page du PDF a échoué."
    )
    assert closed.error_detail == "RuntimeError: WeasyPrint"

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.retry_failed_sheets.delay().get() == 1
    closed.refresh_from_db()
    assert closed.render_state == RenderState.READY


def test_the_sweep_leaves_open_sheets_alone(course):
    sheet = services.sheet_open(slot=course.slot, user=course.user, now=NOW)
    AttendanceSheet.objects.filter(pk=sheet.pk).update(requested_at=NOW - datetime.timedelta(days=1))
    assert services.sheets_retry() == []


def test_the_sheet_sweep_is_in_the_beat_schedule_every_ten_minutes():
    entries = [entry for entry in app.conf.beat_schedule.values() if entry["task"] == tasks.retry_failed_sheets.name]
    assert len(entries) == 1
    assert entries[0]["schedule"] == crontab(minute="*/10")


# --- The admin ----------------------------------------------------------------------------------


def test_staff_download_the_pdf_and_see_lines_and_history_read_only(client, course, closed):
    client.force_login(StaffUserFactory(role=GESTIONNAIRE))
    page = client.get(reverse("admin:attendance_attendancesheet_change", args=[closed.pk]))
    text = visible_text(page)
    assert page.status_code == 200
    assert "Télécharger le PDF" in text and "Corriger une présence…" in text
    assert course.people[0].applicant.applicant_profile.last_name.upper() in text
    assert "Ni signé ni marqué" not in text  # nobody was left unmarked
    # No input for the lines or their history: they are read-only.
    assert 'name="lines-0-status"' not in page.content.decode()
    assert 'name="history-0-to_status"' not in page.content.decode()

    response = client.get(reverse("admin:attendance_attendancesheet_download", args=[closed.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_the_admin_correction_form_calls_the_service_and_refuses_without_a_reason(client, course, closed):
    client.force_login(StaffUserFactory(role=GESTIONNAIRE))
    url = reverse("admin:attendance_attendancesheet_correct", args=[closed.pk])
    person = course.people[2]

    refused = client.post(url, {"application": person.pk, "status": "present", "reason": ""})
    assert refused.status_code == 400
    assert "Indiquez le motif de la correction." in visible_text(refused)

    done = client.post(
        url, {"application": person.pk, "status": "present", "reason": "Présente, signature oubliée."}, follow=True
    )
    assert "Présence de CHANFI" in " ".join(messages_of(done))
    change = AttendanceChange.objects.get(sheet=closed, after_closing=True)
    assert (change.application, change.to_status, change.reason) == (person, "present", "Présente, signature oubliée.")


@pytest.mark.parametrize(("role", "status"), [(DIRECTION, 403), (CHARGE_PARTENARIATS, 403)])
def test_staff_without_the_permission_cannot_correct(client, course, closed, role, status):
    client.force_login(StaffUserFactory(role=role))
    url = reverse("admin:attendance_attendancesheet_correct", args=[closed.pk])
    response = client.post(url, {"application": course.people[2].pk, "status": "present", "reason": "Par un lecteur."})
    assert response.status_code == status
    assert not AttendanceChange.objects.filter(after_closing=True).exists()
