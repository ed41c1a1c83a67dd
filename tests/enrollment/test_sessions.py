"""Staff editing a session: capacity against the seats given, the waiting list, the certificates."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from pypdf import PdfReader

from enrollment.models import ApplicationStatus, EnrollmentCertificate
from enrollment.services import certificates, sessions
from partners.models import Convention
from programs.models import Session
from tests.factories import (
    ApplicationFactory,
    ConventionFactory,
    SeatAllocationFactory,
    SessionFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db
S = ApplicationStatus


def test_capacity_below_the_seats_given_is_refused_naming_the_numbers_and_nothing_is_saved():
    session = SessionFactory(reference="S-2027-CAP", capacity=10, schedule="Lundi")
    ApplicationFactory.create_batch(4, session=session, status=S.ACCEPTED)
    SeatAllocationFactory(session=session, convention=ConventionFactory(state=Convention.State.SIGNED), seats=3)

    with pytest.raises(ValidationError) as caught:
        sessions.session_update(session=session, data={"capacity": 6, "schedule": "Mardi"}, by=StaffUserFactory())

    assert caught.value.messages == [
        "La session S-2027-CAP ne peut pas passer à 6 places : 4 places sont attribuées et 3 réservées "
        "aux partenaires par convention. Indiquez au moins 7 places."
    ]
    session.refresh_from_db()
    assert (session.capacity, session.schedule) == (10, "Lundi")


def test_capacity_down_to_the_seats_given_is_allowed():
    session = SessionFactory(capacity=10)
    ApplicationFactory.create_batch(4, session=session, status=S.ACCEPTED)
    result = sessions.session_update(session=session, data={"capacity": 4}, by=StaffUserFactory())
    assert result.changed == ("capacity",)
    assert Session.objects.get(pk=session.pk).capacity == session.capacity == 4


def test_without_reservation_only_the_seats_taken_are_named():
    session = SessionFactory(reference="S-2027-ONE", capacity=3)
    ApplicationFactory.create_batch(2, session=session, status=S.ACCEPTED)
    with pytest.raises(ValidationError, match=r"à 1 place : 2 places sont attribuées\. Indiquez au moins 2 places\."):
        sessions.session_update(session=session, data={"capacity": 1})


def test_raised_capacity_goes_to_the_waiting_list_in_order():
    session = SessionFactory(capacity=1, full=True)
    base = timezone.now() - datetime.timedelta(days=3)
    first, second, third = (
        ApplicationFactory(session=session, status=S.WAITLISTED, waitlisted_at=base + datetime.timedelta(hours=hour))
        for hour in range(3)
    )

    result = sessions.session_update(session=session, data={"capacity": 3}, by=StaffUserFactory())

    assert [application.pk for application in result.offered] == [first.pk, second.pk]
    for application in (first, second, third):
        application.refresh_from_db()
    assert [first.status, second.status, third.status] == [S.OFFERED, S.OFFERED, S.WAITLISTED]


def test_new_dates_re_render_the_certificates_of_enrolled_people(django_capture_on_commit_callbacks):
    session = SessionFactory(start_date=datetime.date(2027, 2, 1), end_date=datetime.date(2027, 6, 30))
    enrolled = ApplicationFactory(session=session, status=S.ENROLLED)
    with django_capture_on_commit_callbacks(execute=True):
        certificates.certificate_request(application=enrolled)
    old_hash = EnrollmentCertificate.objects.get(application=enrolled).data_hash

    with django_capture_on_commit_callbacks(execute=True):
        sessions.session_update(
            session=session,
            data={"start_date": datetime.date(2027, 3, 1), "end_date": datetime.date(2027, 7, 15)},
            by=StaffUserFactory(),
        )

    certificate = EnrollmentCertificate.objects.get(application=enrolled)
    assert certificate.state == EnrollmentCertificate.State.READY
    assert certificate.data_hash != old_hash
    with certificate.file.open("rb") as handle:
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)
    assert "du 1er mars 2027 au 15 juillet 2027" in text


def test_an_edit_that_changes_nothing_writes_nothing():
    session = SessionFactory(capacity=5)
    result = sessions.session_update(session=session, data={"capacity": 5, "site": session.site})
    assert result.changed == ()
    assert result.offered == ()
