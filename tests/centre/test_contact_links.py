"""Wherever the portal tells people to contact the CNAM, it links to the contact page."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from core.models import Notification
from enrollment import notifications
from enrollment.models import ApplicationStatus
from tests.factories import ApplicantFactory, ApplicationFactory, ProgrammeFactory, UserFactory

pytestmark = pytest.mark.django_db

CONTACT = reverse("centre:contact")
# Emails to CNAM staff themselves (the managers' daily list of absences) send nobody to the contact page.
STAFF_EMAILS = {"absence_digest"}
EMAILS = sorted(
    path.stem
    for path in (Path(settings.BASE_DIR) / "templates" / "emails").glob("*.txt")
    if not path.stem.startswith("_") and path.stem != "base" and path.stem not in STAFF_EMAILS
)


def test_every_email_is_checked():
    assert {"application_received", "application_cancelled", "partner_member_invitation", "vae_stage"} <= set(EMAILS)


@pytest.mark.parametrize("template", EMAILS)
def test_every_email_gives_the_absolute_contact_address(template):
    application = ApplicationFactory(status=ApplicationStatus.ACCEPTED)
    notification = Notification(
        template=template,
        recipient_email=application.applicant.email,
        user=application.applicant,
        application=application,
        subject="[CNAM Mayotte] Essai",
        context={"reason": "Session reportée.", "partner": "Commune de Tsingoni", "needs_claim": False},
    )
    email = notifications.render(notification)

    address = settings.SITE_URL + CONTACT
    assert address.startswith("http")
    assert f"\n{address}" in email.text
    assert f'href="{address}"' in email.html
    assert "contactez le CNAM Mayotte depuis votre espace candidat" not in email.text + email.html


def test_the_cancellation_email_links_its_own_contact_sentence():
    application = ApplicationFactory(status=ApplicationStatus.CANCELLED)
    notification = Notification(
        template="application_cancelled", recipient_email="a@example.yt", application=application, subject="x"
    )
    email = notifications.render(notification)
    address = settings.SITE_URL + CONTACT
    assert f"Pour toute question, contactez l’équipe du CNAM Mayotte :\n{address}" in email.text
    assert f'Pour toute question, <a href="{address}">contactez l’équipe du CNAM Mayotte</a>.' in email.html


def test_account_emails_give_the_contact_address(client):
    user = UserFactory(email="anli@example.yt")
    client.post(reverse("account_reset_password"), {"email": user.email})
    assert len(mail.outbox) == 1
    assert f"{settings.SITE_URL}{CONTACT}" in mail.outbox[0].body


def test_a_programme_without_sessions_links_to_the_contact_page(client):
    programme = ProgrammeFactory()
    html = client.get(programme.get_absolute_url()).content.decode()
    assert f'Revenez bientôt ou <a href="{CONTACT}">contactez le CNAM Mayotte</a>' in html


def test_the_sign_up_confirmation_page_links_to_the_contact_page(client):
    response = client.get(reverse("account_email_verification_sent"))
    assert f'<a href="{CONTACT}">contactez le CNAM Mayotte</a>' in response.content.decode()


def test_the_home_page_and_the_profile_form_lead_to_the_personal_data_page(client):
    privacy = reverse("centre:privacy")
    assert f'href="{privacy}"' in client.get(reverse("home")).content.decode()
    client.force_login(ApplicantFactory())
    assert f'href="{privacy}"' in client.get(reverse("enrollment:profile")).content.decode()
