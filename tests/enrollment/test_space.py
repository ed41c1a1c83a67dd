"""The applicant space: the list, the detail, documents, withdrawal, offers and the certificate."""

import datetime
import zoneinfo

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from enrollment.models import (
    Application,
    ApplicationDocument,
    ApplicationStatusChange,
    EnrollmentCertificate,
)
from enrollment.services import calendars as calendar_services
from tests.factories import ApplicantProfileFactory, ApplicationFactory, SessionFactory, UserFactory
from tests.helpers import PDF_BYTES

pytestmark = pytest.mark.django_db

MAYOTTE = zoneinfo.ZoneInfo("Indian/Mayotte")
Status = Application.Status


@pytest.fixture
def applicant(client):
    profile = ApplicantProfileFactory()
    client.force_login(profile.user)
    return profile.user


def _detail(application):
    return reverse("enrollment:detail", kwargs={"reference": application.reference})


def _document(application, content=PDF_BYTES, name="Mon CV.pdf", content_type="application/pdf"):
    document = ApplicationDocument(
        application=application,
        kind="cv",
        original_name=name,
        content_type=content_type,
        size=len(content),
        sha256="0" * 64,
    )
    document.file.save("piece.pdf", ContentFile(content), save=False)
    document.save()
    return document


def test_space_lists_only_my_applications_with_status_and_next_step(client, applicant):
    mine = ApplicationFactory(applicant=applicant, session=SessionFactory(programme__title="Comptabilité et gestion"))
    theirs = ApplicationFactory(session=SessionFactory(programme__title="Électricité du bâtiment"))
    response = client.get(reverse("enrollment:space"))
    html = response.content.decode()
    assert reverse("enrollment:space") == "/candidatures/"
    assert "Comptabilité et gestion" in html
    assert "Électricité du bâtiment" not in html
    assert theirs.reference not in html
    assert 'class="fr-badge fr-badge--sm fr-badge--info"' in html
    assert "Votre candidature est en cours d&#x27;examen." in html
    assert _detail(mine) in html


def test_waitlist_rank_is_given_in_words(client, applicant):
    session = SessionFactory()
    start = timezone.now() - datetime.timedelta(days=5)
    for hours in (0, 1):
        ApplicationFactory(
            session=session, status=Status.WAITLISTED, waitlisted_at=start + datetime.timedelta(hours=hours)
        )
    ApplicationFactory(
        session=session,
        status=Status.WAITLISTED,
        waitlisted_at=start + datetime.timedelta(hours=2),
        applicant=applicant,
    )
    ApplicationFactory(session=session, status=Status.WAITLISTED, waitlisted_at=start + datetime.timedelta(hours=3))
    html = client.get(reverse("enrollment:space")).content.decode()
    assert "Vous êtes 3e sur la liste d&#x27;attente." in html


def test_offer_deadline_is_given_in_mayotte_time(client, applicant):
    deadline = datetime.datetime(2030, 12, 12, 18, 0, tzinfo=MAYOTTE)
    ApplicationFactory(applicant=applicant, offered=True, offer_expires_at=deadline)
    html = client.get(reverse("enrollment:space")).content.decode()
    assert "Une place vous est proposée : répondez avant le 12 décembre 2030 à 18 h 00." in html


def _space_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("enrollment:space")).status_code == 200
    return len(queries)


def test_space_runs_a_fixed_number_of_queries(client, applicant, django_capture_on_commit_callbacks):
    statuses = [Status.ENROLLED, Status.SUBMITTED, Status.WAITLISTED, Status.OFFERED, Status.REJECTED]
    # A seat held: the space shows the private calendar's address (made on the first visit, once).
    calendar_services.calendar_feed_get(user=applicant)

    def add(n):
        for index in range(n):
            status = statuses[index % len(statuses)]
            extra = {}
            if status == Status.WAITLISTED:
                extra["waitlisted_at"] = timezone.now()
            if status == Status.OFFERED:
                extra["offer_expires_at"] = timezone.now() + datetime.timedelta(days=1)
            if status == Status.REJECTED:
                extra["rejection_reason"] = "Dossier incomplet."
            ApplicationFactory(applicant=applicant, status=status, **extra)

    # Each change commits, making the kept page stale: every request below renders it.
    with django_capture_on_commit_callbacks(execute=True):
        add(2)
    with_two = _space_queries(client)
    with django_capture_on_commit_callbacks(execute=True):
        add(8)
    with_ten = _space_queries(client)
    assert with_two == with_ten
    # user, applications (with waitlist ranks), profile, calendar address, VAE requests; the session
    # comes from the cache.
    assert with_ten == 5


