"""Applying to a session: the form, its refusals and the call to the submission service."""

import datetime
import os

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import Notification
from enrollment.models import Application, ApplicationDocument, ApplicationStatusChange, PendingUpload
from partners.models import Partner
from programs.models import QualificationLevel, Session
from tests.factories import (
    ApplicantProfileFactory,
    ApplicationFactory,
    PartnerFactory,
    ProgrammeFactory,
    SessionFactory,
    UserFactory,
)
from tests.helpers import PDF_BYTES, PNG_BYTES

pytestmark = pytest.mark.django_db


def _stored_files() -> list[str]:
    found = []
    for root, _dirs, files in os.walk(settings.PRIVATE_MEDIA_ROOT):
        found += [os.path.join(root, name) for name in files]
    return found


@pytest.fixture
def applicant(client):
    profile = ApplicantProfileFactory(highest_level=QualificationLevel.LEVEL_4)
    client.force_login(profile.user)
    return profile.user


@pytest.fixture
def session():
    return SessionFactory(programme=ProgrammeFactory(title="Gestion des ressources humaines"), capacity=12)


def _url(session):
    return reverse("enrollment:apply", kwargs={"session_pk": session.pk})


def _post(client, session, **data):
    payload = {"motivation": "Je veux devenir gestionnaire RH dans ma commune."}
    payload.update(data)
    return client.post(_url(session), payload)


def test_url_and_login_required(client, session):
    assert _url(session) == f"/candidatures/postuler/{session.pk}/"
    response = client.get(_url(session))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_form_shows_the_session_summary_and_is_a_multipart_post(client, applicant, session):
    response = client.get(_url(session))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Gestion des ressources humaines" in html
    assert "Centre CNAM de Mamoudzou" in html
    assert "12 places disponibles" in html
    assert 'enctype="multipart/form-data"' in html
    assert 'method="post"' in html
    assert "csrfmiddlewaretoken" in html
    assert 'maxlength="3000"' in html
    assert "3000 caractères au plus" in html
    assert 'name="document_6_file"' in html
    assert 'name="entry_route"' not in html


def test_the_session_summary_takes_only_the_height_it_needs(client, applicant, session):
    """A DSFR card takes the whole height of its grid column: as the summary above the form, it ran
    2,000 px and more on a phone and covered the form and the footer."""
    html = client.get(_url(session)).content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    assert "fr-card" not in main
    assert '<section class="portal-summary fr-mb-4w" aria-labelledby="session-resume-titre">' in main


def test_fields_folded_in_a_details_element_keep_the_dsfr_box_sizing():
    """The DSFR sets box-sizing by inheritance from :root, which the content of <details> escapes:
    the folded document fields were 40 px wider than a 390 px phone once the form was refused."""
    css = (settings.BASE_DIR / "static" / "css" / "portal.css").read_text()
    assert "details > :not(summary) { box-sizing: border-box; }" in css
    assert "overflow-wrap: anywhere" in css


def test_full_session_announces_the_waiting_list(client, applicant):
    full = SessionFactory(capacity=1)
    ApplicationFactory(session=full, status=Application.Status.ACCEPTED)
    html = client.get(_url(full)).content.decode()
    assert "Session complète" in html


def test_incomplete_profile_redirects_to_the_profile_with_next(client, session):
    user = UserFactory()
    client.force_login(user)
    response = client.get(_url(session), follow=True)
    assert (
        response.redirect_chain[0][0]
        == f"{reverse('enrollment:profile')}?next=%2Fcandidatures%2Fpostuler%2F{session.pk}%2F"
    )
    assert "Complétez votre profil avant de candidater" in response.content.decode()


