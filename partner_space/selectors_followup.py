"""Reads of the course's follow-up in the partner space: attendance, state and funders' documents of its staff.

Apart from ``partner_space.selectors`` so that what the partners app imports of the partner space
(its invitation services) knows nothing of the attendance app. Every query is filtered by one
partner, as in ``partner_space.selectors``; the figures are the follow-up's stored ones
(``Participation.hours_attended`` and ``hours_planned``, kept current by the attendance services).
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from attendance.models import AbandonReason, ExitKind, FunderDocument, Participation, RenderState
from enrollment.models import Application, ApplicationStatus
from partner_space.selectors import VISIBLE_CONVENTION_STATES
from partners.models import Convention, Partner

# The enrollments a partner follows: those that counted (``Application.partner_may_see_profile``),
# so that every row shown or exported may carry the person's own name.
ENROLLMENT_COUNTED = Q(status=ApplicationStatus.ENROLLED) | Q(enrolled_at__isnull=False)

# The order the documents of one person are listed in: entry, each month, completion.
DOCUMENT_ORDER = {
    FunderDocument.Kind.ENTRY: 0,
    FunderDocument.Kind.MONTHLY: 1,
    FunderDocument.Kind.COMPLETION: 2,
}


def _ready_documents() -> QuerySet[FunderDocument]:
    return FunderDocument.objects.filter(render_state=RenderState.READY).exclude(file="")


def partner_followup(
    *, partner: Partner, convention: Convention, session_id: int | None = None, documents: bool = False
) -> QuerySet[Application]:
    """The staff the partner enrolled through ``convention`` whose enrollment counted, with their follow-up.

    Ordered by session (soonest first) then by name; each row carries its ``participation`` (or
    none yet) and, with ``documents=True``, its ready funder documents in ``ready_documents``.
    """
    queryset = Application.objects.filter(convention__partner=partner, convention=convention).filter(ENROLLMENT_COUNTED)
    if session_id is not None:
        queryset = queryset.filter(session_id=session_id)
    queryset = queryset.select_related("applicant__applicant_profile", "session__programme", "participation")
    if documents:
        queryset = queryset.prefetch_related(
            Prefetch("funder_documents", queryset=_ready_documents().order_by("month", "pk"), to_attr="ready_documents")
        )
    return queryset.order_by(
        "session__start_date",
        "session__reference",
        "applicant__applicant_profile__last_name",
        "applicant__applicant_profile__first_name",
        "pk",
    )


@dataclass(frozen=True)
class StaffFollowup:
    """One person's follow-up as the partner reads it (page and exports)."""

    application: Application
    last_name: str
    first_name: str
    email: str
    # The participation's state, or the application's status while there is none (« Inscrite »).
    state: str
    state_label: str
    exit_kind: str
    exit_kind_label: str
    abandon_reason_label: str
    entered_on: datetime.date | None
    exited_on: datetime.date | None
    hours_planned: Decimal | None
    hours_attended: Decimal | None
    # Hours attended over hours planned, between 0 and 1; None while nothing is planned.
    rate: Decimal | None
    documents: list[FunderDocument] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def _partner_abandon_reason(participation: Participation) -> str:
    """The abandonment's reason as the employer reads it: a health reason is health data, which an
    employer has no business knowing (RGPD, art. 9); it reads « motif non communiqué »."""
    if not participation.abandon_reason:
        return ""
    if participation.abandon_reason == AbandonReason.HEALTH:
        return str(_("motif non communiqué"))
    return str(participation.get_abandon_reason_display())


