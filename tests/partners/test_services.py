"""Convention services: references, state machine, expiry and seat allocations."""

import datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ValidationError
from django.utils import timezone

from enrollment.models import Application, ApplicationStatus
from enrollment.seats import allocations_with_usage, session_seat_count
from partners import services, tasks
from partners.models import Convention, SeatAllocation, Signatory
from programs.models import Session
from tests.factories import (
    ApplicationFactory,
    ConventionFactory,
    PartnerFactory,
    SeatAllocationFactory,
    SessionFactory,
    SignatoryFactory,
    StaffUserFactory,
)
from tests.helpers import task_callbacks

pytestmark = pytest.mark.django_db

State = Convention.State
START = datetime.date(2026, 1, 1)
END = datetime.date(2028, 12, 31)


@pytest.fixture
def staff():
    return StaffUserFactory()


def draft(**kwargs):
    kwargs.setdefault("start_date", START)
    kwargs.setdefault("end_date", END)
    return ConventionFactory(state=State.DRAFT, signed_on=None, **kwargs)


def with_both_parties(convention):
    SignatoryFactory(convention=convention, party=Signatory.Party.CNAM, full_name="Amina Saïd", title="Directrice")
    SignatoryFactory(convention=convention, party=Signatory.Party.PARTNER, full_name="Ali Madi", title="Maire")
    return convention


def session_in_period(**kwargs):
    kwargs.setdefault("start_date", datetime.date(2026, 9, 1))
    kwargs.setdefault("end_date", datetime.date(2027, 6, 30))
    kwargs.setdefault("capacity", 20)
    return SessionFactory(**kwargs)


def holders(session, n, *, convention=None):
    for _ in range(n):
        if convention is None:
            ApplicationFactory(session=session, status=ApplicationStatus.ACCEPTED)
        else:
            ApplicationFactory(
                session=session,
                status=ApplicationStatus.ENROLLED,
                channel=Application.Channel.PARTNER,
                convention=convention,
            )


# --- References ----------------------------------------------------------------


def test_references_follow_the_start_year_and_count_up():
    partner = PartnerFactory()
    first = services.convention_create(partner=partner, title="Agents", start_date=START, end_date=END)
    second = services.convention_create(partner=PartnerFactory(), title="Jeunes", start_date=START, end_date=END)
    next_year = services.convention_create(
        partner=partner, title="VAE", start_date=datetime.date(2027, 3, 1), end_date=datetime.date(2027, 12, 31)
    )
    assert (first.reference, second.reference, next_year.reference) == (
        "CONV-2026-001",
        "CONV-2026-002",
        "CONV-2027-001",
    )
    assert first.state == State.DRAFT


def test_reference_counts_past_existing_numbers_numerically():
    ConventionFactory(reference="CONV-2026-009")
    ConventionFactory(reference="CONV-2026-010")
    created = services.convention_create(partner=PartnerFactory(), title="Suite", start_date=START, end_date=END)
    assert created.reference == "CONV-2026-011"


def test_reference_taken_meanwhile_takes_the_next_number(monkeypatch):
    """A concurrent creation inserted the number we computed: the unique index refuses, we retry."""
    ConventionFactory(reference="CONV-2026-001")
    calls = []
    real_next = services._next_reference

    def stale_then_fresh(year):
        calls.append(year)
        return "CONV-2026-001" if len(calls) == 1 else real_next(year)

    monkeypatch.setattr(services, "_next_reference", stale_then_fresh)
    created = services.convention_create(partner=PartnerFactory(), title="Course", start_date=START, end_date=END)
    assert created.reference == "CONV-2026-002"
    assert len(calls) == 2


def test_create_takes_axes_and_refuses_an_inverted_period():
    from partners.models import Axis

    convention = services.convention_create(
        partner=PartnerFactory(), title="Axes", start_date=START, end_date=END, axes=Axis.objects.filter(number__lte=2)
    )
    assert sorted(convention.axes.values_list("number", flat=True)) == [1, 2]
    with pytest.raises(ValidationError, match="date de fin de la convention doit suivre"):
        services.convention_create(partner=PartnerFactory(), title="Non", start_date=END, end_date=START)
    assert Convention.objects.count() == 1


# --- Transitions ------------------------------------------------------------


