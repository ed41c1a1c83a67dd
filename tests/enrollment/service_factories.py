"""Builders shared by the enrollment service tests (plain functions over tests/factories.py)."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile

from enrollment.models import Application, ApplicationStatus
from tests.factories import ApplicantProfileFactory, ApplicationFactory, SessionFactory, StaffUserFactory

MONTHS = [
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
]  # fmt: skip
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64


def pdf_upload(name="cv.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def applicant(**profile):
    """A user with a complete applicant profile (level 4 unless told)."""
    return ApplicantProfileFactory(**profile).user


def staff():
    return StaffUserFactory()


def session(**kwargs):
    return SessionFactory(**kwargs)


def application(*, session, status=ApplicationStatus.SUBMITTED, **kwargs) -> Application:
    """An application already in ``status`` (built directly, the way fixtures set up a scene)."""
    if status == ApplicationStatus.OFFERED and "offer_expires_at" not in kwargs:
        from datetime import timedelta

        from django.utils import timezone

        kwargs["offer_expires_at"] = timezone.now() + timedelta(hours=48)
    if status == ApplicationStatus.REJECTED:
        kwargs.setdefault("rejection_reason", "Dossier incomplet.")
    if status == ApplicationStatus.WAITLISTED and "waitlisted_at" not in kwargs:
        from django.utils import timezone

        kwargs["waitlisted_at"] = timezone.now()
    if "applicant" not in kwargs:
        kwargs["applicant"] = applicant()
    return ApplicationFactory(session=session, status=status, **kwargs)


def fill_seats(session, count, status=ApplicationStatus.ACCEPTED):
    return [application(session=session, status=status) for _ in range(count)]


def bytes_of(size: int, head: bytes = PDF_BYTES) -> io.BytesIO:
    return head + b"0" * max(0, size - len(head))
