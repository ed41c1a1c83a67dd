"""« Mes données personnelles »: the copy of one's data; deleting one's account (password, then the emailed link)."""

import datetime
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.core.files.base import ContentFile
from django.urls import reverse

from core.models import Notification
from enrollment.account_links import deletion_token_generator
from enrollment.models import (
    ApplicantProfile,
    Application,
    ApplicationDocument,
    ApplicationStatusChange,
    EnrollmentCertificate,
    PendingUpload,
    VaeDocument,
    VaeRequest,
    VaeStage,
)
from enrollment.services.calendars import calendar_feed_get
from partners.models import PartnerMember
from tests.factories import (
    ApplicantFactory,
    ApplicationFactory,
    PartnerFactory,
    PartnerMemberFactory,
    ProgrammeFactory,
    SessionFactory,
    StaffUserFactory,
)
from tests.helpers import PDF_BYTES, messages_of, visible_text

pytestmark = pytest.mark.django_db

PASSWORD = "motdepasse-solide-2026"  # what UserFactory gives every account
PAGE = reverse("enrollment:personal_data")
EXPORT = reverse("enrollment:personal_data_export")
LINK = re.compile(r"https?://[^\s\"]+/candidatures/mes-donnees/suppression/[^\s\"/]+/")


def _pdf(content: bytes = PDF_BYTES) -> ContentFile:
    return ContentFile(content, name="piece.pdf")


def _document(application, original_name: str, content: bytes = PDF_BYTES) -> ApplicationDocument:
    return ApplicationDocument.objects.create(
        application=application,
        kind=ApplicationDocument.Kind.CV,
        file=_pdf(content),
        original_name=original_name,
        content_type="application/pdf",
        size=len(content),
        sha256="0" * 64,
    )


def _on_disk(name: str) -> bool:
    return (Path(settings.PRIVATE_MEDIA_ROOT) / name).exists()


def _person_with_a_file(first_name: str, last_name: str):
    person = ApplicantFactory(profile__first_name=first_name, profile__last_name=last_name)
    application = ApplicationFactory(applicant=person, motivation=f"Motivation de {first_name}.")
    ApplicationStatusChange.objects.create(
        application=application, from_status="", to_status="recue", changed_by=person
    )
    document = _document(application, f"cv-{first_name.lower()}.pdf", content=PDF_BYTES + first_name.encode())
    return person, application, document