def test_detail_shows_history_and_documents(client, applicant):
    application = ApplicationFactory(applicant=applicant, status=Status.WAITLISTED, waitlisted_at=timezone.now())
    ApplicationStatusChange.objects.create(application=application, from_status="", to_status=Status.SUBMITTED)
    ApplicationStatusChange.objects.create(
        application=application, from_status=Status.SUBMITTED, to_status=Status.WAITLISTED, reason="Session complète."
    )
    document = _document(application)
    html = client.get(_detail(application)).content.decode()
    assert "Reçue → Sur liste d&#x27;attente" in html
    assert "Session complète." in html
    assert reverse("enrollment:document", kwargs={"reference": application.reference, "pk": document.pk}) in html
    assert "Vous êtes en tête de la liste d&#x27;attente." in html


def test_document_download_is_an_attachment_with_the_checked_type(client, applicant):
    application = ApplicationFactory(applicant=applicant)
    document = _document(application, name="Mon CV.pdf")
    response = client.get(f"/candidatures/{application.reference}/documents/{document.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Mon CV.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_someone_elses_application_document_and_certificate_answer_404(client, applicant):
    other = ApplicationFactory(status=Status.ENROLLED)
    document = _document(other)
    EnrollmentCertificate.objects.create(application=other, state=EnrollmentCertificate.State.READY)
    mine = ApplicationFactory(applicant=applicant)
    reference = other.reference
    assert client.get(_detail(other)).status_code == 404
    assert client.get(f"/candidatures/{reference}/documents/{document.pk}/").status_code == 404
    # My reference with their document's id: still not mine.
    assert client.get(f"/candidatures/{mine.reference}/documents/{document.pk}/").status_code == 404
    assert client.get(reverse("enrollment:certificate", kwargs={"reference": reference})).status_code == 404
    assert (
        client.post(reverse("enrollment:withdraw", kwargs={"reference": reference}), {"confirm": "on"}).status_code
        == 404
    )
    assert (
        client.post(
            reverse("enrollment:offer_answer", kwargs={"reference": reference}), {"answer": "accepter"}
        ).status_code
        == 404
    )
    other.refresh_from_db()
    assert other.status == Status.ENROLLED


def test_pages_require_login(client):
    application = ApplicationFactory()
    for url in (reverse("enrollment:space"), _detail(application)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


def test_withdraw_needs_the_confirmation_then_withdraws(client, applicant):
    application = ApplicationFactory(applicant=applicant)
    url = reverse("enrollment:withdraw", kwargs={"reference": application.reference})
    refused = client.post(url, {"reason": "Je déménage."})
    assert refused.status_code == 200
    assert "Cochez la case pour confirmer le retrait" in refused.content.decode()
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED

    response = client.post(url, {"confirm": "on", "reason": "Je déménage."}, follow=True)
    application.refresh_from_db()
    assert application.status == Status.WITHDRAWN
    change = application.history.get(to_status=Status.WITHDRAWN)
    assert change.reason == "Je déménage."
    html = response.content.decode()
    assert f"Votre candidature {application.reference} est retirée." in html
    assert 'action="' + url not in html  # nothing left to withdraw


def test_withdrawing_a_closed_application_is_refused_with_a_message(client, applicant):
    application = ApplicationFactory(applicant=applicant, status=Status.REJECTED, rejection_reason="Dossier incomplet.")
    url = reverse("enrollment:withdraw", kwargs={"reference": application.reference})
    response = client.post(url, {"confirm": "on"}, follow=True)
    assert "ne peut pas être retirée" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Status.REJECTED


def _french_date(day) -> str:
    from core.formatting import date_long

    return date_long(day)


def _offered(applicant, hours):
    return ApplicationFactory(
        applicant=applicant,
        status=Status.OFFERED,
        offered_at=timezone.now() - datetime.timedelta(hours=1),
        offer_expires_at=timezone.now() + datetime.timedelta(hours=hours),
    )


def test_accept_an_offer_before_its_deadline(client, applicant):
    application = _offered(applicant, 24)
    html = client.get(_detail(application)).content.decode()
    assert "J'accepte la place" in html
    url = reverse("enrollment:offer_answer", kwargs={"reference": application.reference})
    response = client.post(url, {"answer": "accepter"}, follow=True)
    application.refresh_from_db()
    assert application.status == Status.ACCEPTED
    assert "Vous avez accepté la place" in response.content.decode()


def test_accepting_an_offer_is_one_post(client, applicant):
    application = _offered(applicant, 24)
    response = client.post(
        reverse("enrollment:offer_answer", kwargs={"reference": application.reference}), {"answer": "accepter"}
    )
    assert response.status_code == 302
    assert response.url == _detail(application)
    application.refresh_from_db()
    assert application.status == Status.ACCEPTED


def test_refusing_an_offer_asks_for_confirmation_naming_what_is_lost(client, applicant):
    application = _offered(applicant, 24)
    confirm_url = reverse("enrollment:offer_decline", kwargs={"reference": application.reference})
    assert confirm_url == f"/candidatures/{application.reference}/offre/refuser/"
    detail = client.get(_detail(application)).content.decode()
    assert f'href="{confirm_url}">Refuser la place</a>' in detail

    # The old one-tap answer no longer refuses: it leads to the confirmation.
    response = client.post(
        reverse("enrollment:offer_answer", kwargs={"reference": application.reference}), {"answer": "refuser"}
    )
    assert response.status_code == 302
    assert response.url == confirm_url
    application.refresh_from_db()
    assert application.status == Status.OFFERED

    page = client.get(confirm_url)
    assert page.status_code == 200
    html = page.content.decode()
    session = application.session
    assert application.session.programme.title in html
    assert f"Session du {_french_date(session.start_date)} au {_french_date(session.end_date)}" in html
    assert str(session.site) in html
    assert "proposée à la personne suivante sur la liste d'attente" in html
    assert "vous ne pourrez pas la récupérer" in html
    assert '<button type="submit" name="confirm" value="oui" class="fr-btn" id="id_confirm">' in html
    assert "Oui, je refuse la place" in html
    assert f'<a class="fr-btn fr-btn--secondary" href="{_detail(application)}">Non, revenir</a>' in html
    application.refresh_from_db()
    assert application.status == Status.OFFERED


def test_a_post_without_the_confirmation_does_not_refuse(client, applicant):
    application = _offered(applicant, 24)
    confirm_url = reverse("enrollment:offer_decline", kwargs={"reference": application.reference})
    for data in ({}, {"confirm": "non"}, {"answer": "refuser"}):
        response = client.post(confirm_url, data)
        assert response.status_code == 200
        html = response.content.decode()
        assert "<title>Erreur : " in html
        assert "appuyez sur « Oui, je refuse la place »" in html
        application.refresh_from_db()
        assert application.status == Status.OFFERED


def test_decline_an_offer_after_confirming(client, applicant):
    application = _offered(applicant, 24)
    confirm_url = reverse("enrollment:offer_decline", kwargs={"reference": application.reference})
    response = client.post(confirm_url, {"confirm": "oui"}, follow=True)
    assert response.redirect_chain[-1][0] == _detail(application)
    application.refresh_from_db()
    assert application.status == Status.WITHDRAWN
    assert "Vous avez refusé la place proposée : elle passe à la personne suivante" in response.content.decode()
    # Nothing left to refuse: the confirmation page now only says so.
    again = client.get(confirm_url, follow=True)
    assert again.redirect_chain[-1][0] == _detail(application)
    assert "Aucune place n&#x27;est proposée pour la candidature" in again.content.decode()


def test_the_confirmation_of_an_expired_or_foreign_offer(client, applicant):
    expired = _offered(applicant, -1)
    url = reverse("enrollment:offer_decline", kwargs={"reference": expired.reference})
    for response in (client.get(url, follow=True), client.post(url, {"confirm": "oui"}, follow=True)):
        assert response.redirect_chain[-1][0] == _detail(expired)
        assert "Le délai pour répondre à cette offre a expiré" in response.content.decode()
    expired.refresh_from_db()
    assert expired.status == Status.OFFERED  # the expiry sweep passes the seat on, not the applicant

    foreign = _offered(ApplicantProfileFactory().user, 24)
    url = reverse("enrollment:offer_decline", kwargs={"reference": foreign.reference})
    assert client.get(url).status_code == 404
    assert client.post(url, {"confirm": "oui"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == Status.OFFERED


def test_an_expired_offer_can_no_longer_be_accepted_or_declined(client, applicant):
    application = _offered(applicant, -1)
    html = client.get(_detail(application)).content.decode()
    assert "J'accepte la place" not in html
    assert "Le délai pour répondre à la place proposée a expiré" in html

    url = reverse("enrollment:offer_answer", kwargs={"reference": application.reference})
    response = client.post(url, {"answer": "refuser"}, follow=True)
    assert "Le délai pour répondre à cette offre a expiré" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Status.OFFERED

    response = client.post(url, {"answer": "accepter"}, follow=True)
    assert "Le délai pour accepter cette place est dépassé" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Status.EXPIRED


def test_ready_certificate_downloads_as_pdf(client, applicant):
    application = ApplicationFactory(applicant=applicant, enrolled=True)
    certificate = EnrollmentCertificate(application=application, state=EnrollmentCertificate.State.READY)
    certificate.file.save("attestation.pdf", ContentFile(PDF_BYTES), save=False)
    certificate.save()
    url = reverse("enrollment:certificate", kwargs={"reference": application.reference})
    assert url == f"/candidatures/{application.reference}/attestation.pdf"
    assert url in client.get(_detail(application)).content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"] == f'attachment; filename="attestation-inscription-{application.reference}.pdf"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_pending_certificate_asks_to_come_back(client, applicant):
    application = ApplicationFactory(applicant=applicant, enrolled=True)
    EnrollmentCertificate.objects.create(application=application, state=EnrollmentCertificate.State.PENDING)
    url = reverse("enrollment:certificate", kwargs={"reference": application.reference})
    response = client.get(url, follow=True)
    assert response.redirect_chain[-1][0] == _detail(application)
    assert "en cours de préparation, revenez dans quelques instants" in response.content.decode()


def test_missing_certificate_is_requested(client, applicant, django_capture_on_commit_callbacks):
    application = ApplicationFactory(applicant=applicant, enrolled=True)
    url = reverse("enrollment:certificate", kwargs={"reference": application.reference})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.get(url, follow=True)
    assert EnrollmentCertificate.objects.filter(application=application).exists()
    assert len(callbacks) == 1
    assert "en cours de préparation" in response.content.decode()


def test_no_certificate_before_enrollment(client, applicant):
    application = ApplicationFactory(applicant=applicant, status=Status.ACCEPTED)
    response = client.get(reverse("enrollment:certificate", kwargs={"reference": application.reference}), follow=True)
    assert "sera disponible une fois votre inscription confirmée" in response.content.decode()
    assert not EnrollmentCertificate.objects.exists()


def test_a_user_without_profile_sees_the_invitation_to_complete_it(client):
    client.force_login(UserFactory())
    html = client.get(reverse("enrollment:space")).content.decode()
    assert "Complétez votre profil" in html
    assert "Vous n'avez pas encore de candidature." in html
