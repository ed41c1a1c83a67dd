"""Reads about conventions, their seat allocations and their PDF versions.

What a convention may still reserve in a session is ``enrollment.seats.allocation_room``.
"""

import datetime

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from enrollment.seats import allocations_with_usage

from .models import Convention, ConventionArticle, ConventionDocument, SeatAllocation, Signatory


def convention_for_document(*, convention_id: int) -> Convention:
    """A convention with everything its PDF shows, in a fixed number of queries (five)."""
    allocations = allocations_with_usage(
        SeatAllocation.objects.select_related("session__programme", "session__site").order_by(
            "session__start_date", "session__reference"
        )
    )
    return (
        Convention.objects.select_related("partner")
        .prefetch_related(
            Prefetch("articles", queryset=ConventionArticle.objects.order_by("number")),
            Prefetch("signatories", queryset=Signatory.objects.order_by("party", "position", "pk")),
            Prefetch("allocations", queryset=allocations),
            "axes",
        )
        .get(pk=convention_id)
    )


def convention_latest_document(*, convention: Convention) -> ConventionDocument | None:
    return ConventionDocument.objects.filter(convention=convention).order_by("-version").first()


def convention_latest_ready_document(*, convention: Convention) -> ConventionDocument | None:
    """The newest PDF one can download (an older ready version while a newer one renders)."""
    return (
        ConventionDocument.objects.filter(convention=convention, state=ConventionDocument.State.READY)
        .order_by("-version")
        .first()
    )


def documents_to_retry(*, max_attempts: int, stale_before: datetime.datetime) -> QuerySet[ConventionDocument]:
    """Latest versions a lost message or a failure left unrendered.

    Failed ones are retried until ``max_attempts``; pending ones only once they are older
    than ``stale_before`` (their message is then presumed lost). Superseded versions are
    left alone: a newer one shows the convention as it is.
    """
    newer = ConventionDocument.objects.filter(convention=OuterRef("convention"), version__gt=OuterRef("version"))
    failed = ConventionDocument.objects.filter(state=ConventionDocument.State.FAILED, attempts__lt=max_attempts)
    stale = ConventionDocument.objects.filter(state=ConventionDocument.State.PENDING, requested_at__lt=stale_before)
    return (failed | stale).filter(~Exists(newer)).order_by("requested_at", "pk")


def conventions_due_to_expire(*, today: datetime.date) -> QuerySet[Convention]:
    return Convention.objects.filter(state=Convention.State.SIGNED, end_date__lt=today)