def test_happy_path_stores_the_application_and_checked_documents(client, applicant, session):
    response = _post(
        client,
        session,
        document_1_kind="cv",
        document_1_file=SimpleUploadedFile("Mon CV 2026.pdf", PDF_BYTES, content_type="application/pdf"),
        # The name says PNG, the content is a PDF: the content wins.
        document_2_kind="diplome",
        document_2_file=SimpleUploadedFile("diplome.png", PDF_BYTES, content_type="image/png"),
        document_3_kind="identite",
        document_3_file=SimpleUploadedFile("cni.png", PNG_BYTES, content_type="image/png"),
    )
    application = Application.objects.get(applicant=applicant)
    assert response.status_code == 302
    assert response.url == reverse("enrollment:detail", kwargs={"reference": application.reference})
    assert application.session == session
    assert application.status == Application.Status.SUBMITTED
    assert application.entry_route == Application.EntryRoute.DIRECT
    assert application.channel == Application.Channel.ONLINE
    documents = {d.kind: d for d in ApplicationDocument.objects.filter(application=application)}
    assert set(documents) == {"cv", "diplome", "identite"}
    assert documents["cv"].original_name == "Mon CV 2026.pdf"
    assert documents["diplome"].content_type == "application/pdf"
    assert documents["diplome"].file.name.endswith(".pdf")
    assert documents["identite"].content_type == "image/png"
    for document in documents.values():
        assert "CV" not in document.file.name and "diplome" not in document.file.name
        assert document.file.storage.exists(document.file.name)
    assert ApplicationStatusChange.objects.filter(application=application, to_status="recue").count() == 1
    assert Notification.objects.filter(application=application).exists()
    page = client.get(response.url).content.decode()
    assert f"Votre candidature {application.reference} est enregistrée" in page


def test_missing_motivation_is_refused(client, applicant, session):
    response = _post(client, session, motivation="   ")
    assert response.status_code == 200
    assert "Expliquez votre motivation" in response.content.decode()
    assert not Application.objects.exists()


def test_too_long_motivation_is_refused(client, applicant, session):
    response = _post(client, session, motivation="x" * 3001)
    html = response.content.decode()
    assert "Votre motivation compte 3001 caractères : raccourcissez-la à 3000 caractères au plus." in html
    assert "x" * 3001 in html  # what was typed is given back to shorten, not lost
    assert not Application.objects.exists()


