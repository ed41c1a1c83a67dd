"""The partner dashboard at a partner's real size: the staff list is searched and paginated in the
database, and the page costs the same queries and bytes with 3 enrollments or thousands."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from core import fragments
from enrollment.models import ApplicantProfile, Application, ApplicationStatus
from partner_space.views import STAFF_PER_PAGE
from tests.factories import (
    ApplicantFactory,
    PartnerApplicationFactory,
    PartnerMemberFactory,
    SeatAllocationFactory,
)

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("partners:dashboard")
APPLICATIONS_TABLE = f'"{Application._meta.db_table}"'
ROW = re.compile(r"<tr>\s*<td class=\"fr-cell--multiline\">.*?</tr>", re.S)
# Every bulk-made agent submitted on the same day: their rows all have the same length.
SUBMITTED = datetime.datetime(2026, 3, 2, 6, 0, tzinfo=datetime.UTC)


def _agent(allocation, *, first_name, last_name, email, **fields):
    """One of the partner's staff, with their own profile (name and email) as the list shows it once enrolled."""
    applicant = ApplicantFactory(
        username=email, email=email, profile__first_name=first_name, profile__last_name=last_name
    )
    return PartnerApplicationFactory(allocation=allocation, applicant=applicant, **fields)


def _bulk_staff(allocation, count, *, start=0):
    """``count`` enrolled agents in three inserts, named "Agent NumeroNNNNN" so that every row has the same length."""
    numbers = range(start, start + count)
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"agent{n:05d}", email=f"agent{n:05d}@tsingoni.yt", password="!") for n in numbers
    )
    ApplicantProfile.objects.bulk_create(
        ApplicantProfile(
            user=user,
            first_name="Agent",
            last_name=f"Numero{n:05d}",
            employer=allocation.convention.partner,
            job_title="Agent administratif",
        )
        for n, user in zip(numbers, users, strict=True)
    )
    Application.objects.bulk_create(
        Application(
            reference=f"CAND-ECH-{n:06d}",
            session=allocation.session,
            applicant=user,
            channel=Application.Channel.PARTNER,
            convention=allocation.convention,
            status=ApplicationStatus.ENROLLED,
            submitted_at=SUBMITTED + datetime.timedelta(seconds=n),
            enrolled_at=SUBMITTED + datetime.timedelta(seconds=n),
        )
        for n, user in zip(numbers, users, strict=True)
    )
    # Rows inserted in bulk send no signal: the import's seat lock bumps the public scope as it commits.
    fragments.bump_now(fragments.PUBLIC)


def _listed_emails(response) -> list[str]:
    return re.findall(r'<span class="fr-text--sm">([^<@]+@[^<]+)</span>', response.content.decode())


@pytest.fixture
def referent(client):
    member = PartnerMemberFactory()
    client.force_login(member.user)
    return member


@pytest.fixture
def allocation(referent):
    return SeatAllocationFactory(partner=referent.partner, seats=40, session__reference="S-2027-TSG")


@pytest.fixture
def staff(allocation):
    """Three agents of the partner, on two sessions."""
    other_session = SeatAllocationFactory(convention=allocation.convention, session__reference="VAE-2027-MZ")
    return {
        "awa": _agent(allocation, first_name="Awa", last_name="Madi", email="awa.madi@tsingoni.yt"),
        "zainaba": _agent(allocation, first_name="Zaïnaba", last_name="Ali", email="z.ali@tsingoni.yt"),
        "nassur": _agent(other_session, first_name="Nassur", last_name="Soilihi", email="nassur@tsingoni.yt"),
    }


# --- The search ---------------------------------------------------------------------------------


def test_the_search_form_is_a_labelled_get_form_with_french_help(client, staff):
    html = client.get(DASHBOARD).content.decode()

    form = re.search(r'<form role="search" method="get" action="([^"]+)"[^>]*aria-label="([^"]+)"', html)
    assert form and form.groups() == (f"{DASHBOARD}#agents", "Rechercher parmi les agents")
    assert '<label class="fr-label" for="id_q">Rechercher un agent' in html
    field = re.search(r"<input [^>]*name=\"q\"[^>]*>", html).group(0)
    assert 'type="search"' in field and 'id="id_q"' in field
    assert 'aria-describedby="id_q_helptext"' in field
    assert re.search(r'id="id_q_helptext">Nom, adresse de courriel ou référence de session', html)


def test_search_by_last_name(client, staff):
    response = client.get(DASHBOARD, {"q": "madi"})

    assert _listed_emails(response) == ["awa.madi@tsingoni.yt"]
    assert "1 inscription correspond à « madi »." in response.content.decode()


