"""Seat safety when imports, single enrollments and public decisions race, on PostgreSQL row locks."""

from enrollment.models import Application, ApplicationStatus
from enrollment.seats import allocation_seats_left, session_seat_count
from enrollment.services import applications
from partner_space import services as services_staff
from partner_space.imports import StaffRow
from tests.concurrency import needs_row_locks, run_in_threads
from tests.factories import ApplicationFactory, PartnerMemberFactory, SeatAllocationFactory, StaffUserFactory

pytestmark = needs_row_locks

CAPACITY = 10
ALLOCATED = 6


def _rows(prefix: str, count: int, reference: str) -> list[StaffRow]:
    return [
        StaffRow(
            line=n + 2,
            first_name=f"Prénom{n}",
            last_name=f"{prefix}{n}",
            email=f"{prefix}{n}@tsingoni.yt",
            job_title="Agent",
            session_reference=reference,
        )
        for n in range(count)
    ]


def test_imports_enrollments_and_public_decisions_never_overbook(transactional_db):
    referent = PartnerMemberFactory()
    allocation = SeatAllocationFactory(
        partner=referent.partner, seats=ALLOCATED, session__capacity=CAPACITY, session__reference="S-2027-RACE"
    )
    other_session = SeatAllocationFactory(
        convention=allocation.convention, seats=3, session__capacity=5, session__reference="S-2027-AUTRE"
    )
    staff = StaffUserFactory()
    submitted = [ApplicationFactory(session=allocation.session) for _ in range(12)]
    reference = allocation.session.reference

    def import_file(prefix, all_or_nothing):
        # Two sessions in one file, listed in opposite orders by the two imports: no deadlock.
        rows = _rows(prefix, 4, reference) + _rows(f"{prefix}x", 2, other_session.session.reference)
        if prefix == "imp2":
            rows.reverse()
        return services_staff.staff_import_commit(member=referent, rows=rows, all_or_nothing=all_or_nothing)

    def enroll_one(n):
        return services_staff.staff_enroll(
            member=referent, allocation=allocation, first_name="Seul", last_name=str(n), email=f"seul{n}@tsingoni.yt"
        )

    targets = [
        lambda: import_file("imp1", False),
        lambda: import_file("imp2", False),
        lambda: import_file("imp3", True),
        *[lambda n=n: enroll_one(n) for n in range(4)],
        *[lambda a=a: applications.application_accept(application=a, by=staff) for a in submitted],
    ]
    results = run_in_threads(targets)

    errors = [r for r in results if r[0] == "error"]
    assert not errors, errors
    seats = session_seat_count(session_id=allocation.session_id)
    partner_held = Application.objects.holding_seats().filter(
        session=allocation.session, convention=allocation.convention
    )
    public_held = Application.objects.holding_seats().filter(session=allocation.session, convention__isnull=True)
    print(
        f"\nrace: capacity={CAPACITY} allocated={ALLOCATED} partner={partner_held.count()} "
        f"public={public_held.count()} taken={seats.taken}"
    )
    assert seats.taken <= CAPACITY
    assert partner_held.count() == ALLOCATED  # demand (4 + 4 + 4 + 4 rows) exceeds the allocation: all used
    assert allocation_seats_left(convention_id=allocation.convention_id, session_id=allocation.session_id) == 0
    assert public_held.count() == CAPACITY - ALLOCATED  # the reservation kept its seats from the public
    assert Application.objects.holding_seats().filter(session=other_session.session).count() <= 3
    # Every holder is a distinct person, recorded once.
    assert partner_held.values("applicant").distinct().count() == ALLOCATED
    assert Application.objects.filter(status=ApplicationStatus.ENROLLED, convention__isnull=False).count() <= 9