def test_a_file_that_is_not_pdf_jpeg_or_png_is_refused_and_only_the_good_one_is_kept(client, applicant, session):
    before = _stored_files()
    response = _post(
        client,
        session,
        document_1_kind="cv",
        document_1_file=SimpleUploadedFile("cv.pdf", PDF_BYTES, content_type="application/pdf"),
        document_2_kind="autre",
        document_2_file=SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Le fichier « virus.pdf » n&#x27;est ni un PDF, ni une image JPEG ou PNG." in html
    assert 'aria-describedby="id_document_2_file_helptext id_document_2_file-messages"' in html
    assert not Application.objects.exists()
    assert not ApplicationDocument.objects.exists()
    # The file that passed its checks waits for the next try, privately; nothing else is on disk.
    kept = PendingUpload.objects.get()
    assert (kept.user, kept.session, kept.kind, kept.original_name) == (applicant, session, "cv", "cv.pdf")
    assert sorted(_stored_files()) == sorted([*before, kept.file.path])


def test_empty_and_oversized_files_are_refused(client, applicant, session, settings):
    settings.DOCUMENT_MAX_BYTES = 200
    response = _post(
        client,
        session,
        document_1_kind="cv",
        document_1_file=SimpleUploadedFile("vide.pdf", b"", content_type="application/pdf"),
        document_2_kind="cv",
        document_2_file=SimpleUploadedFile("gros.pdf", PDF_BYTES + b"0" * 300, content_type="application/pdf"),
    )
    html = response.content.decode()
    assert "Le fichier soumis est vide." in html or "est vide" in html
    assert "dépasse la taille maximale" in html
    assert not Application.objects.exists()


def test_a_file_needs_its_kind(client, applicant, session):
    response = _post(
        client, session, document_1_file=SimpleUploadedFile("cv.pdf", PDF_BYTES, content_type="application/pdf")
    )
    assert (
        "Indiquez de quelle pièce il s&#x27;agit (CV, diplôme…), puis sélectionnez de nouveau le fichier « cv.pdf »."
        in response.content.decode()
    )
    assert not Application.objects.exists()
    assert not PendingUpload.objects.exists()


def test_below_entry_level_requires_a_route_and_an_explanation(client, session):
    profile = ApplicantProfileFactory(highest_level=QualificationLevel.LEVEL_3)
    client.force_login(profile.user)
    html = client.get(_url(session)).content.decode()
    assert 'name="entry_route"' in html
    assert 'value="derogation"' in html
    assert 'value="vae"' not in html  # this programme is not open to VAE

    response = _post(client, session)
    html = response.content.decode()
    assert "choisissez une voie d&#x27;accès" in html
    assert "Expliquez pourquoi vous demandez cette voie d&#x27;accès." in html
    assert not Application.objects.exists()

    response = _post(client, session, entry_route="vae", entry_justification="Dix ans d'expérience.")
    assert "Choisissez l&#x27;une des voies d&#x27;accès proposées pour cette formation." in response.content.decode()
    assert not Application.objects.exists()

    response = _post(
        client, session, entry_route="derogation", entry_justification="J'ai dirigé le service paie de ma mairie."
    )
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.entry_route == Application.EntryRoute.DEROGATION
    assert application.entry_justification == "J'ai dirigé le service paie de ma mairie."


def test_vae_is_offered_when_the_programme_allows_it(client):
    profile = ApplicantProfileFactory(highest_level=QualificationLevel.NONE)
    client.force_login(profile.user)
    vae_session = SessionFactory(programme=ProgrammeFactory(vae_available=True))
    assert 'value="vae"' in client.get(_url(vae_session)).content.decode()
    response = _post(client, vae_session, entry_route="vae", entry_justification="Quinze ans sur les chantiers.")
    assert response.status_code == 302
    assert Application.objects.get().entry_route == Application.EntryRoute.VAE


def test_closed_window_is_refused(client, applicant):
    closed = SessionFactory(
        applications_open_at=timezone.now() - datetime.timedelta(days=30),
        applications_close_at=timezone.now() - datetime.timedelta(days=1),
    )
    assert "Les candidatures pour cette session sont closes depuis le" in client.get(_url(closed)).content.decode()
    response = _post(client, closed)
    assert response.status_code == 409
    assert "sont closes" in response.content.decode()
    assert not Application.objects.exists()


def test_window_not_yet_open_is_refused(client, applicant):
    later = SessionFactory(
        applications_open_at=timezone.now() + datetime.timedelta(days=3),
        applications_close_at=timezone.now() + datetime.timedelta(days=30),
    )
    response = _post(client, later)
    assert "Les candidatures pour cette session ouvriront le" in response.content.decode()
    assert not Application.objects.exists()


def test_cancelled_session_is_refused(client, applicant):
    cancelled = SessionFactory(state=Session.State.CANCELLED)
    response = _post(client, cancelled)
    assert "Cette session a été annulée" in response.content.decode()
    assert not Application.objects.exists()


@pytest.mark.parametrize("case", ["reserved", "draft", "unpublished", "missing"])
def test_sessions_outside_the_public_catalogue_answer_404(client, applicant, case):
    if case == "reserved":
        target = SessionFactory(reserved_for=PartnerFactory(kind=Partner.Kind.COMMUNE))
    elif case == "draft":
        target = SessionFactory(state=Session.State.DRAFT)
    elif case == "unpublished":
        target = SessionFactory(programme=ProgrammeFactory(status="brouillon"))
    else:
        target = Session(pk=999999)
    assert client.get(_url(target)).status_code == 404
    assert _post(client, target).status_code == 404
    assert not Application.objects.exists()


def test_duplicate_live_application_is_refused(client, applicant, session):
    existing = ApplicationFactory(session=session, applicant=applicant)
    response = _post(client, session)
    html = response.content.decode()
    assert f"Vous avez déjà une candidature en cours pour cette session ({existing.reference})" in html
    assert reverse("enrollment:detail", kwargs={"reference": existing.reference}) in html
    assert Application.objects.count() == 1


def test_a_closed_earlier_application_does_not_block_a_new_one(client, applicant, session):
    ApplicationFactory(session=session, applicant=applicant, status=Application.Status.WITHDRAWN)
    assert _post(client, session).status_code == 302
    assert Application.objects.filter(applicant=applicant).count() == 2


def test_service_refusal_is_shown_on_the_form(client, applicant, session, monkeypatch):
    from django.core.exceptions import ValidationError

    from enrollment.services import applications

    def refuse(**kwargs):
        raise ValidationError("La session est complète (12 places).")

    monkeypatch.setattr(applications, "application_submit", refuse)
    response = _post(client, session)
    assert response.status_code == 200
    assert "La session est complète (12 places)." in response.content.decode()
    assert not Application.objects.exists()


# --- What a refused form keeps -------------------------------------------------------------------


def _file(name="cv.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _kept(user, session, *, name="ancien.pdf", kind="cv", content=PDF_BYTES):
    from enrollment.services import applications

    return applications.pending_uploads_update(user=user, session=session, keep=[(kind, _file(name, content))])[-1]


def test_a_refused_application_keeps_what_was_typed(client, session):
    profile = ApplicantProfileFactory(highest_level=QualificationLevel.LEVEL_3)
    client.force_login(profile.user)
    response = _post(client, session, motivation="", entry_route="derogation", entry_justification="Dix ans de paie.")
    html = response.content.decode()
    assert 'value="derogation" checked' in html
    assert "Dix ans de paie.</textarea>" in html

    response = _post(client, session, motivation="Devenir gestionnaire RH.", entry_justification="Dix ans de paie.")
    html = response.content.decode()
    assert "Devenir gestionnaire RH.</textarea>" in html
    assert "Dix ans de paie.</textarea>" in html
    assert not Application.objects.exists()


def test_files_of_a_refused_form_are_kept_listed_and_attached_on_the_next_try(
    client, applicant, session, django_capture_on_commit_callbacks
):
    before = _stored_files()
    response = _post(
        client,
        session,
        motivation="",
        document_1_kind="cv",
        document_1_file=_file("Mon CV.pdf"),
        document_2_kind="identite",
        document_2_file=SimpleUploadedFile("cni.png", PNG_BYTES, content_type="image/png"),
    )
    assert response.status_code == 200
    assert not Application.objects.exists() and not ApplicationDocument.objects.exists()
    kept = list(PendingUpload.objects.order_by("pk"))
    assert [(k.original_name, k.kind, k.content_type, k.size) for k in kept] == [
        ("Mon CV.pdf", "cv", "application/pdf", len(PDF_BYTES)),
        ("cni.png", "identite", "image/png", len(PNG_BYTES)),
    ]
    for upload in kept:
        assert upload.file.name.startswith("en-attente/") and "CV" not in upload.file.name
    html = response.content.decode()
    assert "2 pièces déjà déposées" in html
    assert "<strong>CV</strong> — Mon CV.pdf" in html
    assert "<strong>Pièce d&#x27;identité</strong> — cni.png" in html
    assert f'name="drop_pending" value="{kept[0].pk}"' in html
    # Their slots are not offered again: four left for new files.
    assert 'name="document_1_file"' not in html and 'name="document_2_file"' not in html
    assert html.count('type="file"') == 4

    # The page shows them again on a later visit, until they are sent.
    assert "Mon CV.pdf" in client.get(_url(session)).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, session, document_3_kind="diplome", document_3_file=_file("diplome.pdf"))
    assert response.status_code == 302
    application = Application.objects.get()
    documents = {d.original_name: d for d in application.documents.all()}
    assert set(documents) == {"Mon CV.pdf", "cni.png", "diplome.pdf"}
    assert documents["cni.png"].kind == "identite" and documents["cni.png"].content_type == "image/png"
    assert documents["cni.png"].file.read() == PNG_BYTES
    assert documents["Mon CV.pdf"].file.name.startswith("documents/")
    assert not PendingUpload.objects.exists()
    # Only the application's copies are left: the kept files went with their rows.
    assert sorted(set(_stored_files()) - set(before)) == sorted(d.file.path for d in documents.values())


def test_a_valid_application_writes_its_new_files_once_straight_to_it(
    client, applicant, session, django_capture_on_commit_callbacks
):
    before = _stored_files()
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        response = _post(client, session, document_1_kind="cv", document_1_file=_file("Mon CV.pdf"))
    assert response.status_code == 302
    document = Application.objects.get().documents.get()
    assert document.original_name == "Mon CV.pdf" and document.file.read() == PDF_BYTES
    # Nothing went through the documents kept for a later try: no row written, no copy of the file.
    writes = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SELECT")]
    assert writes and not [sql for sql in writes if "enrollment_pendingupload" in sql]
    assert sorted(set(_stored_files()) - set(before)) == [document.file.path]


def test_files_refused_by_the_submission_itself_are_kept_for_the_next_try(
    client, applicant, session, monkeypatch, django_capture_on_commit_callbacks
):
    from enrollment.selectors import Eligibility
    from enrollment.services import applications

    before = _stored_files()
    # The session closes between the page's check and the write: the service refuses a valid form.
    closed = Eligibility(allowed=False, code="closed", reason="Les candidatures pour cette session sont closes.")
    monkeypatch.setattr(applications, "application_eligibility", lambda **kwargs: closed)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, session, document_1_kind="cv", document_1_file=_file("Mon CV.pdf"))
    assert response.status_code == 200
    assert "Les candidatures pour cette session sont closes." in response.content.decode()
    assert not Application.objects.exists() and not ApplicationDocument.objects.exists()
    kept = PendingUpload.objects.get()
    assert kept.original_name == "Mon CV.pdf" and kept.file.read() == PDF_BYTES
    assert "Mon CV.pdf" in response.content.decode()
    # The kept copy alone is on disk: nothing of the refused write was left behind.
    assert sorted(set(_stored_files()) - set(before)) == [kept.file.path]


