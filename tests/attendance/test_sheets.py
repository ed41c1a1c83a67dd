"""The attendance sheet's services: opening, signing (QR token or typed code), marks, closing, corrections."""

import datetime

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError

from attendance import codes
from attendance.models import (
    Attendance,
    AttendanceChange,
    AttendanceSheet,
    AttendanceStatus,
    FunderDocument,
    RenderState,
    Slot,
)
from attendance.services import followup
from attendance.services import sheets as services
from cnam_portal.roles import DIRECTION, GESTIONNAIRE
from enrollment.models import ApplicationStatus
from tests.attendance.conftest import DAY, NOW, PASSWORD, at, code_of, token_of
from tests.factories import (
    ApplicantFactory,
    ApplicationFactory,
    SessionFactory,
    SlotFactory,
    StaffUserFactory,
    TrainerFactory,
    UserFactory,
)
from tests.helpers import refused, task_callbacks

pytestmark = pytest.mark.django_db


@pytest.fixture
def sheet(course):
    return services.sheet_open(slot=course.slot, user=course.user, now=NOW)


@pytest.fixture
def refreshed(monkeypatch):
    """The enrollments each write handed to the follow-up, call by call."""
    calls = []
    original = followup.participations_refresh

    def record(*, application_ids, now=None):
        calls.append(sorted(application_ids))
        original(application_ids=application_ids, now=now)

    monkeypatch.setattr(followup, "participations_refresh", record)
    return calls


def sign(person, **kwargs):
    return services.attendance_sign(user=person.applicant, **kwargs)


def sign_refused(person, **kwargs) -> str:
    return refused(services.attendance_sign, user=person.applicant, **kwargs)


# --- Opening ----------------------------------------------------------------------------------------


def test_the_trainer_opens_the_sheet_within_the_window_and_again_gets_the_same_one(course):
    first = services.sheet_open(slot=course.slot, user=course.user, now=at(17, 0))
    again = services.sheet_open(slot=course.slot, user=course.user, now=at(20, 0))
    assert first.pk == again.pk
    assert first.state == AttendanceSheet.State.OPEN
    assert first.opened_by == course.user
    assert AttendanceSheet.objects.count() == 1


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (at(16, 59), "La feuille de ce créneau s'ouvre le 1er juin 2027 à 17 h 00"),
        (at(21, 1), "Le créneau est terminé depuis le 1er juin 2027 à 21 h 00"),
    ],
)
def test_a_sheet_cannot_be_opened_outside_the_window(course, when, message):
    assert message in refused(services.sheet_open, slot=course.slot, user=course.user, now=when)
    assert not AttendanceSheet.objects.exists()


def test_a_cancelled_slot_s_sheet_cannot_be_opened(course):
    Slot.objects.filter(pk=course.slot.pk).update(state=Slot.State.CANCELLED, cancel_reason="Formateur malade.")
    course.slot.refresh_from_db()
    assert "Ce créneau est annulé" in refused(services.sheet_open, slot=course.slot, user=course.user, now=NOW)
    assert not AttendanceSheet.objects.exists()


def test_only_an_active_trainer_of_the_session_opens_its_sheet(course):
    other_trainer = TrainerFactory(sessions=[SessionFactory()])
    inactive = TrainerFactory(sessions=[course.session], is_active=False)
    for user in (other_trainer.user, inactive.user, course.people[0].applicant, StaffUserFactory()):
        message = refused(services.sheet_open, slot=course.slot, user=user, now=NOW)
        assert message == "Seul un formateur actif de cette session peut ouvrir sa feuille d'émargement."
    assert not AttendanceSheet.objects.exists()


# --- Signing with the QR code's token ---------------------------------------------------------


def test_a_person_signs_once_with_the_qr_token_and_the_line_is_signed_by_the_server(course, sheet, refreshed):
    person = course.people[0]

    line = sign(person, token=token_of(sheet), now=NOW)

    assert (line.status, line.signed_at) == (AttendanceStatus.PRESENT, NOW)
    assert codes.signature_is_valid(
        sheet_id=sheet.pk, application_id=person.pk, signed_at=line.signed_at, signature=line.signature
    )
    change = AttendanceChange.objects.get(sheet=sheet)
    assert (change.application, change.from_status, change.to_status, change.changed_by) == (
        person,
        "",
        AttendanceStatus.PRESENT,
        person.applicant,
    )
    assert refreshed == [[person.pk]]


