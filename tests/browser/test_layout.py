"""Every page a person reaches, on a phone (390×844) and a desktop (1280×800), deployed.

On the demo data (``seed_demo``) served by the production stack, each page is opened the way
its person reaches it (anonymous, a new applicant, applicants in every status, a partner's
référent), refused forms included, and checked by ``layout.layout_problems``: no sideways
scrolling, the footer below ``<main>``, no stretched element taller than three screens, the
primary action within two screens on a phone. The browser guard of conftest.py fails the
test on any console error, failed sub-resource, unexpected error status or unstyled page.

A screenshot of each page goes to docs/screenshots/ (``<page>-phone.jpg``, ``<page>-desktop.jpg``).
"""

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django.test import override_settings
from django.utils import timezone

from enrollment.models import Application, ApplicationStatus
from partners.models import Convention, PartnerMember
from programs.models import Programme, Session
from tests import helpers as make
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.layout import layout_problems
from tests.browser.server_urls import SERVER_ERROR_PATH
from tests.factories import ApplicantProfileFactory, UserFactory
from tests.factories import ApplicationFactory as application
from tests.helpers import PDF_BYTES

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CANDIDATE_PASSWORD = "Candidat-Demo-976"
PARTNER_PASSWORD = "Partenaire-Demo-976"
NEW_PASSWORD = "Un-Nouveau-Depart-976"
EVERY_STATUS_EMAIL = "toutes.etapes@candidat.example"

SIZES = {"phone": (PHONE, True), "desktop": (DESKTOP, False)}


def _open_public_sessions():
    now = timezone.now()
    return (
        Session.objects.filter(
            reserved_for__isnull=True,
            programme__status=Programme.Status.PUBLISHED,
            applications_open_at__lte=now,
            applications_close_at__gte=now,
        )
        .exclude(state__in=[Session.State.CANCELLED, Session.State.DRAFT])
        .select_related("programme")
        .order_by("start_date", "pk")
    )


def _scene() -> dict:
    """The demo, plus what it lacks: a fresh account, an applicant with one application per status."""
    # Seeded as on a developer's machine (DEBUG on), so the demo accounts have their published passwords.
    with override_settings(DEBUG=True):
        call_command("seed_demo", verbosity=0)
    sessions = list(_open_public_sessions())
    assert len(sessions) >= 3, "the demo needs open public sessions"
    level_four = next(s for s in sessions if s.programme.entry_level <= 4)

    # An account that has confirmed its address but has no profile yet.
    UserFactory(username="nouvelle.venue", email="nouvelle.venue@candidat.example", password=NEW_PASSWORD)

    # One application in each status, each to its own session.
    account = UserFactory(username="toutes.etapes", email=EVERY_STATUS_EMAIL, password=CANDIDATE_PASSWORD)
    everyone = ApplicantProfileFactory(first_name="Zaharia", last_name="Toutes-Étapes", user=account).user
    all_sessions = list(
        Session.objects.filter(reserved_for__isnull=True).exclude(state=Session.State.DRAFT).order_by("pk")
    )
    statuses = list(ApplicationStatus)
    assert len(all_sessions) >= len(statuses)
    for status, session in zip(statuses, all_sessions, strict=False):
        application(session=session, applicant=everyone, status=status)

    offered = Application.objects.filter(status=ApplicationStatus.OFFERED, offer_expires_at__gt=timezone.now())
    offered = offered.exclude(applicant=everyone).select_related("applicant").first()
    enrolled = (
        Application.objects.filter(status=ApplicationStatus.ENROLLED, applicant__email="fatima.said@candidat.example")
        .select_related("applicant")
        .first()
    )
    referent = PartnerMember.objects.filter(role=PartnerMember.Role.REFERENT).select_related("partner", "user")
    referent = next(m for m in referent if m.partner.conventions.filter(state=Convention.State.SIGNED).exists())
    convention = referent.partner.conventions.filter(state=Convention.State.SIGNED).first()
    busiest = (
        Programme.objects.filter(status=Programme.Status.PUBLISHED)
        # The public sessions one may apply to now: the page's primary action is « Postuler ».
        .annotate(
            public_sessions=Count(
                "sessions",
                filter=Q(
                    sessions__reserved_for__isnull=True,
                    sessions__applications_open_at__lte=timezone.now(),
                    sessions__applications_close_at__gte=timezone.now(),
                ),
            )
        )
        .order_by("-public_sessions", "slug")
        .first()
    )
    vae = Programme.objects.filter(status=Programme.Status.PUBLISHED, vae_available=True).first()
    return {
        "session": level_four,
        "offered": offered,
        "enrolled": enrolled,
        "referent": referent,
        "convention": convention,
        "busiest": busiest,
        "vae": vae,
    }


