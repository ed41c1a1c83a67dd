"""The emails about course days and trainers: their French names for staff, their subjects and stored texts.

Rows go through ``core.outbox`` and are rendered by ``enrollment.notifications`` like every
other email (a row with an application gets its session, programme and place there). What a
slot was and became is written into the row's context as text when the change happens: it is
a fact of that moment, which a later change must not rewrite.
"""

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateformat import format as django_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.formatting import date_long, time_short
from core.models import Notification
from enrollment.notifications import SUBJECT_PREFIX

from .models import Slot, SlotChange

if TYPE_CHECKING:
    from enrollment.models import Application
    from programs.models import Session, Site

NOTIFICATION_KINDS = {
    "slot_moved": gettext_lazy("Créneau de cours déplacé"),
    "slot_cancelled": gettext_lazy("Créneau de cours annulé"),
    "trainer_invitation": gettext_lazy("Invitation à l'espace formateur"),
}


def day_text(day: datetime.date) -> str:
    """``mardi 6 avril 2027``, ``jeudi 1er avril 2027``."""
    return f"{django_format(day, 'l')} {date_long(day)}"


def times_text(start: datetime.time, end: datetime.time) -> str:
    """``17 h 30 – 20 h 30``."""
    return f"{time_short(start)} – {time_short(end)}"


def place_text(site: "Site | None") -> str:
    """``Centre CNAM de Mamoudzou (Mamoudzou), Place Mariage, 97600 Mamoudzou`` or ``à distance``."""
    if site is None:
        return ""
    if site.is_remote:
        return _("à distance")
    return f"{site}, {site.address}" if site.address else str(site)


def _slot_texts(
    prefix: str, day: datetime.date, start: datetime.time, end: datetime.time, site: "Site | None"
) -> dict[str, str | bool]:
    return {
        f"{prefix}_day": day_text(day),
        f"{prefix}_times": times_text(start, end),
        f"{prefix}_place": place_text(site),
        f"{prefix}_remote": bool(site is not None and site.is_remote),
    }


def _previous(change: SlotChange) -> tuple[datetime.date, datetime.time, datetime.time]:
    if change.previous_date is None or change.previous_start_time is None or change.previous_end_time is None:
        raise ValueError(f"Slot change {change.pk} keeps no previous day and hours: nothing moved or cancelled.")
    return change.previous_date, change.previous_start_time, change.previous_end_time


def slot_change_context(*, change: SlotChange, slot: Slot) -> dict[str, str | bool]:
    """What the email says: the slot as it was (``old_*``), as it is now (``new_*``), and why."""
    with translation.override(settings.LANGUAGE_CODE), timezone.override(timezone.get_default_timezone()):
        old = _slot_texts("old", *_previous(change), change.previous_site)
        new = _slot_texts("new", slot.date, slot.start_time, slot.end_time, slot.site)
    return {
        **old,
        **new,
        "reason": change.reason,
        "day_changed": change.previous_date != slot.date,
        "times_changed": (change.previous_start_time, change.previous_end_time) != (slot.start_time, slot.end_time),
        "place_changed": change.previous_site_id != slot.site_id,
    }


def slot_change_subject(*, template: str, change: SlotChange, session: "Session") -> str:
    with translation.override(settings.LANGUAGE_CODE):
        values = {"day": day_text(_previous(change)[0]), "programme": session.programme.title}
        if template == "slot_cancelled":
            subject = _("Cours du %(day)s annulé : %(programme)s") % values
        else:
            subject = _("Cours du %(day)s déplacé : %(programme)s") % values
    return (SUBJECT_PREFIX + subject)[:250]


def slot_change_rows(
    *, template: str, change: SlotChange, slot: Slot, applications: Iterable["Application"]
) -> list[Notification]:
    """One outbox row per person enrolled (with an email address), keyed by the change: never sent twice."""
    context = slot_change_context(change=change, slot=slot)
    subject = slot_change_subject(template=template, change=change, session=slot.session)
    return [
        Notification(
            idempotency_key=f"{template}:{change.pk}:{application.pk}",
            template=template,
            recipient_email=application.applicant.email,
            user=application.applicant,
            application=application,
            context=context,
            subject=subject,
        )
        for application in applications
        if application.applicant.email
    ]


def trainer_invitation_subject() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return SUBJECT_PREFIX + _("Votre accès à l'espace formateur")


def session_lines(sessions: Iterable["Session"]) -> list[dict[str, str]]:
    """The sessions a trainer runs, as the invitation lists them."""
    with translation.override(settings.LANGUAGE_CODE):
        return [
            {
                "reference": session.reference,
                "programme": session.programme.title,
                "dates": _("du %(start)s au %(end)s")
                % {"start": date_long(session.start_date), "end": date_long(session.end_date)},
                "place": place_text(session.site),
                "schedule": session.schedule,
            }
            for session in sessions
        ]


def trainer_space_url() -> str:
    return settings.SITE_URL + reverse("attendance:trainer_home")
