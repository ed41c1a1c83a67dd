"""A convention PDF whose storage fails: marked « Échec » at once, shown to the partner and staff, swept again."""

import datetime

import pytest
from celery.schedules import crontab
from django.urls import reverse

from cnam_portal.celery import app
from partners import services, tasks
from partners.models import ConventionDocument
from tests.factories import PartnerMemberFactory, StaffUserFactory
from tests.helpers import messages_of, unwritable_storage, visible_text

from .convention_builders import build_full_convention

pytestmark = pytest.mark.django_db

Doc = ConventionDocument.State
STORAGE_REASON = "Échec de la production du PDF : le PDF n'a pas pu être enregistré dans le stockage des documents."


@pytest.fixture
def convention():
    return build_full_convention()


@pytest.fixture
def referent(convention, client):
    member = PartnerMemberFactory(partner=convention.partner)
    client.force_login(member.user)
    return member


def storage():
    return ConventionDocument._meta.get_field("file").storage


# Committed for real, as in production: the in-process render runs when the request's write commits.
@pytest.mark.django_db(transaction=True)
def test_unwritable_storage_marks_the_pdf_failed_for_the_partner_then_the_sweep_renders_it(
    convention, referent, client, tmp_path
):
    with unwritable_storage(storage(), tmp_path):
        response = client.get(reverse("partners:convention_pdf", args=[convention.reference]), follow=True)

    document = ConventionDocument.objects.get(convention=convention)
    assert document.state == Doc.FAILED
    # Each try counted: the first and the task's own retries (run eagerly here).
    assert document.attempts == tasks.RENDER_MAX_RETRIES + 1
    assert document.error == STORAGE_REASON
    assert document.error_detail.split(":")[0] in {"NotADirectoryError", "FileExistsError", "FileNotFoundError"}
    assert not document.file
    assert messages_of(response) == [
        "La production du PDF a échoué ; une nouvelle tentative est lancée. Réessayez dans quelques minutes."
    ]
    page = visible_text(client.get(reverse("partners:convention", args=[convention.reference])))
    assert "Dernière version : Échec" in page
    assert STORAGE_REASON in page
    assert "Une nouvelle tentative sera faite automatiquement" in page
    assert document.error_detail not in page  # the raw exception is for staff

    # Storage back: the periodic sweep renders the failed version.
    assert tasks.retry_failed_documents.delay().get() == 1
    document.refresh_from_db()
    assert (document.state, document.error, document.error_detail) == (Doc.READY, "", "")
    assert document.attempts == tasks.RENDER_MAX_RETRIES + 2
    with document.file.open("rb") as handle:
        assert handle.read(4) == b"%PDF"
    response = client.get(reverse("partners:convention_pdf", args=[convention.reference]))
    assert response["Content-Type"] == "application/pdf"


def test_the_sweep_that_retries_documents_runs_at_least_every_ten_minutes():
    entries = [entry for entry in app.conf.beat_schedule.values() if entry["task"] == tasks.retry_failed_documents.name]
    assert len(entries) == 1
    schedule = entries[0]["schedule"]
    assert isinstance(schedule, crontab)
    start = datetime.datetime(2026, 12, 1, 10, 0, 30, tzinfo=datetime.UTC)
    # The longest wait for the next run, over an hour's start times.
    waits = [
        schedule.remaining_estimate(start + datetime.timedelta(minutes=minute)).total_seconds() for minute in range(60)
    ]
    assert max(waits) <= 10 * 60


def test_a_failed_store_leaves_no_file_and_the_service_raises(convention, tmp_path):
    document = ConventionDocument.objects.create(convention=convention, version=1, state=Doc.PENDING)
    with unwritable_storage(storage(), tmp_path), pytest.raises(OSError):
        services.convention_document_render(document_id=document.pk)
    document.refresh_from_db()
    assert (document.state, document.attempts, document.error) == (Doc.FAILED, 1, STORAGE_REASON)


def test_staff_see_the_failure_its_reason_and_detail_in_the_admin(convention, client, tmp_path):
    document = ConventionDocument.objects.create(convention=convention, version=1, state=Doc.PENDING)
    with unwritable_storage(storage(), tmp_path), pytest.raises(OSError):
        services.convention_document_render(document_id=document.pk)
    client.force_login(StaffUserFactory())

    listing = visible_text(client.get(reverse("admin:partners_conventiondocument_changelist")))
    assert "Échec" in listing
    assert STORAGE_REASON in listing
    page = visible_text(client.get(reverse("admin:partners_conventiondocument_change", args=[document.pk])))
    assert STORAGE_REASON in page
    assert "Détail technique de l'échec" in page
    document.refresh_from_db()
    assert document.error_detail.split(":")[0] in page
