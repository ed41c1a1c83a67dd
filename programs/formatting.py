"""How the catalogue writes prices: "1 250 €", "1 250,50 €", « Gratuit », « Tarif sur demande ».

Non-breaking spaces (narrow between thousands, plain before the sign), as in the convention PDFs,
so that a phone never wraps "1 250 €" into "1" and "250 €".
"""

from django.utils import numberformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import formatting

# One way of writing amounts, shared with the convention PDFs.
euros = formatting.euros


def programme_price(programme) -> str:
    """What a person pays for ``programme``: its price, « Gratuit », or « Tarif sur demande » while unset."""
    if programme.price_eur is None:
        return _("Tarif sur demande")
    if programme.is_free:
        return _("Gratuit")
    return euros(programme.price_eur)


def whole_number(value: int | None) -> str:
    """``1 200`` rather than ``1200``: hours and seats read like the prices."""
    if value is None:
        return ""
    return numberformat.format(
        value, decimal_sep=",", grouping=3, thousand_sep=formatting.THOUSANDS_SEPARATOR, force_grouping=True
    )


def result_rate(rate) -> str:
    """``87 % (45 stagiaires, 3 sessions)``: a rate of ``programs.selectors.programme_results`` and what it counts."""
    return _("%(percent)s\u00a0%% (%(trainees)s, %(sessions)s)") % {
        "percent": rate.percent,
        "trainees": ngettext("%(n)s stagiaire", "%(n)s stagiaires", rate.trainees) % {"n": whole_number(rate.trainees)},
        "sessions": ngettext("%(n)s session", "%(n)s sessions", rate.sessions) % {"n": rate.sessions},
    }