def _zip_of(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


# --- The copy of one's data -------------------------------------------------------------------


def test_export_is_a_zip_of_the_persons_own_data_and_files_only(client):
    nadia, nadia_application, _document_row = _person_with_a_file("Nadia", "Ali")
    other, other_application, _other_row = _person_with_a_file("Zaina", "Madi")
    membership = PartnerMemberFactory(
        user=nadia, partner=PartnerFactory(name="Commune de Tsingoni"), full_name="Nadia Ali"
    )
    Notification.objects.create(
        idempotency_key="n1", template="application_received", recipient_email=nadia.email, user=nadia,
        subject="[CNAM Mayotte] Candidature bien reçue", state=Notification.State.PENDING,
    )  # fmt: skip
    Notification.objects.create(
        idempotency_key="n2", template="application_received", recipient_email=other.email, user=other,
        subject="[CNAM Mayotte] Pour Zaina", state=Notification.State.PENDING,
    )  # fmt: skip
    nadia_feed = calendar_feed_get(user=nadia)
    staff_feed = calendar_feed_get(member=membership)
    calendar_feed_get(user=other)
    client.force_login(nadia)

    response = client.get(EXPORT)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    archive = _zip_of(response)
    data = json.loads(archive.read("mes-donnees.json"))
    assert data["profil"]["prenom"] == "Nadia"
    assert data["compte"]["adresse_de_courriel"] == nadia.email
    [application] = data["candidatures"]
    assert application["reference"] == nadia_application.reference
    assert application["motivation"] == "Motivation de Nadia."
    assert application["historique"][0]["vers"] == "Reçue"
    [piece] = application["pieces"]
    assert piece["nom_d_origine"] == "cv-nadia.pdf"
    assert piece["fichier"].startswith("documents/")
    assert archive.read(piece["fichier"]) == PDF_BYTES + b"Nadia"
    assert [mail_row["objet"] for mail_row in data["courriels"]] == ["[CNAM Mayotte] Candidature bien reçue"]
    assert data["partenaires"][0]["partenaire"] == "Commune de Tsingoni"
    # The private calendar's address: whoever holds it sees the person's sessions.
    own, staff = data["agendas_prives"]
    assert own["adresse"] == f"{settings.SITE_URL}/candidatures/agenda/{nadia_feed.token}.ics"
    assert own["sessions"] == "vos formations"
    assert staff["adresse"] == f"{settings.SITE_URL}/partenaires/agenda/{staff_feed.token}.ics"
    assert staff["sessions"] == "les sessions des agents de Commune de Tsingoni"
    # Nothing of the other person, in the JSON or among the files.
    whole = archive.read("mes-donnees.json").decode()
    for theirs in ("Zaina", other.email, other_application.reference, "cv-zaina.pdf"):
        assert theirs not in whole
    assert all(archive.read(name) != PDF_BYTES + b"Zaina" for name in archive.namelist())
    assert sorted(archive.namelist()) == sorted(["mes-donnees.json", piece["fichier"]])


def test_export_asks_to_sign_in_first(client):
    response = client.get(EXPORT)

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_the_space_links_to_the_personal_data_page(client):
    person = ApplicantFactory()
    client.force_login(person)

    assert PAGE in client.get(reverse("enrollment:space")).content.decode()
    text = visible_text(client.get(PAGE))
    assert "Télécharger mes données" in text
    assert "Supprimer mon compte" in text


# --- Deleting one's account -------------------------------------------------------------------


def _ask_deletion(client, password=PASSWORD):
    return client.post(PAGE, {"password": password})


def _emailed_link(address: str) -> str:
    [message] = [message for message in mail.outbox if address in message.to]
    return LINK.search(message.body).group(0).removeprefix(settings.SITE_URL)


@pytest.fixture
def person_with_everything():
    """A référent of a partner, with an enrollment in a coming session, a refused application, a
    certificate, a VAE request, a document kept between two tries and a pending email."""
    person = ApplicantFactory(profile__first_name="Nadia", profile__last_name="Ali")
    session = SessionFactory(capacity=1)
    enrolled = ApplicationFactory(applicant=person, session=session, enrolled=True, motivation="Je veux apprendre.")
    waiting = ApplicationFactory(session=session, status=Application.Status.WAITLISTED)
    refused = ApplicationFactory(applicant=person, status=Application.Status.REJECTED, rejection_reason="Niveau.")
    files = [_document(enrolled, "cv-nadia.pdf").file.name, _document(refused, "diplome-nadia.pdf").file.name]
    certificate = EnrollmentCertificate.objects.create(
        application=enrolled, state=EnrollmentCertificate.State.READY, file=_pdf()
    )
    files.append(certificate.file.name)
    vae = VaeRequest.objects.create(
        reference="VAE-2026-123456",
        applicant=person,
        programme=ProgrammeFactory(),
        experience_summary="Dix ans de comptabilité à la mairie.",
        years_of_experience=10,
    )
    files.append(
        VaeDocument.objects.create(
            request=vae,
            kind="cv",
            file=_pdf(),
            original_name="cv.pdf",
            content_type="application/pdf",
            size=10,
            sha256="0" * 64,
        ).file.name
    )
    files.append(
        PendingUpload.objects.create(
            user=person,
            session=SessionFactory(),
            kind="cv",
            file=_pdf(),
            original_name="cv.pdf",
            content_type="application/pdf",
            size=10,
            sha256="0" * 64,
        ).file.name
    )
    PartnerMemberFactory(user=person, email=person.email, full_name="Nadia Ali")
    Notification.objects.create(
        idempotency_key="pending-for-nadia", template="session_reminder", recipient_email=person.email, user=person
    )
    return {
        "person": person,
        "session": session,
        "enrolled": enrolled,
        "refused": refused,
        "waiting": waiting,
        "files": files,
    }


def test_deleting_ones_account_end_to_end(client, person_with_everything, django_capture_on_commit_callbacks):
    scene = person_with_everything
    person = scene["person"]
    address = person.email
    assert all(_on_disk(name) for name in scene["files"])
    applications_before = Application.objects.count()
    client.force_login(person)

    with django_capture_on_commit_callbacks(execute=True):
        asked = _ask_deletion(client)
    assert asked.status_code == 302
    assert f"Un courriel vient d'être envoyé à {address}" in " ".join(messages_of(client.get(PAGE)))
    link = _emailed_link(address)

    confirm_page = client.get(link)
    assert confirm_page.status_code == 200
    assert "Supprimer définitivement mon compte" in visible_text(confirm_page)
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(link, {"confirm": "oui"}, follow=True)

    assert "Votre compte est supprimé" in " ".join(messages_of(done))
    # Every file is gone from the disk, and the rows that named them.
    assert not any(_on_disk(name) for name in scene["files"])
    assert not ApplicationDocument.objects.exists()
    assert not EnrollmentCertificate.objects.exists()
    assert not VaeDocument.objects.exists()
    assert not PendingUpload.objects.exists()
    # The applications still count, with their session, channel and dates, and nothing of the person.
    assert Application.objects.count() == applications_before
    enrolled = Application.objects.get(pk=scene["enrolled"].pk)
    refused = Application.objects.get(pk=scene["refused"].pk)
    assert enrolled.status == Application.Status.WITHDRAWN  # the coming session's seat is given back
    assert refused.status == Application.Status.REJECTED
    assert enrolled.session_id == scene["session"].pk
    assert enrolled.channel == scene["enrolled"].channel
    assert enrolled.submitted_at == scene["enrolled"].submitted_at
    assert enrolled.reference != scene["enrolled"].reference
    assert enrolled.motivation == ""
    assert "Niveau" not in refused.rejection_reason
    assert not ApplicationStatusChange.objects.filter(application=enrolled).exclude(reason="").exists()
    # The seat went to the next person on the waiting list.
    assert Application.objects.get(pk=scene["waiting"].pk).status == Application.Status.OFFERED
    # The closed VAE requests stay as figures, the open one was dropped with its documents.
    assert not VaeRequest.objects.filter(stage__in=[VaeStage.SUBMITTED]).exists()
    # The account is an empty shell: no profile, address, membership or email for it.
    shell = type(person).objects.get(pk=person.pk)
    assert (shell.email, shell.first_name, shell.last_name, shell.is_active) == ("", "", "", False)
    assert not shell.has_usable_password()
    assert address not in shell.username
    assert not ApplicantProfile.objects.filter(user=shell).exists()
    assert not EmailAddress.objects.filter(email__iexact=address).exists()
    assert not PartnerMember.objects.filter(email__iexact=address).exists()
    assert not Notification.objects.filter(recipient_email__iexact=address).exists()
    # Signed out, and signing in again is refused.
    assert client.get(reverse("enrollment:space")).status_code == 302
    login = client.post(reverse("account_login"), {"login": address, "password": PASSWORD})
    assert login.status_code == 200
    assert "_auth_user_id" not in client.session
    assert not client.login(username=person.username, password=PASSWORD)


def test_an_enrollment_in_a_session_already_over_stays_an_enrollment(client, django_capture_on_commit_callbacks):
    person = ApplicantFactory()
    past = SessionFactory(
        start_date=datetime.date(2020, 1, 6),
        end_date=datetime.date(2020, 6, 30),
        applications_open_at=datetime.datetime(2019, 9, 1, tzinfo=datetime.UTC),
        applications_close_at=datetime.datetime(2019, 12, 1, tzinfo=datetime.UTC),
    )
    enrolled = ApplicationFactory(applicant=person, session=past, enrolled=True)
    client.force_login(person)
    with django_capture_on_commit_callbacks(execute=True):
        _ask_deletion(client)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_emailed_link(person.email), {"confirm": "oui"})

    enrolled.refresh_from_db()
    assert enrolled.status == Application.Status.ENROLLED
    assert not enrolled.applicant.is_active


