"""Documents are recognised by content; a bad one leaves nothing of the submission behind."""

import datetime
import os

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from core.models import Notification
from enrollment.models import Application, ApplicationDocument, ApplicationStatusChange, PendingUpload
from enrollment.services import applications
from enrollment.uploads import inspect_upload
from tests.factories import ApplicantFactory, SessionFactory
from tests.helpers import JPEG_BYTES, PDF_BYTES, PNG_BYTES, bytes_of, pdf_upload, upload


def stored_files(root) -> set[str]:
    return {os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files}


def private_root() -> str:
    # The field's storage, i.e. where documents really land.
    return ApplicationDocument._meta.get_field("file").storage.location


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("cv.pdf", PDF_BYTES, "application/pdf"),
        ("photo.JPG", JPEG_BYTES, "image/jpeg"),
        ("scan.png", PNG_BYTES, "image/png"),
        # The name does not matter: a real PNG named .pdf is a PNG.
        ("diplome.pdf", PNG_BYTES, "image/png"),
    ],
)
def test_accepts_pdf_jpeg_png_by_content(name, content, content_type):
    info = inspect_upload(upload(name, content))
    assert info.content_type == content_type
    assert info.size == len(content)
    assert len(info.sha256) == 64


def test_refuses_text_file_named_pdf():
    with pytest.raises(ValidationError) as caught:
        inspect_upload(upload("cv.pdf", b"Ceci est un simple texte, pas un PDF."))
    message = caught.value.messages[0]
    assert "« cv.pdf »" in message
    assert "n'est ni un PDF, ni une image JPEG ou PNG" in message


def test_refuses_executable_renamed_png():
    with pytest.raises(ValidationError) as caught:
        inspect_upload(upload("photo.png", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 100))
    assert "« photo.png »" in caught.value.messages[0]


def test_refuses_empty_file():
    with pytest.raises(ValidationError) as caught:
        inspect_upload(upload("vide.pdf", b""))
    assert caught.value.messages == ["Le fichier « vide.pdf » est vide."]


@override_settings(DOCUMENT_MAX_BYTES=1024)
def test_refuses_oversized_file():
    with pytest.raises(ValidationError) as caught:
        inspect_upload(upload("gros.pdf", bytes_of(1025)))
    assert "« gros.pdf » dépasse la taille maximale de 1,0\xa0Kio" in caught.value.messages[0]
    # Exactly at the limit is fine.
    assert inspect_upload(upload("juste.pdf", bytes_of(1024))).size == 1024


@pytest.mark.django_db
def test_valid_documents_are_stored_privately_under_random_names(settings):
    user = ApplicantFactory()
    session = SessionFactory()
    application = applications.application_submit(
        user=user,
        session=session,
        motivation="Je veux progresser.",
        documents=[("cv", pdf_upload("Mon CV secret.pdf")), ("identite", upload("id.jpeg", JPEG_BYTES))],
    )
    documents = list(application.documents.order_by("pk"))
    assert [d.content_type for d in documents] == ["application/pdf", "image/jpeg"]
    assert documents[0].original_name == "Mon CV secret.pdf"
    assert "secret" not in documents[0].file.name
    assert documents[0].file.name.endswith(".pdf")
    assert documents[1].file.name.endswith(".jpg")
    assert documents[0].file.storage.location == str(settings.PRIVATE_MEDIA_ROOT)
    assert os.path.exists(documents[0].file.path)
    assert documents[0].file.read() == PDF_BYTES


@pytest.mark.django_db
def test_one_bad_document_leaves_nothing_half_saved():
    before = stored_files(private_root())
    user = ApplicantFactory()
    session = SessionFactory()
    with pytest.raises(ValidationError) as caught:
        applications.application_submit(
            user=user,
            session=session,
            motivation="Je veux progresser.",
            documents=[("cv", pdf_upload()), ("diplome", upload("diplome.pdf", b"texte"))],
        )
    assert "« diplome.pdf »" in caught.value.messages[0]
    assert not Application.objects.exists()
    assert not ApplicationDocument.objects.exists()
    assert not ApplicationStatusChange.objects.exists()
    assert not Notification.objects.exists()
    assert stored_files(private_root()) == before