def test_a_kept_file_can_be_removed(client, applicant, session, django_capture_on_commit_callbacks):
    keep, drop = _kept(applicant, session, name="garde.pdf"), _kept(applicant, session, name="retire.pdf")
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, session, drop_pending=[str(drop.pk)])
    assert response.status_code == 302
    assert [d.original_name for d in Application.objects.get().documents.all()] == ["garde.pdf"]
    assert not drop.file.storage.exists(drop.file.name)
    assert not keep.file.storage.exists(keep.file.name)  # copied to the application, then deleted

    # Removing one on a form still refused: it is gone, the other stays.
    other_session = SessionFactory()
    first, second = _kept(applicant, other_session, name="un.pdf"), _kept(applicant, other_session, name="deux.pdf")
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, other_session, motivation="", drop_pending=[str(first.pk)])
    assert response.status_code == 200
    assert list(PendingUpload.objects.filter(session=other_session)) == [second]
    assert "un.pdf" not in response.content.decode()
    assert not first.file.storage.exists(first.file.name)


def test_kept_files_count_toward_the_six(client, applicant, session):
    for index in range(5):
        _kept(applicant, session, name=f"piece{index}.pdf")
    response = _post(
        client,
        session,
        motivation="",
        document_1_kind="cv",
        document_1_file=_file("sixieme.pdf"),
        document_2_kind="cv",
        document_2_file=_file("septieme.pdf"),
    )
    html = response.content.decode()
    assert (
        "Vous joignez déjà 6 pièces, le maximum : retirez une pièce déjà déposée pour joindre « septieme.pdf »." in html
    )
    assert PendingUpload.objects.filter(user=applicant, session=session).count() == 6
    assert not PendingUpload.objects.filter(original_name="septieme.pdf").exists()
    assert 'name="document_2_file"' in html  # shown with its error, the only slot left on the page
    assert html.count('type="file"') == 1


