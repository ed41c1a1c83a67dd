"""Documents are checked in depth through the applicant's form, as an attacker would send them.

A PDF that runs a script, launches a program or carries a file, a PDF header glued to something
else, an image that would fill the memory or does not decode: each is refused with a French
message at its field, and nothing of the application is left, in the database or on disk.
"""

import io
import os
import struct
import zipfile
import zlib

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from pypdf import PdfWriter

from enrollment.models import Application, ApplicationDocument, PendingUpload, VaeDocument, VaeRequest
from programs.models import QualificationLevel
from tests.factories import ApplicantProfileFactory, ApplicationFactory, ProgrammeFactory, SessionFactory
from tests.helpers import PDF_BYTES, pdf_bytes, visible_text

pytestmark = pytest.mark.django_db

ACTIVE = "contient du contenu actif (script, action automatique, fichier joint ou formulaire dynamique)"
UNREADABLE_PDF = "n'est pas un PDF lisible"
UNREADABLE_IMAGE = "est endommagée ou incomplète"
TOO_MANY_PIXELS = "compte trop de pixels (50 millions au plus)"


@pytest.fixture
def applicant(client):
    profile = ApplicantProfileFactory(highest_level=QualificationLevel.LEVEL_4)
    client.force_login(profile.user)
    return profile.user


@pytest.fixture
def session():
    return SessionFactory(programme=ProgrammeFactory(title="Gestion des ressources humaines"), capacity=12)


def _stored_files() -> set[str]:
    return {os.path.join(root, name) for root, _dirs, files in os.walk(settings.PRIVATE_MEDIA_ROOT) for name in files}


def _apply(client, session, name, content, content_type="application/pdf"):
    return client.post(
        reverse("enrollment:apply", kwargs={"session_pk": session.pk}),
        {
            "motivation": "Je veux devenir gestionnaire RH dans ma commune.",
            "document_1_kind": "cv",
            "document_1_file": SimpleUploadedFile(name, content, content_type=content_type),
        },
    )


def _assert_refused(client, session, name, content, message, content_type="application/pdf"):
    before = _stored_files()
    response = _apply(client, session, name, content, content_type)
    assert response.status_code == 200
    text = visible_text(response)
    assert f"« {name} » {message}" in text
    assert not Application.objects.exists()
    assert not ApplicationDocument.objects.exists()
    assert not PendingUpload.objects.exists()
    assert _stored_files() == before


# --- PDFs ----------------------------------------------------------------------------------------


