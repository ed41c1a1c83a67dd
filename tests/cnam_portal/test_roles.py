import datetime
import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from cnam_portal.roles import CHARGE_PARTENARIATS, DIRECTION, GESTIONNAIRE, ROLES, sync_roles, sync_roles_migration
from enrollment.models import ApplicationStatus
from partners.models import Convention, SeatAllocation
from tests.factories import (
    ApplicationFactory,
    ConventionFactory,
    PartnerFactory,
    ProgrammeFactory,
    SessionFactory,
    StaffUserFactory,
)
from tests.helpers import inline_management, run_action

pytestmark = pytest.mark.django_db

APPLICATIONS = reverse("admin:enrollment_application_changelist")


def _group_perms(name):
    return {
        f"{app}.{codename}"
        for app, codename in Group.objects.get(name=name).permissions.values_list("content_type__app_label", "codename")
    }


# --- The groups ----------------------------------------------------------------------------------


def test_the_data_migration_creates_each_group_with_exactly_its_permissions():
    Group.objects.filter(name__in=ROLES).delete()
    historical = MigrationExecutor(connection).loader.project_state(("cnam_portal", "0006_attendance_roles")).apps

    sync_roles_migration(historical, None)

    for name, perms in ROLES.items():
        assert _group_perms(name) == set(perms), name


def test_sync_roles_puts_a_drifted_group_back_to_its_definition():
    sync_roles()
    group = Group.objects.get(name=DIRECTION)
    group.permissions.add(Permission.objects.get(codename="change_convention"))
    Group.objects.get(name=GESTIONNAIRE).permissions.clear()

    out = io.StringIO()
    call_command("sync_roles", stdout=out)

    assert _group_perms(DIRECTION) == set(ROLES[DIRECTION])
    assert _group_perms(GESTIONNAIRE) == set(ROLES[GESTIONNAIRE])
    assert "Direction" in out.getvalue()


def test_an_unknown_permission_is_an_error_not_a_silent_gap():
    with pytest.raises(ImproperlyConfigured, match=r"partners\.sign_convention"):
        sync_roles(roles={"Essai": ["partners.sign_convention"]})


def test_roles_grant_the_expected_rights_and_nothing_more():
    gestionnaire, charge, direction = set(ROLES[GESTIONNAIRE]), set(ROLES[CHARGE_PARTENARIATS]), set(ROLES[DIRECTION])
    assert {"enrollment.change_application", "programs.add_session", "enrollment.change_vaerequest"} <= gestionnaire
    assert not {"enrollment.add_application", "enrollment.delete_application", "partners.change_convention"} & (
        gestionnaire
    )
    assert {"partners.add_convention", "partners.add_seatallocation", "partners.change_callforprojects"} <= charge
    assert not {"enrollment.change_application", "programs.change_session", "partners.add_conventiondocument"} & (
        charge
    )
    assert all(perm.split(".")[1].startswith("view_") for perm in direction)
    assert {"enrollment.view_application", "partners.view_convention", "enrollment.view_vaerequest"} <= direction


# --- Gestionnaire formations ---------------------------------------------------------------------


def test_gestionnaire_runs_the_catalogue_and_decides_applications(client):
    client.force_login(StaffUserFactory(role=GESTIONNAIRE))
    app = ApplicationFactory()

    for name in ("enrollment_application", "programs_session", "programs_programme", "partners_convention"):
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200, name
    assert client.get(reverse("admin:enrollment_application_change", args=[app.pk])).status_code == 200
    assert client.get(reverse("admin:programs_session_add")).status_code == 200

    run_action(client, APPLICATIONS, "accept", [app])
    app.refresh_from_db()
    assert app.status == ApplicationStatus.ACCEPTED


def test_gestionnaire_cannot_change_conventions_or_partners(client):
    client.force_login(StaffUserFactory(role=GESTIONNAIRE))
    convention = ConventionFactory(state=Convention.State.DRAFT, signed_on=None, title="Inchangée")
    url = reverse("admin:partners_convention_change", args=[convention.pk])

    page = client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()  # read-only
    assert client.post(url, {"title": "Modifiée"}).status_code == 403
    assert client.get(reverse("admin:partners_convention_add")).status_code == 403
    assert client.get(reverse("admin:partners_partner_add")).status_code == 403
    assert client.get(reverse("admin:partners_callforprojects_changelist")).status_code == 403
    run_action(client, reverse("admin:partners_convention_changelist"), "to_sign", [convention])
    convention.refresh_from_db()
    assert (convention.title, convention.state) == ("Inchangée", Convention.State.DRAFT)