def test_a_wrong_password_sends_no_link(client, django_capture_on_commit_callbacks):
    person = ApplicantFactory()
    client.force_login(person)

    with django_capture_on_commit_callbacks(execute=True):
        response = _ask_deletion(client, password="pas-le-bon-mot-de-passe")

    assert response.status_code == 400
    assert "Mot de passe incorrect." in visible_text(response)
    assert mail.outbox == []
    person.refresh_from_db()
    assert person.is_active


@pytest.mark.parametrize("token", ["forged-token", "c4bz0x-0123456789abcdef0123456789abcdef"])
def test_a_forged_link_deletes_nothing(client, token):
    person = ApplicantFactory()
    client.force_login(person)
    link = reverse("enrollment:account_delete_confirm", kwargs={"token": token})

    shown = client.get(link, follow=True)
    posted = client.post(link, {"confirm": "oui"}, follow=True)

    for response in (shown, posted):
        assert "Ce lien de suppression n'est pas valable" in " ".join(messages_of(response))
    person.refresh_from_db()
    assert person.is_active
    assert ApplicantProfile.objects.filter(user=person).exists()


def test_an_expired_link_deletes_nothing(client, monkeypatch, django_capture_on_commit_callbacks):
    person = ApplicantFactory()
    client.force_login(person)
    with django_capture_on_commit_callbacks(execute=True):
        _ask_deletion(client)
    link = _emailed_link(person.email)
    later = datetime.datetime.now() + datetime.timedelta(hours=settings.ACCOUNT_DELETION_LINK_HOURS, minutes=1)
    monkeypatch.setattr(deletion_token_generator, "_now", lambda: later)

    response = client.post(link, {"confirm": "oui"}, follow=True)

    assert "Ce lien de suppression n'est pas valable" in " ".join(messages_of(response))
    person.refresh_from_db()
    assert person.is_active


