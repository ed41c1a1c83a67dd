"""The demo's course follow-up: a trainer, the course days of two sessions, their signed sheets.

One session is under way (started three weeks ago, daytime, in Mamoudzou), one has ended (the
Chirongui French course): their past course days have closed, countersigned sheets, so the
trainer's space, the follow-up, the alerts and the funders' documents all have something to show.
"""

from dataclasses import dataclass

TRAINER = {"first_name": "Hadidja", "last_name": "Ousseni", "email": "hadidja.ousseni@formateur.example"}

# The sessions the trainer runs; the first two get course days and sheets.
RUNNING_SESSION = "2026-FRPRO-MAM-02"
ENDED_SESSION = "2026-FRPRO-CHI-01"
TRAINER_SESSIONS = (RUNNING_SESSION, ENDED_SESSION, "2027-COMPTA-MAM-01")


@dataclass(frozen=True)
class Attendee:
    """How one enrolled person attended: every past course day present, except as listed.

    Indexes count the session's past course days from the first (0) or, negative, from the last.
    """

    applicant: str
    absent: tuple[int, ...] = ()
    late: tuple[int, ...] = ()
    excused: tuple[int, ...] = ()
    # The last course day attended before leaving, and how they left ("" : still in training).
    left_after: int | None = None
    exit_kind: str = ""
    abandon_reason: str = ""


EXCUSE = "Convocation à France Travail (justificatif remis)."

ATTENDEES = {
    RUNNING_SESSION: (
        Attendee("fatima"),
        Attendee("zaina", excused=(3,)),
        Attendee("anfane", late=(2, 6)),
        # Two course days missed in a row without excuse: the alert staff are to act on.
        Attendee("ibrahim", absent=(-2, -1)),
    ),
    ENDED_SESSION: (
        Attendee("hamada", exit_kind="achevee"),
        Attendee("zakia", excused=(5,), exit_kind="achevee"),
        Attendee("echati", late=(1,), left_after=12, exit_kind="abandon", abandon_reason="emploi"),
    ),
}