class Visit:
    """Opens pages for one size, checks each, saves its screenshot, and keeps every finding."""

    def __init__(self, size: str, guard):
        self.size = size
        self.guard = guard
        self.findings: list[str] = []
        self.checked: list[str] = []

    def check(self, page, name: str, primary: str | None) -> None:
        for problem in layout_problems(page, primary):
            self.findings.append(f"{name} ({self.size}, {page.url}): {problem}")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{name}-{self.size}.jpg", full_page=True, type="jpeg", quality=70)
        self.checked.append(name)

    def open(self, page, url: str, name: str, primary: str | None, status: int = 200) -> None:
        if status != 200:
            self.guard.expect_status(re.sub(r"^https?://[^/]+", "", url).split("?")[0], status)
        response = page.goto(url)
        assert response is not None and response.status == status, f"{name}: HTTP {response and response.status}"
        self.check(page, name, primary)


def _login(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/compte/login/")
    page.locator("input[name='login']").fill(email)
    page.locator("input[name='password']").fill(password)
    page.locator("main form").get_by_role("button", name=re.compile("connecter", re.I)).click()
    page.wait_for_load_state()
    assert "/compte/login/" not in page.url, f"could not log in as {email}"


SUBMIT = "main form [type=submit]"
HOME_LINK = "main a[href='/']"


@pytest.mark.parametrize("size", list(SIZES))
def test_every_page_holds_on_a_phone_and_a_desktop(size, portal, new_context, guard, tmp_path):
    viewport, mobile = SIZES[size]
    scene = _scene()
    base = portal.url
    visit = Visit(size, guard)
    options = {"viewport": viewport, "is_mobile": mobile, "has_touch": mobile}

    # --- Anyone ---------------------------------------------------------------------------
    page = new_context(**options).new_page()
    visit.open(page, f"{base}/", "accueil", "main a[href^='/formations/']")
    visit.open(page, f"{base}/formations/", "catalogue", "main .fr-card a")
    visit.open(page, f"{base}/formations/?q=electricite", "catalogue-recherche", "main .fr-card a")
    visit.open(page, f"{base}/formations/?modalite=distance&alternance=1", "catalogue-filtres", "main .fr-tag")
    visit.open(page, f"{base}/formations/?q=zzqxwv", "catalogue-vide", "main input[type=search]")
    visit.open(
        page,
        f"{base}{scene['busiest'].get_absolute_url()}",
        "formation",
        "main a.fr-btn[href*='/candidatures/postuler/']",
    )
    for path, name in [
        ("/contact/", "contact"),
        ("/mentions-legales/", "mentions-legales"),
        ("/donnees-personnelles/", "donnees-personnelles"),
        ("/accessibilite/", "accessibilite"),
    ]:
        visit.open(page, f"{base}{path}", name, None)
    visit.open(page, f"{base}/compte/signup/", "inscription", SUBMIT)
    visit.open(page, f"{base}/compte/login/", "connexion", SUBMIT)
    visit.open(page, f"{base}/compte/password/reset/", "mot-de-passe-oublie", SUBMIT)
    visit.open(page, f"{base}/cette-page-n-existe-pas/", "erreur-404", HOME_LINK, status=404)
    visit.open(page, f"{base}{SERVER_ERROR_PATH}", "erreur-500", HOME_LINK, status=500)

    # --- A new applicant: profile, then an application --------------------------------------
    page = new_context(**options).new_page()
    _login(page, base, "nouvelle.venue@candidat.example", NEW_PASSWORD)
    visit.open(page, f"{base}/candidatures/profil/", "profil-vide", "main form input:not([type=hidden])")
    page.locator(SUBMIT).first.click()
    page.wait_for_load_state()
    visit.check(page, "profil-erreurs", "main [role=alert]")
    # A refused form: the title says so and the focus is on the summary of what to correct.
    assert page.title().startswith("Erreur :"), page.title()
    assert page.evaluate("() => !!document.activeElement.closest('[role=alert]')"), "focus is not on the summary"
    assert page.locator("main [role=alert] a[href^='#id_']").count() >= 3
    visit.open(page, f"{base}/partenaires/", "erreur-403", HOME_LINK, status=403)

    page = new_context(**options).new_page()
    _login(page, base, EVERY_STATUS_EMAIL, CANDIDATE_PASSWORD)
    visit.open(page, f"{base}/candidatures/", "espace-candidat", "main .fr-card a")
    visit.open(page, f"{base}/candidatures/mes-donnees/", "mes-donnees", "main form input[type=password]")
    session = next(s for s in _open_public_sessions() if not s.applications.filter(applicant__email=EVERY_STATUS_EMAIL))
    visit.open(page, f"{base}/candidatures/postuler/{session.pk}/", "candidature", "main textarea, main select")
    bad = tmp_path / "cv.pdf"
    bad.write_bytes(b"not a pdf at all")
    page.locator("input[type=file]").first.set_input_files(str(bad))
    page.get_by_role("button", name="Envoyer ma candidature").click()
    page.wait_for_load_state()
    visit.check(page, "candidature-erreurs", "main [role=alert]")
    good = tmp_path / "cv-zaharia.pdf"
    good.write_bytes(PDF_BYTES)
    motivation = page.locator("textarea[name='motivation']")
    motivation.fill("Je veux me former près de chez moi pour trouver un emploi stable à Mayotte.")
    kind = page.locator("select[name='document_1_kind']")
    if kind.count():
        kind.select_option("cv")
        page.set_input_files("input[name='document_1_file']", str(good))
    justification = page.locator("textarea[name='entry_justification']")
    if justification.count():
        page.locator("input[name='entry_route']").first.check(force=True)
        justification.fill("Dix ans d'expérience dans le métier.")
    page.get_by_role("button", name="Envoyer ma candidature").click()
    page.wait_for_url(re.compile(r"/candidatures/CAND-"))
    visit.check(page, "candidature-envoyee", "main h1")
    if scene["vae"]:
        visit.open(page, f"{base}/candidatures/vae/demander/{scene['vae'].slug}/", "demande-vae", "main textarea")

    # --- Applicants with an offer, and enrolled ---------------------------------------------
    if scene["offered"]:
        page = new_context(**options).new_page()
        _login(page, base, scene["offered"].applicant.email, CANDIDATE_PASSWORD)
        visit.open(
            page,
            f"{base}/candidatures/{scene['offered'].reference}/",
            "candidature-place-proposee",
            "main button[value='accepter'], main form [type=submit]",
        )
        page.get_by_role("link", name="Refuser la place").click()
        page.wait_for_load_state()
        visit.check(page, "candidature-refuser-la-place", "main form [type=submit]")
    page = new_context(**options).new_page()
    _login(page, base, scene["enrolled"].applicant.email, CANDIDATE_PASSWORD)
    visit.open(
        page,
        f"{base}/candidatures/{scene['enrolled'].reference}/",
        "candidature-inscrite",
        "main a[href$='attestation.pdf']",
    )

    # --- A partner's référent -------------------------------------------------------------
    page = new_context(**options).new_page()
    _login(page, base, scene["referent"].user.email, PARTNER_PASSWORD)
    visit.open(page, f"{base}/partenaires/", "partenaire-tableau-de-bord", "main a[href='/partenaires/inscrire/']")
    visit.open(
        page,
        f"{base}/partenaires/conventions/{scene['convention'].reference}/",
        "partenaire-convention",
        "main a[href$='/pdf/']",
    )
    visit.open(
        page,
        f"{base}/partenaires/inscrire/",
        "partenaire-inscrire-un-agent",
        "main form input:not([type=hidden]), main form select",
    )
    visit.open(page, f"{base}/partenaires/import/", "partenaire-import", "main input[type=file]")
    allocation = scene["referent"].partner.conventions.first().allocations.select_related("session").first()
    listing = tmp_path / "agents.csv"
    listing.write_bytes(
        make.csv_bytes(
            [
                ["Zaïnaba", "Ali", "zainaba.ali@example.yt", "Agente d'accueil", allocation.session.reference],
                ["Mohamed", "Saïd", "mohamed.said-example.yt", "Jardinier", allocation.session.reference],
            ]
        )
    )
    page.set_input_files("input[name='file']", str(listing))
    page.locator(SUBMIT).first.click()
    page.wait_for_load_state()
    visit.check(page, "partenaire-import-apercu-erreurs", "main [role=alert]")

    # --- CNAM staff, in the admin, on a desktop -------------------------------------------
    if not mobile:
        page = new_context(**options).new_page()
        page.goto(f"{base}/admin/login/")
        page.locator("input[name='username']").fill("admin@cnam-mayotte.fr")
        page.locator("input[name='password']").fill("Lagon-Bleu-Admin-976")
        page.locator("input[type='submit']").click()
        page.wait_for_load_state()
        visit.open(page, f"{base}/admin/enrollment/application/", "admin-candidatures", "#result_list")
        application_pk = scene["offered"].pk if scene["offered"] else scene["enrolled"].pk
        visit.open(page, f"{base}/admin/enrollment/application/{application_pk}/change/", "admin-candidature", None)

    assert not visit.findings, "Layout problems:\n  " + "\n  ".join(visit.findings)
    assert len(visit.checked) >= (31 if mobile else 33), visit.checked