def _pdf_with_object_stream(packed: bytes) -> bytes:
    """A PDF whose object 4 lives in a compressed object stream (object 5), as PDF 1.5 writers do,
    the stream holding ``packed`` after it: found only by reading the stream itself."""
    head = b"%PDF-1.7\n"
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    }
    first = b"4 0 "
    content = zlib.compress(first + b"<< /Producer (Scanner) >> " + packed)
    objects[5] = (
        b"<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n" % (len(first), len(content))
        + content
        + b"\nendstream"
    )
    out, offsets = bytearray(head), {}
    for number, body in objects.items():
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    offsets[6] = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    for number in range(1, 7):
        if number == 4:
            rows.append(struct.pack(">BIH", 2, 5, 0))
        else:
            rows.append(struct.pack(">BIH", 1, offsets[number], 0))
    table = b"".join(rows)
    out += (
        b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n" % len(table)
        + table
        + b"\nendstream\nendobj\n"
    )
    out += b"startxref\n%d\n%%%%EOF\n" % offsets[6]
    return bytes(out)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param(
            "open-js.pdf",
            pdf_bytes(catalog=b"/OpenAction 4 0 R", objects=[b"<< /Type /Action /S /JavaScript /JS (app.alert(1)) >>"]),
            id="openaction-javascript",
        ),
        pytest.param(
            "open-js-escaped.pdf",
            pdf_bytes(catalog=b"/OpenAction << /S /J#61vaScript /J#53 4 0 R >>", objects=[b"(app.alert(1))"]),
            id="openaction-hex-escaped-names",
        ),
        pytest.param(
            "lien.pdf",
            pdf_bytes(
                page=b"/Annots [4 0 R]",
                objects=[
                    b"<< /Type /Annot /Subtype /Link /Rect [0 0 595 842] /A 5 0 R >>",
                    b"<< /S /Launch /F (C:\\\\Windows\\\\System32\\\\cmd.exe) >>",
                ],
            ),
            id="link-launch",
        ),
        pytest.param(
            "lien-script.pdf",
            pdf_bytes(
                page=b"/Annots [<< /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI (javascript:alert(1)) >> >>]"
            ),
            id="link-javascript-uri",
        ),
        pytest.param(
            "lien-partage.pdf",
            pdf_bytes(
                page=b"/Annots [<< /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI (file://pirate.test/p) >> >>]"
            ),
            id="link-file-share",
        ),
        pytest.param(
            "page-aa.pdf",
            pdf_bytes(page=b"/AA << /O << /S /URI /URI (https://exemple.test/suivi) >> >>"),
            id="page-automatic-action",
        ),
        pytest.param(
            "piece-jointe.pdf",
            pdf_bytes(
                catalog=b"/Names << /EmbeddedFiles << /Names [(facture.exe) 4 0 R] >> >>",
                objects=[
                    b"<< /Type /Filespec /F (facture.exe) /EF << /F 5 0 R >> >>",
                    b"<< /Type /EmbeddedFile /Length 2 >>\nstream\nMZ\nendstream",
                ],
            ),
            id="embedded-file",
        ),
        pytest.param(
            "formulaire.pdf",
            pdf_bytes(
                catalog=b"/AcroForm << /Fields [] /XFA 4 0 R >>", objects=[b"<< /Length 0 >>\nstream\n\nendstream"]
            ),
            id="xfa-form",
        ),
        pytest.param(
            "cache.pdf",
            # Not in the cross-reference table: a strict parser skips it, a lenient viewer may rebuild it.
            pdf_bytes(header=b"%PDF-1.7\n9 0 obj\n<< /S /J#61vaScript /JS (app.alert(1)) >>\nendobj\n"),
            id="orphan-object-hex-escaped",
        ),
        pytest.param(
            "flux.pdf",
            _pdf_with_object_stream(b"<< /S /J#61vaScript /JS (app.alert(1)) >>"),
            id="object-stream",
        ),
    ],
)
def test_a_pdf_with_active_content_is_refused(client, applicant, session, name, content):
    _assert_refused(client, session, name, content, ACTIVE)


def test_a_pdf_header_on_a_zip_is_refused(client, applicant, session):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("index.html", "<script>alert(1)</script>")
    _assert_refused(client, session, "archive.pdf", b"%PDF-1.7\n" + archive.getvalue(), UNREADABLE_PDF)


def test_a_pdf_header_on_an_html_page_is_refused(client, applicant, session):
    page = b"%PDF-1.7\n<html><body><script>alert(document.cookie)</script></body></html>\n"
    _assert_refused(client, session, "page.pdf", page, UNREADABLE_PDF)


def test_a_zip_glued_after_a_valid_pdf_is_refused(client, applicant, session):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("payload.js", "alert(1)")
    _assert_refused(
        client, session, "double.pdf", PDF_BYTES + archive.getvalue(), "contient d'autres données après la fin du PDF"
    )


def test_an_encrypted_pdf_is_refused_as_impossible_to_check(client, applicant, session):
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt("", "proprietaire", algorithm="RC4-128")  # opens without a password, still encrypted
    buffer = io.BytesIO()
    writer.write(buffer)
    _assert_refused(
        client, session, "protege.pdf", buffer.getvalue(), "est un PDF protégé (mot de passe ou chiffrement)"
    )


def test_a_pdf_with_links_and_a_first_page_to_open_on_is_accepted(client, applicant, session):
    content = pdf_bytes(
        catalog=b"/OpenAction [3 0 R /Fit]",
        page=b"/Annots [4 0 R]",
        objects=[b"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI (https://exemple.test/JS/) >> >>"],
    )
    response = _apply(client, session, "cv-liens.pdf", content)
    assert response.status_code == 302
    assert ApplicationDocument.objects.get().content_type == "application/pdf"