@pytest.mark.django_db
def test_files_written_before_a_late_failure_are_deleted(monkeypatch):
    """Documents pass inspection, are written, then the notification insert fails: the
    transaction rolls back and the written files go with it."""
    before = stored_files(private_root())
    user = ApplicantFactory()
    session = SessionFactory()

    written_before_failure = []

    def broken_notify(*args, **kwargs):
        written_before_failure.extend(stored_files(private_root()) - before)
        raise RuntimeError("disk full")

    monkeypatch.setattr(applications, "_notify", broken_notify)
    with pytest.raises(RuntimeError):
        applications.application_submit(
            user=user,
            session=session,
            motivation="Je veux progresser.",
            documents=[("cv", pdf_upload()), ("identite", upload("id.png", PNG_BYTES))],
        )
    assert len(written_before_failure) == 2
    assert not Application.objects.exists()
    assert not ApplicationDocument.objects.exists()
    assert stored_files(private_root()) == before


@pytest.mark.django_db
def test_more_than_six_documents_refused():
    with pytest.raises(ValidationError) as caught:
        applications.application_submit(
            user=ApplicantFactory(),
            session=SessionFactory(),
            motivation="Motivé.",
            documents=[("autre", pdf_upload(f"p{i}.pdf")) for i in range(7)],
        )
    assert caught.value.messages == ["Vous pouvez joindre au plus 6 pièces (vous en avez déposé 7)."]
    assert not Application.objects.exists()


# --- Documents kept from a refused application form ----------------------------------------------


def keep(user, session, *pairs, **kwargs):
    return applications.pending_uploads_update(user=user, session=session, keep=list(pairs), **kwargs)


@pytest.mark.django_db
def test_kept_documents_are_checked_and_stored_privately_for_their_owner_and_session():
    user, session = ApplicantFactory(), SessionFactory()
    kept = keep(user, session, ("cv", pdf_upload("Mon CV secret.pdf")), ("identite", upload("id.png", PNG_BYTES)))
    assert [(k.user, k.session, k.kind, k.original_name, k.content_type) for k in kept] == [
        (user, session, "cv", "Mon CV secret.pdf", "application/pdf"),
        (user, session, "identite", "id.png", "image/png"),
    ]
    assert kept[0].file.name.startswith("en-attente/") and "secret" not in kept[0].file.name
    assert kept[0].file.storage.location == private_root()
    assert kept[0].expires_at == kept[0].uploaded_at + datetime.timedelta(hours=24)
    # Another person, another session: each sees only their own.
    assert keep(ApplicantFactory(), session) == []
    assert keep(user, SessionFactory()) == []
    assert keep(user, session) == kept


@pytest.mark.django_db
def test_keeping_is_all_or_nothing_and_never_beyond_six():
    user, session = ApplicantFactory(), SessionFactory()
    before = stored_files(private_root())
    with pytest.raises(ValidationError) as caught:
        keep(user, session, ("cv", pdf_upload()), ("diplome", upload("diplome.pdf", b"texte")))
    assert "« diplome.pdf »" in caught.value.messages[0]
    assert not PendingUpload.objects.exists()
    assert stored_files(private_root()) == before

    keep(user, session, *[("autre", pdf_upload(f"p{i}.pdf")) for i in range(5)])
    with pytest.raises(ValidationError) as caught:
        keep(user, session, ("cv", pdf_upload("a.pdf")), ("cv", pdf_upload("b.pdf")))
    assert caught.value.messages == ["Vous pouvez joindre au plus 6 pièces (vous en avez déposé 7)."]
    assert PendingUpload.objects.count() == 5
    assert len(stored_files(private_root()) - before) == 5


@pytest.mark.django_db
def test_dropping_deletes_only_the_owners_kept_documents(django_capture_on_commit_callbacks):
    user, session = ApplicantFactory(), SessionFactory()
    mine = keep(user, session, ("cv", pdf_upload("mien.pdf")))[0]
    theirs = keep(ApplicantFactory(), session, ("cv", pdf_upload("leur.pdf")))[0]
    with django_capture_on_commit_callbacks(execute=True):
        assert keep(user, session, drop=[theirs.pk, "pas-un-nombre"]) == [mine]
        assert keep(user, session, drop=[mine.pk]) == []
    assert list(PendingUpload.objects.all()) == [theirs]
    assert not mine.file.storage.exists(mine.file.name)
    assert theirs.file.storage.exists(theirs.file.name)


