"""A training manager (a group member, not a superuser) decides an application in the back office,
and the applicant sees the decision in their space."""

import re

import pytest
from playwright.sync_api import expect

from cnam_portal.roles import GESTIONNAIRE, sync_roles
from enrollment.models import ApplicationStatus
from tests.browser.conftest import DESKTOP
from tests.factories import ApplicantProfileFactory, SessionFactory, UserFactory
from tests.factories import ApplicationFactory as application

pytestmark = pytest.mark.django_db(transaction=True)

STAFF_PASSWORD = "Gestion-Formations-976"
APPLICANT_PASSWORD = "Mon-Avenir-A-Mayotte-2026"


@pytest.fixture
def scene():
    # A transactional test starts from emptied tables: put the roles back as the migration made them.
    sync_roles()
    from django.contrib.auth.models import Group

    manager = UserFactory(username="gestionnaire", is_staff=True, password=STAFF_PASSWORD)
    manager.groups.add(Group.objects.get(name=GESTIONNAIRE))
    session = SessionFactory(reference="2027-COMPTA-MAM-01", capacity=5)
    candidate = ApplicantProfileFactory(
        first_name="Anfane", last_name="Boina", user=UserFactory(email="anfane@example.yt", password=APPLICANT_PASSWORD)
    ).user
    chosen = application(session=session, applicant=candidate)
    other = application(session=session, status=ApplicationStatus.WAITLISTED)
    return {"chosen": chosen, "other": other}


def test_a_manager_accepts_an_application_and_the_applicant_sees_it(new_context, portal, scene):
    base = portal.url
    chosen = scene["chosen"]

    staff = new_context(viewport=DESKTOP, is_mobile=False, has_touch=False)
    admin_page = staff.new_page()
    admin_page.goto(f"{base}/admin/")
    admin_page.locator("input[name='username']").fill("gestionnaire")
    admin_page.locator("input[name='password']").fill(STAFF_PASSWORD)
    admin_page.locator("input[type='submit'], button[type='submit']").first.click()
    expect(admin_page.locator("#content")).to_contain_text("Candidatures")

    # Filter the applications by status, then pick the one to decide.
    admin_page.goto(f"{base}/admin/enrollment/application/")
    admin_page.locator("#changelist-filter").get_by_role("link", name="Reçue", exact=True).click()
    expect(admin_page).to_have_url(re.compile(r"status__exact=recue"))
    rows = admin_page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(chosen.reference)
    rows.first.locator("input[name='_selected_action']").check()
    admin_page.select_option("select[name='action']", "accept")
    admin_page.locator("button[name='index']").click()
    expect(admin_page.locator(".messagelist")).to_contain_text(f"Fait pour 1 élément : {chosen.reference}")

    applicant = new_context()
    space = applicant.new_page()
    space.goto(f"{base}/compte/login/")
    space.locator("input[name='login']").fill("anfane@example.yt")
    space.locator("input[name='password']").fill(APPLICANT_PASSWORD)
    space.locator("main form").get_by_role("button", name=re.compile("Se connecter")).click()
    space.goto(f"{base}/candidatures/")
    expect(space.locator("main")).to_contain_text(chosen.reference)
    expect(space.locator("main .fr-badge", has_text="Acceptée")).to_have_count(1)