def test_a_second_signature_changes_nothing(course, sheet, refreshed):
    person = course.people[0]
    first = sign(person, token=token_of(sheet), now=NOW)

    second = sign(person, token=token_of(sheet, at(17, 40)), now=at(17, 40))
    third = sign(person, code=code_of(sheet, at(17, 41)), now=at(17, 41))

    assert second.pk == first.pk == third.pk
    line = Attendance.objects.get(sheet=sheet, application=person)
    assert line.signed_at == NOW
    assert AttendanceChange.objects.filter(sheet=sheet).count() == 1
    assert refreshed == [[person.pk]]


def test_the_previous_step_s_token_is_taken_one_two_steps_old_is_refused(course, sheet):
    shown = NOW
    assert sign(course.people[0], token=token_of(sheet, shown), now=shown + datetime.timedelta(seconds=30)).pk

    message = refused(
        services.attendance_sign,
        user=course.people[1].applicant,
        token=token_of(sheet, shown),
        now=shown + datetime.timedelta(seconds=60),
    )

    assert message.startswith("Ce code a expiré : il change toutes les 30 secondes.")
    assert not Attendance.objects.filter(application=course.people[1]).exists()


def test_a_token_from_the_future_or_made_up_is_refused(course, sheet):
    future = token_of(sheet, NOW + datetime.timedelta(seconds=60))
    forged = codes.token_for(sheet.pk, "f" * 64, codes.step_at(NOW))
    for token in (future, forged, "nimporte-quoi", f"{sheet.pk + 1000}-{codes.step_at(NOW)}-{'A' * 22}"):
        message = refused(services.attendance_sign, user=course.people[0].applicant, token=token, now=NOW)
        assert message == "Ce lien d'émargement n'est pas valide : scannez le QR code qu'affiche le formateur."
    assert not Attendance.objects.exists()


def test_another_slot_s_token_signs_nothing_here(course, sheet):
    other_session = SessionFactory(start_date=DAY, end_date=DAY + datetime.timedelta(days=30))
    other_slot = SlotFactory(session=other_session, date=DAY)
    other_sheet = services.sheet_open(slot=other_slot, user=TrainerFactory(sessions=[other_session]).user, now=NOW)
    person = course.people[0]

    message = refused(services.attendance_sign, user=person.applicant, token=token_of(other_sheet), now=NOW)
    # This sheet's MAC on the other sheet's id is no token either.
    mac = token_of(sheet).split("-", 2)[2]
    moved = f"{other_sheet.pk}-{codes.step_at(NOW)}-{mac}"
    moved_message = refused(services.attendance_sign, user=person.applicant, token=moved, now=NOW)

    assert "Ce code est celui d'une session où vous n'êtes pas inscrit" in message
    assert "n'est pas valide" in moved_message
    assert not Attendance.objects.exists()


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (at(21, 1), "L'émargement de ce créneau a fermé le 1er juin 2027 à 21 h 00"),
        (at(23, 59), "L'émargement de ce créneau a fermé le 1er juin 2027 à 21 h 00"),
    ],
)
def test_signing_after_the_window_is_refused(course, sheet, when, message):
    assert message in sign_refused(course.people[0], token=token_of(sheet, when), now=when)
    assert not Attendance.objects.exists()


def test_signing_before_the_window_is_refused(course, sheet):
    # Staff moved the slot to the next day after the sheet was opened.
    Slot.objects.filter(pk=course.slot.pk).update(date=DAY + datetime.timedelta(days=1))
    message = sign_refused(course.people[0], token=token_of(sheet), now=NOW)
    assert message == "L'émargement de ce créneau ouvre le 2 juin 2027 à 17 h 00."
    assert not Attendance.objects.exists()


def test_a_cancelled_slot_cannot_be_signed(course, sheet):
    Slot.objects.filter(pk=course.slot.pk).update(state=Slot.State.CANCELLED, cancel_reason="Salle inondée.")
    assert sign_refused(course.people[0], token=token_of(sheet), now=NOW) == (
        "Ce créneau est annulé : il n'y a rien à signer."
    )
    assert sign_refused(course.people[0], code=code_of(sheet), now=NOW) == (
        "Ce créneau est annulé : il n'y a rien à signer."
    )
    assert not Attendance.objects.exists()