# --- Images --------------------------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_bomb(width: int, height: int, rows: int | None = None) -> bytes:
    """A grey PNG of ``width`` × ``height`` pixels, all black: tens of kilobytes that decode to
    ``width * height`` bytes. ``rows`` limits the rows actually written (the header still says all)."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (width + 1)  # filter byte, then the pixels
    data = b"".join(compressor.compress(row) for _ in range(height if rows is None else rows)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", data) + _png_chunk(b"IEND", b"")


def test_a_png_decompression_bomb_is_refused_before_it_is_decoded(client, applicant, session):
    bomb = _png_bomb(8000, 8000)  # 64 megapixels, under Pillow's own alarm
    assert len(bomb) < 200_000
    _assert_refused(client, session, "bombe.png", bomb, TOO_MANY_PIXELS, "image/png")


def test_a_png_declaring_a_billion_pixels_is_refused(client, applicant, session):
    _assert_refused(client, session, "immense.png", _png_bomb(40000, 40000, rows=1), TOO_MANY_PIXELS, "image/png")


def _photo(size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise(size, 64).convert("RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def test_a_truncated_jpeg_is_refused(client, applicant, session):
    # As in every process that renders PDFs: importing WeasyPrint lets Pillow load truncated images.
    import weasyprint  # noqa: F401

    photo = _photo()
    _assert_refused(client, session, "photo.jpg", photo[: len(photo) // 2], UNREADABLE_IMAGE, "image/jpeg")


def test_a_png_with_a_corrupt_chunk_is_refused(client, applicant, session):
    png = bytearray(_png_bomb(16, 16))
    png[45] ^= 0xFF  # inside the image data: its checksum no longer matches
    _assert_refused(client, session, "scan.png", bytes(png), UNREADABLE_IMAGE, "image/png")


def test_a_whole_photo_is_accepted(client, applicant, session):
    response = _apply(client, session, "photo.jpeg", _photo((1200, 900)), "image/jpeg")
    assert response.status_code == 302
    document = ApplicationDocument.objects.get()
    assert (document.content_type, document.original_name) == ("image/jpeg", "photo.jpeg")


# --- Names ---------------------------------------------------------------------------------------


def test_a_pdf_named_html_is_stored_and_served_as_a_pdf_attachment(client, applicant, session):
    response = _apply(client, session, "polyglot.html", PDF_BYTES, "text/html")
    assert response.status_code == 302
    document = ApplicationDocument.objects.get()
    assert document.content_type == "application/pdf"
    assert document.file.name.endswith(".pdf")
    assert document.original_name == "polyglot.pdf"
    download = client.get(
        reverse("enrollment:document", kwargs={"reference": document.application.reference, "pk": document.pk})
    )
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="polyglot.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF_BYTES


def test_a_name_of_300_characters_is_accepted_and_shortened(client, applicant, session):
    name = "Curriculum vitae " + "é" * 279 + ".pdf"
    assert len(name) == 300
    response = _apply(client, session, name, PDF_BYTES)
    assert response.status_code == 302
    document = ApplicationDocument.objects.get()
    assert len(document.original_name) <= 200
    assert document.original_name.startswith("Curriculum vitae éé")
    assert document.original_name.endswith(".pdf")
    assert len(os.path.basename(document.file.name)) < 100
    assert document.file.name.endswith(".pdf")


def test_a_document_kept_under_its_typed_name_is_still_served_with_its_detected_extension(client, applicant):
    """Rows stored before names followed the content keep ``page.html``: the download says ``.pdf``."""
    application = ApplicationFactory(applicant=applicant)
    document = ApplicationDocument(
        application=application,
        kind="cv",
        original_name="page.html",
        content_type="application/pdf",
        size=len(PDF_BYTES),
        sha256="0" * 64,
    )
    document.file.save("piece.pdf", ContentFile(PDF_BYTES), save=False)
    document.save()
    download = client.get(
        reverse("enrollment:document", kwargs={"reference": application.reference, "pk": document.pk})
    )
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="page.pdf"'


def test_the_vae_request_form_refuses_the_same_files(client, applicant):
    programme = ProgrammeFactory(vae_available=True)
    before = _stored_files()
    response = client.post(
        reverse("enrollment:vae_request", kwargs={"slug": programme.slug}),
        {
            "experience_summary": "Huit ans d'aide-soignante au centre hospitalier de Mamoudzou.",
            "years_of_experience": "8",
            "document_1_kind": "cv",
            "document_1_file": SimpleUploadedFile(
                "attestation.pdf",
                pdf_bytes(catalog=b"/OpenAction << /S /JavaScript /JS (app.launchURL('https://pirate.test')) >>"),
                content_type="application/pdf",
            ),
        },
    )
    assert response.status_code == 200
    assert f"« attestation.pdf » {ACTIVE}" in visible_text(response)
    assert not VaeRequest.objects.exists() and not VaeDocument.objects.exists()
    assert _stored_files() == before
