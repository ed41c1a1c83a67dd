import datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import Notification
from enrollment.models import Application, ApplicationStatus, ApplicationStatusChange
from enrollment.services import applications
from programs.models import Commune
from tests.factories import (
    ApplicantFactory,
    ApplicantProfileFactory,
    ApplicationFactory,
    SessionFactory,
    StaffUserFactory,
)
from tests.helpers import inline_management, messages_of, pdf_upload, run_action

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:enrollment_application_changelist")


@pytest.fixture
def staff_user():
    return StaffUserFactory()


@pytest.fixture
def admin_client_(client, staff_user):
    client.force_login(staff_user)
    return client


def _count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


# --- List page -----------------------------------------------------------------------------------


def test_application_changelist_runs_a_fixed_number_of_queries(admin_client_):
    def build(count):
        for index in range(count):
            ApplicationFactory(status=ApplicationStatus.SUBMITTED if index % 2 else "acceptee")

    build(5)
    few = _count_queries(admin_client_, CHANGELIST)
    build(45)
    many = _count_queries(admin_client_, CHANGELIST)
    assert Application.objects.count() == 50
    # The user (the session comes from the cache), the list and its one count, each related
    # filter's choices in one query (no second, unfiltered count and no date hierarchy).
    assert few == many == 6, f"{few} queries for 5 applications on 5 sessions, {many} for 50"


def test_changelist_filters_and_searches(admin_client_):
    session = SessionFactory()
    alice = ApplicationFactory(
        session=session, applicant=ApplicantProfileFactory(last_name="Madi", france_travail_id="1234567X").user
    )
    bob = ApplicationFactory(
        session=session,
        status=ApplicationStatus.WAITLISTED,
        applicant=ApplicantProfileFactory(last_name="Soilihi", commune=Commune.SADA).user,
    )

    def listed(**params):
        response = admin_client_.get(CHANGELIST, params)
        assert response.status_code == 200
        return {a.pk for a in response.context["cl"].result_list}

    assert listed(status__exact="liste_attente") == {bob.pk}
    assert listed(q="1234567X") == {alice.pk}
    assert listed(q="soilihi") == {bob.pk}
    assert listed(q=alice.reference) == {alice.pk}
    assert listed(q=bob.applicant.email) == {bob.pk}
    assert listed(applicant__applicant_profile__commune__exact="sada") == {bob.pk}
    assert listed(channel__exact="en_ligne", session__id__exact=session.pk) == {alice.pk, bob.pk}


def test_the_list_s_filters_stay_short_however_many_sessions_the_catalogue_holds(admin_client_):
    """A region's catalogue holds thousands of sessions: the filters list those around today."""
    today = datetime.date.today()
    old = SessionFactory(reference="S-ANCIENNE", start_date=today - datetime.timedelta(days=400))
    ApplicationFactory(session=old)
    for index in range(40):
        SessionFactory(start_date=today + datetime.timedelta(days=index))
    page = admin_client_.get(CHANGELIST)
    filters = {spec.title: list(spec.choices(page.context["cl"])) for spec in page.context["cl"].filter_specs}

    sessions = filters["session (des trois derniers mois et à venir)"]
    assert len(sessions) == 1 + 25  # "Tout", then the 25 soonest from three months ago on
    assert not any("S-ANCIENNE" in str(choice["display"]) for choice in sessions)
    assert len(filters["formation (sessions des trois derniers mois et à venir)"]) == 1 + 25

    # An old session, chosen (from its application's page, or a shared link), shows as chosen.
    chosen = admin_client_.get(CHANGELIST, {"session__id__exact": old.pk})
    assert [a.session for a in chosen.context["cl"].result_list] == [old]
    spec = next(spec for spec in chosen.context["cl"].filter_specs if spec.title.startswith("session"))
    assert [c["display"] for c in spec.choices(chosen.context["cl"]) if c["selected"]] == [str(old)]
    # Any session is found by its reference in the search box.
    found = admin_client_.get(CHANGELIST, {"q": "s-ancienne"})
    assert [a.session for a in found.context["cl"].result_list] == [old]
    # No date hierarchy (it reads every row), and one count: the filtered one.
    assert "date_hierarchy" not in page.content.decode() and page.context["cl"].date_hierarchy is None
    assert not page.context["cl"].show_full_result_count


# --- Detail page ---------------------------------------------------------------------------------


