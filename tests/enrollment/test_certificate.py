"""The attestation d'inscription: a real A4 PDF with the enrollment's facts, rendered once per data version."""

import datetime
import io

import pytest
from pypdf import PdfReader

from enrollment import documents, tasks
from enrollment.models import EnrollmentCertificate
from enrollment.services import certificates
from programs.models import Commune, Session, Site
from tests.factories import ApplicantFactory, ApplicationFactory, SessionFactory

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def enrolled():
    user = ApplicantFactory(
        profile__first_name="Faïza", profile__last_name="Ousseni", profile__birth_date=datetime.date(1998, 3, 4)
    )
    session = SessionFactory(
        reference="S-2027-BTP-01",
        programme__title="Brevet professionnel Maçon",
        start_date=datetime.date(2027, 2, 1),
        end_date=datetime.date(2027, 6, 30),
        site=Site.objects.create(name="Lycée de Kahani", commune=Commune.OUANGANI),
        rhythm=Session.Rhythm.SATURDAY,
        schedule="Le samedi, 8 h – 12 h",
        hours=210,
    )
    return ApplicationFactory(session=session, applicant=user, enrolled=True)


def test_render_certificate_shows_the_enrollment_facts(enrolled):
    pdf = documents.render_certificate(enrolled, issued_on=datetime.date(2027, 1, 15))
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    text = pdf_text(pdf)
    for expected in (
        "CNAM Mayotte",
        "Attestation d'inscription",
        "Faïza Ousseni",
        "4 mars 1998",
        "Brevet professionnel Maçon",
        "S-2027-BTP-01",
        "du 1er février 2027 au 30 juin 2027",
        "Lycée de Kahani, Ouangani",
        "Le samedi",
        "210 heures",
        enrolled.reference,
        "Fait à Mamoudzou, le 15 janvier 2027",
    ):
        assert expected in text, expected


def test_remote_session_says_a_distance(enrolled):
    remote = Site.objects.create(name="Formation ouverte à distance", is_remote=True)
    Session.objects.filter(pk=enrolled.session_id).update(site=remote)
    enrolled.refresh_from_db()
    assert documents.certificate_data(enrolled)["place"] == "À distance"


def test_renderer_never_fetches_urls(enrolled):
    fetcher = documents._url_fetcher()
    with pytest.raises(ValueError, match="disallowed protocol"):
        fetcher.fetch("http://example.com/logo.png")
    with pytest.raises(ValueError, match="disallowed protocol"):
        fetcher.fetch("file:///etc/passwd")


def test_request_renders_and_stores_privately(enrolled, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        certificate = certificates.certificate_request(application=enrolled)
    certificate.refresh_from_db()
    assert certificate.state == EnrollmentCertificate.State.READY
    assert certificate.generated_at is not None
    assert len(certificate.data_hash) == 64
    assert certificate.file.name.startswith("attestations/")
    with certificate.file.open("rb") as handle:
        assert "Faïza Ousseni" in pdf_text(handle.read())


def test_unchanged_data_is_not_rendered_again(enrolled, django_capture_on_commit_callbacks, monkeypatch):
    with django_capture_on_commit_callbacks(execute=True):
        certificates.certificate_request(application=enrolled)
    certificate = EnrollmentCertificate.objects.get(application=enrolled)
    first = (certificate.generated_at, certificate.file.name, certificate.data_hash)

    def must_not_render(*args, **kwargs):
        raise AssertionError("re-rendered unchanged data")

    monkeypatch.setattr(documents, "render_certificate", must_not_render)
    with django_capture_on_commit_callbacks(execute=True):
        certificates.certificate_request(application=enrolled)
    certificate.refresh_from_db()
    assert (certificate.generated_at, certificate.file.name, certificate.data_hash) == first
    assert certificate.state == EnrollmentCertificate.State.READY


def test_changed_data_is_rendered_again(enrolled, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        certificates.certificate_request(application=enrolled)
    certificate = EnrollmentCertificate.objects.get(application=enrolled)
    old_name, old_hash, old_time = certificate.file.name, certificate.data_hash, certificate.generated_at
    storage = certificate.file.storage

    Session.objects.filter(pk=enrolled.session_id).update(end_date=datetime.date(2027, 7, 15))
    with django_capture_on_commit_callbacks(execute=True):
        assert certificates.session_certificates_refresh(session_id=enrolled.session_id) == 1
    certificate.refresh_from_db()
    assert certificate.data_hash != old_hash
    assert certificate.generated_at > old_time
    with certificate.file.open("rb") as handle:
        assert "au 15 juillet 2027" in pdf_text(handle.read())
    assert not storage.exists(old_name)  # the superseded version is removed after commit


def test_missing_file_is_rendered_again(enrolled, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        certificates.certificate_request(application=enrolled)
    certificate = EnrollmentCertificate.objects.get(application=enrolled)
    certificate.file.storage.delete(certificate.file.name)
    tasks.render_certificate.delay(certificate.pk)
    certificate.refresh_from_db()
    assert certificate.file.storage.exists(certificate.file.name)


def test_render_failure_is_recorded_and_a_later_run_recovers(enrolled, monkeypatch):
    certificate = EnrollmentCertificate.objects.create(application=enrolled)

    def broken(*args, **kwargs):
        raise OSError("fontconfig unavailable")

    original = documents.render_certificate
    monkeypatch.setattr(documents, "render_certificate", broken)
    tasks.render_certificate.delay(certificate.pk)
    certificate.refresh_from_db()
    assert certificate.state == EnrollmentCertificate.State.FAILED
    assert certificate.error == "Échec de la production de l'attestation : la mise en page du PDF a échoué."
    assert certificate.error_detail == "OSError: fontconfig unavailable"
    assert certificate.attempts == 1
    assert not certificate.file

    monkeypatch.setattr(documents, "render_certificate", original)
    tasks.render_certificate.delay(certificate.pk)
    certificate.refresh_from_db()
    assert certificate.state == EnrollmentCertificate.State.READY
    assert certificate.error == ""
