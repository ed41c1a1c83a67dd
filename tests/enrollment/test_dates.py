"""One way of writing dates and times, in Mayotte time: "1er" on the first, "23 h 59" for times.

A page, an email, a PDF and the admin all say the same thing for the same moment.
"""

import datetime
import io
import zoneinfo

import pytest
from django.urls import reverse
from pypdf import PdfReader

from core.models import Notification
from enrollment import documents, notifications
from enrollment.models import ApplicationStatus
from programs.models import Commune, Site
from tests.factories import (
    ApplicationFactory,
    PartnerMemberFactory,
    SeatAllocationFactory,
    SessionFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db

MAYOTTE = zoneinfo.ZoneInfo("Indian/Mayotte")
LATE_EVENING = datetime.datetime(2027, 3, 1, 23, 59, tzinfo=MAYOTTE)
EARLY_MORNING = datetime.datetime(2027, 2, 1, 8, 5, tzinfo=MAYOTTE)


@pytest.fixture
def offered():
    session = SessionFactory(
        start_date=datetime.date(2027, 4, 1),
        end_date=datetime.date(2027, 7, 1),
        site=Site.objects.create(name="Pôle de Sada", commune=Commune.SADA),
    )
    application = ApplicationFactory(
        session=session, status=ApplicationStatus.OFFERED, offer_expires_at=EARLY_MORNING.astimezone(datetime.UTC)
    )
    type(application).objects.filter(pk=application.pk).update(submitted_at=LATE_EVENING.astimezone(datetime.UTC))
    application.refresh_from_db()
    return application


def test_application_page_writes_1er_and_hours_h_minutes(client, offered):
    client.force_login(offered.applicant)

    html = client.get(reverse("enrollment:detail", args=[offered.reference])).content.decode()

    assert "Session du 1er avril 2027 au 1er juillet 2027" in html
    assert "Déposée le 1er mars 2027 à 23 h 59" in html
    assert "Répondez avant le 1er février 2027 à 8 h 05." in html
    assert "H \\h" not in html and "23h59" not in html


def test_space_card_dates_use_the_same_formatter(client, offered):
    client.force_login(offered.applicant)

    html = client.get(reverse("enrollment:space")).content.decode()

    assert "Du 1er avril 2027 au 1er juillet 2027" in html
    assert "répondez avant le 1er février 2027 à 8 h 05" in html


def test_email_subject_and_body_write_the_deadline_as_the_pages_do(offered):
    notification = Notification.objects.create(
        idempotency_key=f"test-seat-offered-{offered.pk}",
        template="seat_offered",
        recipient_email=offered.applicant.email,
        user=offered.applicant,
        application=offered,
        context={"deadline": EARLY_MORNING.astimezone(datetime.UTC).isoformat()},
    )

    email = notifications.render(notification)

    assert email.subject == "[CNAM Mayotte] Une place vous est proposée : répondez avant le 1er février 2027 à 8 h 05"
    assert "jusqu’au 1er février 2027 à 8 h 05 (heure de Mayotte)" in email.text
    assert "du 1er avril 2027 au 1er juillet 2027" in email.text
    assert "1er février 2027 à 8 h 05" in email.html


def test_certificate_pdf_writes_1er(offered):
    enrolled = offered
    enrolled.status = ApplicationStatus.ENROLLED
    enrolled.enrolled_at = LATE_EVENING.astimezone(datetime.UTC)
    enrolled.save(update_fields=["status", "enrolled_at"])

    pdf = documents.render_certificate(enrolled, issued_on=datetime.date(2027, 3, 1))

    text = " ".join("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "du 1er avril 2027 au 1er juillet 2027" in text
    assert "inscription confirmée le 1er mars 2027" in text
    assert "Fait à Mamoudzou, le 1er mars 2027" in text
    assert "(e)" not in text


def test_admin_read_only_dates_and_columns_use_the_formatter(client, offered):

    member = PartnerMemberFactory(invited_at=LATE_EVENING)
    client.force_login(StaffUserFactory())

    change = client.get(reverse("admin:enrollment_application_change", args=[offered.pk])).content.decode()
    listing = client.get(reverse("admin:partners_partnermember_changelist")).content.decode()
    member_page = client.get(reverse("admin:partners_partnermember_change", args=[member.pk])).content.decode()

    assert "1er mars 2027 à 23 h 59" in change  # déposée le
    assert "1er février 2027 à 8 h 05" in change  # réponse attendue avant
    assert "1er mars 2027 à 23 h 59" in listing
    assert "1er mars 2027 à 23 h 59" in member_page
    assert "23:59" not in change + listing + member_page


def test_admin_date_columns_still_sort_on_their_field(client):
    from django.contrib import admin

    from partners.models import PartnerMember

    PartnerMemberFactory(invited_at=LATE_EVENING, full_name="Invitée en mars")
    PartnerMemberFactory(invited_at=EARLY_MORNING, full_name="Invitée en février")
    client.force_login(StaffUserFactory())
    url = reverse("admin:partners_partnermember_changelist")
    column = admin.site.get_model_admin(PartnerMember).list_display.index("invited_at") + 1

    ascending = client.get(url, {"o": str(column)}).content.decode()
    descending = client.get(url, {"o": f"-{column}"}).content.decode()

    assert ascending.index("Invitée en février") < ascending.index("Invitée en mars")
    assert descending.index("Invitée en mars") < descending.index("Invitée en février")


def test_partner_tables_write_short_dates_with_1er(client):

    referent = PartnerMemberFactory()
    session = SessionFactory(start_date=datetime.date(2027, 1, 1), end_date=datetime.date(2027, 6, 1))
    SeatAllocationFactory(convention__partner=referent.partner, session=session, seats=2)
    client.force_login(referent.user)

    html = client.get(reverse("partners:dashboard")).content.decode()

    assert "Du 1er janv. 2027 au 1er juin 2027" in html