def test_a_closed_sheet_cannot_be_signed(course, sheet):
    services.sheet_close(sheet=sheet, user=course.user, password=PASSWORD, now=at(20, 30))
    person = course.people[0]
    message = sign_refused(person, token=token_of(sheet, at(20, 31)), now=at(20, 31))
    assert message == "La feuille d'émargement de ce créneau est close : adressez-vous au formateur ou au CNAM."
    assert Attendance.objects.get(application=person).status == AttendanceStatus.ABSENT


def test_a_person_not_enrolled_cannot_sign(course, sheet):
    submitted = ApplicationFactory(session=course.session)  # still « reçue »
    stranger = ApplicantFactory()
    for user in (submitted.applicant, stranger):
        message = refused(services.attendance_sign, user=user, token=token_of(sheet), now=NOW)
        assert message.startswith("Ce code est celui d'une session où vous n'êtes pas inscrit ou inscrite")
    assert not Attendance.objects.exists()


def test_a_person_who_withdrew_cannot_sign(course, sheet):
    person = course.people[0]
    person.status = ApplicationStatus.WITHDRAWN
    person.save(update_fields=["status"])
    for kwargs in ({"token": token_of(sheet)}, {"code": code_of(sheet)}):
        message = sign_refused(person, now=NOW, **kwargs)
        assert message.startswith("Vous avez retiré votre candidature à cette session")
    assert not Attendance.objects.exists()


# --- Signing with the typed code --------------------------------------------------------------


def test_a_typed_code_signs_the_one_open_sheet_it_is_for(course, sheet):
    code = code_of(sheet)
    line = sign(course.people[1], code=f"{code[:3]} {code[3:]}", now=NOW + datetime.timedelta(seconds=20))
    assert line.sheet == sheet
    assert line.signed_at == NOW + datetime.timedelta(seconds=20)


def test_a_typed_code_two_steps_old_is_stale(course, sheet):
    message = sign_refused(course.people[0], code=code_of(sheet), now=NOW + datetime.timedelta(seconds=60))
    assert message.startswith("Ce code a expiré")
    assert not Attendance.objects.exists()


def test_another_slot_s_typed_code_is_no_code_of_this_person(course, sheet):
    other_session = SessionFactory(start_date=DAY, end_date=DAY + datetime.timedelta(days=30))
    other_sheet = services.sheet_open(
        slot=SlotFactory(session=other_session, date=DAY),
        user=TrainerFactory(sessions=[other_session]).user,
        now=NOW,
    )
    code = code_of(other_sheet)
    if code == code_of(sheet):  # one chance in a million: the two sheets show the same digits
        pytest.skip("the two sheets' codes happen to be equal")

    message = sign_refused(course.people[0], code=code, now=NOW)

    assert message.startswith("Ce code ne correspond à aucun créneau ouvert à l'émargement pour vous.")
    assert not Attendance.objects.exists()


def test_a_typed_code_of_a_closed_sheet_or_outside_the_window_says_so(course, sheet):
    late = at(21, 5)
    assert "a fermé le 1er juin 2027 à 21 h 00" in sign_refused(course.people[0], code=code_of(sheet, late), now=late)
    services.sheet_close(sheet=sheet, user=course.user, password=PASSWORD, now=at(20, 40))
    assert "est close" in sign_refused(course.people[1], code=code_of(sheet, at(20, 41)), now=at(20, 41))


def test_a_typed_code_must_be_six_digits(course, sheet):
    for typed in ("12345", "abcdef", ""):
        assert sign_refused(course.people[0], code=typed, now=NOW) == (
            "Saisissez les 6 chiffres du code qu'affiche le formateur."
        )


def test_two_sheets_showing_the_same_code_ask_for_the_qr_code(course, sheet):
    other_session = SessionFactory(start_date=DAY, end_date=DAY + datetime.timedelta(days=30))
    other_sheet = services.sheet_open(
        slot=SlotFactory(session=other_session, date=DAY),
        user=TrainerFactory(sessions=[other_session]).user,
        now=NOW,
    )
    AttendanceSheet.objects.filter(pk=other_sheet.pk).update(secret=sheet.secret)
    person = course.people[0]
    ApplicationFactory(session=other_session, applicant=person.applicant, enrolled=True)

    message = sign_refused(person, code=code_of(sheet), now=NOW)

    assert message.startswith("Ce code correspond à plusieurs de vos créneaux : scannez plutôt le QR code")
    assert not Attendance.objects.exists()