def test_someone_elses_link_deletes_nothing(client, django_capture_on_commit_callbacks):
    owner, intruder = ApplicantFactory(), ApplicantFactory()
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        _ask_deletion(client)
    link = _emailed_link(owner.email)
    client.force_login(intruder)

    response = client.post(link, {"confirm": "oui"}, follow=True)

    assert "Ce lien de suppression n'est pas valable" in " ".join(messages_of(response))
    for account in (owner, intruder):
        account.refresh_from_db()
        assert account.is_active


def test_a_link_without_the_confirming_post_deletes_nothing(client, django_capture_on_commit_callbacks):
    person = ApplicantFactory()
    client.force_login(person)
    with django_capture_on_commit_callbacks(execute=True):
        _ask_deletion(client)

    client.get(_emailed_link(person.email))
    client.post(_emailed_link(person.email), {})

    person.refresh_from_db()
    assert person.is_active


def test_a_staff_account_is_refused_with_a_french_message(client, django_capture_on_commit_callbacks):
    staff = StaffUserFactory()
    client.force_login(staff)

    page = client.get(PAGE)
    with django_capture_on_commit_callbacks(execute=True):
        asked = _ask_deletion(client)
    forged = reverse("enrollment:account_delete_confirm", kwargs={"token": deletion_token_generator.make_token(staff)})
    confirmed = client.post(forged, {"confirm": "oui"}, follow=True)

    expected = "Demandez sa suppression à l'administrateur du portail"
    assert expected in visible_text(page)
    assert "Demander la suppression de mon compte" not in visible_text(page)
    assert expected in visible_text(asked)
    assert expected in " ".join(messages_of(confirmed))
    assert mail.outbox == []
    staff.refresh_from_db()
    assert staff.is_active and staff.is_staff
