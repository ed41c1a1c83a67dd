import datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from partners.models import Convention, ConventionDocument, SeatAllocation, Signatory
from tests.factories import (
    ConventionFactory,
    PartnerFactory,
    SessionFactory,
    SignatoryFactory,
    StaffUserFactory,
)
from tests.helpers import inline_management, messages_of, run_action

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:partners_convention_changelist")
ADD = reverse("admin:partners_convention_add")


@pytest.fixture
def staff_user():
    return StaffUserFactory()


@pytest.fixture
def admin_client_(client, staff_user):
    client.force_login(staff_user)
    return client


def _convention_form(partner, **fields):
    return {
        "partner": partner.pk,
        "title": "Convention de formation des agents communaux",
        "preamble": "",
        "start_date": "2026-01-01",
        "end_date": "2027-12-31",
        "financial_terms": "",
        "amount": "",
        **fields,
    }


def test_adding_a_convention_numbers_it_by_its_start_year(admin_client_):
    partner = PartnerFactory()
    ConventionFactory(reference="CONV-2026-004")
    page = admin_client_.get(ADD)

    response = admin_client_.post(ADD, {**_convention_form(partner), **inline_management(page)})

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    created = Convention.objects.get(partner=partner)
    assert created.reference == "CONV-2026-005"
    assert created.state == Convention.State.DRAFT


def test_an_allocation_beyond_free_seats_is_refused_in_french_and_nothing_is_written(admin_client_):
    convention = ConventionFactory(state=Convention.State.DRAFT, signed_on=None, title="Titre d'origine")
    session = SessionFactory(capacity=3, start_date=datetime.date(2026, 9, 1), end_date=datetime.date(2027, 6, 1))
    url = reverse("admin:partners_convention_change", args=[convention.pk])
    page = admin_client_.get(url)
    prefix = "allocations"
    data = {
        **_convention_form(convention.partner, title="Titre modifié"),
        **inline_management(
            page,
            {f"{prefix}-TOTAL_FORMS": 1, f"{prefix}-0-session": session.pk, f"{prefix}-0-seats": 5},
        ),
    }

    response = admin_client_.post(url, data)

    assert response.status_code == 200
    html = response.content.decode()
    assert f"La session {session.reference} n&#x27;a que 3 places libres pour cette convention" in html
    assert "impossible d&#x27;en réserver 5" in html
    convention.refresh_from_db()
    assert convention.title == "Titre d'origine"
    assert not SeatAllocation.objects.exists()


def test_an_allocation_within_free_seats_is_saved_with_used_and_left(admin_client_):
    convention = ConventionFactory(state=Convention.State.DRAFT, signed_on=None)
    session = SessionFactory(capacity=10, start_date=datetime.date(2026, 9, 1), end_date=datetime.date(2027, 6, 1))
    url = reverse("admin:partners_convention_change", args=[convention.pk])
    page = admin_client_.get(url)
    data = {
        **_convention_form(convention.partner),
        **inline_management(
            page, {"allocations-TOTAL_FORMS": 1, "allocations-0-session": session.pk, "allocations-0-seats": 4}
        ),
    }

    assert admin_client_.post(url, data).status_code == 302
    assert SeatAllocation.objects.get(convention=convention).seats == 4
    html = admin_client_.get(url).content.decode()
    assert "utilisées" in html.lower()
    assert "restantes" in html.lower()


def _ready_to_sign():
    convention = ConventionFactory(state=Convention.State.TO_SIGN, signed_on=None)
    SignatoryFactory(convention=convention, party=Signatory.Party.CNAM)
    SignatoryFactory(convention=convention, party=Signatory.Party.PARTNER, full_name="Maire", title="Maire")
    return convention


