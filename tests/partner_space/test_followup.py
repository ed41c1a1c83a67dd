"""The partner space's follow-up of its staff: attendance, state and funders' documents, per convention and session.

The scene: one convention of the commune of Tsingoni, one session, three agents — Awa attended
every hour planned and completed the course, Bakari left for a job after 6 of 30 hours, Chadia
is enrolled and has not attended yet — plus a seat held for a fourth person who has not accepted
it (the partner may not read her profile, so she is not followed), and the rectorat beside them.
"""

import datetime
import html
import re
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from attendance.models import AbandonReason, ExitKind, FunderDocument, Participation, ParticipationState, RenderState
from enrollment.models import Application
from partners.models import PartnerMember
from tests.factories import (
    ApplicantFactory,
    ParticipationFactory,
    PartnerApplicationFactory,
    PartnerFactory,
    PartnerMemberFactory,
    SeatAllocationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 3, 2)
NBSP = "\u00a0"


def agent(allocation, first_name, last_name, **fields):
    email = f"{first_name.lower()}@tsingoni.yt"
    applicant = ApplicantFactory(
        username=email, email=email, profile__first_name=first_name, profile__last_name=last_name
    )
    return PartnerApplicationFactory(allocation=allocation, applicant=applicant, **fields)


def document(application, kind, *, month=None, state=RenderState.READY, content=b"%PDF-1.4 "):
    row = FunderDocument(application=application, kind=kind, month=month, render_state=state, version=1)
    if state == RenderState.READY:
        row.file.save(f"{kind}.pdf", ContentFile(content + application.reference.encode()), save=False)
    row.save()
    return row


@pytest.fixture
def scene():
    partner = PartnerFactory(name="Commune de Tsingoni")
    allocation = SeatAllocationFactory(
        partner=partner,
        seats=5,
        session__reference="S-2026-TSG",
        session__programme__title="Accueil des usagers",
        session__start_date=START,
        session__end_date=datetime.date(2026, 6, 30),
    )
    awa = agent(allocation, "Awa", "Madi")
    bakari = agent(allocation, "Bakari", "Ali")
    chadia = agent(allocation, "Chadia", "Soilihi")
    ParticipationFactory(
        application=awa,
        state=ParticipationState.EXITED,
        entered_on=START,
        exited_on=datetime.date(2026, 6, 30),
        exit_kind=ExitKind.COMPLETED,
        hours_planned=Decimal("30"),
        hours_attended=Decimal("30"),
    )
    ParticipationFactory(
        application=bakari,
        state=ParticipationState.EXITED,
        entered_on=START,
        exited_on=datetime.date(2026, 3, 20),
        exit_kind=ExitKind.ABANDON,
        abandon_reason=AbandonReason.JOB,
        exit_note="Embauché au port de Longoni.",
        hours_planned=Decimal("30"),
        hours_attended=Decimal("6"),
    )
    # A seat held for someone who already had an account, until she accepts it: not followed yet.
    waiting = PartnerApplicationFactory(
        allocation=allocation,
        offered=True,
        enrolled_at=None,
        invited_name="Djamila Ousseni",
        applicant__profile__first_name="Djamila",
        applicant__profile__last_name="Secrète",
    )
    documents = {
        "entry": document(awa, FunderDocument.Kind.ENTRY),
        "march": document(awa, FunderDocument.Kind.MONTHLY, month=datetime.date(2026, 3, 1)),
        "april": document(awa, FunderDocument.Kind.MONTHLY, month=datetime.date(2026, 4, 1)),
        "completion": document(awa, FunderDocument.Kind.COMPLETION),
        # Still rendering: nothing to download yet.
        "may": document(awa, FunderDocument.Kind.MONTHLY, month=datetime.date(2026, 5, 1), state=RenderState.PENDING),
        "waiting": document(waiting, FunderDocument.Kind.ENTRY),
    }
    rectorat = PartnerFactory(name="Rectorat de Mayotte")
    other_allocation = SeatAllocationFactory(partner=rectorat, session__reference="S-2026-REC")
    other_agent = agent(other_allocation, "Zaïnaba", "Rectorat")
    ParticipationFactory(application=other_agent, hours_planned=Decimal("10"), hours_attended=Decimal("10"))
    return {
        "partner": partner,
        "convention": allocation.convention,
        "session": allocation.session,
        "awa": awa,
        "bakari": bakari,
        "chadia": chadia,
        "waiting": waiting,
        "documents": documents,
        "referent": PartnerMemberFactory(partner=partner),
        "viewer": PartnerMemberFactory(partner=partner, viewer=True),
        "rectorat": {
            "convention": other_allocation.convention,
            "referent": PartnerMemberFactory(partner=rectorat),
            "document": document(other_agent, FunderDocument.Kind.ENTRY),
        },
    }