# --- Chargé de partenariats ----------------------------------------------------------------------


def test_charge_creates_a_convention_and_an_allocation(client):
    client.force_login(StaffUserFactory(role=CHARGE_PARTENARIATS))
    partner = PartnerFactory()
    add = reverse("admin:partners_convention_add")
    page = client.get(add)
    data = {
        "partner": partner.pk,
        "title": "Convention cadre",
        "start_date": "2026-01-01",
        "end_date": "2027-12-31",
        **inline_management(page),
    }

    assert client.post(add, data).status_code == 302
    convention = Convention.objects.get(partner=partner)
    assert convention.reference.startswith("CONV-2026-")

    session = SessionFactory(capacity=10, start_date=datetime.date(2026, 9, 1), end_date=datetime.date(2027, 6, 1))
    response = client.post(
        reverse("admin:partners_seatallocation_add"),
        {"convention": convention.pk, "session": session.pk, "seats": 3},
    )
    assert response.status_code == 302
    assert SeatAllocation.objects.get(convention=convention, session=session).seats == 3
    for name in ("partners_partner", "partners_callforprojects", "programs_session", "enrollment_application"):
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200, name


def test_charge_cannot_decide_applications_or_change_the_catalogue(client):
    client.force_login(StaffUserFactory(role=CHARGE_PARTENARIATS))
    app = ApplicationFactory()

    page = client.get(APPLICATIONS)
    assert 'value="accept"' not in page.content.decode()
    run_action(client, APPLICATIONS, "accept", [app])
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SUBMITTED
    assert client.post(reverse("admin:enrollment_application_change", args=[app.pk]), {}).status_code == 403
    assert client.get(reverse("admin:programs_session_add")).status_code == 403
    programme = ProgrammeFactory()
    assert client.post(reverse("admin:programs_programme_change", args=[programme.pk]), {}).status_code == 403


# --- Direction -----------------------------------------------------------------------------------


def test_direction_reads_everything(client):
    client.force_login(StaffUserFactory(role=DIRECTION))
    app = ApplicationFactory()
    for name in (
        "enrollment_application",
        "enrollment_vaerequest",
        "programs_session",
        "programs_programme",
        "partners_convention",
        "partners_partner",
        "partners_callforprojects",
        "partners_seatallocation",
    ):
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200, name
    page = client.get(reverse("admin:enrollment_application_change", args=[app.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()


def test_direction_opens_the_reports(client):
    client.force_login(StaffUserFactory(role=DIRECTION))
    url = reverse("admin_report")
    assert url == "/admin/rapports/"
    assert client.get(url).status_code == 200


def test_direction_changes_nothing(client):
    client.force_login(StaffUserFactory(role=DIRECTION))
    app = ApplicationFactory()
    convention = ConventionFactory(state=Convention.State.DRAFT, signed_on=None)

    page = client.get(APPLICATIONS).content.decode()
    for action in ("accept", "reject", "enroll", "cancel", "waitlist", "offer_next", "delete_selected"):
        assert f'value="{action}"' not in page
    run_action(client, APPLICATIONS, "accept", [app])
    run_action(client, reverse("admin:partners_convention_changelist"), "to_sign", [convention])
    app.refresh_from_db()
    convention.refresh_from_db()
    assert app.status == ApplicationStatus.SUBMITTED
    assert convention.state == Convention.State.DRAFT
    assert client.post(reverse("admin:enrollment_application_change", args=[app.pk]), {}).status_code == 403
    assert client.post(reverse("admin:partners_convention_change", args=[convention.pk]), {}).status_code == 403
    assert client.get(reverse("admin:programs_session_add")).status_code == 403
    assert client.get(reverse("admin:partners_convention_add")).status_code == 403


def test_gestionnaire_edits_the_centre_information_and_direction_only_reads_it(client):
    from centre.models import Centre

    centre = Centre.objects.get()
    change = reverse("admin:centre_centre_change", args=[centre.pk])
    client.force_login(StaffUserFactory(role=GESTIONNAIRE))
    page = client.get(change)
    assert page.status_code == 200 and 'name="_save"' in page.content.decode()
    client.force_login(StaffUserFactory(role=DIRECTION))
    page = client.get(change)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    client.force_login(StaffUserFactory(role=CHARGE_PARTENARIATS))
    assert client.get(change).status_code == 403
