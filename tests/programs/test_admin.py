import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from cnam_portal.roles import DIRECTION
from enrollment.models import ApplicationStatus, EnrollmentCertificate
from enrollment.services import certificates
from partners.models import Convention
from programs.models import FundingRoute, Session
from tests.factories import (
    ApplicationFactory,
    ConventionFactory,
    PartnerFactory,
    ProgrammeFactory,
    SeatAllocationFactory,
    SessionFactory,
    StaffUserFactory,
)
from tests.helpers import inline_management, messages_of, run_action

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:programs_session_changelist")


@pytest.fixture
def admin_client_(client):
    client.force_login(StaffUserFactory())
    return client


def _sessions_with_activity(count):
    programme = ProgrammeFactory()
    partner = PartnerFactory()
    convention = ConventionFactory(partner=partner, state=Convention.State.SIGNED)
    for index in range(count):
        session = SessionFactory(programme=programme if index % 2 else ProgrammeFactory(), capacity=10)
        ApplicationFactory(session=session, status=ApplicationStatus.ACCEPTED)
        ApplicationFactory(session=session, status=ApplicationStatus.WAITLISTED)
        if index % 3 == 0:
            SeatAllocationFactory(convention=convention, session=session, seats=2)


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_session_changelist_runs_a_fixed_number_of_queries(admin_client_):
    _sessions_with_activity(5)
    few = _count_queries(admin_client_, CHANGELIST)
    _sessions_with_activity(45)
    many = _count_queries(admin_client_, CHANGELIST)
    assert Session.objects.count() == 50
    # The user (the session comes from the cache), the list and its count, the filters' choices,
    # the seat figures in the same query.
    assert few == many == 8, f"{few} queries for 5 sessions, {many} for 50"


def test_session_changelist_shows_the_seat_figures(admin_client_):
    session = SessionFactory(reference="S-2027-SEATS", capacity=10)
    for _ in range(3):
        ApplicationFactory(session=session, status=ApplicationStatus.ACCEPTED)
    ApplicationFactory(session=session, status=ApplicationStatus.WAITLISTED)
    ApplicationFactory(session=session, status=ApplicationStatus.WAITLISTED)
    SeatAllocationFactory(convention=ConventionFactory(state=Convention.State.SIGNED), session=session, seats=4)

    response = admin_client_.get(CHANGELIST, {"q": "S-2027-SEATS"})

    row = next(r for r in response.context["cl"].result_list if r.pk == session.pk)
    assert (row.capacity, row.seats_taken, row.seats_reserved, row.seats_free, row.waitlist_length) == (10, 3, 4, 3, 2)
    html = response.content.decode().lower()
    for header in ("prises", "réservées", "libres", "liste d&#x27;attente"):
        assert header in html


def test_programme_page_lists_its_sessions_inline(admin_client_):
    session = SessionFactory(reference="S-2027-INLINE")
    response = admin_client_.get(reverse("admin:programs_programme_change", args=[session.programme_id]))
    assert response.status_code == 200
    assert "S-2027-INLINE" in response.content.decode()


def test_duplicate_plans_the_next_run_52_weeks_later_as_a_draft(admin_client_):
    partner = PartnerFactory()
    original = SessionFactory(
        reference="S-2026-BTP",
        start_date=datetime.date(2026, 9, 1),
        end_date=datetime.date(2027, 6, 30),
        capacity=18,
        hours=450,
        schedule="Mardi et jeudi soir",
        rhythm=Session.Rhythm.WORK_STUDY,
        reserved_for=partner,
        state=Session.State.SCHEDULED,
        notes="Interne",
    )

    response = run_action(admin_client_, CHANGELIST, "duplicate_for_next_run", [original], follow=True)

    copy = Session.objects.get(reference="S-2026-BTP-02")
    assert copy.state == Session.State.DRAFT
    assert (copy.programme_id, copy.site_id, copy.reserved_for_id) == (
        original.programme_id,
        original.site_id,
        partner.pk,
    )
    assert (copy.capacity, copy.hours, copy.schedule, copy.rhythm) == (18, 450, "Mardi et jeudi soir", "alternance")
    assert copy.start_date == datetime.date(2027, 8, 31)  # 364 days later: a Tuesday again
    assert copy.start_date.weekday() == original.start_date.weekday()
    assert copy.end_date - copy.start_date == original.end_date - original.start_date
    assert copy.applications_open_at - original.applications_open_at == datetime.timedelta(weeks=52)
    assert copy.applications_close_at - original.applications_close_at == datetime.timedelta(weeks=52)
    assert copy.notes == ""
    assert any("Fait pour 1 élément :" in m for m in messages_of(response))
    # Both sessions keep the trail of who duplicated what.
    assert LogEntry.objects.filter(object_id=str(original.pk), change_message__contains="S-2026-BTP-02").exists()
    assert LogEntry.objects.filter(object_id=str(copy.pk), change_message__contains="S-2026-BTP").exists()