def followup_url(convention):
    return reverse("partners:convention_followup", args=[convention.reference])


def document_url(row):
    return reverse("partners:followup_document", args=[row.pk])


def urls(scene):
    convention = scene["convention"].reference
    return [
        reverse("partners:convention_followup", args=[convention]),
        reverse("partners:convention_followup_csv", args=[convention]),
        reverse("partners:convention_followup_xlsx", args=[convention]),
        document_url(scene["documents"]["entry"]),
    ]


def text(response) -> str:
    """The page's words, tags removed and spaces collapsed (no-break spaces kept)."""
    return html.unescape(re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


# --- What the page shows -------------------------------------------------------------------------


def test_each_agent_shows_their_rate_state_and_exit(client, scene):
    client.force_login(scene["referent"].user)
    response = client.get(followup_url(scene["convention"]))
    assert response.status_code == 200
    rows = {row.first_name: row for row in response.context["rows"]}
    assert set(rows) == {"Awa", "Bakari", "Chadia"}
    awa, bakari, chadia = rows["Awa"], rows["Bakari"], rows["Chadia"]
    assert (awa.state_label, awa.exit_kind_label, awa.abandon_reason_label) == ("Sortie", "Formation achevée", "")
    assert awa.rate == Decimal(1)
    assert (bakari.exit_kind_label, bakari.abandon_reason_label) == ("Abandon", "A trouvé un emploi")
    assert bakari.rate == Decimal("0.2")
    assert (chadia.state_label, chadia.rate, chadia.entered_on) == ("Inscrite", None, None)

    page = text(response)
    assert f"100{NBSP}%" in page and f"30{NBSP}h sur 30{NBSP}h" in page
    assert f"20{NBSP}%" in page and f"6{NBSP}h sur 30{NBSP}h" in page
    assert "Abandon — A trouvé un emploi" in page
    assert "entrée le 2 mars 2026 · sortie le 20 mars 2026" in page
    assert "Inscrite" in page
    # What staff wrote about the exit stays with staff.
    assert "Longoni" not in page


def test_an_abandon_for_health_reasons_is_not_told_to_the_employer(client, scene):
    Participation.objects.filter(application__applicant__applicant_profile__first_name="Bakari").update(
        abandon_reason=AbandonReason.HEALTH
    )
    client.force_login(scene["referent"].user)
    response = client.get(followup_url(scene["convention"]))
    rows = {row.first_name: row for row in response.context["rows"]}
    assert rows["Bakari"].abandon_reason_label == "motif non communiqué"
    page = text(response)
    assert "Abandon — motif non communiqué" in page
    assert "Santé" not in page
    export = client.get(
        reverse("partners:convention_followup_csv", args=[scene["convention"].reference])
    ).content.decode("utf-8-sig")
    assert "Santé" not in export and "motif non communiqué" in export


def test_the_session_sums_its_agents_hours(client, scene):
    client.force_login(scene["viewer"].user)
    sessions = client.get(followup_url(scene["convention"])).context["sessions"]
    assert [(s.reference, s.people, s.entered, s.completed, s.abandoned) for s in sessions] == [
        ("S-2026-TSG", 3, 2, 1, 1)
    ]
    # (30 + 6) hours attended of (30 + 30) planned; Chadia has nothing planned yet.
    assert sessions[0].rate == Decimal("0.6")
    assert f"60{NBSP}%" in text(client.get(followup_url(scene["convention"])))


def test_nothing_planned_yet_reads_as_a_dash():
    from partner_space.templatetags.followup_tags import hours, percent

    assert percent(None) == "—"
    assert percent(Decimal("0.875")) == f"87,5{NBSP}%"
    assert percent(Decimal("0.33333")) == f"33,3{NBSP}%"
    assert percent(Decimal(0)) == f"0{NBSP}%"
    assert hours(Decimal("12.50")) == f"12,5{NBSP}h"
    assert hours(Decimal("40.00")) == f"40{NBSP}h"


def test_a_person_whose_enrollment_has_not_counted_is_not_followed(client, scene):
    client.force_login(scene["referent"].user)
    response = client.get(followup_url(scene["convention"]))
    page = response.content.decode()
    assert "Djamila" not in page and "Secrète" not in page
    assert scene["waiting"].pk not in {row.application.pk for row in response.context["rows"]}
    assert client.get(document_url(scene["documents"]["waiting"])).status_code == 404


def test_the_referent_gets_the_ready_documents_in_order(client, scene):
    client.force_login(scene["referent"].user)
    response = client.get(followup_url(scene["convention"]))
    awa = next(row for row in response.context["rows"] if row.first_name == "Awa")
    docs = scene["documents"]
    assert [d.pk for d in awa.documents] == [docs[k].pk for k in ("entry", "march", "april", "completion")]
    page = text(response)
    for label in (
        "Attestation d'entrée",
        "État de présence (mars 2026)",
        "État de présence (avril 2026)",
        "Certificat de réalisation",
    ):
        assert label in page, label
    assert document_url(docs["may"]) not in response.content.decode()


def test_a_document_downloads_as_a_private_pdf(client, scene):
    client.force_login(scene["referent"].user)
    march = scene["documents"]["march"]
    response = client.get(document_url(march))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 " + scene["awa"].reference.encode()
    assert response["Content-Type"] == "application/pdf"
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert f'filename="etat-presence-{scene["awa"].reference}-2026-03-v1.pdf"' in response["Content-Disposition"]


def test_a_document_still_rendering_or_gone_from_the_disk_is_not_found(client, scene):
    client.force_login(scene["referent"].user)
    assert client.get(document_url(scene["documents"]["may"])).status_code == 404
    entry = scene["documents"]["entry"]
    entry.file.storage.delete(entry.file.name)
    response = client.get(document_url(entry))
    assert response.status_code == 404


def test_the_session_filter_narrows_to_one_session_and_says_when_it_is_unknown(client, scene):
    other = SeatAllocationFactory(convention=scene["convention"], session__reference="S-2026-TSG-B")
    agent(other, "Fatima", "Houmadi")
    client.force_login(scene["referent"].user)
    url = followup_url(scene["convention"])
    assert {row.first_name for row in client.get(url).context["rows"]} == {"Awa", "Bakari", "Chadia", "Fatima"}
    narrowed = client.get(url, {"session": "S-2026-TSG-B"})
    assert [row.first_name for row in narrowed.context["rows"]] == ["Fatima"]
    assert "Agents de la session S-2026-TSG-B" in text(narrowed)
    unknown = client.get(url, {"session": "S-2026-REC"})
    assert unknown.status_code == 200
    assert len(unknown.context["rows"]) == 4
    assert "La session « S-2026-REC » ne fait pas partie de cette convention" in unknown.content.decode()


def test_the_convention_page_links_to_the_followup(client, scene):
    client.force_login(scene["viewer"].user)
    response = client.get(reverse("partners:convention", args=[scene["convention"].reference]))
    assert followup_url(scene["convention"]) in response.content.decode()


# --- Who may see it ------------------------------------------------------------------------------


def test_a_lecteur_reads_the_figures_but_gets_no_document(client, scene):
    client.force_login(scene["viewer"].user)
    response = client.get(followup_url(scene["convention"]))
    assert response.status_code == 200
    assert f"100{NBSP}%" in text(response)
    assert "/suivi/documents/" not in response.content.decode()
    assert "sont téléchargeables par les référents de votre organisation" in response.content.decode()
    refused = client.get(document_url(scene["documents"]["entry"]))
    assert refused.status_code == 403
    assert "sont réservés aux référents de Commune de Tsingoni" in refused.content.decode()


def test_another_partner_gets_404_for_the_page_the_exports_and_the_documents(client, scene):
    client.force_login(scene["rectorat"]["referent"].user)
    for url in urls(scene):
        assert client.get(url).status_code == 404, url
    # And its own page shows nothing of Tsingoni.
    own = client.get(followup_url(scene["rectorat"]["convention"]))
    assert own.status_code == 200
    assert "Awa" not in own.content.decode() and "S-2026-TSG" not in own.content.decode()


def test_the_rectorat_document_is_not_found_from_tsingoni(client, scene):
    client.force_login(scene["referent"].user)
    assert client.get(document_url(scene["rectorat"]["document"])).status_code == 404


def test_anonymous_is_sent_to_the_login_page(client, scene):
    for url in urls(scene):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url


def test_a_member_whose_membership_ended_is_refused(client, scene):
    referent = scene["referent"]
    PartnerMember.objects.filter(pk=referent.pk).update(is_active=False)
    client.force_login(referent.user)
    for url in urls(scene):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "L&#x27;espace partenaire est réservé aux membres" in response.content.decode()


def test_a_signed_in_non_member_is_refused(client, scene):
    client.force_login(UserFactory())
    for url in urls(scene):
        assert client.get(url).status_code == 403, url


# --- Queries ---------------------------------------------------------------------------------------


def _grow(scene, count):
    allocation = scene["convention"].allocations.get()
    for index in range(count):
        application = agent(allocation, f"Agent{index:03d}", "Volume")
        if index % 2:
            ParticipationFactory(application=application, hours_planned=Decimal("12"), hours_attended=Decimal("9"))
            document(application, FunderDocument.Kind.ENTRY)


def test_the_page_runs_the_same_queries_whatever_the_number_of_agents(client, scene, django_assert_num_queries):
    client.force_login(scene["referent"].user)
    url = followup_url(scene["convention"])
    client.get(url)  # the session's first request saves the partner chosen
    # Account, membership, convention, per-session totals, page count, page rows, their documents.
    with django_assert_num_queries(7):
        assert client.get(url).status_code == 200
    _grow(scene, 40)
    with django_assert_num_queries(7):
        response = client.get(url)
    assert len(response.context["rows"]) == 43
    assert Application.objects.filter(convention=scene["convention"]).count() == 44


def test_both_tables_scroll_in_a_region_named_by_their_caption(client, scene):
    client.force_login(scene["referent"].user)
    page = client.get(followup_url(scene["convention"])).content.decode()
    assert page.count("<table") == page.count('class="fr-table__container" tabindex="0" role="region"') == 2
    for caption_id, caption in (
        ("legende-suivi-sessions", "Suivi par session"),
        ("legende-suivi-agents", "Suivi des agents"),
    ):
        assert f'aria-labelledby="{caption_id}"' in page
        assert f'<caption id="{caption_id}">{caption}</caption>' in page


@pytest.mark.parametrize("role", ["referent", "viewer"])
def test_the_page_is_worded_as_the_portal_writes(client, scene, role):
    from tests.cnam_portal.test_wording import assert_french_wording

    client.force_login(scene[role].user)
    assert_french_wording(client.get(followup_url(scene["convention"])))
    assert_french_wording(client.get(reverse("partners:convention", args=[scene["convention"].reference])))