def test_kept_files_expire_after_a_day(client, applicant, session, django_capture_on_commit_callbacks):
    from enrollment import tasks

    old = _kept(applicant, session, name="hier.pdf")
    fresh = _kept(applicant, session, name="ce-matin.pdf")
    PendingUpload.objects.filter(pk=old.pk).update(uploaded_at=timezone.now() - datetime.timedelta(hours=24, minutes=1))
    PendingUpload.objects.filter(pk=fresh.pk).update(uploaded_at=timezone.now() - datetime.timedelta(hours=23))
    html = client.get(_url(session)).content.decode()
    assert "hier.pdf" not in html
    assert "ce-matin.pdf" in html

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_pending_uploads.delay().get() == 1
    assert list(PendingUpload.objects.all()) == [fresh]
    assert not old.file.storage.exists(old.file.name)
    assert fresh.file.storage.exists(fresh.file.name)


def test_someone_elses_kept_files_are_never_listed_removed_or_attached(client, applicant, session):
    theirs = _kept(UserFactory(), session, name="leur-cv.pdf")
    mine_elsewhere = _kept(applicant, SessionFactory(), name="autre-session.pdf")
    html = client.get(_url(session)).content.decode()
    assert "leur-cv.pdf" not in html and "autre-session.pdf" not in html
    assert "déjà déposée" not in html

    response = _post(client, session, drop_pending=[str(theirs.pk), str(mine_elsewhere.pk)])
    assert response.status_code == 302
    assert not Application.objects.get().documents.exists()
    assert set(PendingUpload.objects.all()) == {theirs, mine_elsewhere}
    assert theirs.file.storage.exists(theirs.file.name)


def test_the_application_page_runs_the_same_queries_whatever_is_kept(
    client, applicant, session, django_assert_num_queries
):
    with CaptureQueriesContext(connection) as empty:
        assert client.get(_url(session)).status_code == 200
    for index in range(4):
        _kept(applicant, session, name=f"piece{index}.pdf")
    with django_assert_num_queries(len(empty.captured_queries)):
        html = client.get(_url(session)).content.decode()
    assert "4 pièces déjà déposées" in html
