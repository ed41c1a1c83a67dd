"""The demo's course follow-up: a trainer, course days, signed sheets, and the documents they give."""

import datetime

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from attendance import codes
from attendance.models import (
    AbsenceAlert,
    AttendanceSheet,
    AttendanceStatus,
    ExitKind,
    FunderDocument,
    Participation,
    ParticipationState,
    RenderState,
    Slot,
)
from attendance.services import funder_documents, sheets
from core.formatting import date_long
from core.models import Notification
from demo.data import followup as followup_data
from programs.models import Session
from tests.attendance.followup_scene import pdf_text
from tests.cnam_portal.test_seed_demo import seed

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("seed_demo")]

RUNNING, ENDED = followup_data.RUNNING_SESSION, followup_data.ENDED_SESSION


@pytest.fixture
def seeded(demo_seeded):
    return demo_seeded


def words(content: bytes) -> str:
    return " ".join(pdf_text(content).replace("\u00a0", " ").split())


def attendance_rows() -> dict:
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in apps.get_app_config("attendance").get_models(include_auto_created=True)
    }


def test_the_trainer_is_printed_signs_in_and_lands_in_their_space(seeded, client):
    assert followup_data.TRAINER["email"] in seeded and "Formateur-Demo-976" in seeded
    response = client.post(
        reverse("account_login"), {"login": followup_data.TRAINER["email"], "password": "Formateur-Demo-976"}
    )
    assert response["Location"] == reverse("attendance:trainer_home")
    page = client.get(reverse("attendance:trainer_home"))
    assert page.status_code == 200
    assert RUNNING in page.content.decode()


def test_past_course_days_have_closed_countersigned_sheets_with_valid_signatures(seeded):
    today = timezone.localdate()
    slots = Slot.objects.filter(session__reference=RUNNING)
    # Weekdays between the start and the end, Mayotte's public holidays left out.
    assert slots.count() > 30
    assert not slots.filter(date__week_day__in=(1, 7)).exists()
    past = slots.filter(date__lt=today)
    assert AttendanceSheet.objects.filter(slot__in=past, state=AttendanceSheet.State.CLOSED).count() == past.count()
    assert not AttendanceSheet.objects.filter(slot__date__gte=today, slot__session__reference=RUNNING).exists()
    for sheet in AttendanceSheet.objects.filter(slot__in=past).prefetch_related("lines"):
        assert sheet.countersigned_by.email == followup_data.TRAINER["email"]
        lines = sheet.lines.all()
        assert len(lines) == 4
        assert sheet.countersignature == codes.countersignature_for(
            sheet_id=sheet.pk,
            user_id=sheet.countersigned_by_id,
            closed_at=sheet.closed_at,
            lines=[(line.application_id, line.status) for line in lines],
        )
        for line in lines:
            if line.signed_at:
                assert codes.signature_is_valid(
                    sheet_id=sheet.pk,
                    application_id=line.application_id,
                    signed_at=line.signed_at,
                    signature=line.signature,
                )


def test_follow_up_states_alert_and_exits_come_out_of_the_sheets(seeded):
    running = Participation.objects.filter(application__session__reference=RUNNING)
    assert set(running.values_list("state", flat=True)) == {ParticipationState.IN_TRAINING}
    assert running.count() == 4
    for participation in running:
        assert 0 < participation.hours_attended <= participation.hours_planned
    alert = AbsenceAlert.objects.get()
    assert alert.application.applicant.email == "ibrahim.ali@candidat.example"
    assert alert.handled_at is None

    ended = {
        p.application.applicant.first_name: p
        for p in Participation.objects.filter(application__session__reference=ENDED).select_related(
            "application__applicant"
        )
    }
    assert {name: p.exit_kind for name, p in ended.items()} == {
        "Hamada": ExitKind.COMPLETED,
        "Zakia": ExitKind.COMPLETED,
        "Echati": ExitKind.ABANDON,
    }
    assert ended["Echati"].abandon_reason == "emploi"
    assert ended["Echati"].hours_attended < ended["Hamada"].hours_attended
    assert AttendanceStatus.EXCUSED in set(ended["Zakia"].application.attendances.values_list("status", flat=True))


def test_the_three_documents_and_a_sheet_render_for_the_demo_data(seeded):
    zakia = Participation.objects.get(application__applicant__first_name="Zakia", application__session__reference=ENDED)
    documents = {document.kind: document for document in FunderDocument.objects.filter(application=zakia.application)}
    assert set(documents) == set(FunderDocument.Kind.values)
    monthly = FunderDocument.objects.filter(application=zakia.application, kind=FunderDocument.Kind.MONTHLY)
    assert monthly.count() >= 4  # one per month of the course

    texts = {}
    for document in [documents[FunderDocument.Kind.ENTRY], monthly.first(), documents[FunderDocument.Kind.COMPLETION]]:
        funder_documents.document_render(document_id=document.pk)
        document.refresh_from_db()
        assert document.render_state == RenderState.READY, document.error
        text = texts[document.kind] = words(document.file.read())
        assert "Zakia" in text, document.kind
        assert "Français professionnel" in text or "français professionnel" in text.lower()
    completion = texts[FunderDocument.Kind.COMPLETION]
    assert "Certificat de réalisation" in completion
    assert date_long(zakia.exited_on) in completion

    sheet = AttendanceSheet.objects.filter(slot__session__reference=RUNNING).order_by("slot__date").first()
    sheets.sheet_render(sheet_id=sheet.pk)
    sheet.refresh_from_db()
    text = words(sheet.file.read())
    assert "Feuille d'émargement" in text
    assert date_long(sheet.slot.date) in text
    assert "Fatima" in text and "Ibrahim" in text


def test_a_second_run_changes_no_row_of_the_follow_up_and_sends_nothing(seeded):
    before = attendance_rows()
    emails = Notification.objects.count()
    assert "rien n'a changé" in seed()
    assert attendance_rows() == before
    assert Notification.objects.count() == emails


def test_a_later_day_moves_the_course_days_and_keeps_one_sheet_per_past_day(seeded, monkeypatch):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    seed()
    session = Session.objects.get(reference=RUNNING)
    slots = Slot.objects.filter(session=session)
    assert not slots.exclude(date__range=(session.start_date, session.end_date)).exists()
    past = slots.filter(date__lt=tomorrow)
    assert AttendanceSheet.objects.filter(slot__in=past).count() == past.count()
    assert AttendanceSheet.objects.filter(slot__session=session).count() == past.count()