def test_full_life_draft_to_sign_back_signed_terminated(staff):
    convention = with_both_parties(draft())
    services.convention_transition(convention=convention, to_state=State.TO_SIGN, by=staff)
    assert convention.state == State.TO_SIGN
    services.convention_transition(convention=convention, to_state=State.DRAFT, by=staff)
    assert convention.state == State.DRAFT
    services.convention_transition(convention=convention, to_state=State.TO_SIGN, by=staff)
    services.convention_record_signature(convention=convention, signed_on=datetime.date(2026, 2, 3), by=staff)
    assert convention.state == State.SIGNED
    assert convention.signed_on == datetime.date(2026, 2, 3)
    services.convention_transition(convention=convention, to_state=State.TERMINATED, by=staff, reason="Fusion")
    assert convention.state == State.TERMINATED
    messages = list(LogEntry.objects.filter(object_id=str(convention.pk)).values_list("change_message", flat=True))
    assert "État : « Signée » → « Résiliée ». Motif : Fusion" in messages


def test_signing_records_the_signature_and_requests_the_signed_pdf(staff, django_capture_on_commit_callbacks):
    convention = with_both_parties(draft())
    services.convention_transition(convention=convention, to_state=State.TO_SIGN, by=staff)
    before = services.convention_document_request(convention=convention)

    with django_capture_on_commit_callbacks() as callbacks:
        signed = services.convention_sign(convention=convention, signed_on=datetime.date(2026, 2, 3), by=staff)

    assert (signed.state, signed.signed_on) == (State.SIGNED, datetime.date(2026, 2, 3))
    document = convention.documents.order_by("-version").first()
    assert document.version == before.version + 1
    assert document.state == document.State.PENDING
    # The render of the signed version, after commit (besides the catalogue's freshness: its
    # seats reserved may have changed).
    assert len(task_callbacks(callbacks)) == 1
    messages = list(
        LogEntry.objects.filter(object_id=str(convention.pk), user=staff).values_list("change_message", flat=True)
    )
    assert "État : « À signer » → « Signée »." in messages
    assert f"PDF demandé (version {document.version})." in messages


def test_signing_is_refused_whole_when_the_pdf_cannot_be_requested(staff, monkeypatch):
    convention = with_both_parties(draft())
    services.convention_transition(convention=convention, to_state=State.TO_SIGN, by=staff)

    def broken(**kwargs):
        raise ValidationError("PDF indisponible.")

    monkeypatch.setattr(services, "convention_document_request", broken)
    with pytest.raises(ValidationError, match="PDF indisponible"):
        services.convention_sign(convention=convention, signed_on=datetime.date(2026, 2, 3), by=staff)
    convention.refresh_from_db()
    assert (convention.state, convention.signed_on) == (State.TO_SIGN, None)


def test_signed_convention_past_its_end_may_expire(staff):
    convention = ConventionFactory(start_date=datetime.date(2024, 1, 1), end_date=datetime.date(2025, 1, 1))
    services.convention_transition(convention=convention, to_state=State.EXPIRED, by=staff)
    assert convention.state == State.EXPIRED


def test_signed_convention_still_running_cannot_expire(staff):
    convention = ConventionFactory(end_date=timezone.localdate() + datetime.timedelta(days=1))
    with pytest.raises(ValidationError, match="ne peut pas encore passer à l'état « Expirée »"):
        services.convention_transition(convention=convention, to_state=State.EXPIRED, by=staff)


@pytest.mark.parametrize(
    ("current", "target", "message"),
    [
        (
            State.DRAFT,
            State.SIGNED,
            "Une convention « Brouillon » ne peut pas passer à l'état « Signée ». Étapes possibles : « À signer ».",
        ),
        (State.DRAFT, State.EXPIRED, "« Brouillon » ne peut pas passer à l'état « Expirée »"),
        (State.DRAFT, State.TERMINATED, "« Brouillon » ne peut pas passer à l'état « Résiliée »"),
        (State.TO_SIGN, State.EXPIRED, "« À signer » ne peut pas passer à l'état « Expirée »"),
        (State.TO_SIGN, State.TERMINATED, "« À signer » ne peut pas passer à l'état « Résiliée »"),
        (State.SIGNED, State.DRAFT, "« Signée » ne peut pas passer à l'état « Brouillon »"),
        (State.SIGNED, State.TO_SIGN, "« Signée » ne peut pas passer à l'état « À signer »"),
        (State.EXPIRED, State.SIGNED, "Une convention dans cet état n'évolue plus."),
        (State.TERMINATED, State.DRAFT, "« Résiliée » ne peut pas passer à l'état « Brouillon »"),
    ],
)
def test_refused_transitions_name_both_states(staff, current, target, message):
    convention = ConventionFactory(state=current, signed_on=datetime.date(2026, 1, 15))
    with pytest.raises(ValidationError) as refused:
        services.convention_transition(
            convention=convention, to_state=target, by=staff, signed_on=datetime.date(2026, 1, 20)
        )
    assert message in refused.value.messages[0]
    convention.refresh_from_db()
    assert convention.state == current