def test_duplicates_take_the_next_free_number(admin_client_):
    original = SessionFactory(reference="S-2026-CCA")
    run_action(admin_client_, CHANGELIST, "duplicate_for_next_run", [original])
    second = Session.objects.get(reference="S-2026-CCA-02")
    run_action(admin_client_, CHANGELIST, "duplicate_for_next_run", [original, second])
    assert set(Session.objects.filter(reference__startswith="S-2026-CCA").values_list("reference", flat=True)) == {
        "S-2026-CCA",
        "S-2026-CCA-02",
        "S-2026-CCA-03",
        "S-2026-CCA-04",
    }


def test_duplicate_reports_each_refusal_and_still_copies_the_others(admin_client_):
    fine = SessionFactory(reference="S-2026-OK")
    too_long = SessionFactory(reference="X" * 40)

    response = run_action(admin_client_, CHANGELIST, "duplicate_for_next_run", [fine, too_long], follow=True)

    messages = messages_of(response)
    assert Session.objects.filter(reference="S-2026-OK-02").exists()
    assert Session.objects.count() == 3
    assert any(m.startswith("Refusé — ") and "dépasserait 40 caractères" in m for m in messages)
    assert any("Fait pour 1 élément :" in m for m in messages)


def test_duplicate_needs_the_add_permission(client):

    user = StaffUserFactory(plain=True)
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="view_session", content_type__app_label="programs"))
    client.force_login(user)
    session = SessionFactory(reference="S-2026-RO")

    response = client.get(CHANGELIST)
    assert "duplicate_for_next_run" not in response.content.decode()
    run_action(client, CHANGELIST, "duplicate_for_next_run", [session])
    assert Session.objects.count() == 1


# --- Programme: price, funding, duration and response time --------------------------------------


def programme_change_data(response, **overrides) -> dict:
    """The change form as a browser would send it back untouched, then ``overrides``."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        if isinstance(value, list | tuple):
            data[name] = [getattr(item, "pk", item) for item in value]
            continue
        data[name] = "" if value is None else getattr(value, "pk", value)
    data.update(inline_management(response))
    data.update(overrides)
    return data


def test_staff_set_price_funding_duration_and_response_time_on_a_programme(admin_client_):
    programme = ProgrammeFactory(title="Gestion de la paie")
    url = reverse("admin:programs_programme_change", args=[programme.pk])
    page = admin_client_.get(url)
    html = page.content.decode()
    for route in FundingRoute:
        assert f'name="funding_routes" value="{route.value}"' in html
        assert str(route.label) in html
    assert "Coût, financement et délai de réponse" in html
    assert "0 : gratuit (affiché « Gratuit »)" in html

    response = admin_client_.post(
        url,
        programme_change_data(
            page,
            price_eur="1250.50",
            price_note="Pris en charge pour les demandeurs d'emploi.",
            funding_routes=["opco", "cpf"],
            duration_months="6",
            response_days="21",
        ),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    programme.refresh_from_db()
    assert programme.price_eur == Decimal("1250.50")
    assert programme.price_note == "Pris en charge pour les demandeurs d'emploi."
    assert programme.funding_routes == ["opco", "cpf"]
    assert (programme.duration_months, programme.response_days) == (6, 21)
    assert programme.title == "Gestion de la paie"


def test_refused_values_keep_the_programme_unchanged_and_say_why_in_french(admin_client_):
    programme = ProgrammeFactory(price_eur=Decimal("900"), response_days=15, funding_routes=["cpf"])
    url = reverse("admin:programs_programme_change", args=[programme.pk])
    page = admin_client_.get(url)

    response = admin_client_.post(
        url,
        programme_change_data(
            page,
            title="Titre modifié",
            price_eur="-10",
            funding_routes=["cpf", "pole_emploi"],
            response_days="0",
            duration_months="61",
        ),
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["price_eur"] == ["Le prix ne peut pas être négatif : indiquez 0 si la formation est gratuite."]
    assert errors["response_days"] == ["Le délai de réponse est d'au moins 1 jour."]
    assert errors["duration_months"] == ["Indiquez une durée de 60 mois au plus."]
    assert "pole_emploi" in errors["funding_routes"][0] and "choix valide" in errors["funding_routes"][0]
    programme.refresh_from_db()
    assert programme.title != "Titre modifié"
    assert (programme.price_eur, programme.response_days, programme.funding_routes) == (Decimal("900"), 15, ["cpf"])


def test_programme_list_shows_the_price(admin_client_):
    ProgrammeFactory(title="Gratuite", price_eur=Decimal("0"))
    ProgrammeFactory(title="Payante", price_eur=Decimal("1250"))
    ProgrammeFactory(title="Sans tarif", price_eur=None)

    html = admin_client_.get(reverse("admin:programs_programme_changelist")).content.decode()

    assert "Gratuit" in html
    assert "1\u202f250\u00a0€" in html
    assert "Tarif sur demande" in html


def test_read_only_staff_see_the_funding_routes_by_name(client):
    client.force_login(StaffUserFactory(role=DIRECTION))
    programme = ProgrammeFactory(funding_routes=["opco", "cpf"], price_eur=Decimal("0"))

    html = client.get(reverse("admin:programs_programme_change", args=[programme.pk])).content.decode()

    assert "Compte personnel de formation (CPF), OPCO (opérateur de compétences)" in html
    assert "[&quot;opco&quot;" not in html and '["opco"' not in html
    assert 'name="funding_routes"' not in html


# --- Session: an edit goes through the service (seats, waiting list, certificates) --------------


def session_change_data(response, **overrides) -> dict:
    """The session change form as a browser sends it back untouched (dates split), then ``overrides``."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form.initial.get(name)
        if isinstance(value, datetime.datetime):
            local = timezone.localtime(value)
            data[f"{name}_0"], data[f"{name}_1"] = local.date().isoformat(), local.time().isoformat()
            continue
        data[name] = "" if value is None else getattr(value, "pk", value)
    data.update(overrides)
    return data


