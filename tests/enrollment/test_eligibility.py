"""May this person apply to this session now, and if not why: the one rule (application_eligibility)."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from core.formatting import date_long
from enrollment.models import ApplicationStatus
from enrollment.selectors import application_eligibility, sessions_eligibility
from programs.models import Programme, Session
from tests.factories import ApplicantFactory, ApplicationFactory, PartnerFactory, SessionFactory

pytestmark = pytest.mark.django_db
S = ApplicationStatus


def test_an_open_public_session_takes_the_application():
    verdict = application_eligibility(user=ApplicantFactory(), session=SessionFactory())
    assert verdict.allowed
    assert (verdict.code, verdict.reason, verdict.existing) == ("", "", None)


@pytest.mark.parametrize(
    ("build", "code", "reason", "hidden"),
    [
        (
            lambda now: {"reserved_for": PartnerFactory()},
            "session_reserved",
            "Cette session est réservée aux agents d'un partenaire",
            True,
        ),
        (lambda now: {"state": Session.State.DRAFT}, "session_unpublished", "n'accepte pas de candidatures", True),
        (
            lambda now: {"programme__status": Programme.Status.ARCHIVED},
            "session_unpublished",
            "n'accepte pas de candidatures",
            True,
        ),
        (
            lambda now: {"state": Session.State.CANCELLED},
            "session_cancelled",
            "Cette session a été annulée : elle ne reçoit plus de candidatures.",
            False,
        ),
        (
            lambda now: {
                "applications_open_at": now + datetime.timedelta(days=3),
                "applications_close_at": now + datetime.timedelta(days=30),
            },
            "applications_not_open",
            "Les candidatures pour cette session ouvriront le",
            False,
        ),
        (
            lambda now: {
                "applications_open_at": now - datetime.timedelta(days=30),
                "applications_close_at": now - datetime.timedelta(days=1),
            },
            "applications_closed",
            "Les candidatures pour cette session sont closes depuis le",
            False,
        ),
    ],
)
def test_a_session_that_does_not_take_applications_says_why(build, code, reason, hidden):
    session = SessionFactory(**build(timezone.now()))
    verdict = application_eligibility(user=ApplicantFactory(), session=session)
    assert not verdict.allowed
    assert verdict.code == code
    assert reason in verdict.reason
    assert verdict.hidden is hidden


def test_the_window_names_its_dates():
    now = timezone.now()
    later = SessionFactory(applications_open_at=now + datetime.timedelta(days=3))
    closed = SessionFactory(
        applications_open_at=now - datetime.timedelta(days=30), applications_close_at=now - datetime.timedelta(days=2)
    )
    assert date_long(later.applications_open_at) in application_eligibility(user=None, session=later).reason
    assert date_long(closed.applications_close_at) in application_eligibility(user=None, session=closed).reason


def test_an_application_in_progress_stops_a_second_one_and_is_named():
    session = SessionFactory()
    existing = ApplicationFactory(session=session, status=S.WAITLISTED)
    verdict = application_eligibility(user=existing.applicant, session=session)
    assert not verdict.allowed
    assert verdict.code == "duplicate"
    assert verdict.existing == existing
    assert f"Vous avez déjà une candidature en cours pour cette session ({existing.reference})" in verdict.reason


def test_a_closed_application_does_not_stop_a_new_one():
    session = SessionFactory()
    withdrawn = ApplicationFactory(session=session, status=S.WITHDRAWN)
    assert application_eligibility(user=withdrawn.applicant, session=session).allowed


def test_the_window_is_checked_before_the_application_in_progress():
    session = SessionFactory(state=Session.State.CANCELLED)
    existing = ApplicationFactory(session=session)
    assert application_eligibility(user=existing.applicant, session=session).code == "session_cancelled"


def test_a_visitor_not_signed_in_may_apply_once_signed_in(django_assert_num_queries):
    session = Session.objects.select_related("programme").get(pk=SessionFactory().pk)
    with django_assert_num_queries(0):
        assert application_eligibility(user=AnonymousUser(), session=session).allowed


def test_many_sessions_are_answered_in_one_query(django_assert_num_queries):
    user = ApplicantFactory()
    sessions = [SessionFactory() for _ in range(5)]
    ApplicationFactory(session=sessions[2], applicant=user)
    loaded = list(Session.objects.select_related("programme").filter(pk__in=[s.pk for s in sessions]))
    with django_assert_num_queries(1):
        verdicts = sessions_eligibility(user=user, sessions=loaded)
    assert [verdicts[s.pk].code for s in sessions] == ["", "", "duplicate", "", ""]