def test_typed_codes_are_limited_to_ten_tries_in_ten_minutes(course, sheet):
    person = course.people[0]
    right = code_of(sheet)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(services.CODE_TRIES):
        assert "ne correspond à aucun créneau" in sign_refused(person, code=wrong, now=NOW)

    # The eleventh, even the right one, waits: a million codes cannot be tried.
    message = sign_refused(person, code=right, now=NOW)

    assert message.startswith("Trop de codes erronés : pour protéger l'émargement, attendez 10 minutes")
    assert not Attendance.objects.exists()
    # Another person is not held back, and the QR code still works for this one.
    assert sign(course.people[1], code=right, now=NOW).status == AttendanceStatus.PRESENT
    assert sign(person, token=token_of(sheet), now=NOW).status == AttendanceStatus.PRESENT
    # Once the window is over, typing works again.
    cache.delete(services._tries_key(person.applicant))
    assert sign(person, code=right, now=NOW).pk


def test_a_right_code_gives_its_try_back(course, sheet):
    person = course.people[0]
    right = code_of(sheet)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(services.CODE_TRIES - 1):
        sign_refused(person, code=wrong, now=NOW)
    sign(person, code=right, now=NOW)
    assert "ne correspond à aucun créneau" in sign_refused(person, code=wrong, now=NOW)


# --- The trainer's marks ----------------------------------------------------------------------


def test_the_trainer_marks_absent_late_excused_with_a_reason_and_each_is_in_the_history(course, sheet, refreshed):
    absent, late, excused = course.people
    for person, status, reason in (
        (absent, AttendanceStatus.ABSENT, ""),
        (late, AttendanceStatus.LATE, "Arrivé à 18 h 10."),
        (excused, AttendanceStatus.EXCUSED, "Certificat médical."),
    ):
        services.attendance_mark(sheet=sheet, application=person, status=status, reason=reason, by=course.user, now=NOW)

    lines = {line.application_id: line for line in Attendance.objects.filter(sheet=sheet)}
    assert lines[absent.pk].status == AttendanceStatus.ABSENT
    assert (lines[late.pk].status, lines[late.pk].reason) == (AttendanceStatus.LATE, "Arrivé à 18 h 10.")
    assert (lines[excused.pk].status, lines[excused.pk].reason) == (AttendanceStatus.EXCUSED, "Certificat médical.")
    assert all(line.marked_by == course.user and line.signed_at is None for line in lines.values())
    history = AttendanceChange.objects.filter(sheet=sheet).order_by("pk")
    assert [(change.application_id, change.to_status) for change in history] == [
        (absent.pk, "absent"),
        (late.pk, "retard"),
        (excused.pk, "excuse"),
    ]
    assert refreshed == [[absent.pk], [late.pk], [excused.pk]]


def test_an_excused_absence_needs_a_reason(course, sheet):
    message = refused(
        services.attendance_mark,
        sheet=sheet,
        application=course.people[0],
        status=AttendanceStatus.EXCUSED,
        reason="  ",
        by=course.user,
    )
    assert message == "Précisez le motif de l'absence excusée."
    assert not Attendance.objects.exists()


def test_a_mark_changes_a_signed_line_keeping_its_signature_and_the_same_mark_twice_writes_once(course, sheet):
    person = course.people[0]
    signed = sign(person, token=token_of(sheet), now=NOW)
    for _ in range(2):
        services.attendance_mark(sheet=sheet, application=person, status=AttendanceStatus.LATE, by=course.user)
    line = Attendance.objects.get(pk=signed.pk)
    assert (line.status, line.signed_at, line.signature) == (AttendanceStatus.LATE, NOW, signed.signature)
    moves = list(AttendanceChange.objects.filter(sheet=sheet).order_by("pk").values_list("from_status", "to_status"))
    assert moves == [("", "present"), ("present", "retard")]


def test_a_person_marked_absent_who_then_signs_is_present(course, sheet):
    person = course.people[0]
    services.attendance_mark(sheet=sheet, application=person, status=AttendanceStatus.ABSENT, by=course.user)
    line = sign(person, code=code_of(sheet, at(17, 50)), now=at(17, 50))
    assert (line.status, line.signed_at) == (AttendanceStatus.PRESENT, at(17, 50))
    assert list(AttendanceChange.objects.filter(sheet=sheet).order_by("pk").values_list("to_status", flat=True)) == [
        "absent",
        "present",
    ]