def test_signature_requires_a_date(staff):
    convention = with_both_parties(ConventionFactory(state=State.TO_SIGN, signed_on=None))
    with pytest.raises(ValidationError) as refused:
        services.convention_transition(convention=convention, to_state=State.SIGNED, by=staff)
    assert refused.value.messages == ["Indiquez la date de signature pour passer la convention à l'état « Signée »."]
    convention.refresh_from_db()
    assert (convention.state, convention.signed_on) == (State.TO_SIGN, None)


def test_signature_date_cannot_be_in_the_future(staff):
    convention = with_both_parties(ConventionFactory(state=State.TO_SIGN, signed_on=None))
    with pytest.raises(ValidationError, match="ne peut pas être dans le futur"):
        services.convention_record_signature(
            convention=convention, signed_on=timezone.localdate() + datetime.timedelta(days=1), by=staff
        )


def test_signature_requires_a_signatory_for_each_party(staff):
    convention = ConventionFactory(state=State.TO_SIGN, signed_on=None)
    with pytest.raises(ValidationError) as refused:
        services.convention_record_signature(convention=convention, signed_on=datetime.date(2026, 2, 1), by=staff)
    assert refused.value.messages == [
        "Ajoutez au moins un signataire pour le CNAM Mayotte avant de signer.",
        f"Ajoutez au moins un signataire pour {convention.partner.name} avant de signer.",
    ]
    SignatoryFactory(convention=convention, party=Signatory.Party.CNAM)
    with pytest.raises(ValidationError) as refused:
        services.convention_record_signature(convention=convention, signed_on=datetime.date(2026, 2, 1), by=staff)
    assert refused.value.messages == [f"Ajoutez au moins un signataire pour {convention.partner.name} avant de signer."]
    SignatoryFactory(convention=convention, party=Signatory.Party.PARTNER, full_name="Maire", title="Maire")
    services.convention_record_signature(convention=convention, signed_on=datetime.date(2026, 2, 1), by=staff)
    assert convention.state == State.SIGNED


def test_going_to_signature_refused_when_its_draft_allocations_no_longer_fit(staff):
    convention = draft()
    session = session_in_period(capacity=10)
    services.allocation_set(convention=convention, session=session, seats=6)
    holders(session, 5)  # the public took seats while the convention was a draft (a draft reserves nothing)
    with pytest.raises(ValidationError, match=rf"{session.reference} : 6 places réservées pour 5 libres"):
        services.convention_transition(convention=convention, to_state=State.TO_SIGN, by=staff)
    convention.refresh_from_db()
    assert convention.state == State.DRAFT


# --- Expiry -------------------------------------------------------------------


def test_expire_due_moves_only_signed_conventions_past_their_end():
    today = datetime.date(2027, 1, 10)
    due = ConventionFactory(end_date=datetime.date(2027, 1, 9))
    ends_today = ConventionFactory(end_date=today)
    draft_past = ConventionFactory(end_date=datetime.date(2027, 1, 1), state=State.DRAFT, signed_on=None)
    terminated = ConventionFactory(end_date=datetime.date(2027, 1, 1), state=State.TERMINATED)
    assert services.convention_expire_due(today=today) == 1
    states = {c.pk: c.state for c in Convention.objects.all()}
    assert states == {
        due.pk: State.EXPIRED,
        ends_today.pk: State.SIGNED,
        draft_past.pk: State.DRAFT,
        terminated.pk: State.TERMINATED,
    }
    assert services.convention_expire_due(today=today) == 0  # running twice does no harm