def _session_url(session):
    return reverse("admin:programs_session_change", args=[session.pk])


def test_lowering_the_capacity_below_the_seats_given_is_refused_at_the_field(admin_client_):
    session = SessionFactory(reference="S-2027-ADM", capacity=10)
    for _ in range(4):
        ApplicationFactory(session=session, status=ApplicationStatus.ACCEPTED)
    SeatAllocationFactory(convention=ConventionFactory(state=Convention.State.SIGNED), session=session, seats=3)
    page = admin_client_.get(_session_url(session))

    response = admin_client_.post(_session_url(session), session_change_data(page, capacity="5", notes="Modifié"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["capacity"] == [
        "La session S-2027-ADM ne peut pas passer à 5 places : 4 places sont attribuées et 3 réservées "
        "aux partenaires par convention. Indiquez au moins 7 places."
    ]
    session.refresh_from_db()
    assert (session.capacity, session.notes) == (10, "")


def test_raising_the_capacity_offers_the_new_seats_to_the_waiting_list(admin_client_):
    session = SessionFactory(capacity=1)
    ApplicationFactory(session=session, status=ApplicationStatus.ACCEPTED)
    waiting = ApplicationFactory(session=session, status=ApplicationStatus.WAITLISTED)
    page = admin_client_.get(_session_url(session))

    response = admin_client_.post(_session_url(session), session_change_data(page, capacity="2"), follow=True)

    waiting.refresh_from_db()
    assert waiting.status == ApplicationStatus.OFFERED
    assert "1 place proposée à la première personne de la liste d'attente." in messages_of(response)


def test_new_dates_re_render_the_certificate_of_an_enrolled_person(admin_client_, django_capture_on_commit_callbacks):
    session = SessionFactory(start_date=datetime.date(2027, 2, 1), end_date=datetime.date(2027, 6, 30))
    enrolled = ApplicationFactory(session=session, status=ApplicationStatus.ENROLLED)
    with django_capture_on_commit_callbacks(execute=True):
        certificates.certificate_request(application=enrolled)
    page = admin_client_.get(_session_url(session))

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_.post(
            _session_url(session), session_change_data(page, start_date="2027-03-01", end_date="2027-07-15")
        )

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    certificate = EnrollmentCertificate.objects.get(application=enrolled)
    with certificate.file.open("rb") as handle:
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)
    assert "du 1er mars 2027 au 15 juillet 2027" in text


def test_capacity_edited_from_the_programme_page_follows_the_same_rule(admin_client_):
    session = SessionFactory(reference="S-2027-INL", capacity=3)
    for _ in range(2):
        ApplicationFactory(session=session, status=ApplicationStatus.ACCEPTED)
    waiting = ApplicationFactory(session=session, status=ApplicationStatus.WAITLISTED)
    url = reverse("admin:programs_programme_change", args=[session.programme_id])
    page = admin_client_.get(url)
    prefix = page.context["inline_admin_formsets"][0].formset.prefix

    refused = admin_client_.post(url, programme_change_data(page, **{f"{prefix}-0-capacity": "1"}))
    assert refused.status_code == 200
    assert "ne peut pas passer à 1 place : 2 places sont attribuées" in refused.content.decode()
    assert Session.objects.get(pk=session.pk).capacity == 3

    raised = admin_client_.post(url, programme_change_data(page, **{f"{prefix}-0-capacity": "4"}))
    assert raised.status_code == 302
    assert Session.objects.get(pk=session.pk).capacity == 4
    waiting.refresh_from_db()
    assert waiting.status == ApplicationStatus.OFFERED