def test_only_the_session_s_trainer_marks_and_only_while_open(course, sheet):
    person = course.people[0]
    for user in (TrainerFactory(sessions=[SessionFactory()]).user, person.applicant, StaffUserFactory()):
        message = refused(
            services.attendance_mark, sheet=sheet, application=person, status=AttendanceStatus.ABSENT, by=user
        )
        assert message == "Seul un formateur actif de cette session peut remplir sa feuille d'émargement."
    services.sheet_close(sheet=sheet, user=course.user, password=PASSWORD, now=at(20, 30))
    message = refused(
        services.attendance_mark, sheet=sheet, application=person, status=AttendanceStatus.PRESENT, by=course.user
    )
    assert message == "La feuille est close : seul le CNAM peut encore la corriger."
    assert Attendance.objects.get(application=person).status == AttendanceStatus.ABSENT


def test_a_person_of_another_session_cannot_be_marked(course, sheet):
    outsider = ApplicationFactory(enrolled=True)
    message = refused(
        services.attendance_mark, sheet=sheet, application=outsider, status=AttendanceStatus.ABSENT, by=course.user
    )
    assert message == "Cette personne n'est pas inscrite à la session de ce créneau."


# --- Closing ----------------------------------------------------------------------------------


def test_a_wrong_password_closes_nothing(course, sheet, django_capture_on_commit_callbacks):
    sign(course.people[0], token=token_of(sheet), now=NOW)
    with django_capture_on_commit_callbacks() as callbacks:
        for password in ("pas-le-bon-mot-de-passe", ""):
            message = refused(services.sheet_close, sheet=sheet, user=course.user, password=password, now=at(20, 30))
            assert message == (
                "Mot de passe incorrect : la feuille n'est pas close. Saisissez à nouveau votre mot de passe."
            )
    sheet.refresh_from_db()
    assert (sheet.state, sheet.closed_at, sheet.countersigned_by, sheet.countersignature) == (
        AttendanceSheet.State.OPEN,
        None,
        None,
        "",
    )
    assert Attendance.objects.filter(sheet=sheet).count() == 1
    assert task_callbacks(callbacks) == []


def test_closing_marks_the_unmarked_absent_countersigns_and_asks_for_the_pdf(
    course, sheet, refreshed, django_capture_on_commit_callbacks
):
    present, excused, unmarked = course.people
    sign(present, token=token_of(sheet), now=NOW)
    services.attendance_mark(
        sheet=sheet, application=excused, status=AttendanceStatus.EXCUSED, reason="Convocation.", by=course.user
    )
    refreshed.clear()

    with django_capture_on_commit_callbacks() as callbacks:
        closed = services.sheet_close(sheet=sheet, user=course.user, password=PASSWORD, now=at(20, 35))

    assert (closed.state, closed.closed_at, closed.countersigned_by) == (
        AttendanceSheet.State.CLOSED,
        at(20, 35),
        course.user,
    )
    statuses = dict(Attendance.objects.filter(sheet=sheet).values_list("application_id", "status"))
    assert statuses == {present.pk: "present", excused.pk: "excuse", unmarked.pk: "absent"}
    assert closed.countersignature == codes.countersignature_for(
        sheet_id=sheet.pk, user_id=course.user.pk, closed_at=at(20, 35), lines=statuses.items()
    )
    change = AttendanceChange.objects.get(sheet=sheet, application=unmarked)
    assert (change.to_status, change.changed_by, change.after_closing) == ("absent", course.user, False)
    assert refreshed == [sorted(person.pk for person in course.people)]
    assert closed.render_state == RenderState.PENDING
    # The sheet's PDF, and the present person's attestation d'entrée (their first attended slot).
    enqueued = {callback.args[0]: callback.args[1] for callback in task_callbacks(callbacks)}
    entry = FunderDocument.objects.get(kind=FunderDocument.Kind.ENTRY)
    assert entry.application == present
    assert enqueued == {services.RENDER_TASK: (sheet.pk,), "attendance.tasks.render_funder_document": (entry.pk,)}
    assert refused(services.sheet_close, sheet=sheet, user=course.user, password=PASSWORD) == (
        "Cette feuille d'émargement est déjà close."
    )


def test_only_the_session_s_trainer_closes(course, sheet):
    other = TrainerFactory(sessions=[SessionFactory()])
    message = refused(services.sheet_close, sheet=sheet, user=other.user, password=PASSWORD)
    assert message == "Seul un formateur actif de cette session peut clore sa feuille d'émargement."
    sheet.refresh_from_db()
    assert sheet.state == AttendanceSheet.State.OPEN


# --- Corrections after closing ----------------------------------------------------------------


