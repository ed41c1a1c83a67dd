"""Each enrolled person's follow-up: their hours and state, kept current by the attendance services."""

import datetime
from collections.abc import Iterable


def participations_refresh(*, application_ids: Iterable[int], now: datetime.datetime | None = None) -> None:
    """Recomputes each person's hours and follow-up state.

    Called inside the transaction of every signature, mark, closing and correction of a sheet,
    with the enrollments whose attendance changed.
    """
