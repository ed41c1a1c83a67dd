"""The one way the portal writes dates and times in French, in Mayotte time.

"1er janvier 2027", "23 h 59", "1er janvier 2027 à 23 h 59": pages, emails, PDFs and the
admin all go through these functions (templates through the ``portal_format`` filters).
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils import numberformat, timezone
from django.utils.dateformat import format as django_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

# The abbreviations of the Lexique des règles typographiques (Django's own are "jan.", "fév.").
MONTHS_SHORT = (
    gettext_lazy("janv."),
    gettext_lazy("févr."),
    gettext_lazy("mars"),
    gettext_lazy("avr."),
    gettext_lazy("mai"),
    gettext_lazy("juin"),
    gettext_lazy("juil."),
    gettext_lazy("août"),
    gettext_lazy("sept."),
    gettext_lazy("oct."),
    gettext_lazy("nov."),
    gettext_lazy("déc."),
)


def _local[D: (datetime.date, datetime.datetime)](value: D) -> D:
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def _day(value: datetime.date) -> str:
    return _("1er") if value.day == 1 else str(value.day)


def date_long(value: datetime.date | datetime.datetime | None) -> str:
    """``1er janvier 2027``, ``14 juillet 2027``; a datetime is first put in Mayotte time."""
    if value is None:
        return ""
    value = _local(value)
    return f"{_day(value)} {django_format(value, 'F Y')}"


def date_short(value: datetime.date | datetime.datetime | None) -> str:
    """``1er janv. 2027`` for tables and cards where space is short."""
    if value is None:
        return ""
    value = _local(value)
    return f"{_day(value)} {MONTHS_SHORT[value.month - 1]} {value.year}"


def time_short(value: datetime.datetime | datetime.time | None) -> str:
    """``23 h 59``, ``8 h 05``: the hour without a leading zero, then the minutes."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = _local(value)
    return _("%(hour)d h %(minute)02d") % {"hour": value.hour, "minute": value.minute}


def hours_text(hours: Decimal | int | float | None) -> str:
    """``3 h``, ``2 h 30``, ``0 h``: a number of hours, written like the time of day (« 23 h 59 »)."""
    minutes = int((Decimal(hours or 0) * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    whole, rest = divmod(minutes, 60)
    if rest:
        return _("%(hours)d h %(minutes)02d") % {"hours": whole, "minutes": rest}
    return _("%(hours)d h") % {"hours": whole}


def datetime_long(value: datetime.datetime | None) -> str:
    """``1er janvier 2027 à 23 h 59``."""
    if value is None:
        return ""
    return _("%(date)s à %(time)s") % {"date": date_long(value), "time": time_short(value)}


def duration_text(seconds: float) -> str:
    """``30 secondes``, ``5 minutes``, ``1 heure``: a wait, rounded up to the unit people read."""
    seconds = max(0, int(-(-seconds // 1)))
    if seconds < 60:
        return ngettext("%(count)d seconde", "%(count)d secondes", seconds) % {"count": seconds}
    if seconds < 3600 or seconds % 3600:
        minutes = -(-seconds // 60)
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    hours = seconds // 3600
    return ngettext("%(count)d heure", "%(count)d heures", hours) % {"count": hours}


# Amounts: a narrow no-break space between thousands and a no-break space before the sign,
# so that a phone never wraps "1 250 €" into "1" and "250 €".
THOUSANDS_SEPARATOR = "\u202f"


def euros(amount: Decimal | int | None, *, cents: bool | None = None) -> str:
    """``1 250 €``, ``1 250,50 €``; with ``cents=True`` always two decimals (``1 250,00 €``); "" for None."""
    if amount is None:
        return ""
    amount = Decimal(amount)
    if cents is None:
        cents = amount != amount.to_integral_value()
    number = numberformat.format(
        amount,
        decimal_sep=",",
        decimal_pos=2 if cents else 0,
        grouping=3,
        thousand_sep=THOUSANDS_SEPARATOR,
        force_grouping=True,
    )
    return f"{number}\u00a0€"
