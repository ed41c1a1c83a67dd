"""How long personal data is kept, in the words the consent and the privacy page use.

The periods are settings (``RETENTION_*``); the texts people read name them through
``retention_phrases`` and ``fill_retention_periods``, so a changed setting changes what they
read too, and the two cannot drift apart.
"""

import datetime
import re
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class RetentionPeriods:
    closed_documents: datetime.timedelta
    evidence_years: int
    inactive_account: datetime.timedelta
    inactive_notice: datetime.timedelta


def retention_periods() -> RetentionPeriods:
    return RetentionPeriods(
        closed_documents=datetime.timedelta(days=settings.RETENTION_CLOSED_DOCUMENTS_DAYS),
        evidence_years=settings.RETENTION_EVIDENCE_YEARS,
        inactive_account=datetime.timedelta(days=settings.RETENTION_INACTIVE_ACCOUNT_DAYS),
        inactive_notice=datetime.timedelta(days=settings.RETENTION_INACTIVE_NOTICE_DAYS),
    )


def years_after[D: (datetime.date, datetime.datetime)](day: D, years: int) -> D:
    """The same day (and time) ``years`` later, or earlier when negative (a 29 February falls on the 28th)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


# The words below are plain French, not gettext: the consent quotes them and is stored word for
# word (enrollment.models.profiles), and it is built when the models load, before translations can.
def _count(count: int, one: str, many: str) -> str:
    return f"{count} {one if count < 2 else many}"


def days_text(days: int) -> str:
    """``2 ans``, ``3 mois``, ``30 jours``: a period in the unit people say it in."""
    if days and days % 365 == 0:
        return _count(days // 365, "an", "ans")
    if days >= 60 and days % 30 == 0:
        return _count(days // 30, "mois", "mois")
    return _count(days, "jour", "jours")


def years_text(years: int) -> str:
    return _count(years, "an", "ans")


# The names a staff-written text may hold between braces, replaced by the period they name.
PLACEHOLDERS = {
    "pieces_candidatures_closes": "closed_documents",
    "preuves_inscription": "evidence_years",
    "compte_inactif": "inactive_account",
    "preavis_compte_inactif": "inactive_notice",
}
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


def retention_phrases() -> dict[str, str]:
    """Each placeholder of ``PLACEHOLDERS`` with the period it stands for, in French words."""
    periods = retention_periods()
    return {
        "pieces_candidatures_closes": days_text(periods.closed_documents.days),
        "preuves_inscription": years_text(periods.evidence_years),
        "compte_inactif": days_text(periods.inactive_account.days),
        "preavis_compte_inactif": days_text(periods.inactive_notice.days),
    }


def fill_retention_periods(text: str) -> str:
    """``text`` with each ``{placeholder}`` replaced by its period; any other brace stays as typed."""
    phrases = retention_phrases()
    return _PLACEHOLDER.sub(lambda match: phrases[match.group(1)], text)


# What the admin says under a text that may name the periods.
PLACEHOLDERS_HELP = gettext_lazy(
    "Les durées fixées par la configuration du portail s'écrivent entre accolades et s'affichent "
    "à jour : {pieces_candidatures_closes}, {preuves_inscription}, {compte_inactif}, {preavis_compte_inactif}."
)