def test_change_page_shows_profile_documents_history_and_notifications(admin_client_, staff_user):
    session = SessionFactory()
    user = ApplicantFactory(
        profile__first_name="Zaïnaba",
        profile__last_name="Attoumani",
        profile__birth_date=datetime.date(1998, 3, 4),
        profile__phone="+262639123456",
        profile__commune=Commune.CHICONI,
        profile__france_travail_id="7654321Y",
    )
    app = applications.application_submit(
        user=user, session=session, motivation="Motivée.", documents=[("cv", pdf_upload())]
    )
    applications.application_accept(application=app, by=staff_user)

    response = admin_client_.get(reverse("admin:enrollment_application_change", args=[app.pk]))

    html = response.content.decode()
    for text in (
        "Profil du candidat",
        "Zaïnaba Attoumani",
        "4 mars 1998",
        "+262639123456",
        "Chiconi",
        "Niveau 4 (baccalauréat)",
        "Demandeur d&#x27;emploi",
        "7654321Y",
        "cv.pdf",
        "Candidature acceptée",  # the email sent, by its French name
    ):
        assert text in html, text
    assert ApplicationStatusChange.objects.filter(application=app, to_status="acceptee").exists()
    assert "Acceptée" in html


def test_documents_are_streamed_only_to_staff_allowed_to_view_applications_and_documents(client, staff_user):
    app = applications.application_submit(
        user=ApplicantFactory(), session=SessionFactory(), motivation="Motivé.", documents=[("cv", pdf_upload())]
    )
    document = app.documents.get()
    url = reverse("admin:enrollment_application_document", args=[app.pk, document.pk])

    response = client.get(url)
    assert response.status_code == 302  # to the admin login

    client.force_login(StaffUserFactory(plain=True))
    assert client.get(url).status_code == 403

    viewer = StaffUserFactory(plain=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_application"))
    client.force_login(viewer)
    assert client.get(url).status_code == 403  # the application, not yet its documents
    viewer.user_permissions.add(Permission.objects.get(codename="view_applicationdocument"))
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"%PDF")

    client.force_login(app.applicant)  # an applicant is not staff: the admin refuses
    assert client.get(url).status_code == 302


# --- Actions -------------------------------------------------------------------------------------


def _status(app):
    app.refresh_from_db()
    return app.status


def test_accept_action_accepts_records_and_notifies(admin_client_, staff_user):
    app = ApplicationFactory(session=SessionFactory(capacity=2))

    response = run_action(admin_client_, CHANGELIST, "accept", [app], follow=True)

    assert _status(app) == ApplicationStatus.ACCEPTED
    assert any(f"Fait pour 1 élément : {app.reference}" in m for m in messages_of(response))
    change = ApplicationStatusChange.objects.get(application=app, to_status="acceptee")
    assert change.changed_by == staff_user
    assert Notification.objects.filter(application=app, template="application_accepted").exists()
    entry = LogEntry.objects.get(object_id=str(app.pk), user=staff_user)
    assert "Accepter" in entry.change_message
    assert "Acceptée" in entry.change_message


def test_bulk_accept_reports_each_outcome_and_keeps_what_was_done(admin_client_):
    session = SessionFactory(capacity=1)
    first = ApplicationFactory(session=session)
    second = ApplicationFactory(session=session)
    closed = ApplicationFactory(session=session, status=ApplicationStatus.REJECTED)

    response = run_action(admin_client_, CHANGELIST, "accept", [first, second, closed], follow=True)

    messages = messages_of(response)
    assert _status(first) == ApplicationStatus.ACCEPTED
    assert _status(second) == ApplicationStatus.SUBMITTED
    assert _status(closed) == ApplicationStatus.REJECTED
    assert any(m.startswith("Fait pour 1 élément :") and first.reference in m for m in messages)
    assert any(m.startswith(f"Refusé — {second.reference}") and "Plus aucune place libre" in m for m in messages)
    assert any(m.startswith(f"Refusé — {closed.reference}") for m in messages)
    # Only what was done leaves an audit line.
    assert LogEntry.objects.filter(object_id__in=[str(second.pk), str(closed.pk)]).count() == 0
    assert LogEntry.objects.filter(object_id=str(first.pk)).count() == 1


def test_waitlist_action(admin_client_):
    app = ApplicationFactory()
    run_action(admin_client_, CHANGELIST, "waitlist", [app])
    assert _status(app) == ApplicationStatus.WAITLISTED
    assert LogEntry.objects.filter(object_id=str(app.pk), change_message__contains="liste d'attente").exists()


def test_enroll_action_enrolls_and_requests_the_certificate(admin_client_):
    app = ApplicationFactory(status=ApplicationStatus.ACCEPTED)
    run_action(admin_client_, CHANGELIST, "enroll", [app])
    assert _status(app) == ApplicationStatus.ENROLLED
    assert hasattr(app, "certificate")


def test_reject_asks_for_a_reason_and_refuses_without_one(admin_client_, staff_user):
    app = ApplicationFactory()

    page = run_action(admin_client_, CHANGELIST, "reject", [app])
    assert page.status_code == 200
    assert "Motif (communiqué à la personne)" in page.content.decode()
    assert _status(app) == ApplicationStatus.SUBMITTED

    empty = run_action(admin_client_, CHANGELIST, "reject", [app], apply="1", reason="  ")
    assert "Le motif est obligatoire." in empty.content.decode()
    assert _status(app) == ApplicationStatus.SUBMITTED

    run_action(admin_client_, CHANGELIST, "reject", [app], apply="1", reason="Prérequis non atteints.")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.REJECTED
    assert app.rejection_reason == "Prérequis non atteints."
    assert ApplicationStatusChange.objects.get(application=app, to_status="refusee").reason == "Prérequis non atteints."
    entry = LogEntry.objects.get(object_id=str(app.pk))
    assert entry.user == staff_user
    assert "Prérequis non atteints." in entry.change_message


