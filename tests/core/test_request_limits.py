"""Request bodies bounded before they are read: a French 413, nothing read, the view never run."""

import io
from unittest import mock

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject

from core.request_limits import body_budget
from enrollment.models import Application
from enrollment.uploads import MAX_DOCUMENTS
from programs.models import QualificationLevel
from tests.factories import ApplicantProfileFactory, SessionFactory, UserFactory
from tests.helpers import visible_text

pytestmark = pytest.mark.django_db

MIB = 1024 * 1024


class ClientBody(io.RawIOBase):
    """What the client is sending: ``size`` bytes, of which it records how many were read."""

    def __init__(self, size: int, content: bytes = b""):
        self.size = size
        self.content = content
        self.consumed = 0

    def readable(self):
        return True

    def read(self, n=-1):
        left = self.size - self.consumed
        n = left if n is None or n < 0 else min(n, left)
        start = self.consumed
        self.consumed += n
        head = self.content[start : start + n]
        return head + b"x" * (n - len(head))

    def readline(self, n=-1):
        return self.read(n)


def post_raw(client, path: str, body: ClientBody, *, chunked: bool = False, content_type: str = ""):
    """A POST of ``body`` as it arrives from the wire: with its Content-Length, or chunked (none)."""
    meta = {"wsgi.input": body, "CONTENT_TYPE": content_type or "application/x-www-form-urlencoded"}
    if chunked:
        meta.update(CONTENT_LENGTH="", HTTP_TRANSFER_ENCODING="chunked")
    else:
        meta["CONTENT_LENGTH"] = str(body.size)
    return client.generic("POST", path, **meta)


def assert_refused_as_too_large(response, limit_text: str):
    assert response.status_code == 413
    text = visible_text(response)
    assert "Envoi trop volumineux" in text
    assert f"({limit_text} au plus)" in text
    assert "rien n'a été enregistré" in text
    # The portal's page, with the security headers of every page.
    assert 'class="fr-header"' in response.content.decode()
    assert "Content-Security-Policy" in response


def test_a_huge_body_to_the_sign_in_page_is_refused_unread(client):
    body = ClientBody(200 * MIB)
    with mock.patch("allauth.account.views.LoginView.dispatch") as view:
        response = post_raw(client, reverse("account_login"), body, content_type="multipart/form-data; boundary=b")

    assert_refused_as_too_large(response, "64,0 Kio")
    assert body.consumed == 0
    view.assert_not_called()


def test_a_sign_up_form_a_little_over_its_budget_is_refused(client):
    budget = settings.REQUEST_BODY_MAX_BYTES["account_*"]
    body = ClientBody(budget + 1)

    response = post_raw(client, reverse("account_signup"), body)

    assert response.status_code == 413
    assert body.consumed == 0


def test_the_admin_login_has_the_small_budget_too(client):
    body = ClientBody(MIB)

    response = post_raw(client, reverse("admin:login"), body)

    assert response.status_code == 413
    assert body.consumed == 0


def test_every_other_page_has_a_budget_too(client):
    body = ClientBody(50 * MIB)

    response = post_raw(client, "/formations/", body)

    assert_refused_as_too_large(response, "2,0 Mio")
    assert body.consumed == 0


def test_a_chunked_body_past_its_budget_is_refused_once_the_budget_is_read(client):
    budget = settings.REQUEST_BODY_MAX_BYTES["account_*"]
    body = ClientBody(200 * MIB)
    with mock.patch("allauth.account.views.LoginView.dispatch") as view:
        response = post_raw(client, reverse("account_login"), body, chunked=True)

    assert_refused_as_too_large(response, "64,0 Kio")
    assert body.consumed == budget + 1
    view.assert_not_called()


def test_a_chunked_sign_in_within_its_budget_reaches_the_form(client):
    user = UserFactory()
    content = f"login={user.email}&password=motdepasse-solide-2026".encode()

    response = post_raw(client, reverse("account_login"), ClientBody(len(content), content), chunked=True)

    assert response.status_code == 302
    assert response.wsgi_request.user == user


def test_the_document_forms_take_six_documents_at_the_largest_size():
    documents = MAX_DOCUMENTS * settings.DOCUMENT_MAX_BYTES
    session_pk = SessionFactory().pk
    for path in (reverse("enrollment:apply", args=[session_pk]), reverse("enrollment:vae_request", args=["vae"])):
        assert documents < body_budget(path) <= documents + 2 * MIB, path


def pdf_of_size(size: int) -> bytes:
    """A one-page PDF of exactly ``size`` bytes: its page's content is a long comment."""

    def build(padding: int) -> bytes:
        writer = PdfWriter()
        page = writer.add_blank_page(width=595, height=842)
        content = DecodedStreamObject()
        content.set_data(b"%" + b"0" * padding + b"\n")
        page[NameObject("/Contents")] = writer._add_object(content)
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    # Measured near the size asked, so that the offsets written in the file have as many digits.
    overhead = len(build(size - 1000)) - (size - 1000)
    pdf = build(size - overhead)
    assert len(pdf) == size
    return pdf


def test_the_largest_legitimate_application_goes_through(client):
    profile = ApplicantProfileFactory(highest_level=QualificationLevel.LEVEL_4)
    client.force_login(profile.user)
    session = SessionFactory(capacity=12)
    pdf = pdf_of_size(settings.DOCUMENT_MAX_BYTES)
    kinds = ["cv", "diplome", "identite", "france_travail", "autre", "autre"]
    data = {"motivation": "M" * 3000}
    for index, kind in enumerate(kinds, start=1):
        data[f"document_{index}_kind"] = kind
        data[f"document_{index}_file"] = SimpleUploadedFile(f"piece{index}.pdf", pdf, content_type="application/pdf")

    response = client.post(reverse("enrollment:apply", args=[session.pk]), data)

    assert response.status_code == 302, visible_text(response)[:2000]
    assert Application.objects.get(applicant=profile.user).documents.count() == MAX_DOCUMENTS


def test_the_staff_import_takes_its_largest_file():
    from partner_space.imports import MAX_FILE_BYTES

    assert MAX_FILE_BYTES < body_budget(reverse("partners:import")) <= MAX_FILE_BYTES + 2 * MIB
