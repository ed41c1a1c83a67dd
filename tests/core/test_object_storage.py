"""Private files in an S3-compatible bucket (``STORAGE_URL``), against a real server over HTTP.

moto's standalone server runs as its own process on a spare port, the way MinIO or a
provider's store answers the portal: each test gets a fresh bucket, the private storage is
switched to it through the settings' own ``STORAGE_URL`` parser, and the people go through
the real pages: apply with a document, download it, delete their account; the attestation is
rendered by its task and served by the download view. Nothing lands on the local disk.
"""

import datetime
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import storages
from django.db import models
from django.urls import reverse

from cnam_portal.settings import private_storage_from_url
from core.storage import private_storage
from enrollment import tasks
from enrollment.models import Application, ApplicationDocument, EnrollmentCertificate
from enrollment.services import personal_data
from programs.models import QualificationLevel, Session
from tests.factories import ApplicantFactory, ApplicantProfileFactory, ApplicationFactory, SessionFactory
from tests.helpers import PDF_BYTES, messages_of, pdf_bytes, pdf_upload, visible_text
from tests.stack import free_port

pytest.importorskip("storages.backends.s3", reason="django-storages[s3] is not installed")
pytest.importorskip("moto.server", reason="moto[server] is not installed")
boto3 = pytest.importorskip("boto3")

pytestmark = pytest.mark.django_db

ACCESS_KEY, SECRET_KEY, REGION = "portail", "secret-de-test", "us-east-1"
PASSWORD = "motdepasse-solide-2026"  # what UserFactory gives every account
NOT_FOUND = "La page que vous cherchez n'existe pas, a été déplacée, ou vous n'y avez pas accès."
NADIAS_CV = pdf_bytes(catalog=b"/Lang (fr-YT)")
DELETION_LINK = re.compile(r"https?://[^\s\"]+/candidatures/mes-donnees/suppression/[^\s\"/]+/")