def test_cancel_action_with_reason_frees_the_seat_for_the_waiting_list(admin_client_):
    session = SessionFactory(capacity=1)
    holder = ApplicationFactory(session=session, status=ApplicationStatus.ENROLLED)
    waiting = ApplicationFactory(session=session, status=ApplicationStatus.WAITLISTED)

    run_action(admin_client_, CHANGELIST, "cancel", [holder], apply="1", reason="Session reportée pour vous.")

    assert _status(holder) == ApplicationStatus.CANCELLED
    assert _status(waiting) == ApplicationStatus.OFFERED


def test_offer_next_offers_free_seats_in_order(admin_client_):
    session = SessionFactory(capacity=2)
    ApplicationFactory(session=session, status=ApplicationStatus.ACCEPTED)
    now = datetime.datetime.now(datetime.UTC)
    first = ApplicationFactory(session=session, status=ApplicationStatus.WAITLISTED, waitlisted_at=now)
    second = ApplicationFactory(
        session=session, status=ApplicationStatus.WAITLISTED, waitlisted_at=now + datetime.timedelta(minutes=1)
    )

    response = run_action(admin_client_, CHANGELIST, "offer_next", [second], follow=True)

    assert _status(first) == ApplicationStatus.OFFERED
    assert _status(second) == ApplicationStatus.WAITLISTED
    assert any(first.reference in m for m in messages_of(response))
    assert LogEntry.objects.filter(object_id=str(first.pk), change_message__contains="place proposée").exists()

    again = run_action(admin_client_, CHANGELIST, "offer_next", [second], follow=True)
    assert any("Aucune place libre" in m for m in messages_of(again))


def test_staff_without_change_permission_get_no_decision_action(client):
    viewer = StaffUserFactory(plain=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_application"))
    client.force_login(viewer)
    app = ApplicationFactory()

    page = client.get(CHANGELIST)
    assert 'value="accept"' not in page.content.decode()
    run_action(client, CHANGELIST, "accept", [app])
    assert _status(app) == ApplicationStatus.SUBMITTED


def test_a_manager_cannot_move_an_application_to_another_person_or_session(client):
    from cnam_portal.roles import GESTIONNAIRE

    manager = StaffUserFactory(role=GESTIONNAIRE)
    application = applications.application_submit(
        user=ApplicantFactory(), session=SessionFactory(), motivation="Motivée.", documents=[("cv", pdf_upload())]
    )
    other_person, other_session = ApplicantFactory(), SessionFactory()
    client.force_login(manager)
    url = reverse("admin:enrollment_application_change", args=[application.pk])
    page = client.get(url)
    assert page.status_code == 200
    for field in ("applicant", "session", "channel", "convention", "enrolled_by", "status"):
        assert f'name="{field}"' not in page.content.decode(), field

    client.post(
        url,
        {
            "applicant": other_person.pk,
            "session": other_session.pk,
            "channel": Application.Channel.PARTNER,
            "status": ApplicationStatus.ENROLLED,
            "motivation": "Motivée.",
            "entry_route": application.entry_route,
            **inline_management(page),
        },
    )

    application.refresh_from_db()
    assert application.applicant_id != other_person.pk
    assert application.session_id != other_session.pk
    assert application.channel == Application.Channel.ONLINE
    assert application.status == ApplicationStatus.SUBMITTED
    # The other person cannot reach the first one's documents.
    client.force_login(other_person)
    document = application.documents.get()
    download = reverse("enrollment:document", args=[application.reference, document.pk])
    assert client.get(download).status_code == 404


@pytest.mark.parametrize(
    ("params", "index"),
    [({}, "application_newest"), ({"status__exact": "recue"}, "application_status_newest")],
)
def test_the_list_s_default_order_and_its_status_filter_read_an_index_not_the_table(admin_client_, params, index):
    """At 200,000 applications a page of the list reads 100 index entries instead of sorting every row."""
    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    ApplicationFactory.create_batch(3)
    response = admin_client_.get(CHANGELIST, params)
    ordering = response.context["cl"].result_list.query.order_by
    assert list(ordering) == ["-submitted_at", "-pk"]
    # The list's own order and filter, without the joined columns (tiny tables mislead the join plan).
    page = Application.objects.filter(**params).order_by(*ordering)[:100]
    sql, sql_params = page.query.sql_with_params()
    with connection.cursor() as cursor:
        # On a few rows the planner would rightly scan and sort: ask whether an index serves the order.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", sql_params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan, plan
    assert "Sort" not in plan.split(index)[0], plan  # no sort of the whole table above the index scan
