"""After the enrollment: course days, trainers, attendance sheets, each person's follow-up and
the documents funders ask for."""

from .documents import FunderDocument, FunderDocumentVersion, RenderState
from .followup import AbandonReason, AbsenceAlert, ExitKind, Participation, ParticipationChange, ParticipationState
from .sheets import Attendance, AttendanceChange, AttendanceSheet, AttendanceStatus
from .slots import Slot, SlotChange, Trainer

__all__ = [
    "AbandonReason",
    "AbsenceAlert",
    "Attendance",
    "AttendanceChange",
    "AttendanceSheet",
    "AttendanceStatus",
    "ExitKind",
    "FunderDocument",
    "FunderDocumentVersion",
    "Participation",
    "ParticipationChange",
    "ParticipationState",
    "RenderState",
    "Slot",
    "SlotChange",
    "Trainer",
]
