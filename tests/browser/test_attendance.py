"""A course day on two phones: the trainer's sheet, a trainee who scans and signs, the closing,
then the trainee's monthly statement."""

import datetime
import io
import re
import time
from urllib.parse import quote, urlsplit

import pytest
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from attendance import codes
from attendance.models import Attendance, AttendanceSheet, AttendanceStatus, Participation
from attendance.presence import slot_times
from attendance.progress import hours_text, month_label
from core.formatting import date_long, time_short
from tests.browser.layout import layout_problems
from tests.browser.qr import read_qr
from tests.factories import (
    ApplicantFactory,
    ApplicationFactory,
    ProgrammeFactory,
    SessionFactory,
    SiteFactory,
    SlotFactory,
    TrainerFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

TRAINER_PASSWORD = "Formatrice-Kaweni-2026"
TRAINEE_PASSWORD = "Zainaba-Emarge-2026"
OTHER_PASSWORD = "Mohamed-Absent-2026"
# Long enough for the servers to poll, sign and render: the test never runs near midnight,
# where the trainer's « today » and the slot's date could part.
MIDNIGHT_MARGIN = datetime.timedelta(minutes=5)


def _slot_hours_around(now: datetime.datetime) -> tuple[datetime.time, datetime.time]:
    """A slot of today, on the half hour, whose signing window (30 min either side) holds ``now``."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    floored = now.replace(minute=30 if now.minute >= 30 else 0, second=0, microsecond=0)
    start = max(midnight, floored - datetime.timedelta(minutes=30))
    end = min(midnight + datetime.timedelta(hours=23, minutes=59), start + datetime.timedelta(hours=2))
    return start.time(), end.time()


def _away_from_midnight() -> datetime.datetime:
    now = timezone.localtime()
    next_midnight = (now + datetime.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    if next_midnight - now < MIDNIGHT_MARGIN:
        time.sleep((next_midnight - now).total_seconds() + 1)
        now = timezone.localtime()
    return now


@pytest.fixture
def course_day():
    now = _away_from_midnight()
    today = now.date()
    programme = ProgrammeFactory(title="Assistant de vie aux familles", slug="assistant-de-vie-aux-familles")
    site = SiteFactory(name="Centre CNAM de Kawéni", commune="mamoudzou")
    session = SessionFactory(
        programme=programme,
        site=site,
        reference="2026-ADVF-MAM-01",
        start_date=today,
        end_date=today + datetime.timedelta(days=90),
    )
    start, end = _slot_hours_around(now)
    slot = SlotFactory(session=session, date=today, start_time=start, end_time=end)
    trainer = TrainerFactory(
        sessions=[session],
        user__username="nadia.madi@cnam-mayotte.fr",
        user__email="nadia.madi@cnam-mayotte.fr",
        user__password=TRAINER_PASSWORD,
        user__first_name="Nadia",
        user__last_name="Madi",
    )
    signer = ApplicationFactory(
        session=session,
        enrolled=True,
        applicant=ApplicantFactory(
            username="zainaba.attoumani@example.yt",
            email="zainaba.attoumani@example.yt",
            password=TRAINEE_PASSWORD,
            profile__first_name="Zaïnaba",
            profile__last_name="Attoumani",
        ),
    )
    absentee = ApplicationFactory(
        session=session,
        enrolled=True,
        applicant=ApplicantFactory(
            username="mohamed.said@example.yt",
            email="mohamed.said@example.yt",
            password=OTHER_PASSWORD,
            profile__first_name="Mohamed",
            profile__last_name="Saïd",
        ),
    )
    return {"slot": slot, "trainer": trainer, "signer": signer, "absentee": absentee}


def _sign_in(page, login: str, password: str) -> None:
    page.locator("input[name='login']").fill(login)
    page.locator("input[name='password']").fill(password)
    page.locator("main form").get_by_role("button", name=re.compile("connecter", re.I)).click()


def _scan(page, sheet: AttendanceSheet) -> tuple[str, str]:
    """The signing URL the sheet's QR code holds, read from a picture of it, and the code shown beside it.

    The script swaps the code in every few seconds: a picture and a code read across a change of
    step do not belong together, and are read again.
    """
    for _attempt in range(3):
        digits = re.sub(r"\D", "", page.locator(".attendance-code__digits").inner_text())
        url = read_qr(page.locator(".attendance-qr svg").screenshot())
        token = urlsplit(url).path.removeprefix("/emargement/").rstrip("/")
        parsed = codes.token_parse(token)
        assert parsed is not None, f"The QR code holds {url!r}, not a signing address."
        if codes.code_for(sheet.secret, parsed.step) == digits:
            return url, digits
    raise AssertionError("The 6-digit code shown never matched the QR code's step.")


def _pdf_text(pdf: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\xa0", " "))


def test_a_trainee_scans_signs_and_downloads_the_month_statement(page, new_context, portal, course_day):
    base = portal.url
    slot, trainer, signer, absentee = (course_day[key] for key in ("slot", "trainer", "signer", "absentee"))
    times = slot_times(slot)

    # 1. The trainer signs in on their phone and lands on their space, today's slot listed.
    page.goto(f"{base}/compte/login/")
    _sign_in(page, "nadia.madi@cnam-mayotte.fr", TRAINER_PASSWORD)
    expect(page).to_have_url(f"{base}/formateur/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Espace formateur")
    card = page.locator(".fr-card", has_text=f"{times} — Assistant de vie aux familles")
    expect(card).to_contain_text("2026-ADVF-MAM-01")
    assert layout_problems(page, "main .fr-card button") == []

    # 2. Opening the sheet shows the QR code and the 6-digit code, and the two people to sign.
    card.get_by_role("button", name="Ouvrir la feuille").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Feuille d'émargement")
    sheet = AttendanceSheet.objects.get(slot=slot)
    expect(page).to_have_url(f"{base}/formateur/feuilles/{sheet.pk}/")
    expect(page.locator(".attendance-qr svg")).to_be_visible()
    expect(page.locator("#presences")).to_have_text("Signatures : 0 sur 2 personnes inscrites")
    assert layout_problems(page, ".attendance-qr svg") == []
    sign_url, digits = _scan(page, sheet)
    assert sign_url.startswith(f"{base}/emargement/{sheet.pk}-")
    assert len(digits) == 6
    expect(page.locator(".attendance-code__digits")).to_have_attribute(
        "aria-label", re.compile(r"Code à 6 chiffres( \d){6}")
    )
    # Nothing reloads the trainer's page from here on: the names come in through the script.
    page.evaluate("() => { window.sameSheetPage = true; }")

    # 3. The trainee scans the code with another phone: signed in when asked, then signs.
    trainee = new_context().new_page()
    trainee.goto(sign_url)
    expect(trainee).to_have_url(f"{base}/compte/login/?next={quote(urlsplit(sign_url).path)}")
    _sign_in(trainee, "zainaba.attoumani@example.yt", TRAINEE_PASSWORD)
    expect(trainee).to_have_url(sign_url)
    expect(trainee.locator("main")).to_contain_text("2026-ADVF-MAM-01")
    assert layout_problems(trainee, "main form button") == []
    trainee.get_by_role("button", name="Je signe ma présence").click()
    expect(trainee).to_have_url(f"{base}/emargement/")
    expect(trainee.locator("main")).to_contain_text(
        f"Votre présence est enregistrée : Assistant de vie aux familles, le {date_long(slot.date)}, {times}"
    )
    assert layout_problems(trainee, "main form [type=submit]") == []

    # 4. The trainer sees the name signed within a few polls, on the same page.
    signed_row = page.locator(f"#personne-{signer.pk}")
    expect(signed_row).to_contain_text("ATTOUMANI Zaïnaba")
    expect(signed_row).to_contain_text(re.compile(r"Signé à \d{1,2} h \d{2}"), timeout=10_000)
    expect(page.locator("#presences")).to_have_text("Signatures : 1 sur 2 personnes inscrites")
    assert page.evaluate("() => window.sameSheetPage === true"), "The sheet's page reloaded."
    signed_line = Attendance.objects.get(sheet=sheet, application=signer)
    expect(signed_row).to_contain_text(f"Signé à {time_short(signed_line.signed_at)}")

    # 5. The other person did not come: marked absent.
    absent_row = page.locator(f"#personne-{absentee.pk}")
    expect(absent_row).to_contain_text("Pas encore signé")
    absent_row.get_by_role("button", name="Absent", exact=True).click()
    expect(page.locator(".fr-alert--success[role='status']")).to_have_text("SAÏD Mohamed : Absent.")
    expect(page.locator(f"#personne-{absentee.pk} .fr-badge--error")).to_have_text("Absent")

    # 6. Closing the sheet asks for the trainer's password again: the countersignature.
    page.get_by_role("link", name="Clore et contresigner la feuille").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clore et contresigner la feuille")
    expect(page.locator("main .fr-alert--warning")).to_have_count(0)
    assert layout_problems(page, "main form [type=submit]") == []
    page.locator("input[name='password']").fill(TRAINER_PASSWORD)
    page.get_by_role("button", name="Clore et contresigner", exact=True).click()
    expect(page).to_have_url(f"{base}/formateur/feuilles/{sheet.pk}/")
    expect(page.locator("main")).to_contain_text("Feuille close et contresignée par Nadia Madi le")
    expect(page.locator(".attendance-qr")).to_have_count(0)

    sheet.refresh_from_db()
    assert sheet.state == AttendanceSheet.State.CLOSED
    assert sheet.countersigned_by_id == trainer.user_id
    lines = {line.application_id: line for line in Attendance.objects.filter(sheet=sheet)}
    assert lines[signer.pk].status == AttendanceStatus.PRESENT
    assert lines[signer.pk].signed_at is not None
    assert lines[absentee.pk].status == AttendanceStatus.ABSENT
    assert lines[absentee.pk].signed_at is None
    assert lines[absentee.pk].marked_by_id == trainer.user_id
    # The servers sign with the deployment's key.
    with override_settings(SECRET_KEY=portal.secret_key):
        assert sheet.countersignature == codes.countersignature_for(
            sheet_id=sheet.pk,
            user_id=trainer.user_id,
            closed_at=sheet.closed_at,
            lines=[(pk, line.status) for pk, line in lines.items()],
        )
        assert codes.signature_is_valid(
            sheet_id=sheet.pk,
            application_id=signer.pk,
            signed_at=lines[signer.pk].signed_at,
            signature=lines[signer.pk].signature,
        )
    assert Participation.objects.filter(application=signer).exists()
    assert not Participation.objects.filter(application=absentee).exists()

    # 7. The trainee asks for this month's statement, comes back once it is ready, downloads it.
    trainee.goto(f"{base}/suivi/")
    expect(trainee.get_by_role("heading", level=1)).to_have_text("Mon suivi de formation")
    statement = trainee.get_by_role("link", name=re.compile(re.escape(f"État de présence — {month_label(slot.date)}")))
    expect(statement).to_contain_text("PDF, préparé à la demande")
    statement.click()
    expect(trainee).to_have_url(f"{base}/suivi/")
    expect(trainee.locator("main")).to_contain_text("Votre document est en cours de préparation")
    for _attempt in range(30):
        if "PDF — version" in statement.inner_text():
            break
        trainee.wait_for_timeout(1000)
        trainee.reload()
    expect(statement).to_contain_text("PDF — version 1")
    assert layout_problems(trainee, "main a.fr-link--download") == []
    with trainee.expect_download() as download_info:
        statement.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    pdf = download.path().read_bytes()
    assert pdf.startswith(b"%PDF")

    text = _pdf_text(pdf)
    hours = hours_text(slot.hours)
    # The pages keep each time unbroken (no-break spaces); the PDF writes plain ones.
    pdf_times = times.replace("\u00a0", " ")
    assert f"État de présence mensuel — {month_label(slot.date)}" in text
    assert "Zaïnaba Attoumani" in text
    assert "2026-ADVF-MAM-01" in text
    assert f"{date_long(slot.date)} {pdf_times} Centre CNAM de Kawéni" in text
    assert f"Présent {hours} {hours}" in text
    assert "Total : 1 créneau" in text
    assert "Mohamed" not in text