def staff_followup(application: Application) -> StaffFollowup:
    """What the partner reads of one application of ``partner_followup``."""
    try:
        profile = application.applicant.applicant_profile
    except ObjectDoesNotExist:
        profile = None
    if profile is not None:
        last_name, first_name = profile.last_name, profile.first_name
    else:
        last_name, first_name = application.invited_name, ""
    try:
        participation: Participation | None = application.participation
    except ObjectDoesNotExist:
        participation = None
    documents = sorted(
        getattr(application, "ready_documents", ()),
        key=lambda document: (DOCUMENT_ORDER.get(document.kind, 9), document.month or datetime.date.min),
    )
    if participation is None:
        return StaffFollowup(
            application=application,
            last_name=last_name,
            first_name=first_name,
            email=application.applicant.email,
            state=application.status,
            state_label=str(application.get_status_display()),
            exit_kind="",
            exit_kind_label="",
            abandon_reason_label="",
            entered_on=None,
            exited_on=None,
            hours_planned=None,
            hours_attended=None,
            rate=None,
            documents=documents,
        )
    return StaffFollowup(
        application=application,
        last_name=last_name,
        first_name=first_name,
        email=application.applicant.email,
        state=participation.state,
        state_label=str(participation.get_state_display()),
        exit_kind=participation.exit_kind,
        exit_kind_label=str(participation.get_exit_kind_display()) if participation.exit_kind else "",
        abandon_reason_label=_partner_abandon_reason(participation),
        entered_on=participation.entered_on,
        exited_on=participation.exited_on,
        hours_planned=participation.hours_planned,
        hours_attended=participation.hours_attended,
        rate=participation.completion_rate,
        documents=documents,
    )


@dataclass(frozen=True)
class SessionFollowup:
    """One session of a convention: its staff enrolled, how many entered and left, their hours."""

    session_id: int
    reference: str
    programme_title: str
    start_date: datetime.date
    end_date: datetime.date
    people: int
    entered: int
    completed: int
    abandoned: int
    hours_planned: Decimal
    hours_attended: Decimal

    @property
    def rate(self) -> Decimal | None:
        """Hours attended over hours planned of the session's staff, between 0 and 1; None while nothing is planned."""
        if not self.hours_planned:
            return None
        return min(Decimal(1), self.hours_attended / self.hours_planned)


def partner_followup_sessions(*, partner: Partner, convention: Convention) -> list[SessionFollowup]:
    """Each session the partner's staff follow under ``convention``, with their totals, in one grouped query."""
    rows = (
        Application.objects.filter(convention__partner=partner, convention=convention)
        .filter(ENROLLMENT_COUNTED)
        .values(
            "session_id",
            "session__reference",
            "session__programme__title",
            "session__start_date",
            "session__end_date",
        )
        .annotate(
            people=Count("pk"),
            entered=Count("participation"),
            completed=Count("participation", filter=Q(participation__exit_kind=ExitKind.COMPLETED)),
            abandoned=Count("participation", filter=Q(participation__exit_kind=ExitKind.ABANDON)),
            hours_planned=Sum("participation__hours_planned"),
            hours_attended=Sum("participation__hours_attended"),
        )
        .order_by("session__start_date", "session__reference")
    )
    return [
        SessionFollowup(
            session_id=row["session_id"],
            reference=row["session__reference"],
            programme_title=row["session__programme__title"],
            start_date=row["session__start_date"],
            end_date=row["session__end_date"],
            people=row["people"],
            entered=row["entered"],
            completed=row["completed"],
            abandoned=row["abandoned"],
            hours_planned=Decimal(row["hours_planned"] or 0),
            hours_attended=Decimal(row["hours_attended"] or 0),
        )
        for row in rows
    ]


def partner_followup_document(*, partner: Partner, document_id: int) -> FunderDocument | None:
    """A ready funder document of one of the partner's staff whose enrollment counted, else None.

    Another partner's document, a document still rendering or failed, or one of a person whose
    enrollment has not counted yet, is None: the page answers as if it did not exist.
    """
    return (
        _ready_documents()
        .filter(
            pk=document_id,
            application__convention__partner=partner,
            application__convention__state__in=VISIBLE_CONVENTION_STATES,
        )
        .filter(Q(application__status=ApplicationStatus.ENROLLED) | Q(application__enrolled_at__isnull=False))
        .select_related("application")
        .first()
    )