def test_search_ignores_accents_and_takes_the_words_in_any_order(client, staff):
    if connection.vendor != "postgresql":
        pytest.skip("accents are ignored by PostgreSQL's unaccent; SQLite ignores ASCII case only")
    assert _listed_emails(client.get(DASHBOARD, {"q": "zainaba"})) == ["z.ali@tsingoni.yt"]
    assert _listed_emails(client.get(DASHBOARD, {"q": "  Ali   ZAÏNABA "})) == ["z.ali@tsingoni.yt"]
    # Every word must match: "Awa" is someone, "Ali" someone else.
    assert _listed_emails(client.get(DASHBOARD, {"q": "Awa Ali"})) == []


def test_search_by_email(client, staff):
    assert _listed_emails(client.get(DASHBOARD, {"q": "nassur@tsingoni.yt"})) == ["nassur@tsingoni.yt"]
    assert _listed_emails(client.get(DASHBOARD, {"q": "AWA.MADI@"})) == ["awa.madi@tsingoni.yt"]


def test_search_by_session_reference(client, staff):
    response = client.get(DASHBOARD, {"q": "s-2027-tsg"})

    assert sorted(_listed_emails(response)) == ["awa.madi@tsingoni.yt", "z.ali@tsingoni.yt"]
    assert _listed_emails(client.get(DASHBOARD, {"q": "VAE-2027"})) == ["nassur@tsingoni.yt"]


