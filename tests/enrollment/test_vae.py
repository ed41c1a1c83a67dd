"""VAE requests: the public request, the stage moves with their history and emails, the pages and the admin."""

import os

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import Notification
from enrollment.models import VaeDocument, VaeRequest, VaeResult, VaeStage, VaeStageChange
from enrollment.services import vae as services_vae
from programs.models import Programme
from tests.factories import ApplicantFactory, ApplicantProfileFactory, ProgrammeFactory, StaffUserFactory, UserFactory
from tests.helpers import pdf_upload, upload

pytestmark = pytest.mark.django_db
Stage = VaeStage
SUMMARY = "Huit ans d'aide-soignante au centre hospitalier de Mamoudzou, dont trois comme référente."


@pytest.fixture
def programme():
    return ProgrammeFactory(title="Titre professionnel d'assistant de vie", vae_available=True)


@pytest.fixture
def person():
    return ApplicantFactory(profile__first_name="Zaïnaba", profile__last_name="Ali")


@pytest.fixture
def staff():
    return StaffUserFactory()


def submit(user, programme, **kwargs):
    kwargs.setdefault("experience_summary", SUMMARY)
    kwargs.setdefault("years", 8)
    return services_vae.vae_request_submit(user=user, programme=programme, **kwargs)


def stored_files():
    from django.conf import settings

    root = settings.PRIVATE_MEDIA_ROOT
    return {os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files if "/vae/" in os.path.join(d, f)}


def advance_to(vae_request, stage, by, **kwargs):
    """Walk a request along the normal path up to ``stage``."""
    while vae_request.stage != stage:
        following = services_vae.next_stage(vae_request.stage)
        extra = kwargs if following == stage else {}
        services_vae.vae_request_advance(request=vae_request, to_stage=following, by=by, **extra)
        vae_request.refresh_from_db()
    return vae_request


# --- Submission -----------------------------------------------------------------------------------


def test_submit_records_the_request_its_documents_history_and_one_email(
    person, programme, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        vae_request = submit(person, programme, documents=[("preuve_experience", pdf_upload("attestation.pdf"))])

    assert vae_request.reference.startswith("VAE-") and len(vae_request.reference) == len("VAE-2026-000000")
    assert vae_request.stage == Stage.SUBMITTED and vae_request.is_open
    assert vae_request.years_of_experience == 8
    document = vae_request.documents.get()
    assert document.content_type == "application/pdf" and document.original_name == "attestation.pdf"
    assert document.file.name.startswith("vae/") and "attestation" not in document.file.name
    assert len(document.sha256) == 64
    assert [(c.from_stage, c.to_stage, c.changed_by) for c in vae_request.history.all()] == [
        ("", Stage.SUBMITTED, person)
    ]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == f"[CNAM Mayotte] Demande de VAE {vae_request.reference} bien reçue"
    assert message.body.startswith("Bonjour Zaïnaba Ali,")
    assert "Titre professionnel d'assistant de vie" in message.body
    assert f"/candidatures/vae/{vae_request.reference}/" in message.body
    notification = Notification.objects.get()
    assert notification.application is None and notification.state == Notification.State.SENT


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"experience_summary": "   "}, "Décrivez votre expérience"),
        ({"years": 0}, "entre 1 et 50"),
        ({"years": 51}, "entre 1 et 50"),
        ({"years": "huit"}, "entre 1 et 50"),
        ({"experience_summary": "x" * 5001}, "dépasse 5000 caractères"),
    ],
)
def test_submit_refuses_bad_input(person, programme, change, message):
    with pytest.raises(ValidationError) as error:
        submit(person, programme, **change)
    assert message in " ".join(error.value.messages)
    assert not VaeRequest.objects.exists()


def test_submit_refuses_an_incomplete_profile(programme):
    user = UserFactory()
    with pytest.raises(ValidationError, match="Complétez votre profil"):
        submit(user, programme)
    incomplete = ApplicantProfileFactory(consent_at=None, consent_text="").user
    with pytest.raises(ValidationError, match="Complétez votre profil"):
        submit(incomplete, programme)
    assert not VaeRequest.objects.exists()


def test_submit_refuses_a_programme_without_vae_or_unpublished(person):
    closed = ProgrammeFactory(vae_available=False, title="Licence de gestion")
    with pytest.raises(ValidationError, match="« Licence de gestion » n'est pas accessible par la VAE"):
        submit(person, closed)
    draft = ProgrammeFactory(vae_available=True, status=Programme.Status.DRAFT)
    with pytest.raises(ValidationError, match="n'est pas proposée"):
        submit(person, draft)
    assert not VaeRequest.objects.exists()


