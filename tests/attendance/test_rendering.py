"""The shared rendering of follow-up PDFs: once per data version, failures recorded, sweep."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from attendance.documents import base
from attendance.models import FunderDocument, FunderDocumentVersion, RenderState
from attendance.services import rendering
from tests.factories import ApplicationFactory, CentreFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n% test\n"


def _document():
    return FunderDocument.objects.create(application=ApplicationFactory(enrolled=True), kind=FunderDocument.Kind.ENTRY)


def _keep(document):
    def keep(name, digest, generated_at):
        FunderDocumentVersion.objects.create(
            document=document, version=document.version, file=name, data_hash=digest, generated_at=generated_at
        )
        document.version += 1

    return keep


def test_a_render_stores_the_file_once_per_data_version():
    document = _document()
    calls = []

    def render():
        calls.append(1)
        return PDF

    with transaction.atomic():
        outcome = rendering.pdf_render(row=document, digest="a", render=render, filename="x.pdf", what="attestation")
    assert outcome is rendering.Outcome.RENDERED
    document.refresh_from_db()
    assert document.render_state == RenderState.READY
    assert document.file.read() == PDF
    with transaction.atomic():
        outcome = rendering.pdf_render(row=document, digest="a", render=render, filename="x.pdf", what="attestation")
    assert outcome is rendering.Outcome.UNCHANGED
    assert len(calls) == 1


def test_changed_data_keeps_the_earlier_version_when_asked():
    document = _document()
    document.version = 1
    with transaction.atomic():
        rendering.pdf_render(row=document, digest="a", render=lambda: PDF, filename="x.pdf", what="x")
    first = document.file.name
    with transaction.atomic():
        rendering.pdf_render(
            row=document,
            digest="b",
            render=lambda: PDF + b"2",
            filename="x.pdf",
            what="x",
            keep_previous=_keep(document),
        )
    document.refresh_from_db()
    assert document.version == 2
    kept = FunderDocumentVersion.objects.get(document=document)
    assert (kept.version, kept.file.name, kept.data_hash) == (1, first, "a")
    assert kept.file.storage.exists(first)
    assert document.file.name != first


def test_a_failed_layout_is_recorded_in_french_and_raised():
    document = _document()

    def broken():
        raise ValueError("boom")

    with transaction.atomic():
        outcome = rendering.pdf_render(
            row=document, digest="a", render=broken, filename="x.pdf", what="attestation d'entrée"
        )
    assert outcome is rendering.Outcome.FAILED
    document.refresh_from_db()
    assert document.render_state == RenderState.FAILED
    assert (
        document.error
        == "Échec de la production du document « attestation d'entrée » : la mise en page du PDF a échoué."
    )
    assert document.error_detail == "ValueError: boom"
    assert document.attempts == 1
    assert not document.file


def test_the_sweep_takes_failed_rows_and_pending_ones_whose_message_was_lost():
    now = timezone.now()
    failed, lost, recent, spent = (_document() for _ in range(4))
    FunderDocument.objects.filter(pk=failed.pk).update(render_state=RenderState.FAILED, attempts=1)
    FunderDocument.objects.filter(pk=lost.pk).update(requested_at=now - datetime.timedelta(minutes=11))
    FunderDocument.objects.filter(pk=spent.pk).update(render_state=RenderState.FAILED, attempts=rendering.MAX_ATTEMPTS)

    due = rendering.rows_due(FunderDocument.objects.all(), now=now)

    assert sorted(due) == sorted([failed.pk, lost.pk])
    assert set(FunderDocument.objects.filter(pk__in=due).values_list("render_state", flat=True)) == {
        RenderState.PENDING
    }
    assert recent.pk not in due


def test_the_body_identity_comes_from_the_centre_record():
    CentreFactory(legal_name="CNAM Mayotte", siret="19753471200017", signatory_name="A. Madi")
    identity = base.body_identity()
    assert identity["legal_name"] == "CNAM Mayotte"
    assert identity["siret"] == "197 534 712 00017"
    assert identity["signatory_name"] == "A. Madi"