def test_no_match_says_so_with_the_query_escaped(client, staff):
    response = client.get(DASHBOARD, {"q": "Houmadi"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Aucun agent ne correspond à « Houmadi »." in html
    assert 'id="table-agents"' not in html
    assert "Aucun agent inscrit pour le moment." not in html  # the partner does have staff
    assert f'href="{DASHBOARD}#agents">Effacer la recherche' in html
    assert 'value="Houmadi"' in html  # the field keeps what was typed

    html = client.get(DASHBOARD, {"q": "<b>x"}).content.decode()
    assert "Aucun agent ne correspond à « &lt;b&gt;x »." in html and "<b>x" not in html


def test_a_search_too_long_is_refused_in_french_and_the_list_stays_whole(client, staff):
    response = client.get(DASHBOARD, {"q": "a" * 201})

    html = response.content.decode()
    assert escape("La recherche est limitée à 200 caractères : elle n'a pas été appliquée.") in html
    assert 'aria-invalid="true"' in html and 'aria-describedby="id_q_helptext id_q_error"' in html
    assert len(_listed_emails(response)) == 3


def test_pagination_keeps_the_search(client, allocation, staff):
    _bulk_staff(allocation, STAFF_PER_PAGE + 10)

    first = client.get(DASHBOARD, {"q": "numero"})
    html = first.content.decode()
    assert len(_listed_emails(first)) == STAFF_PER_PAGE
    assert f"{STAFF_PER_PAGE + 10} inscriptions correspondent à « numero »." in html
    next_link = re.search(r'href="([^"]*)">Page suivante<', html)
    assert next_link, "no link to the next page"
    assert next_link.group(1).replace("&amp;", "&") == "?q=numero&page=2#agents"

    second = client.get(DASHBOARD, {"q": "numero", "page": "2"})
    html = second.content.decode()
    assert len(_listed_emails(second)) == 10
    assert all(email.startswith("agent") for email in _listed_emails(second))
    assert 'value="numero"' in html
    assert 'href="?q=numero&amp;page=1#agents"' in html  # back to page 1, still searching


def test_the_unsearched_list_paginates_without_a_query(client, allocation):
    _bulk_staff(allocation, STAFF_PER_PAGE + 1)

    html = client.get(DASHBOARD).content.decode()

    assert 'href="?page=2#agents"' in html and 'href="?q=' not in html


# --- Scoped to the member's partner -------------------------------------------------------------


def test_another_partners_agent_is_never_listed(client, allocation, staff):
    # Another partner's agent, on the very same session, with a name and email that would match.
    elsewhere = SeatAllocationFactory(session=allocation.session, seats=3)
    _agent(elsewhere, first_name="Awa", last_name="Madi", email="awa.madi@dembeni.yt")

    for query in ("", "madi", "awa.madi", "dembeni", "s-2027-tsg", "awa"):
        emails = _listed_emails(client.get(DASHBOARD, {"q": query}))
        assert "awa.madi@dembeni.yt" not in emails, query
    assert _listed_emails(client.get(DASHBOARD, {"q": "madi"})) == ["awa.madi@tsingoni.yt"]
    html = client.get(DASHBOARD, {"q": "dembeni"}).content.decode()
    assert "Aucun agent ne correspond à « dembeni »." in html


def test_search_reads_only_what_the_partner_may_see_before_consent(client, allocation):
    """A seat held for a person who had an account: until they accept, the partner knows them by
    what its référent typed, and a search by their own profile's name or address finds nothing."""
    person = ApplicantFactory(
        username="fatima.perso@example.yt",
        email="fatima.perso@example.yt",
        profile__first_name="Fatima",
        profile__last_name="Houmadi",
    )
    PartnerApplicationFactory(
        allocation=allocation,
        applicant=person,
        offered=True,
        invited_name="F. Combo",
        invited_email="f.combo@tsingoni.yt",
    )

    assert _listed_emails(client.get(DASHBOARD, {"q": "combo"})) == ["f.combo@tsingoni.yt"]
    for query in ("Houmadi", "fatima.perso", "example.yt"):
        assert _listed_emails(client.get(DASHBOARD, {"q": query})) == [], query


# --- A fixed cost whatever the partner's size ---------------------------------------------------


def _dashboard_queries(client, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(DASHBOARD, params or {})
    assert response.status_code == 200
    return response, [query["sql"] for query in queries]


def test_query_count_is_the_same_with_3_or_60_enrollments_and_with_a_search(client, allocation, staff):
    SeatAllocationFactory(convention=allocation.convention, seats=2)
    client.get(DASHBOARD)  # the session and the first visit settled

    _, few = _dashboard_queries(client)
    _bulk_staff(allocation, 57)
    response, many = _dashboard_queries(client)
    assert response.context["counts"]["total"] == 60
    searches = {
        "name": _dashboard_queries(client, {"q": "Zaïnaba Ali"})[1],
        "page 2": _dashboard_queries(client, {"q": "numero", "page": "2"})[1],
        "beyond": _dashboard_queries(client, {"page": "99"})[1],
    }
    _, nobody = _dashboard_queries(client, {"q": "personne"})
    print(f"\ndashboard queries: {len(few)} with 3 enrollments, {len(many)} with 60, {len(nobody)} finding nobody")
    assert len(few) == len(many)
    assert {name: len(queries) for name, queries in searches.items()} == dict.fromkeys(searches, len(many))
    # Finding nobody, Django does not read the empty page: one query fewer, never more.
    assert len(nobody) <= len(many) <= 12
    searches["nobody"] = nobody
    # No query lists the partner's enrollments: the counts are aggregates, the list one page.
    for sql in many + [sql for queries in searches.values() for sql in queries]:
        if APPLICATIONS_TABLE in sql and "COUNT(" not in sql:
            limit = re.search(r"LIMIT (\d+)", sql)
            assert limit and int(limit.group(1)) <= STAFF_PER_PAGE, sql


def test_html_does_not_grow_beyond_one_page_of_staff(client, allocation):
    """Past a page of staff, more enrollments add only digits (counts, the last page's number)."""
    client.get(DASHBOARD)
    sizes = {}
    made = 0
    for total in (STAFF_PER_PAGE + 10, STAFF_PER_PAGE * 6, STAFF_PER_PAGE * 20):
        _bulk_staff(allocation, total - made, start=made)
        made = total
        response = client.get(DASHBOARD)
        rows = ROW.findall(response.content.decode())
        sizes[total] = len(response.content)
        assert len(_listed_emails(response)) == STAFF_PER_PAGE
    row = max(len(r) for r in rows)
    print(f"\ndashboard HTML: {sizes}, one staff row {row} bytes")
    # From two pages to many, the pagination gains its ellipsis; from six pages on, nothing but digits.
    assert 0 <= sizes[STAFF_PER_PAGE * 20] - sizes[STAFF_PER_PAGE + 10] < row
    assert 0 <= sizes[STAFF_PER_PAGE * 20] - sizes[STAFF_PER_PAGE * 6] < 32 < row


def test_the_dashboard_shows_the_soonest_sessions_and_counts_every_seat(client):
    """A rectorat reserving seats in hundreds of sessions: the page lists the next 20, its figures count them all."""
    from partner_space.views import DASHBOARD_ALLOCATIONS
    from tests.factories import ConventionFactory, SessionFactory

    referent = PartnerMemberFactory()
    convention = ConventionFactory(partner=referent.partner)
    today = datetime.date.today()
    past = SessionFactory(
        reference="S-PASSEE",
        start_date=today - datetime.timedelta(days=90),
        end_date=today - datetime.timedelta(days=30),
    )
    SeatAllocationFactory(convention=convention, session=past, seats=3)
    for index in range(DASHBOARD_ALLOCATIONS + 5):
        session = SessionFactory(
            reference=f"S-{index:03d}",
            start_date=today + datetime.timedelta(days=index + 1),
            end_date=today + datetime.timedelta(days=index + 60),
        )
        SeatAllocationFactory(convention=convention, session=session, seats=2)
    client.force_login(referent.user)

    response = client.get(DASHBOARD)
    html = response.content.decode()

    assert [a.session.reference for a in response.context["allocations"]] == [
        f"S-{index:03d}" for index in range(DASHBOARD_ALLOCATIONS)
    ]
    assert "S-PASSEE" not in html
    assert "Et 5 autres sessions à venir" in html
    assert response.context["seats"] == {"reserved": 3 + 2 * (DASHBOARD_ALLOCATIONS + 5), "used": 0, "left": 53}
