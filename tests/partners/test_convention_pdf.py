"""The convention PDF: what it shows, its query budget, and its versions."""

import datetime
import io
import re
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from partners import documents, selectors, services, tasks
from partners.models import ConventionDocument
from tests.factories import ConventionFactory, SeatAllocationFactory, SignatoryFactory

from .convention_builders import build_full_convention

pytestmark = pytest.mark.django_db

Doc = ConventionDocument.State


def pdf_text(pdf: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    # Table cells wrap and dates hold non-breaking spaces: compare words, not layout.
    return re.sub(r"\s+", " ", text), len(reader.pages)


@pytest.fixture
def convention():
    return build_full_convention()


def render(convention) -> bytes:
    return documents.render_convention(selectors.convention_for_document(convention_id=convention.pk))


def test_pdf_shows_the_agreement(convention):
    pdf = render(convention)
    assert pdf.startswith(b"%PDF")
    text, pages = pdf_text(pdf)
    assert pages >= 2
    for expected in [
        "Convention de partenariat",
        "CONV-2026-007",
        "Conservatoire national des arts et métiers (CNAM), centre de Mayotte",
        "Rectorat de Mayotte (Rectorat)",
        f"SIRET {documents.format_siret(convention.partner.siret)}",
        "Route nationale 1, Kawéni, Mamoudzou",
        "Vu le code de l'éducation",
        "Considérant le schéma régional de formation",
        "Il a été convenu ce qui suit",
        "ARTICLE 1 — Objet",
        "ARTICLE 10 — Litiges",
        "Axes de travail",
        "Validation des acquis de l'expérience (VAE)",
        "Places réservées aux personnels du partenaire",
        "prend effet le 1er janvier 2026 et prend fin le 31 décembre 2028",
        "Dispositions financières",
        "48 500,00 €",
        "Fait à Mamoudzou, le 1er mars 2026, en deux exemplaires originaux.",
        "Pour le CNAM Mayotte",
        "Pour Rectorat de Mayotte",
        f"page 1 / {pages}",
        f"page {pages} / {pages}",
    ]:
        assert expected.replace("\u202f", " ") in text.replace("\u202f", " "), expected
    for allocation in convention.allocations.select_related("session__programme"):
        row = re.search(rf"{allocation.session.reference} (.*?) (\d+) (S-2026|Total)", text)
        assert row, allocation.session.reference
        assert int(row.group(2)) == allocation.seats
    assert "Total des places réservées 45" in text
    for signatory in convention.signatories.all():
        assert signatory.full_name in text
        assert signatory.title in text


def test_pdf_dates_are_french(convention):
    text, _ = pdf_text(render(convention))
    assert "du 1er février 2026 au 2 mai 2026" in text.replace("\xa0", " ")


def test_unsigned_convention_leaves_the_date_to_fill():
    convention = build_full_convention(allocations=1, articles=1, signed=False)
    text, _ = pdf_text(render(convention))
    assert "Fait à Mamoudzou, le" in text
    assert "1er mars 2026" not in text


@pytest.mark.parametrize(("allocations", "articles"), [(1, 1), (12, 10)])
def test_pdf_data_loads_in_a_fixed_number_of_queries(allocations, articles):
    convention = build_full_convention(allocations=allocations, articles=articles)
    with CaptureQueriesContext(connection) as queries:
        documents.convention_data(selectors.convention_for_document(convention_id=convention.pk))
    # convention + partner, articles, signatories, allocations with sessions, axes
    assert len(queries) == 5


def test_url_fetcher_refuses_the_network():
    fetcher = documents._url_fetcher()
    with pytest.raises(ValueError, match="disallowed protocol"):
        fetcher("https://example.org/logo.png")
    with pytest.raises(ValueError, match="disallowed protocol"):
        fetcher("file:///etc/passwd")


def test_pdf_names_the_partner_without_gender_marks(convention):
    text, _ = pdf_text(render(convention))
    flat = " ".join(text.split())
    assert "(e)" not in flat
    assert "en la personne de" in flat
    assert "ci-après « le partenaire »" in flat


# --- Versions ---------------------------------------------------------------


def request(convention, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.convention_document_request(convention=convention)


def test_request_renders_into_private_storage(convention, django_capture_on_commit_callbacks):
    document = request(convention, django_capture_on_commit_callbacks)
    document.refresh_from_db()
    assert (document.version, document.state, document.attempts) == (1, Doc.READY, 1)
    assert document.rendered_at is not None
    assert re.fullmatch(r"conventions/CONV-2026-007-v1-[0-9a-f]{16}\.pdf", document.file.name)
    with document.file.open("rb") as handle:
        assert handle.read(4) == b"%PDF"
    assert selectors.convention_latest_ready_document(convention=convention) == document


def test_same_data_returns_the_same_version(convention, django_capture_on_commit_callbacks):
    first = request(convention, django_capture_on_commit_callbacks)
    with (
        mock.patch.object(tasks.render_convention_document, "delay") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        again = services.convention_document_request(convention=convention)
        refreshed = services.convention_document_refresh(convention=convention)
    assert again == refreshed == first
    enqueue.assert_not_called()
    assert ConventionDocument.objects.count() == 1


def test_pending_version_with_same_data_is_returned_not_duplicated(convention):
    with mock.patch.object(tasks.render_convention_document, "delay"):
        first = services.convention_document_request(convention=convention)
        again = services.convention_document_request(convention=convention)
    assert first == again
    assert first.state == Doc.PENDING


def test_changed_article_makes_a_new_version(convention, django_capture_on_commit_callbacks):
    first = request(convention, django_capture_on_commit_callbacks)
    article = convention.articles.get(number=3)
    article.body = "Le CNAM Mayotte met à disposition une salle équipée au campus connecté."
    article.save()
    second = services.convention_document_refresh(convention=convention)
    assert second.version == 2
    assert second.content_hash != first.content_hash
    # A new seat allocation, a signatory, a new title: each changes what the PDF shows.
    SignatoryFactory(convention=convention, party="partenaire", full_name="Nouvelle signataire", title="DRH")
    assert services.convention_document_refresh(convention=convention).version == 3


def test_state_change_alone_keeps_the_version(convention, django_capture_on_commit_callbacks):
    first = request(convention, django_capture_on_commit_callbacks)
    convention.state = "resiliee"
    convention.save()
    assert services.convention_document_refresh(convention=convention) == first


def test_failed_render_is_marked_with_its_reason(convention):
    with mock.patch.object(tasks.render_convention_document, "delay"):
        document = services.convention_document_request(convention=convention)
    with (
        mock.patch.object(documents, "render_convention", side_effect=OSError("police introuvable")),
        pytest.raises(OSError),
    ):
        services.convention_document_render(document_id=document.pk)
    document.refresh_from_db()
    assert document.state == Doc.FAILED
    assert document.attempts == 1
    assert document.error == "Échec de la production du PDF : la mise en page du PDF a échoué."
    assert document.error_detail == "OSError: police introuvable"
    assert not document.file


def test_task_retries_then_the_sweep_renders_it(convention, django_capture_on_commit_callbacks):
    with mock.patch.object(documents, "render_convention", side_effect=RuntimeError("boom")):
        document = request(convention, django_capture_on_commit_callbacks)
    document.refresh_from_db()
    # The message retried itself (eagerly here) up to its limit, each try counted.
    assert document.state == Doc.FAILED
    assert document.attempts == tasks.RENDER_MAX_RETRIES + 1
    assert document.error_detail == "RuntimeError: boom"

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.retry_failed_documents.delay().get() == 1
    document.refresh_from_db()
    assert document.state == Doc.READY
    assert document.error == ""
    assert document.file


def test_sweep_leaves_exhausted_recent_and_superseded_documents(convention, django_capture_on_commit_callbacks):
    now = timezone.now()
    exhausted = ConventionDocument.objects.create(
        convention=ConventionFactory(), version=1, state=Doc.FAILED, attempts=services.DOCUMENT_MAX_ATTEMPTS
    )
    recent = ConventionDocument.objects.create(convention=ConventionFactory(), version=1, state=Doc.PENDING)
    superseded = ConventionDocument.objects.create(convention=convention, version=1, state=Doc.FAILED, attempts=1)
    latest = ConventionDocument.objects.create(convention=convention, version=2, state=Doc.PENDING)
    lost = ConventionDocument.objects.create(convention=ConventionFactory(), version=1, state=Doc.PENDING)
    ConventionDocument.objects.filter(pk__in=[latest.pk, lost.pk]).update(
        requested_at=now - datetime.timedelta(minutes=11)
    )
    with (
        mock.patch.object(tasks.render_convention_document, "delay") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        sent = services.convention_documents_retry(now=now)
    assert sorted(sent) == sorted([latest.pk, lost.pk])
    assert sorted(call.args[0] for call in enqueue.call_args_list) == sorted(sent)
    del exhausted, recent, superseded


def test_failed_version_with_same_data_is_sent_again_not_duplicated(convention, django_capture_on_commit_callbacks):
    with mock.patch.object(documents, "render_convention", side_effect=RuntimeError("boom")):
        failed = request(convention, django_capture_on_commit_callbacks)
    again = request(convention, django_capture_on_commit_callbacks)
    assert again.pk == failed.pk
    again.refresh_from_db()
    assert again.state == Doc.READY


def test_render_twice_does_no_harm(convention, django_capture_on_commit_callbacks):
    document = request(convention, django_capture_on_commit_callbacks)
    document.refresh_from_db()
    name = document.file.name
    tasks.render_convention_document.delay(document.pk)
    document.refresh_from_db()
    assert (document.file.name, document.attempts) == (name, 1)


def test_missing_document_is_ignored():
    result = tasks.render_convention_document.delay(999_999)

    assert result.successful()  # neither failed nor retried
    assert not ConventionDocument.objects.exists()


def test_allocation_change_makes_a_new_version(convention, django_capture_on_commit_callbacks):
    request(convention, django_capture_on_commit_callbacks)
    SeatAllocationFactory(
        convention=convention,
        seats=3,
        session__start_date=datetime.date(2027, 5, 1),
        session__end_date=datetime.date(2027, 6, 1),
    )
    assert services.convention_document_refresh(convention=convention).version == 2