def test_expire_task_uses_today():
    due = ConventionFactory(
        start_date=datetime.date(2020, 1, 1), end_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert tasks.expire_conventions.delay().get() == 1
    due.refresh_from_db()
    assert due.state == State.EXPIRED


# --- Allocations ------------------------------------------------------------


def test_allocation_within_free_seats_is_recorded_and_reserves_them(staff):
    convention = ConventionFactory()
    session = session_in_period(capacity=20)
    holders(session, 5)
    allocation = services.allocation_set(convention=convention, session=session, seats=15, by=staff)
    assert allocation.seats == 15
    count = session_seat_count(session_id=session.pk)
    assert (count.taken, count.reserved, count.free) == (5, 15, 0)
    # Changing it is the same call.
    services.allocation_set(convention=convention, session=session, seats=10, by=staff)
    assert SeatAllocation.objects.get().seats == 10


def test_allocation_beyond_free_seats_is_refused_and_writes_nothing():
    convention = ConventionFactory()
    session = session_in_period(capacity=20)
    holders(session, 5)
    with pytest.raises(ValidationError) as refused:
        services.allocation_set(convention=convention, session=session, seats=16)
    assert refused.value.message_dict["seats"] == [
        f"La session {session.reference} n'a que 15 places libres pour cette convention (sur 20) : "
        "impossible d'en réserver 16."
    ]
    assert not SeatAllocation.objects.exists()
    assert not LogEntry.objects.exists()


def test_raising_an_allocation_beyond_free_seats_keeps_the_old_one():
    convention = ConventionFactory()
    session = session_in_period(capacity=10)
    services.allocation_set(convention=convention, session=session, seats=4)
    holders(session, 4)
    with pytest.raises(ValidationError, match="n'a que 6 places libres"):
        services.allocation_set(convention=convention, session=session, seats=7)
    assert SeatAllocation.objects.get().seats == 4
    services.allocation_set(convention=convention, session=session, seats=6)


def test_other_conventions_reservations_are_respected():
    session = session_in_period(capacity=20)
    other = SeatAllocationFactory(session=session, seats=8).convention
    holders(session, 3, convention=other)  # 3 of its 8 used: it still reserves 5, and the 3 are taken
    mine = ConventionFactory()
    with pytest.raises(ValidationError, match="n'a que 12 places libres"):  # 20 − 3 taken − 5 still reserved
        services.allocation_set(convention=mine, session=session, seats=13)
    services.allocation_set(convention=mine, session=session, seats=12)
    assert session_seat_count(session_id=session.pk).free == 0


def test_draft_conventions_reserve_nothing_for_the_others():
    session = session_in_period(capacity=10)
    SeatAllocationFactory(session=session, seats=8, convention=draft())

    allocation = services.allocation_set(convention=ConventionFactory(), session=session, seats=10)

    assert SeatAllocation.objects.get(pk=allocation.pk).seats == 10


def test_seats_used_by_the_convention_count_in_its_own_room():
    convention = ConventionFactory()
    session = session_in_period(capacity=10)
    services.allocation_set(convention=convention, session=session, seats=6)
    holders(session, 4, convention=convention)
    holders(session, 4)
    # 10 seats − 4 public holders: the 4 seats its staff hold are its own.
    services.allocation_set(convention=convention, session=session, seats=6)
    with pytest.raises(ValidationError, match="n'a que 6 places libres"):
        services.allocation_set(convention=convention, session=session, seats=7)
    usage = allocations_with_usage(SeatAllocation.objects.filter(convention=convention)).get()
    assert (usage.seats_used, usage.seats_left) == (4, 2)


def test_lowering_below_seats_used_is_refused():
    convention = ConventionFactory()
    session = session_in_period()
    services.allocation_set(convention=convention, session=session, seats=5)
    holders(session, 3, convention=convention)
    with pytest.raises(ValidationError) as refused:
        services.allocation_set(convention=convention, session=session, seats=2)
    assert "ne peut pas descendre sous 3" in refused.value.message_dict["seats"][0]
    assert SeatAllocation.objects.get().seats == 5
    services.allocation_set(convention=convention, session=session, seats=3)


def test_zero_seats_refused():
    with pytest.raises(ValidationError, match="Réservez au moins une place"):
        services.allocation_set(convention=ConventionFactory(), session=session_in_period(), seats=0)


def test_reserved_session_only_for_its_partner():
    owner = PartnerFactory()
    session = session_in_period(reserved_for=owner)
    with pytest.raises(ValidationError) as refused:
        services.allocation_set(convention=ConventionFactory(), session=session, seats=2)
    assert refused.value.message_dict["session"] == [
        f"La session {session.reference} est réservée à un autre partenaire."
    ]
    services.allocation_set(convention=ConventionFactory(partner=owner), session=session, seats=2)
    assert SeatAllocation.objects.count() == 1


def test_cancelled_session_refused():
    session = session_in_period(state=Session.State.CANCELLED)
    with pytest.raises(ValidationError, match=rf"La session {session.reference} est annulée"):
        services.allocation_set(convention=ConventionFactory(), session=session, seats=1)
    assert not SeatAllocation.objects.exists()


def test_session_outside_the_convention_period_refused():
    convention = ConventionFactory(start_date=START, end_date=datetime.date(2026, 12, 31))
    session = session_in_period(start_date=datetime.date(2026, 10, 1), end_date=datetime.date(2027, 2, 1))
    with pytest.raises(ValidationError) as refused:
        services.allocation_set(convention=convention, session=session, seats=1)
    assert refused.value.message_dict["session"] == [
        f"La session {session.reference} (du 1er octobre 2026 au 1er février 2027) ne se déroule pas pendant "
        "la convention (du 1er janvier 2026 au 31 décembre 2026)."
    ]


def test_closed_conventions_keep_their_allocations():
    convention = ConventionFactory(state=State.TERMINATED)
    with pytest.raises(ValidationError, match="« Résiliée » : ses places réservées ne peuvent plus changer"):
        services.allocation_set(convention=convention, session=session_in_period(), seats=1)


def test_remove_allocation_unless_used(staff):
    convention = ConventionFactory()
    session = session_in_period()
    allocation = services.allocation_set(convention=convention, session=session, seats=4)
    holders(session, 1, convention=convention)
    with pytest.raises(ValidationError, match="1 inscriptions de cette convention occupent des places"):
        services.allocation_remove(allocation=allocation, by=staff)
    assert SeatAllocation.objects.exists()
    free_one = services.allocation_set(convention=convention, session=session_in_period(), seats=2)
    services.allocation_remove(allocation=free_one, by=staff)
    assert list(SeatAllocation.objects.values_list("pk", flat=True)) == [allocation.pk]


# --- Admin form -----------------------------------------------------------------


def test_allocation_form_reports_the_service_rule_on_the_field():
    from partners.forms import SeatAllocationForm

    convention = ConventionFactory()
    session = session_in_period(capacity=5)
    form = SeatAllocationForm(data={"convention": convention.pk, "session": session.pk, "seats": 6})
    assert not form.is_valid()
    assert form.errors["seats"] == [
        f"La session {session.reference} n'a que 5 places libres pour cette convention (sur 5) : "
        "impossible d'en réserver 6."
    ]
    assert not SeatAllocation.objects.exists()
    assert SeatAllocationForm(data={"convention": convention.pk, "session": session.pk, "seats": 5}).is_valid()


# --- Concurrency (PostgreSQL) -------------------------------------------------


def _in_own_connection(work):
    """Run ``work`` in a thread, on its own connection, committed (the test's transaction cannot see it)."""
    import threading

    from django.db import connections

    outcome = {}

    def run():
        try:
            outcome["value"] = work()
        except Exception as error:
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_concurrent_creations_get_distinct_references(monkeypatch):
    """Both compute CONV-2026-001 at the same time; the unique index makes the second one retry.

    Not a transactional test: its flush would drop the rows migrations create (axes, audiences)
    from a reused database. The racing work commits on other connections and cleans up after itself.
    """
    import threading
    import uuid

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")

    name = f"Commune concurrente {uuid.uuid4().hex[:8]}"
    thread, made = _in_own_connection(
        lambda: PartnerFactory.create(name=name, siret="", contact_email="course@partenaire.yt").pk
    )
    thread.join(timeout=10)
    partner_id = made["value"]

    barrier = threading.Barrier(2, timeout=10)
    real_next = services._next_reference
    met = set()

    def next_together(year):
        reference = real_next(year)
        if threading.get_ident() not in met:  # the first computations meet; the retry goes on alone
            met.add(threading.get_ident())
            barrier.wait()
        return reference

    monkeypatch.setattr(services, "_next_reference", next_together)
    from partners.models import Partner

    def create(title):
        return lambda: (
            services.convention_create(
                partner=Partner.objects.get(pk=partner_id), title=title, start_date=START, end_date=END
            ).reference
        )

    racers = [_in_own_connection(create(f"Convention {n}")) for n in range(2)]
    for racer, _outcome in racers:
        racer.join(timeout=30)
    try:
        assert [outcome.get("error") for _racer, outcome in racers] == [None, None]
        assert sorted(outcome["value"] for _racer, outcome in racers) == ["CONV-2026-001", "CONV-2026-002"]
    finally:
        cleanup, _ = _in_own_connection(
            lambda: (
                Convention.objects.filter(partner_id=partner_id).delete(),
                Partner.objects.filter(pk=partner_id).delete(),
            )
        )
        cleanup.join(timeout=10)
