"""The documents funders ask for, as French text then PDF: the attestation d'entrée en formation,
the état de présence mensuel and the certificat de réalisation.

Each ``*_data`` function turns rows already read into a dict of French strings (its hash,
``base.data_hash``, tells whether a stored PDF still shows them); ``render`` lays one out with
WeasyPrint. The date the document is signed is given at rendering and left out of the data:
a document rendered again on another day with the same data is the same document.
"""

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _

from attendance.models import FunderDocument, Participation
from attendance.progress import StatementRow, hours_text, month_label, rate_text
from core.formatting import date_long, time_short
from enrollment.models import Application
from programs.models import Programme, Session

from .base import in_french_and_local_time, render_pdf

Kind = FunderDocument.Kind

TEMPLATES = {
    Kind.ENTRY: "pdf/attendance/entry.html",
    Kind.MONTHLY: "pdf/attendance/monthly.html",
    Kind.COMPLETION: "pdf/attendance/completion.html",
}


# --- The action's nature, as the certificat de réalisation's model lists them ------------------


class Nature:
    TRAINING = "action_formation"
    SKILLS_ASSESSMENT = "bilan_competences"
    VAE = "vae"
    APPRENTICESHIP = "apprentissage"


def nature_choices() -> list[tuple[str, str]]:
    """The four natures of action the ministry's model lists, in its order."""
    return [
        (Nature.TRAINING, _("action de formation")),
        (Nature.SKILLS_ASSESSMENT, _("bilan de compétences")),
        (Nature.VAE, _("action de validation des acquis de l'expérience")),
        (Nature.APPRENTICESHIP, _("action de formation par apprentissage")),
    ]


def action_nature(programme: Programme, session: Session) -> str:
    """What kind of action the course is: a VAE support, work-study, or else a training action."""
    if programme.certification_type == Programme.CertificationType.VAE_SUPPORT:
        return Nature.VAE
    if programme.is_work_study or session.rhythm == Session.Rhythm.WORK_STUDY:
        return Nature.APPRENTICESHIP
    return Nature.TRAINING


# --- What every document says of the person and the course --------------------------------------


def _profile(application: Application):
    try:
        return application.applicant.applicant_profile
    except ObjectDoesNotExist:
        return None


def _person(application: Application) -> dict[str, str]:
    profile = _profile(application)
    user = application.applicant
    name = profile.full_name if profile is not None else (user.get_full_name() or user.email)
    return {
        "name": name,
        "birth_date": date_long(profile.birth_date) if profile is not None else "",
        "france_travail_id": profile.france_travail_id if profile is not None else "",
    }


def employer_name(application: Application) -> str:
    """The partner that enrolled the person (their employer), or nothing for anyone else."""
    if application.channel == Application.Channel.PARTNER and application.convention_id:
        return application.convention.partner.name
    return ""


def _place(session: Session) -> str:
    site = session.site
    if site.is_remote:
        return _("À distance")
    place = f"{site.name}, {site.get_commune_display()}"
    return f"{place} — {site.address}" if site.address else place


def _course(application: Application) -> dict[str, str]:
    session = application.session
    programme = session.programme
    return {
        "programme_title": programme.title,
        "programme_code": programme.code,
        "certification": str(programme.get_certification_type_display()),
        "session_reference": session.reference,
        "start_date": date_long(session.start_date),
        "end_date": date_long(session.end_date),
        "place": _place(session),
        "rhythm": str(session.get_rhythm_display()),
        "schedule": session.schedule,
        "application_reference": application.reference,
    }


def _planned_hours(participation: Participation, session: Session) -> str:
    # The slots' sum once the course days are planned; until then, the volume the session states.
    if participation.hours_planned:
        return hours_text(participation.hours_planned)
    return hours_text(session.hours) if session.hours else ""


# --- The three documents ------------------------------------------------------------------------


def entry_data(*, application: Application, participation: Participation, body: dict[str, str]) -> dict[str, Any]:
    """The attestation d'entrée en formation: who started which course, and when."""
    with in_french_and_local_time():
        return {
            "body": body,
            "person": _person(application),
            "course": _course(application),
            "planned_hours": _planned_hours(participation, application.session),
            "entered_on": date_long(participation.entered_on),
        }


def slot_times(row: StatementRow) -> str:
    return f"{time_short(row.slot.start_time)} – {time_short(row.slot.end_time)}"


def monthly_data(
    *,
    application: Application,
    participation: Participation,
    month: datetime.date,
    rows: Sequence[StatementRow],
    body: dict[str, str],
) -> dict[str, Any]:
    """The état de présence mensuel: each slot of the month, what the sheet says, the hours, the totals."""
    with in_french_and_local_time():
        planned = sum((row.slot.hours for row in rows), Decimal(0))
        attended = sum((row.hours_attended for row in rows), Decimal(0))
        counts: dict[str, int] = {}
        for row in rows:
            counts[row.status] = counts.get(row.status, 0) + 1
        return {
            "body": body,
            "person": _person(application),
            "employer": employer_name(application),
            "course": _course(application),
            "month": month_label(month),
            "entered_on": date_long(participation.entered_on),
            "exited_on": date_long(participation.exited_on),
            "lines": [
                {
                    "date": date_long(row.slot.date),
                    "times": slot_times(row),
                    "place": _("À distance") if row.slot.site.is_remote else row.slot.site.name,
                    "status": row.status_label,
                    "planned": hours_text(row.slot.hours),
                    "attended": hours_text(row.hours_attended),
                }
                for row in rows
            ],
            "totals": {
                "slots": len(rows),
                "planned": hours_text(planned),
                "attended": hours_text(attended),
                "rate": rate_text(min(Decimal(1), attended / planned) if planned else None),
                "present": counts.get("present", 0),
                "late": counts.get("retard", 0),
                "absent": counts.get("absent", 0),
                "excused": counts.get("excuse", 0),
                "unrecorded": counts.get("", 0),
            },
        }


def completion_data(*, application: Application, participation: Participation, body: dict[str, str]) -> dict[str, Any]:
    """The certificat de réalisation, as the ministry's model words it: the body, the person (and
    their employer), the action and its nature, its dates, the hours attended, the signatory."""
    session = application.session
    nature = action_nature(session.programme, session)
    with in_french_and_local_time():
        return {
            "body": body,
            "person": _person(application),
            "employer": employer_name(application),
            "course": _course(application),
            "natures": [{"label": label, "checked": value == nature} for value, label in nature_choices()],
            "nature": nature,
            "from_date": date_long(participation.entered_on),
            "to_date": date_long(participation.exited_on),
            "hours_attended": hours_text(participation.hours_attended),
            "exit": str(participation.get_exit_kind_display()),
        }


def render(kind: str, data: dict[str, Any], *, issued_on: datetime.date) -> bytes:
    """The A4 PDF of a funder document of ``kind`` showing ``data``, signed on ``issued_on``."""
    with in_french_and_local_time():
        issued = date_long(issued_on)
    return render_pdf(TEMPLATES[Kind(kind)], {"data": data, "body": data["body"], "issued_on": issued})