def test_record_signature_moves_the_convention_to_signed(admin_client_, staff_user):
    convention = _ready_to_sign()
    page = run_action(admin_client_, CHANGELIST, "record_signature", [convention])
    assert "Date de signature" in page.content.decode()

    signed_on = timezone.localdate() - datetime.timedelta(days=1)
    response = run_action(
        admin_client_,
        CHANGELIST,
        "record_signature",
        [convention],
        apply="1",
        signed_on=signed_on.isoformat(),
        follow=True,
    )

    convention.refresh_from_db()
    assert convention.state == Convention.State.SIGNED
    assert convention.signed_on == signed_on
    assert any("Fait pour 1 élément :" in m for m in messages_of(response))
    assert LogEntry.objects.filter(
        object_id=str(convention.pk), user=staff_user, change_message__contains="Signée"
    ).exists()


def test_record_signature_requests_the_signed_pdf_in_the_same_step(admin_client_, staff_user):
    convention = _ready_to_sign()
    signed_on = timezone.localdate() - datetime.timedelta(days=1)

    run_action(admin_client_, CHANGELIST, "record_signature", [convention], apply="1", signed_on=signed_on.isoformat())

    document = ConventionDocument.objects.get(convention=convention)
    assert document.state == ConventionDocument.State.PENDING
    # Who asked for the signed version is kept, like the signature itself.
    assert LogEntry.objects.filter(
        object_id=str(convention.pk), user=staff_user, change_message=f"PDF demandé (version {document.version})."
    ).exists()


def test_record_signature_refuses_a_future_date_and_a_draft(admin_client_):
    convention = _ready_to_sign()
    draft = ConventionFactory(state=Convention.State.DRAFT, signed_on=None)
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()

    page = run_action(admin_client_, CHANGELIST, "record_signature", [convention], apply="1", signed_on=future)
    assert "La date de signature ne peut pas être dans le futur." in page.content.decode()
    convention.refresh_from_db()
    assert convention.state == Convention.State.TO_SIGN

    today = timezone.localdate().isoformat()
    response = run_action(
        admin_client_, CHANGELIST, "record_signature", [draft], apply="1", signed_on=today, follow=True
    )
    assert any(m.startswith(f"Refusé — {draft}") for m in messages_of(response))
    draft.refresh_from_db()
    assert draft.state == Convention.State.DRAFT


def test_generate_pdf_creates_a_version_downloadable_by_staff_allowed_to_view(
    admin_client_, client, staff_user, django_capture_on_commit_callbacks
):
    convention = _ready_to_sign()

    with django_capture_on_commit_callbacks(execute=True):
        run_action(admin_client_, CHANGELIST, "generate_pdf", [convention])

    document = ConventionDocument.objects.get(convention=convention)
    assert document.version == 1
    assert document.state == ConventionDocument.State.READY  # rendered in-process in tests
    assert LogEntry.objects.filter(object_id=str(convention.pk), change_message__contains="version 1").exists()
    change_page = admin_client_.get(reverse("admin:partners_convention_change", args=[convention.pk]))
    download = reverse("admin:partners_conventiondocument_download", args=[document.pk])
    assert download in change_page.content.decode()

    response = admin_client_.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")

    # Same content again: no new version, and the trail says so.
    run_action(admin_client_, CHANGELIST, "generate_pdf", [convention])
    assert ConventionDocument.objects.filter(convention=convention).count() == 1
    assert LogEntry.objects.filter(object_id=str(convention.pk), change_message__contains="déjà à jour").exists()

    viewer = StaffUserFactory(plain=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_conventiondocument"))
    client.force_login(viewer)
    assert client.get(download).status_code == 200
    client.force_login(StaffUserFactory(plain=True))
    assert client.get(download).status_code == 403


def test_convention_page_shows_its_history_in_one_query(admin_client_, staff_user):
    convention = _ready_to_sign()
    for day in range(1, 4):
        LogEntry.objects.log_actions(staff_user.pk, [convention], 2, change_message=f"Étape {day}", single_object=True)
    url = reverse("admin:partners_convention_change", args=[convention.pk])

    with CaptureQueriesContext(connection) as queries:
        html = admin_client_.get(url).content.decode()

    assert "Historique" in html
    for day in range(1, 4):
        assert f"Étape {day}" in html
    assert staff_user.username in html
    log_queries = [q for q in queries.captured_queries if "django_admin_log" in q["sql"]]
    assert len(log_queries) == 1