@pytest.mark.django_db
def test_submission_attaches_copies_of_the_kept_documents(django_capture_on_commit_callbacks):
    user, session = ApplicantFactory(), SessionFactory()
    kept = keep(user, session, ("identite", upload("cni.jpeg", JPEG_BYTES)))
    with django_capture_on_commit_callbacks(execute=True):
        application = applications.application_submit(
            user=user, session=session, motivation="Motivé.", documents=[("cv", pdf_upload())], kept=kept
        )
    documents = {d.kind: d for d in application.documents.all()}
    assert set(documents) == {"cv", "identite"}
    copy = documents["identite"]
    assert (copy.original_name, copy.content_type, copy.size, copy.sha256) == (
        "cni.jpeg",
        "image/jpeg",
        len(JPEG_BYTES),
        kept[0].sha256,
    )
    assert copy.file.name.startswith("documents/") and copy.file.name.endswith(".jpg")
    assert copy.file.read() == JPEG_BYTES
    assert not PendingUpload.objects.exists()
    assert not kept[0].file.storage.exists(kept[0].file.name)


@pytest.mark.django_db
def test_a_refused_submission_leaves_the_kept_documents_and_nothing_else():
    user, session = ApplicantFactory(), SessionFactory()
    kept = keep(user, session, ("cv", pdf_upload()))
    before = stored_files(private_root())
    with pytest.raises(ValidationError):
        applications.application_submit(
            user=user,
            session=session,
            motivation="Motivé.",
            documents=[("diplome", upload("diplome.pdf", b"texte"))],
            kept=kept,
        )
    with pytest.raises(ValidationError):
        applications.application_submit(user=user, session=session, motivation="   ", kept=kept)
    assert not Application.objects.exists() and not ApplicationDocument.objects.exists()
    assert list(PendingUpload.objects.all()) == kept
    assert stored_files(private_root()) == before


@pytest.mark.django_db
def test_someone_elses_or_an_expired_kept_document_is_never_attached():
    user, session = ApplicantFactory(), SessionFactory()
    theirs = keep(ApplicantFactory(), session, ("cv", pdf_upload("leur-cv.pdf")))
    before = stored_files(private_root())
    with pytest.raises(ValidationError) as caught:
        applications.application_submit(user=user, session=session, motivation="Motivé.", kept=theirs)
    assert caught.value.messages == [
        "La pièce « leur-cv.pdf » n'est plus conservée (elle l'est 24 heures) : déposez-la de nouveau."
    ]
    assert not Application.objects.exists() and not ApplicationDocument.objects.exists()
    assert PendingUpload.objects.get() == theirs[0]
    assert stored_files(private_root()) == before

    mine = keep(user, session, ("cv", pdf_upload("vieux.pdf")))
    PendingUpload.objects.filter(pk=mine[0].pk).update(uploaded_at=timezone.now() - datetime.timedelta(days=2))
    with pytest.raises(ValidationError, match=r"« vieux\.pdf » n'est plus conservée"):
        applications.application_submit(user=user, session=session, motivation="Motivé.", kept=mine)
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_the_sweep_deletes_what_was_kept_longer_than_a_day(django_capture_on_commit_callbacks):
    user, session = ApplicantFactory(), SessionFactory()
    old, recent = keep(user, session, ("cv", pdf_upload("vieux.pdf")), ("cv", pdf_upload("recent.pdf")))
    now = timezone.now()
    PendingUpload.objects.filter(pk=old.pk).update(uploaded_at=now - datetime.timedelta(hours=24))
    with django_capture_on_commit_callbacks(execute=True):
        assert applications.pending_uploads_sweep(now=now) == 1
        assert applications.pending_uploads_sweep(now=now) == 0  # twice does no harm
    assert list(PendingUpload.objects.all()) == [recent]
    assert not old.file.storage.exists(old.file.name)
    assert recent.file.storage.exists(recent.file.name)