@pytest.fixture(scope="module")
def s3_endpoint():
    """An S3-compatible server of its own, on a spare port, for this module's tests."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY},
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.skip("moto's S3 server did not start")
                time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch):
    """A fresh private bucket every private file of the portal goes to, as ``STORAGE_URL`` names it."""
    name = f"cnam-prive-{secrets.token_hex(4)}"
    client = boto3.client(
        "s3",
        endpoint_url=f"http://{s3_endpoint}",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
    )
    client.create_bucket(Bucket=name)
    config = private_storage_from_url(
        f"s3://{ACCESS_KEY}:{SECRET_KEY}@{s3_endpoint}/{name}?region={REGION}&secure=0", Path("/nowhere")
    )
    settings.STORAGES = {**settings.STORAGES, "default": config, "private": config}
    # A FileField calls its storage callable once, when its model is defined: in production the
    # settings have chosen the bucket by then; here each field is pointed at it for the test.
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField) and getattr(field, "_storage_callable", None) is private_storage:
                monkeypatch.setattr(field, "storage", storages["private"])
    files_on_disk_before = _files_on_disk()
    yield client, name
    assert _files_on_disk() == files_on_disk_before, "a private file went to the local disk"
    for entry in client.list_objects_v2(Bucket=name).get("Contents", []):
        client.delete_object(Bucket=name, Key=entry["Key"])
    client.delete_bucket(Bucket=name)


def _files_on_disk() -> set[str]:
    return {str(path) for path in Path(settings.PRIVATE_MEDIA_ROOT).rglob("*") if path.is_file()}


def _keys(bucket) -> list[str]:
    client, name = bucket
    return sorted(entry["Key"] for entry in client.list_objects_v2(Bucket=name).get("Contents", []))


def _object(bucket, key: str) -> bytes:
    client, name = bucket
    return client.get_object(Bucket=name, Key=key)["Body"].read()


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _apply_with_a_cv(client, commits, *, content: bytes = PDF_BYTES):
    """A person with a complete profile applies through the real form, with one PDF (and what follows the commit)."""
    profile = ApplicantProfileFactory(highest_level=QualificationLevel.LEVEL_4)
    session = SessionFactory(capacity=12)
    client.force_login(profile.user)
    with commits(execute=True):
        response = client.post(
            reverse("enrollment:apply", kwargs={"session_pk": session.pk}),
            {
                "motivation": "Je veux devenir gestionnaire RH dans ma commune.",
                "document_1_kind": "cv",
                "document_1_file": pdf_upload("Mon CV.pdf", content),
            },
        )
    assert response.status_code == 302, visible_text(response)
    return ApplicationDocument.objects.select_related("application").get(application__applicant=profile.user)


def test_an_uploaded_document_goes_to_the_bucket_private_and_encrypted(
    client, bucket, django_capture_on_commit_callbacks
):
    document = _apply_with_a_cv(client, django_capture_on_commit_callbacks)

    assert _keys(bucket) == [document.file.name]
    assert _object(bucket, document.file.name) == PDF_BYTES
    s3, name = bucket
    head = s3.head_object(Bucket=name, Key=document.file.name)
    assert head["ServerSideEncryption"] == "AES256"
    grants = s3.get_object_acl(Bucket=name, Key=document.file.name)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    assert all(
        grant["Grantee"].get("Type") == "CanonicalUser" for grant in grants
    )  # no AllUsers, no AuthenticatedUsers
    with pytest.raises(ValueError, match="no URL"):
        document.file.url  # noqa: B018


def test_a_document_in_the_bucket_is_streamed_to_its_owner_only(client, bucket, django_capture_on_commit_callbacks):
    document = _apply_with_a_cv(client, django_capture_on_commit_callbacks, content=NADIAS_CV)
    url = reverse("enrollment:document", kwargs={"reference": document.application.reference, "pk": document.pk})

    own = client.get(url)

    assert own.status_code == 200
    assert _body(own) == NADIAS_CV
    assert own["Content-Type"] == "application/pdf"
    assert "no-store" in own["Cache-Control"]
    assert "Location" not in own  # streamed by the portal, never a redirect to the store

    client.force_login(ApplicantFactory())
    theirs = client.get(url)

    assert theirs.status_code == 404
    assert NOT_FOUND in visible_text(theirs)
    assert NADIAS_CV not in theirs.content


def test_deleting_ones_account_empties_the_bucket(client, bucket, django_capture_on_commit_callbacks):
    document = _apply_with_a_cv(client, django_capture_on_commit_callbacks)
    person = document.application.applicant
    assert _keys(bucket) == [document.file.name]
    page = reverse("enrollment:personal_data")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(page, {"password": PASSWORD})
    [link] = [
        found.group(0)
        for message in mail.outbox
        if person.email in message.to and (found := DELETION_LINK.search(message.body))
    ]
    link = link.removeprefix(settings.SITE_URL)
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(link, {"confirm": "oui"}, follow=True)

    assert "Votre compte est supprimé" in " ".join(messages_of(done))
    assert not ApplicationDocument.objects.exists()
    assert _keys(bucket) == []


def test_retention_erases_the_objects_of_closed_applications(client, bucket, django_capture_on_commit_callbacks):
    document = _apply_with_a_cv(client, django_capture_on_commit_callbacks)
    long_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(
        days=settings.RETENTION_CLOSED_DOCUMENTS_DAYS + 1
    )
    Application.objects.filter(pk=document.application_id).update(
        status=Application.Status.REJECTED, rejection_reason="Niveau.", closed_at=long_ago, decided_at=long_ago
    )

    with django_capture_on_commit_callbacks(execute=True):
        report = personal_data.retention_run()

    assert report.closed_documents == 1
    assert _keys(bucket) == []


def test_an_attestation_rendered_by_the_worker_is_served_by_the_web(client, bucket, django_capture_on_commit_callbacks):
    application = ApplicationFactory(enrolled=True)
    certificate = EnrollmentCertificate.objects.create(application=application)

    tasks.render_certificate(certificate.pk)  # what a worker runs, here in this process

    certificate.refresh_from_db()
    assert certificate.state == EnrollmentCertificate.State.READY
    assert _keys(bucket) == [certificate.file.name]
    assert certificate.file.name.startswith("attestations/")
    url = reverse("enrollment:certificate", kwargs={"reference": application.reference})
    client.force_login(application.applicant)
    served = client.get(url)
    assert served.status_code == 200
    assert served["Content-Type"] == "application/pdf"
    first = _body(served)
    assert first.startswith(b"%PDF") and first == _object(bucket, certificate.file.name)

    # New dates, a new version: the web serves the new object, and the old one is gone from the bucket.
    Session.objects.filter(pk=application.session_id).update(
        end_date=application.session.end_date + datetime.timedelta(days=15)
    )
    with django_capture_on_commit_callbacks(execute=True):
        tasks.render_certificate(certificate.pk)
    certificate.refresh_from_db()
    assert _keys(bucket) == [certificate.file.name]
    again = _body(client.get(url))
    assert again.startswith(b"%PDF") and again != first

    client.force_login(ApplicantFactory())
    refused = client.get(url)
    assert refused.status_code == 404
    assert NOT_FOUND in visible_text(refused)


# --- STORAGE_URL -------------------------------------------------------------------------------


def test_without_storage_url_private_files_stay_on_the_disk(tmp_path):
    config = private_storage_from_url("", tmp_path)

    assert config == {"BACKEND": "core.storage.PrivateStorage", "OPTIONS": {"location": tmp_path}}


def test_storage_url_names_a_private_encrypted_bucket():
    config = private_storage_from_url(
        "s3://AKIA%2Fkey:se%40cret@s3.gra.io.cloud.ovh.net/cnam-prive/portail?region=gra", Path("/unused")
    )

    options = config["OPTIONS"]
    assert config["BACKEND"] == "core.object_storage.PrivateObjectStorage"
    assert (options["access_key"], options["secret_key"]) == ("AKIA/key", "se@cret")
    assert (options["bucket_name"], options["location"]) == ("cnam-prive", "portail")
    assert options["endpoint_url"] == "https://s3.gra.io.cloud.ovh.net"
    assert options["region_name"] == "gra"
    assert options["default_acl"] == "private"
    assert options["file_overwrite"] is False
    assert options["object_parameters"] == {"ServerSideEncryption": "AES256"}


def test_a_store_that_refuses_encryption_parameters_can_go_without():
    config = private_storage_from_url("s3://key:secret@minio:9000/cnam?secure=0&sse=0", Path("/unused"))

    assert config["OPTIONS"]["endpoint_url"] == "http://minio:9000"
    assert config["OPTIONS"]["object_parameters"] == {}


@pytest.mark.parametrize("url", ["ftp://key:secret@host/bucket", "s3://host/bucket", "s3://key:secret@host/"])
def test_an_incomplete_storage_url_is_refused(url):
    with pytest.raises(ImproperlyConfigured, match="STORAGE_URL"):
        private_storage_from_url(url, Path("/unused"))
