"""Submission rules and staff decisions: every move, allowed and refused, with history and seats."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.models import Notification
from enrollment.models import Application, ApplicationStatus, ApplicationStatusChange, EnrollmentCertificate
from enrollment.seats import session_seat_count
from enrollment.selectors import ELIGIBLE
from enrollment.services import applications, certificates
from partners.models import Convention
from programs.models import Programme, QualificationLevel, Session
from tests.factories import (
    ApplicantFactory,
    ApplicationFactory,
    ConventionFactory,
    PartnerFactory,
    SeatAllocationFactory,
    SessionFactory,
    StaffUserFactory,
    UserFactory,
)
from tests.helpers import refused

pytestmark = pytest.mark.django_db
S = ApplicationStatus


def submit(user=None, session=None, **kwargs):
    kwargs.setdefault("motivation", "Je souhaite obtenir une qualification reconnue pour évoluer.")
    return applications.application_submit(
        user=user or ApplicantFactory(), session=session or SessionFactory(), **kwargs
    )


# --- Submission -----------------------------------------------------------------------------------


def test_submit_records_application_history_and_acknowledgement(django_capture_on_commit_callbacks):
    user = ApplicantFactory(profile__first_name="Zaïnaba", profile__last_name="Abdallah")
    session = SessionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        application = submit(user=user, session=session, motivation="  Reprendre mes études.  ")

    assert application.status == S.SUBMITTED
    assert application.channel == Application.Channel.ONLINE
    assert application.motivation == "Reprendre mes études."
    year = timezone.localdate().year
    assert application.reference.startswith(f"CAND-{year}-") and len(application.reference) == 16
    history = list(application.history.values_list("from_status", "to_status", "changed_by"))
    assert history == [("", S.SUBMITTED, user.pk)]
    notification = Notification.objects.get(application=application)
    assert notification.template == "application_received"
    assert notification.state == Notification.State.SENT
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    assert application.reference in mail.outbox[0].subject


def test_references_are_unique_and_retry_on_collision(monkeypatch):
    taken = ApplicationFactory(reference="CAND-2026-123456")
    draws = iter(["CAND-2026-123456", "CAND-2026-654321"])
    # The pre-check sees the collision; the insert is also protected by the unique index.
    monkeypatch.setattr("enrollment.references.draw_application_reference", lambda **kw: next(draws))
    application = submit()
    assert application.reference == "CAND-2026-654321" != taken.reference


def test_reference_race_at_insert_draws_again(monkeypatch):
    ApplicationFactory(reference="CAND-2026-111111")
    references = iter(["CAND-2026-111111", "CAND-2026-222222"])
    # Simulate another submission winning the reference between the check and the insert.
    monkeypatch.setattr(applications, "free_application_reference", lambda: next(references))
    assert submit().reference == "CAND-2026-222222"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"state": Session.State.DRAFT}, "n'accepte pas de candidatures"),
        # The service says why, in the words of the application page (one rule: application_eligibility).
        ({"state": Session.State.CANCELLED}, "Cette session a été annulée : elle ne reçoit plus de candidatures."),
        ({"applications_close_at_days": -1}, "Les candidatures pour cette session sont closes depuis le"),
        ({"applications_open_at_days": 5}, "Les candidatures pour cette session ouvriront le"),
    ],
)
def test_submit_refused_when_session_not_open(change, expected):
    now = timezone.now()
    kwargs = {}
    if "state" in change:
        kwargs["state"] = change["state"]
    if "applications_close_at_days" in change:
        kwargs["applications_open_at"] = now - datetime.timedelta(days=20)
        kwargs["applications_close_at"] = now + datetime.timedelta(days=change["applications_close_at_days"])
    if "applications_open_at_days" in change:
        kwargs["applications_open_at"] = now + datetime.timedelta(days=change["applications_open_at_days"])
        kwargs["applications_close_at"] = now + datetime.timedelta(days=30)
    session = SessionFactory(**kwargs)
    assert expected in refused(submit, session=session)
    assert not Application.objects.exists()


def test_submit_refused_for_unpublished_programme():
    session = SessionFactory(programme__status=Programme.Status.DRAFT)
    assert "n'accepte pas de candidatures" in refused(submit, session=session)


def test_submit_refused_on_session_reserved_for_a_partner():
    session = SessionFactory(reserved_for=PartnerFactory())
    assert "réservée aux agents d'un partenaire" in refused(submit, session=session)


def test_submit_refused_twice_for_same_person_and_session():
    user, session = ApplicantFactory(), SessionFactory()
    submit(user=user, session=session)
    assert "déjà une candidature en cours" in refused(submit, user=user, session=session)
    assert Application.objects.count() == 1


def test_submit_allowed_again_after_withdrawal():
    user, session = ApplicantFactory(), SessionFactory()
    first = submit(user=user, session=session)
    applications.application_withdraw(application=first, by=user)
    second = submit(user=user, session=session)
    assert second.pk != first.pk


def test_partial_unique_constraint_is_the_last_word(monkeypatch):
    """Two submissions racing past the check: the database refuses the second, same French message."""
    user, session = ApplicantFactory(), SessionFactory()
    submit(user=user, session=session)
    monkeypatch.setattr(applications, "application_eligibility", lambda **kw: ELIGIBLE)
    message = refused(submit, user=user, session=session)
    assert "déjà une candidature en cours" in message
    assert Application.objects.count() == 1


def test_submit_refused_without_profile_or_incomplete_profile():
    no_profile = UserFactory()
    assert "Complétez votre profil" in refused(submit, user=no_profile)
    incomplete = ApplicantFactory(profile__phone="")
    assert "Complétez votre profil" in refused(submit, user=incomplete)


@pytest.mark.parametrize(
    ("motivation", "expected"),
    [("", "Expliquez votre motivation"), ("   ", "Expliquez votre motivation"), ("x" * 3001, "dépasse 3000")],
)
def test_submit_refused_on_motivation(motivation, expected):
    assert expected in refused(submit, motivation=motivation)


def test_motivation_of_3000_characters_is_accepted():
    assert len(submit(motivation="x" * 3000).motivation) == 3000


def test_a_justification_longer_than_the_form_allows_is_refused_by_the_service_too():
    user = ApplicantFactory(profile__highest_level=QualificationLevel.LEVEL_3)
    session = SessionFactory(programme__entry_level=QualificationLevel.LEVEL_4)
    before = Application.objects.count()
    message = refused(submit, user=user, session=session, entry_route="derogation", entry_justification="x" * 3001)
    assert "Votre explication dépasse 3000 caractères (3001)" in message
    assert Application.objects.count() == before
    assert submit(user=user, session=session, entry_route="derogation", entry_justification="x" * 3000).pk


def test_direct_route_below_entry_level_is_refused_with_the_way_out():
    user = ApplicantFactory(profile__highest_level=QualificationLevel.LEVEL_3)
    session = SessionFactory(programme__entry_level=QualificationLevel.LEVEL_4)
    message = refused(submit, user=user, session=session)
    assert "dérogation" in message and "VAE" in message
    application = submit(
        user=user, session=session, entry_route="derogation", entry_justification="Dix ans d'expérience en BTP."
    )
    assert application.entry_route == "derogation"


def test_derogation_or_vae_needs_a_justification():
    user = ApplicantFactory(profile__highest_level=QualificationLevel.LEVEL_3)
    session = SessionFactory(programme__vae_available=True)
    assert "Expliquez votre demande" in refused(submit, user=user, session=session, entry_route="derogation")
    assert "Expliquez votre demande" in refused(
        submit, user=user, session=session, entry_route="vae", entry_justification="  "
    )


def test_vae_refused_when_programme_does_not_offer_it():
    session = SessionFactory(programme__vae_available=False)
    message = refused(submit, session=session, entry_route="vae", entry_justification="Expérience.")
    assert "pas accessible par la VAE" in message
    vae_session = SessionFactory(programme__vae_available=True)
    assert submit(session=vae_session, entry_route="vae", entry_justification="Expérience.").entry_route == "vae"


def test_unknown_entry_route_refused():
    assert "voie d'accès" in refused(submit, entry_route="piston")


# --- Decisions ------------------------------------------------------------------------------------


@pytest.fixture
def staff():
    return StaffUserFactory()


def last_change(application) -> ApplicationStatusChange:
    return application.history.order_by("-pk").first()


def test_accept_takes_a_seat_and_writes_history_and_notification(staff):
    session = SessionFactory(capacity=2)
    application = ApplicationFactory(session=session)
    applications.application_accept(application=application, by=staff)
    assert application.status == S.ACCEPTED
    assert application.decided_at is not None
    change = last_change(application)
    assert (change.from_status, change.to_status, change.changed_by) == (S.SUBMITTED, S.ACCEPTED, staff)
    assert Notification.objects.get(application=application).template == "application_accepted"
    assert session_seat_count(session_id=session.pk).taken == 1


def test_accept_from_waitlist(staff):
    session = SessionFactory(capacity=1)
    application = ApplicationFactory(session=session, status=S.WAITLISTED)
    applications.application_accept(application=application, by=staff)
    assert application.status == S.ACCEPTED


@pytest.mark.parametrize("status", [S.ACCEPTED, S.OFFERED, S.ENROLLED, S.REJECTED, S.WITHDRAWN, S.EXPIRED, S.CANCELLED])
def test_accept_refused_from_other_statuses(staff, status):
    application = ApplicationFactory(status=status)
    message = refused(applications.application_accept, application=application, by=staff)
    label = ApplicationStatus(status).label
    assert f"ne peut pas être acceptée : son statut actuel est « {label} »" in message
    assert not application.history.exists()


def test_accept_refused_when_session_full_and_capacity_never_exceeded(staff):
    session = SessionFactory(capacity=2, full=True)
    application = ApplicationFactory(session=session)
    message = refused(applications.application_accept, application=application, by=staff)
    assert "Plus aucune place libre dans la session" in message and "liste d'attente" in message
    application.refresh_from_db()
    assert application.status == S.SUBMITTED
    assert session_seat_count(session_id=session.pk).taken == 2


def test_public_accept_cannot_take_seats_reserved_by_a_convention(staff):
    session = SessionFactory(capacity=5)
    SeatAllocationFactory(session=session, seats=3)
    ApplicationFactory.create_batch(2, session=session, status=S.ACCEPTED)
    application = ApplicationFactory(session=session)
    assert "3 réservées aux partenaires" in refused(applications.application_accept, application=application, by=staff)


def test_expired_convention_no_longer_holds_seats(staff):
    session = SessionFactory(capacity=3)
    convention = ConventionFactory(state=Convention.State.EXPIRED)
    SeatAllocationFactory(session=session, convention=convention, seats=3)
    application = ApplicationFactory(session=session)
    applications.application_accept(application=application, by=staff)
    assert application.status == S.ACCEPTED


def test_partner_accept_uses_its_allocation_then_stops(staff):
    session = SessionFactory(capacity=10)
    allocation = SeatAllocationFactory(session=session, seats=2)
    convention = allocation.convention
    partner_apps = [
        ApplicationFactory(session=session, channel=Application.Channel.PARTNER, convention=convention)
        for _ in range(3)
    ]
    applications.application_accept(application=partner_apps[0], by=staff)
    applications.application_accept(application=partner_apps[1], by=staff)
    message = refused(applications.application_accept, application=partner_apps[2], by=staff)
    assert f"convention {convention.reference}" in message and "toutes attribuées" in message


def test_partner_accept_bounded_by_session_capacity(staff):
    session = SessionFactory(capacity=3)
    allocation = SeatAllocationFactory(session=session, seats=3)
    # Capacity lowered after the allocation was granted: the seats physically left win.
    ApplicationFactory.create_batch(3, session=session, status=S.ACCEPTED)
    application = ApplicationFactory(
        session=session, channel=Application.Channel.PARTNER, convention=allocation.convention
    )
    assert "est complète" in refused(applications.application_accept, application=application, by=staff)


def test_waitlist_from_submitted_records_position(staff):
    session = SessionFactory(capacity=1)
    ApplicationFactory(session=session, status=S.WAITLISTED)
    application = ApplicationFactory(session=session)
    applications.application_waitlist(application=application, by=staff)
    assert application.status == S.WAITLISTED and application.waitlisted_at is not None
    notification = Notification.objects.get(application=application)
    assert notification.template == "application_waitlisted"
    assert notification.context == {"position": 2}


def test_waitlisting_an_accepted_application_offers_its_seat(staff):
    session = SessionFactory(capacity=1)
    first_waiting = ApplicationFactory(session=session, status=S.WAITLISTED)
    holder = ApplicationFactory(session=session, status=S.ACCEPTED)
    applications.application_waitlist(application=holder, by=staff)
    first_waiting.refresh_from_db()
    assert first_waiting.status == S.OFFERED
    assert holder.status == S.WAITLISTED


@pytest.mark.parametrize("status", [S.WAITLISTED, S.OFFERED, S.ENROLLED, S.REJECTED, S.WITHDRAWN, S.CANCELLED])
def test_waitlist_refused_from_other_statuses(staff, status):
    application = ApplicationFactory(status=status)
    message = refused(applications.application_waitlist, application=application, by=staff)
    assert f"son statut actuel est « {ApplicationStatus(status).label} »" in message


@pytest.mark.parametrize("status", [S.SUBMITTED, S.ACCEPTED, S.WAITLISTED])
def test_reject_with_reason(staff, status):
    application = ApplicationFactory(status=status)
    applications.application_reject(application=application, by=staff, reason="Prérequis non atteints.")
    assert application.status == S.REJECTED
    assert application.rejection_reason == "Prérequis non atteints."
    assert application.closed_at is not None
    assert last_change(application).reason == "Prérequis non atteints."
    notification = Notification.objects.get(application=application, template="application_refused")
    assert notification.context == {"reason": "Prérequis non atteints."}


def test_reject_needs_a_reason(staff):
    application = ApplicationFactory()
    assert "motif du refus" in refused(applications.application_reject, application=application, by=staff, reason=" ")
    application.refresh_from_db()
    assert application.status == S.SUBMITTED


@pytest.mark.parametrize("status", [S.OFFERED, S.ENROLLED, S.REJECTED, S.WITHDRAWN, S.EXPIRED, S.CANCELLED])
def test_reject_refused_from_other_statuses(staff, status):
    application = ApplicationFactory(status=status)
    message = refused(applications.application_reject, application=application, by=staff, reason="Non.")
    assert "ne peut pas être refusée" in message


def test_rejecting_a_seat_holder_offers_the_seat(staff):
    session = SessionFactory(capacity=1)
    holder = ApplicationFactory(session=session, status=S.ACCEPTED)
    waiting = ApplicationFactory(session=session, status=S.WAITLISTED)
    applications.application_reject(application=holder, by=staff, reason="Dossier non conforme.")
    waiting.refresh_from_db()
    assert waiting.status == S.OFFERED


def test_enroll_accepted_requests_certificate(staff, django_capture_on_commit_callbacks):
    application = ApplicationFactory(status=S.ACCEPTED, applicant=ApplicantFactory())
    with django_capture_on_commit_callbacks(execute=True):
        applications.application_enroll(application=application, by=staff)
    assert application.status == S.ENROLLED and application.enrolled_at is not None
    certificate = EnrollmentCertificate.objects.get(application=application)
    assert certificate.state == EnrollmentCertificate.State.READY
    assert Notification.objects.filter(application=application, template="application_enrolled").exists()


def test_enroll_submitted_when_a_seat_is_free(staff):
    session = SessionFactory(capacity=1)
    application = ApplicationFactory(session=session)
    applications.application_enroll(application=application, by=staff)
    assert application.status == S.ENROLLED
    other = ApplicationFactory(session=session)
    assert "Plus aucune place libre" in refused(applications.application_enroll, application=other, by=staff)


@pytest.mark.parametrize("status", [S.WAITLISTED, S.OFFERED, S.ENROLLED, S.REJECTED, S.WITHDRAWN, S.CANCELLED])
def test_enroll_refused_from_other_statuses(staff, status):
    application = ApplicationFactory(status=status)
    assert "ne peut pas être inscrite" in refused(applications.application_enroll, application=application, by=staff)


@pytest.mark.parametrize("status", [S.SUBMITTED, S.ACCEPTED, S.WAITLISTED, S.OFFERED, S.ENROLLED])
def test_withdraw_by_applicant_from_any_live_status(status):
    application = ApplicationFactory(status=status)
    applications.application_withdraw(application=application, by=application.applicant, reason="Déménagement.")
    assert application.status == S.WITHDRAWN and application.closed_at is not None
    change = last_change(application)
    assert (change.from_status, change.to_status, change.reason) == (status, S.WITHDRAWN, "Déménagement.")


def test_withdraw_by_someone_else_refused(staff):
    application = ApplicationFactory()
    assert "Seul le candidat" in refused(applications.application_withdraw, application=application, by=UserFactory())
    applications.application_withdraw(application=application, by=staff)
    assert application.status == S.WITHDRAWN


@pytest.mark.parametrize("status", [S.REJECTED, S.WITHDRAWN, S.EXPIRED, S.CANCELLED])
def test_withdraw_refused_once_closed(status):
    application = ApplicationFactory(status=status)
    message = refused(applications.application_withdraw, application=application, by=application.applicant)
    assert f"ne peut pas être retirée : son statut actuel est « {ApplicationStatus(status).label} »" in message


@pytest.mark.parametrize("status", [S.SUBMITTED, S.ACCEPTED, S.WAITLISTED, S.OFFERED, S.ENROLLED])
def test_cancel_with_reason(staff, status):
    application = ApplicationFactory(status=status)
    applications.application_cancel(application=application, by=staff, reason="Session fusionnée.")
    assert application.status == S.CANCELLED
    assert Notification.objects.get(application=application).template == "application_cancelled"


def test_cancel_needs_reason_and_live_status(staff):
    application = ApplicationFactory()
    assert "motif de l'annulation" in refused(
        applications.application_cancel, application=application, by=staff, reason=""
    )
    closed = ApplicationFactory(status=S.REJECTED)
    assert "ne peut pas être annulée" in refused(
        applications.application_cancel, application=closed, by=staff, reason="Erreur."
    )


def test_cancelling_a_seat_holder_offers_the_seat(staff):
    session = SessionFactory(capacity=1)
    holder = ApplicationFactory(session=session, status=S.ENROLLED)
    waiting = ApplicationFactory(session=session, status=S.WAITLISTED)
    applications.application_cancel(application=holder, by=staff, reason="Abandon constaté.")
    waiting.refresh_from_db()
    assert waiting.status == S.OFFERED


def test_a_stale_instance_cannot_bypass_the_current_status(staff):
    """The service re-reads the row under lock: a caller's stale copy does not decide."""
    application = ApplicationFactory()
    stale = Application.objects.get(pk=application.pk)
    applications.application_reject(application=application, by=staff, reason="Incomplet.")
    assert "ne peut pas être acceptée" in refused(applications.application_accept, application=stale, by=staff)


def test_seats_never_exceed_capacity_through_any_sequence(staff):
    session = SessionFactory(capacity=3)
    candidates = [ApplicationFactory(session=session) for _ in range(6)]
    for application in candidates:
        try:
            applications.application_accept(application=application, by=staff)
        except ValidationError:
            applications.application_waitlist(application=application, by=staff)
    seats = session_seat_count(session_id=session.pk)
    assert seats.taken == 3
    applications.application_withdraw(application=candidates[0], by=candidates[0].applicant)
    applications.application_cancel(application=candidates[1], by=staff, reason="Erreur de saisie.")
    seats = session_seat_count(session_id=session.pk)
    assert seats.taken == 3  # freed seats went straight to the waiting list as offers
    assert Application.objects.filter(session=session, status=S.OFFERED).count() == 2


def test_certificate_request_only_for_enrolled():
    application = ApplicationFactory(status=S.ACCEPTED)
    assert "inscription confirmée" in refused(certificates.certificate_request, application=application)
