"""How the partner space writes the course's follow-up: rates, hours and the state's badge."""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils import numberformat

from attendance.models import ExitKind, ParticipationState

register = template.Library()

# While nothing is planned there is no rate to give.
NO_RATE = "—"
STATE_BADGES = {
    ParticipationState.ENTERED: "fr-badge--info",
    ParticipationState.IN_TRAINING: "fr-badge--info",
}
EXIT_BADGES = {
    ExitKind.COMPLETED: "fr-badge--success",
    ExitKind.ABANDON: "fr-badge--warning",
    ExitKind.EXCLUSION: "fr-badge--error",
}


def _number(value: Decimal, places: int) -> str:
    """``12,5``, ``100``: French decimals, the trailing zeros dropped."""
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = numberformat.format(rounded, decimal_sep=",", decimal_pos=places)
    return text.rstrip("0").rstrip(",") if "," in text else text


@register.filter
def percent(rate: Decimal | None) -> str:
    """A rate between 0 and 1 as ``87,5 %`` (no-break space), ``—`` for None."""
    if rate is None:
        return NO_RATE
    return f"{_number(Decimal(rate) * 100, 1)}\u00a0%"


@register.filter
def hours(value: Decimal | None) -> str:
    """``12,5 h``, ``40 h`` (no-break space); ``—`` for None."""
    if value is None:
        return NO_RATE
    return f"{_number(Decimal(value), 2)}\u00a0h"


@register.filter
def followup_badge(row) -> str:
    """The DSFR badge colour of a ``StaffFollowup``: how the exit went, in training, or grey while enrolled."""
    if row.state == ParticipationState.EXITED:
        return EXIT_BADGES.get(row.exit_kind, "")
    return STATE_BADGES.get(row.state, "")