@pytest.fixture
def closed(course, sheet):
    sign(course.people[0], token=token_of(sheet), now=NOW)
    return services.sheet_close(sheet=sheet, user=course.user, password=PASSWORD, now=at(20, 35))


def test_staff_correct_a_closed_sheet_with_a_reason_kept_in_its_history(
    course, closed, refreshed, django_capture_on_commit_callbacks
):
    gestionnaire = StaffUserFactory(role=GESTIONNAIRE)
    person = course.people[1]  # absent at closing
    AttendanceSheet.objects.filter(pk=closed.pk).update(render_state=RenderState.READY)

    with django_capture_on_commit_callbacks() as callbacks:
        line = services.attendance_correct(
            sheet=closed,
            application=person,
            status=AttendanceStatus.EXCUSED,
            reason="Justificatif d'hospitalisation reçu le 3 juin.",
            by=gestionnaire,
            now=at(9, 0, day=DAY + datetime.timedelta(days=2)),
        )

    assert (line.status, line.reason, line.marked_by) == (
        AttendanceStatus.EXCUSED,
        "Justificatif d'hospitalisation reçu le 3 juin.",
        gestionnaire,
    )
    correction = AttendanceChange.objects.get(sheet=closed, after_closing=True)
    assert (correction.application, correction.from_status, correction.to_status, correction.changed_by) == (
        person,
        "absent",
        "excuse",
        gestionnaire,
    )
    assert correction.reason == "Justificatif d'hospitalisation reçu le 3 juin."
    # The history keeps the closing's absence too: nothing is rewritten.
    assert AttendanceChange.objects.filter(sheet=closed, application=person).count() == 2
    closed.refresh_from_db()
    assert closed.render_state == RenderState.PENDING
    assert [callback.args for callback in task_callbacks(callbacks)] == [(services.RENDER_TASK, (closed.pk,))]
    assert refreshed == [[person.pk]]


def test_a_correction_needs_staff_with_the_permission(course, closed):
    person = course.people[1]
    for user in (
        course.user,
        person.applicant,
        StaffUserFactory(plain=True),
        StaffUserFactory(role=DIRECTION),
        UserFactory(),
    ):
        message = refused(
            services.attendance_correct,
            sheet=closed,
            application=person,
            status=AttendanceStatus.PRESENT,
            reason="Erreur du formateur.",
            by=user,
        )
        assert message == "Seul le personnel du CNAM habilité peut corriger une feuille d'émargement close."
    assert Attendance.objects.get(application=person).status == AttendanceStatus.ABSENT
    assert not AttendanceChange.objects.filter(after_closing=True).exists()


def test_a_correction_needs_a_reason_a_closed_sheet_and_a_change(course, sheet):
    staff = StaffUserFactory(role=GESTIONNAIRE)
    person = course.people[1]
    kwargs = {"application": person, "status": AttendanceStatus.PRESENT, "by": staff}
    assert refused(services.attendance_correct, sheet=sheet, reason="Oubli.", **kwargs) == (
        "Cette feuille est encore ouverte : le formateur y marque les présences jusqu'à sa clôture."
    )
    services.sheet_close(sheet=sheet, user=course.user, password=PASSWORD, now=at(20, 35))
    assert refused(services.attendance_correct, sheet=sheet, reason=" ", **kwargs) == (
        "Indiquez le motif de la correction : il est gardé dans l'historique de la feuille."
    )
    assert (
        refused(
            services.attendance_correct, sheet=sheet, reason="Rien.", **{**kwargs, "status": AttendanceStatus.ABSENT}
        )
        == "Cette présence est déjà « Absent » : rien n'est changé."
    )
    assert not AttendanceChange.objects.filter(after_closing=True).exists()


def test_the_service_refuses_both_or_neither_token_and_code(course, sheet):
    with pytest.raises(TypeError):
        services.attendance_sign(user=course.people[0].applicant, now=NOW)
    with pytest.raises(TypeError):
        services.attendance_sign(user=course.people[0].applicant, token="x", code="123456", now=NOW)


def test_a_validation_error_never_leaves_a_half_written_line(course, sheet, monkeypatch):
    def broken(**kwargs):
        raise ValidationError("Refus du suivi.")

    monkeypatch.setattr(followup, "participations_refresh", broken)
    assert sign_refused(course.people[0], token=token_of(sheet), now=NOW) == "Refus du suivi."
    assert not Attendance.objects.exists()
    assert not AttendanceChange.objects.exists()
