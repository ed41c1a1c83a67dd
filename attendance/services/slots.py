"""A session's course days: generated from its weekly patterns, added, moved and cancelled by staff.

Every write locks the session row first (``enrollment.seats.lock_sessions``: one lock order for
the whole portal), then the slot, checks, writes the slot and its ``SlotChange`` (what it was,
why, who), keeps the planned hours of the session's participations in step, and writes the
emails to the people enrolled in the outbox, all in one transaction: a refusal leaves nothing.

A slot whose attendance sheet exists (it took place, or is taking place) or that has started is
neither moved nor cancelled: the sheet is the proof funders pay on, and it names that slot.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import outbox
from core.formatting import date_long, datetime_long, hours_text
from enrollment.seats import lock_sessions
from programs.models import Session, Site

from .. import notifications, recurrence
from ..models import AttendanceSheet, Participation, Slot, SlotChange
from ..recurrence import Closure, Pattern, SkipKind, SkippedDay, SlotSpec
from ..selectors import session_enrolled_applications, session_planned_hours

if TYPE_CHECKING:
    from django.contrib.auth.models import User

HUNDREDTH = Decimal("0.01")


# --- Reading what staff typed ---------------------------------------------------------------------


def patterns_read(*, text: str | Sequence[str]) -> list[Pattern]:
    """The weekly patterns of ``text`` (one per line); a line that states none is refused, by its number."""
    try:
        return recurrence.parse_patterns(text)
    except recurrence.PatternError as error:
        message = _(
            "Ligne %(number)d : « %(line)s » ne se lit pas comme un rythme de la semaine. Écrivez les jours puis "
            "les heures, par exemple « mardi et jeudi, 17 h 30 – 20 h 30 » ou « le samedi, 8 h – 12 h »."
        ) % {"number": error.line_number, "line": error.line}
        code = "pattern_unreadable"
    except recurrence.PatternsMissing:
        message = _("Indiquez au moins un rythme, par exemple « mardi et jeudi, 17 h 30 – 20 h 30 ».")
        code = "pattern_missing"
    except recurrence.PatternsOverlap as error:
        message = _(
            "Les lignes %(first)d et %(second)d donnent le %(weekday)s des créneaux qui se chevauchent : "
            "séparez leurs heures."
        ) % {
            "first": error.first.line_number,
            "second": error.second.line_number,
            "weekday": _weekday(error.weekday),
        }
        code = "patterns_overlap"
    raise ValidationError({"patterns": ValidationError(message, code=code)})


def closures_read(*, text: str | Sequence[str]) -> list[Closure]:
    """The closure dates or periods of ``text`` (one per line); a line that is neither is refused, by its number."""
    try:
        return recurrence.parse_closures(text)
    except recurrence.ClosureError as error:
        message = _(
            "Ligne %(number)d des fermetures : « %(line)s » n'est ni une date (JJ/MM/AAAA) ni une période "
            "(JJ/MM/AAAA au JJ/MM/AAAA), suivie si besoin de « : » et d'un libellé."
        ) % {"number": error.line_number, "line": error.line}
        raise ValidationError({"closures": ValidationError(message, code="closure_unreadable")}) from None


def _weekday(number: int) -> str:
    return str([_("lundi"), _("mardi"), _("mercredi"), _("jeudi"), _("vendredi"), _("samedi"), _("dimanche")][number])


# --- Checks shared by the admin's forms and the writes -----------------------------------------------


def _session_open(session: Session) -> None:
    if session.state == Session.State.CANCELLED:
        raise ValidationError(
            _("La session %(reference)s est annulée : ses créneaux ne changent plus.")
            % {"reference": session.reference},
            code="session_cancelled",
        )


def _overlapping(slots: Iterable[Slot], day: datetime.date, start: datetime.time, end: datetime.time) -> Slot | None:
    return next((slot for slot in slots if slot.date == day and slot.start_time < end and start < slot.end_time), None)


def slot_check(
    *,
    session: Session,
    date: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    slot: Slot | None = None,
) -> None:
    """Refuse a course day that ends before it starts, falls outside its session, or overlaps another
    planned slot of the session (``slot``: the one being moved, which is not counted)."""
    if end_time <= start_time:
        raise ValidationError(
            {"end_time": ValidationError(_("L'heure de fin doit suivre l'heure de début."), code="end_before_start")}
        )
    if not (session.start_date <= date <= session.end_date):
        raise ValidationError(
            {
                "date": ValidationError(
                    _("Un créneau se tient pendant sa session, du %(start)s au %(end)s.")
                    % {"start": date_long(session.start_date), "end": date_long(session.end_date)},
                    code="outside_session",
                )
            }
        )
    others = Slot.objects.planned().filter(session=session, date=date)
    if slot is not None and slot.pk is not None:
        others = others.exclude(pk=slot.pk)
    if clash := _overlapping(others, date, start_time, end_time):
        raise ValidationError(
            {
                "start_time": ValidationError(
                    _("Un créneau de la session est déjà prévu le %(day)s de %(times)s.")
                    % {
                        "day": notifications.day_text(clash.date),
                        "times": notifications.times_text(clash.start_time, clash.end_time),
                    },
                    code="slot_overlap",
                )
            }
        )


def slot_change_refusal(*, slot: Slot, now: datetime.datetime | None = None) -> str | None:
    """Why ``slot`` can no longer be moved or cancelled, in French; None when it can."""
    now = now or timezone.now()
    if slot.state == Slot.State.CANCELLED:
        return _("Ce créneau est annulé : il ne se déplace plus.")
    if AttendanceSheet.objects.filter(slot_id=slot.pk).exists():
        return _(
            "La feuille d'émargement de ce créneau est ouverte : il a eu lieu ou se tient en ce moment, "
            "il ne se déplace ni ne s'annule plus."
        )
    if slot.starts_at <= now:
        return _("Ce créneau a commencé le %(when)s : un créneau passé ne se déplace ni ne s'annule.") % {
            "when": datetime_long(slot.starts_at)
        }
    return None


def _reason(reason: str, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ValidationError(message, code="reason_missing")})
    return reason


# --- Generation from weekly patterns ---------------------------------------------------------------


@dataclass(frozen=True)
class SlotPlan:
    """What a generation would do: the course days it creates and those it leaves out, and why."""

    session: Session
    site: Site
    first: datetime.date
    last: datetime.date
    patterns: tuple[Pattern, ...]
    specs: tuple[SlotSpec, ...]
    skipped: tuple[SkippedDay, ...]

    @property
    def hours(self) -> Decimal:
        return (Decimal(sum(spec.minutes for spec in self.specs)) / 60).quantize(HUNDREDTH)


@dataclass(frozen=True)
class SlotGeneration:
    created: tuple[Slot, ...]
    skipped: tuple[SkippedDay, ...]
    planned_hours: Decimal  # the session's planned hours once generated


def _period(
    session: Session, first: datetime.date | None, last: datetime.date | None
) -> tuple[datetime.date, datetime.date]:
    first = first or session.start_date
    last = last or session.end_date
    if first > last:
        raise ValidationError(_("La période demandée finit avant de commencer."), code="period_reversed")
    if first < session.start_date or last > session.end_date:
        raise ValidationError(
            _(
                "Les créneaux se tiennent pendant la session, du %(start)s au %(end)s : la période du %(first)s "
                "au %(last)s en sort."
            )
            % {
                "start": date_long(session.start_date),
                "end": date_long(session.end_date),
                "first": date_long(first),
                "last": date_long(last),
            },
            code="outside_session",
        )
    return first, last


def slots_plan(
    *,
    session: Session,
    patterns: str | Sequence[str],
    closures: Iterable[datetime.date | Closure] = (),
    first: datetime.date | None = None,
    last: datetime.date | None = None,
    site: Site | None = None,
) -> SlotPlan:
    """What ``slots_generate`` would create from ``patterns`` (text, one per line) between the session's
    start and end (or ``first``/``last`` within them), writing nothing: Mayotte's public holidays,
    ``closures`` and the days where a planned slot of the session already overlaps are left out.
    """
    _session_open(session)
    read = patterns_read(text=patterns)
    first, last = _period(session, first, last)
    days = recurrence.course_days(read, first=first, last=last, closures=closures)
    existing: dict[datetime.date, list[Slot]] = defaultdict(list)
    for slot in Slot.objects.planned().filter(session=session, date__range=(first, last)):
        existing[slot.date].append(slot)
    specs, skipped = [], list(days.skipped)
    for spec in days.specs:
        if _overlapping(existing.get(spec.date, ()), spec.date, spec.start, spec.end):
            skipped.append(SkippedDay(spec=spec, kind=SkipKind.EXISTING))
        else:
            specs.append(spec)
    return SlotPlan(
        session=session,
        site=site or session.site,
        first=first,
        last=last,
        patterns=tuple(read),
        specs=tuple(specs),
        skipped=tuple(sorted(skipped, key=lambda item: item.spec)),
    )


def slots_generate(
    *,
    session: Session,
    patterns: str | Sequence[str],
    closures: Iterable[datetime.date | Closure] = (),
    by: "User | None",
    first: datetime.date | None = None,
    last: datetime.date | None = None,
    site: Site | None = None,
) -> SlotGeneration:
    """Create the course days ``slots_plan`` gives, each with its history line; never a second
    planned slot where one exists (run twice, the second run creates nothing)."""
    closures = list(closures)
    now = timezone.now()
    with transaction.atomic():
        locked = lock_sessions(session_ids=[session.pk], select_related=("site",))[session.pk]
        plan = slots_plan(session=locked, patterns=patterns, closures=closures, first=first, last=last, site=site)
        lines = {spec: pattern for pattern in plan.patterns for spec in _specs_of(pattern, plan)}
        created = Slot.objects.bulk_create(
            [
                Slot(session=locked, date=spec.date, start_time=spec.start, end_time=spec.end, site=plan.site)
                for spec in plan.specs
            ]
        )
        SlotChange.objects.bulk_create(
            [
                SlotChange(
                    slot=slot,
                    kind=SlotChange.Kind.CREATED,
                    changed_by=by,
                    changed_at=now,
                    reason=_("Créé à partir du rythme « %(pattern)s ».") % {"pattern": lines[spec].text},
                )
                for slot, spec in zip(created, plan.specs, strict=True)
            ]
        )
        hours = _planned_hours_sync(locked)
    return SlotGeneration(created=tuple(created), skipped=plan.skipped, planned_hours=hours)


def _specs_of(pattern: Pattern, plan: SlotPlan) -> list[SlotSpec]:
    schedule = pattern.schedule
    weekdays = set(schedule.weekdays)
    return [
        spec
        for spec in plan.specs
        if spec.date.weekday() in weekdays and (spec.start, spec.end) == (schedule.start, schedule.end)
    ]


def skipped_text(skipped: SkippedDay) -> str:
    """Why a course day was left out, as staff read it: « Jour férié : Lundi de Pâques »."""
    if skipped.kind == SkipKind.HOLIDAY:
        return _("Jour férié : %(name)s") % {"name": skipped.name}
    if skipped.kind == SkipKind.CLOSURE:
        return _("Fermeture : %(label)s") % {"label": skipped.name} if skipped.name else _("Fermeture")
    return _("Un créneau de la session est déjà prévu à ces heures")


def generation_summary(result: SlotGeneration) -> str:
    """« 34 créneaux créés (102 h prévues en tout) ; 3 jours non retenus. », for staff."""
    if result.created:
        created = ngettext("%(count)d créneau créé", "%(count)d créneaux créés", len(result.created)) % {
            "count": len(result.created)
        }
    else:
        created = _("Aucun créneau créé")
    hours = _("%(hours)s prévues en tout") % {"hours": hours_text(result.planned_hours)}
    text = f"{created} ({hours})"
    if result.skipped:
        text += " ; " + ngettext("%(count)d jour non retenu", "%(count)d jours non retenus", len(result.skipped)) % {
            "count": len(result.skipped)
        }
    return text + "."


# --- One slot at a time --------------------------------------------------------------------------


def slot_add(
    *,
    session: Session,
    date: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    site: Site | None = None,
    by: "User | None",
    reason: str = "",
) -> Slot:
    """Add one course day to ``session`` (at its own site unless ``site`` says otherwise)."""
    now = timezone.now()
    with transaction.atomic():
        locked = lock_sessions(session_ids=[session.pk], select_related=("site",))[session.pk]
        _session_open(locked)
        slot_check(session=locked, date=date, start_time=start_time, end_time=end_time)
        slot = Slot.objects.create(
            session=locked, date=date, start_time=start_time, end_time=end_time, site=site or locked.site
        )
        SlotChange.objects.create(
            slot=slot, kind=SlotChange.Kind.CREATED, changed_by=by, changed_at=now, reason=(reason or "").strip()
        )
        _planned_hours_sync(locked)
    return slot


def _lock_slot(slot: Slot) -> Slot:
    lock_sessions(session_ids=[slot.session_id])
    return (
        Slot.objects.select_for_update(of=("self",))
        .select_related("site", "session__programme", "session__site")
        .get(pk=slot.pk)
    )


def _refuse_if_fixed(slot: Slot, now: datetime.datetime) -> None:
    refusal = slot_change_refusal(slot=slot, now=now)
    if refusal:
        raise ValidationError(refusal, code="slot_fixed")


def _change(slot: Slot, *, kind: str, reason: str, by: "User | None", now: datetime.datetime) -> SlotChange:
    return SlotChange.objects.create(
        slot=slot,
        kind=kind,
        previous_date=slot.date,
        previous_start_time=slot.start_time,
        previous_end_time=slot.end_time,
        previous_site=slot.site,
        reason=reason,
        changed_by=by,
        changed_at=now,
    )


def slot_move(
    *,
    slot: Slot,
    date: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    site: Site,
    reason: str,
    by: "User | None",
) -> Slot:
    """Move a planned slot to another day, other hours or another place; the people enrolled are told
    what it was, what it becomes and why."""
    reason = _reason(reason, _("Indiquez le motif du déplacement : il est écrit aux personnes inscrites."))
    now = timezone.now()
    with transaction.atomic():
        locked = _lock_slot(slot)
        _refuse_if_fixed(locked, now)
        if (locked.date, locked.start_time, locked.end_time, locked.site_id) == (date, start_time, end_time, site.pk):
            raise ValidationError(
                _("Le créneau est déjà prévu ainsi : changez sa date, ses heures ou son lieu."), code="unchanged"
            )
        slot_check(session=locked.session, date=date, start_time=start_time, end_time=end_time, slot=locked)
        moved = Slot(session=locked.session, date=date, start_time=start_time, end_time=end_time)
        if moved.starts_at <= now:
            raise ValidationError(
                {
                    "date": ValidationError(
                        _("Le nouveau créneau commencerait le %(when)s, qui est passé : choisissez une date à venir.")
                        % {"when": datetime_long(moved.starts_at)},
                        code="moved_to_past",
                    )
                }
            )
        change = _change(locked, kind=SlotChange.Kind.MOVED, reason=reason, by=by, now=now)
        locked.date, locked.start_time, locked.end_time, locked.site = date, start_time, end_time, site
        locked.save(update_fields=["date", "start_time", "end_time", "site", "updated_at"])
        _planned_hours_sync(locked.session)
        _notify_enrolled(template="slot_moved", change=change, slot=locked)
    return locked


def slot_cancel(*, slot: Slot, reason: str, by: "User | None") -> Slot:
    """Cancel a planned slot; the people enrolled are told which one, and why."""
    reason = _reason(reason, _("Indiquez le motif de l'annulation : il est écrit aux personnes inscrites."))
    now = timezone.now()
    with transaction.atomic():
        locked = _lock_slot(slot)
        _refuse_if_fixed(locked, now)
        change = _change(locked, kind=SlotChange.Kind.CANCELLED, reason=reason, by=by, now=now)
        locked.state = Slot.State.CANCELLED
        locked.cancel_reason = reason
        locked.cancelled_at = now
        locked.save(update_fields=["state", "cancel_reason", "cancelled_at", "updated_at"])
        _planned_hours_sync(locked.session)
        _notify_enrolled(template="slot_cancelled", change=change, slot=locked)
    return locked


# --- What follows a change -----------------------------------------------------------------------


def _planned_hours_sync(session: Session) -> Decimal:
    """Put the session's planned hours on each of its participations (rows that exist: a person's
    participation starts at their first attendance)."""
    hours = session_planned_hours(session_id=session.pk)
    Participation.objects.filter(application__session_id=session.pk).exclude(hours_planned=hours).update(
        hours_planned=hours, updated_at=timezone.now()
    )
    return hours


def _notify_enrolled(*, template: str, change: SlotChange, slot: Slot) -> None:
    applications = session_enrolled_applications(session_id=slot.session_id)
    outbox.notifications_create(
        rows=notifications.slot_change_rows(template=template, change=change, slot=slot, applications=applications)
    )