def test_one_open_request_per_person_and_programme(person, programme, staff):
    first = submit(person, programme)
    with pytest.raises(ValidationError, match="déjà une demande de VAE en cours"):
        submit(person, programme)
    # The database says the same to a request that would slip past the service.
    with pytest.raises(IntegrityError), transaction.atomic():
        VaeRequest.objects.create(
            reference="VAE-2026-999999",
            applicant=person,
            programme=programme,
            experience_summary="x",
            years_of_experience=2,
        )
    # Once the first is closed, the person may ask again.
    services_vae.vae_request_advance(
        request=first, to_stage=Stage.NOT_ADMISSIBLE, by=staff, reason="Expérience hors champ."
    )
    assert submit(person, programme).pk != first.pk


def test_a_bad_document_leaves_nothing_saved(person, programme, django_capture_on_commit_callbacks):
    before = stored_files()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as error:
        submit(
            person,
            programme,
            documents=[("cv", pdf_upload()), ("diplome", upload("diplome.exe", b"MZ\x90\x00binary"))],
        )
    assert "« diplome.exe » n'est ni un PDF" in " ".join(error.value.messages)
    assert not VaeRequest.objects.exists() and not VaeDocument.objects.exists()
    assert not Notification.objects.exists() and not mail.outbox
    assert stored_files() == before


def test_a_failure_after_the_files_are_written_removes_them(person, programme, monkeypatch):
    before = stored_files()

    def broken(*args, **kwargs):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(services_vae, "_notify", broken)
    with pytest.raises(RuntimeError):
        submit(person, programme, documents=[("cv", pdf_upload())])
    assert not VaeRequest.objects.exists() and not VaeDocument.objects.exists()
    assert stored_files() == before


def test_unknown_document_kind_is_refused(person, programme):
    with pytest.raises(ValidationError, match="Type de pièce inconnu"):
        submit(person, programme, documents=[("passeport-magique", pdf_upload())])


# --- Stage moves --------------------------------------------------------------------------------


def test_moves_follow_the_order_with_history_and_one_email_each(
    person, programme, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        vae_request = submit(person, programme)
    for stage in (Stage.ADMISSIBILITY, Stage.SUPPORT, Stage.JURY):
        with django_capture_on_commit_callbacks(execute=True):
            services_vae.vae_request_advance(request=vae_request, to_stage=stage, by=staff, reason=f"Vers {stage}")
        assert vae_request.stage == stage
    with django_capture_on_commit_callbacks(execute=True):
        services_vae.vae_request_advance(
            request=vae_request, to_stage=Stage.RESULT, by=staff, result=VaeResult.PARTIAL, reason="Bloc 2 à compléter."
        )
    vae_request.refresh_from_db()
    assert vae_request.stage == Stage.RESULT and vae_request.result == VaeResult.PARTIAL
    assert vae_request.closed_at is not None and not vae_request.is_open
    assert vae_request.decision_reason == "Bloc 2 à compléter."
    history = list(vae_request.history.values_list("from_stage", "to_stage", "changed_by"))
    assert history == [
        ("", "deposee", person.pk),
        ("deposee", "recevabilite", staff.pk),
        ("recevabilite", "accompagnement", staff.pk),
        ("accompagnement", "jury", staff.pk),
        ("jury", "resultat", staff.pk),
    ]
    assert len(mail.outbox) == 5
    assert mail.outbox[1].subject == (
        f"[CNAM Mayotte] Votre demande de VAE {vae_request.reference} passe à l'étape « Recevabilité »"
    )
    assert mail.outbox[4].subject == f"[CNAM Mayotte] Résultat de votre demande de VAE {vae_request.reference}"
    assert "Résultat : Validation partielle" in mail.outbox[4].body
    assert "Observations : Bloc 2 à compléter." in mail.outbox[4].body
    assert Notification.objects.filter(template="vae_stage", state=Notification.State.SENT).count() == 5


@pytest.mark.parametrize(
    ("start", "to", "message"),
    [
        (Stage.SUBMITTED, Stage.SUPPORT, "ne peut passer qu'à l'étape « Recevabilité »"),
        (Stage.SUBMITTED, Stage.RESULT, "Indiquez le résultat du jury"),
        (Stage.ADMISSIBILITY, Stage.SUBMITTED, "ne peut passer qu'à l'étape « Accompagnement »"),
        (Stage.JURY, Stage.JURY, "ne peut passer qu'à l'étape « Résultat »"),
        (Stage.SUPPORT, Stage.NOT_ADMISSIBLE, "a déjà été jugée recevable"),
    ],
)
def test_invalid_moves_are_refused_and_change_nothing(person, programme, staff, start, to, message):
    vae_request = advance_to(submit(person, programme), start, staff)
    count = VaeStageChange.objects.count()
    notifications = Notification.objects.count()
    with pytest.raises(ValidationError) as error:
        services_vae.vae_request_advance(request=vae_request, to_stage=to, by=staff, reason="Motif")
    assert message in " ".join(error.value.messages)
    vae_request.refresh_from_db()
    assert vae_request.stage == start
    assert VaeStageChange.objects.count() == count and Notification.objects.count() == notifications


def test_result_needs_a_valid_outcome_and_only_at_the_result_stage(person, programme, staff):
    at_jury = advance_to(submit(person, programme), Stage.JURY, staff)
    with pytest.raises(ValidationError, match="Indiquez le résultat du jury"):
        services_vae.vae_request_advance(request=at_jury, to_stage=Stage.RESULT, by=staff, result="mention")
    deposited = submit(ApplicantFactory(), programme)
    with pytest.raises(ValidationError, match="ne s'indique qu'au passage"):
        services_vae.vae_request_advance(
            request=deposited, to_stage=Stage.ADMISSIBILITY, by=staff, result=VaeResult.FULL
        )
    assert VaeRequest.objects.filter(stage=Stage.RESULT).count() == 0


def test_a_closed_request_no_longer_moves(person, programme, staff):
    vae_request = advance_to(submit(person, programme), Stage.RESULT, staff, result=VaeResult.FULL)
    with pytest.raises(ValidationError, match="est close"):
        services_vae.vae_request_advance_next(request=vae_request, by=staff)
    with pytest.raises(ValidationError, match="est close"):
        services_vae.vae_request_declare_not_admissible(request=vae_request, by=staff, reason="Trop tard")


def test_not_admissible_needs_a_reason_and_closes_the_request(
    person, programme, staff, django_capture_on_commit_callbacks
):
    vae_request = advance_to(submit(person, programme), Stage.ADMISSIBILITY, staff)
    with pytest.raises(ValidationError, match="Indiquez le motif de non-recevabilité"):
        services_vae.vae_request_declare_not_admissible(request=vae_request, by=staff, reason="  ")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services_vae.vae_request_declare_not_admissible(
            request=vae_request, by=staff, reason="Moins d'un an d'expérience en lien avec le titre."
        )
    vae_request.refresh_from_db()
    assert vae_request.stage == Stage.NOT_ADMISSIBLE and vae_request.closed_at is not None
    assert vae_request.decision_reason == "Moins d'un an d'expérience en lien avec le titre."
    last = vae_request.history.last()
    assert (last.from_stage, last.to_stage, last.changed_by, last.reason) == (
        Stage.ADMISSIBILITY,
        Stage.NOT_ADMISSIBLE,
        staff,
        "Moins d'un an d'expérience en lien avec le titre.",
    )
    assert len(mail.outbox) == 1
    assert "n'est pas recevable" in mail.outbox[0].subject
    assert "Motif : Moins d'un an d'expérience en lien avec le titre." in mail.outbox[0].body


def test_database_constraints_guard_the_stage_fields(person, programme):
    base = {"applicant": person, "programme": programme, "experience_summary": "x"}
    bad_rows = [
        {"reference": "VAE-2026-000001", "years_of_experience": 0},
        {"reference": "VAE-2026-000002", "years_of_experience": 3, "stage": "resultat"},
        {"reference": "VAE-2026-000003", "years_of_experience": 3, "result": "refus"},
        {"reference": "VAE-2026-000004", "years_of_experience": 3, "stage": "non_recevable"},
        {"reference": "VAE-26-1", "years_of_experience": 3},
    ]
    for row in bad_rows:
        with pytest.raises(IntegrityError), transaction.atomic():
            VaeRequest.objects.create(**base, **row)


# --- Public pages -------------------------------------------------------------------------------


def test_request_page_submits_through_the_form(client, person, programme):
    client.force_login(person)
    url = reverse("enrollment:vae_request", kwargs={"slug": programme.slug})
    assert url == f"/candidatures/vae/demander/{programme.slug}/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'class="fr-input-group' in html and "Années d&#x27;expérience" in html
    response = client.post(
        url,
        {
            "experience_summary": SUMMARY,
            "years_of_experience": "8",
            "document_1_kind": "cv",
            "document_1_file": pdf_upload("mon-cv.pdf"),
        },
    )
    vae_request = VaeRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("enrollment:vae_detail", kwargs={"reference": vae_request.reference})
    assert vae_request.documents.get().original_name == "mon-cv.pdf"


def test_request_form_errors_are_shown_in_french_and_linked(client, person, programme):
    client.force_login(person)
    url = reverse("enrollment:vae_request", kwargs={"slug": programme.slug})
    response = client.post(url, {"experience_summary": "", "years_of_experience": "0"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Décrivez votre expérience" in html
    assert "La VAE demande au moins un an d&#x27;expérience" in html
    assert 'aria-describedby="id_years_of_experience_helptext id_years_of_experience-messages"' in html
    assert not VaeRequest.objects.exists()


def test_request_page_for_a_programme_without_vae_is_404(client, person):
    client.force_login(person)
    other = ProgrammeFactory(vae_available=False)
    assert client.get(reverse("enrollment:vae_request", kwargs={"slug": other.slug})).status_code == 404


def test_request_page_sends_an_incomplete_profile_to_the_profile_first(client, programme):
    client.force_login(UserFactory())
    url = reverse("enrollment:vae_request", kwargs={"slug": programme.slug})
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("enrollment:profile"))


def test_request_page_with_an_open_request_points_to_it(client, person, programme):
    existing = submit(person, programme)
    client.force_login(person)
    url = reverse("enrollment:vae_request", kwargs={"slug": programme.slug})
    response = client.post(url, {"experience_summary": SUMMARY, "years_of_experience": "8"})
    assert response.status_code == 409
    assert reverse("enrollment:vae_detail", kwargs={"reference": existing.reference}) in response.content.decode()
    assert VaeRequest.objects.count() == 1


def test_programme_page_links_to_the_vae_request_only_when_vae_is_open(client, programme):
    link = reverse("enrollment:vae_request", kwargs={"slug": programme.slug})
    assert link in client.get(programme.get_absolute_url()).content.decode()
    other = ProgrammeFactory(vae_available=False)
    assert "Demander une VAE" not in client.get(other.get_absolute_url()).content.decode()


def test_the_person_sees_the_stage_in_the_space_and_the_detail(client, person, programme, staff):
    vae_request = advance_to(submit(person, programme, documents=[("cv", pdf_upload("cv.pdf"))]), Stage.SUPPORT, staff)
    client.force_login(person)
    space = client.get(reverse("enrollment:space")).content.decode()
    assert "Mes demandes de VAE" in space
    assert "Étape en cours : Accompagnement." in space
    detail_url = reverse("enrollment:vae_detail", kwargs={"reference": vae_request.reference})
    assert detail_url in space
    detail = client.get(detail_url).content.decode()
    assert "Étape 3 sur 5" in detail and 'data-fr-current-step="3"' in detail
    assert "Recevabilité → Accompagnement" in detail
    document = vae_request.documents.get()
    download = client.get(
        reverse("enrollment:vae_document", kwargs={"reference": vae_request.reference, "pk": document.pk})
    )
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert "no-store" in download["Cache-Control"]


def test_a_result_is_shown_with_its_outcome(client, person, programme, staff):
    vae_request = advance_to(submit(person, programme), Stage.RESULT, staff, result=VaeResult.FULL)
    client.force_login(person)
    detail = client.get(reverse("enrollment:vae_detail", kwargs={"reference": vae_request.reference})).content.decode()
    assert "Résultat du jury : Validation totale" in detail


def test_someone_elses_request_and_documents_answer_404(client, person, programme):
    vae_request = submit(person, programme, documents=[("cv", pdf_upload())])
    document = vae_request.documents.get()
    client.force_login(ApplicantFactory())
    assert client.get(reverse("enrollment:vae_detail", kwargs={"reference": vae_request.reference})).status_code == 404
    url = reverse("enrollment:vae_document", kwargs={"reference": vae_request.reference, "pk": document.pk})
    assert client.get(url).status_code == 404
    assert vae_request.reference not in client.get(reverse("enrollment:space")).content.decode()


def test_vae_pages_require_login(client, person, programme):
    vae_request = submit(person, programme)
    for url in (
        reverse("enrollment:vae_request", kwargs={"slug": programme.slug}),
        reverse("enrollment:vae_detail", kwargs={"reference": vae_request.reference}),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/compte/" in response["Location"]


def test_the_vae_section_costs_the_space_one_query_whatever_the_count(
    client, person, staff, django_capture_on_commit_callbacks
):
    client.force_login(person)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("enrollment:space")).status_code == 200
        return len(captured)

    without = queries()
    # Each request commits, making the kept page stale: every space below is rendered.
    with django_capture_on_commit_callbacks(execute=True):
        submit(person, ProgrammeFactory(vae_available=True))
    one = queries()
    with django_capture_on_commit_callbacks(execute=True):
        for _index in range(4):
            submit(person, ProgrammeFactory(vae_available=True))
    five = queries()
    assert one == five == without
    # user, applications, profile, VAE requests; the session comes from the cache.
    assert five == 4


# --- Admin --------------------------------------------------------------------------------------


def _changelist():
    return reverse("admin:enrollment_vaerequest_changelist")


def test_admin_lists_filters_and_searches_requests(client, person, programme, staff):
    vae_request = submit(person, programme)
    client.force_login(staff)
    html = client.get(_changelist(), {"stage__exact": "deposee", "q": "Ali"}).content.decode()
    assert vae_request.reference in html
    assert vae_request.reference not in client.get(_changelist(), {"stage__exact": "jury"}).content.decode()
    change = client.get(reverse("admin:enrollment_vaerequest_change", args=[vae_request.pk]))
    assert change.status_code == 200 and "Déposée" in change.content.decode()


def test_admin_next_stage_action_moves_records_and_emails(
    client, person, programme, staff, django_capture_on_commit_callbacks
):
    first = submit(person, programme)
    second = advance_to(submit(ApplicantFactory(), programme), Stage.JURY, staff)
    client.force_login(staff)
    mail.outbox.clear()
    data = {"action": "advance_to_next_stage", ACTION_CHECKBOX_NAME: [first.pk, second.pk]}
    page = client.post(_changelist(), data)
    assert page.status_code == 200 and "Résultat du jury" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_changelist(), {**data, "apply": "1", "reason": "Dossier complet."}, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.stage == Stage.ADMISSIBILITY
    assert second.stage == Stage.JURY  # the result was not given: refused, with the reason shown
    assert any("Indiquez le résultat du jury" in m and second.reference in m for m in messages)
    change = first.history.last()
    assert (change.changed_by, change.reason) == (staff, "Dossier complet.")
    assert len(mail.outbox) == 1

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            _changelist(),
            {"action": "advance_to_next_stage", ACTION_CHECKBOX_NAME: [second.pk], "apply": "1", "result": "refus"},
        )
    second.refresh_from_db()
    assert (second.stage, second.result) == (Stage.RESULT, VaeResult.REFUSED)
    assert len(mail.outbox) == 2


def test_admin_not_admissible_action_asks_for_the_reason(client, person, programme, staff):
    vae_request = submit(person, programme)
    client.force_login(staff)
    data = {"action": "declare_not_admissible", ACTION_CHECKBOX_NAME: [vae_request.pk], "apply": "1"}
    page = client.post(_changelist(), {**data, "reason": ""})
    assert page.status_code == 200 and "Le motif est obligatoire." in page.content.decode()
    vae_request.refresh_from_db()
    assert vae_request.stage == Stage.SUBMITTED
    client.post(_changelist(), {**data, "reason": "Certification hors du champ de votre expérience."})
    vae_request.refresh_from_db()
    assert vae_request.stage == Stage.NOT_ADMISSIBLE
    assert vae_request.history.last().changed_by == staff


def test_admin_document_download_is_for_staff_allowed_to_view(client, person, programme):
    vae_request = submit(person, programme, documents=[("cv", pdf_upload("cv.pdf"))])
    document = vae_request.documents.get()
    url = reverse("admin:enrollment_vaerequest_document", args=[vae_request.pk, document.pk])
    clerk = UserFactory(is_staff=True)
    client.force_login(clerk)
    assert client.get(url).status_code == 403
    clerk.user_permissions.add(Permission.objects.get(codename="view_vaerequest"))
    assert client.get(url).status_code == 403  # the request, not yet its documents
    clerk.user_permissions.add(Permission.objects.get(codename="view_vaedocument"))
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    # A viewer may look but not move: the actions need the change permission.
    changelist = client.get(_changelist()).content.decode()
    assert "advance_to_next_stage" not in changelist


def test_admin_cannot_add_or_delete_requests(client, person, programme, staff):
    vae_request = submit(person, programme)
    client.force_login(staff)
    assert client.get(reverse("admin:enrollment_vaerequest_add")).status_code == 403
    assert client.get(reverse("admin:enrollment_vaerequest_delete", args=[vae_request.pk])).status_code == 403
