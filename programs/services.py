"""Writes on the catalogue that carry a rule: planning the next run of a session."""

import datetime
import re
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.admin_kit import log_admin_action
from core.references import numbers_after

from .models import Session

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The next run starts 52 weeks later: the same weekday, so an "every Tuesday and Thursday"
# schedule stays true, and about the same time of the year (courses follow the school year).
NEXT_RUN_SHIFT = datetime.timedelta(weeks=52)
REFERENCE_SUFFIX = re.compile(r"^(?P<base>.+)-(?P<number>\d{2})$")
REFERENCE_ATTEMPTS = 5


def _reference_base(reference: str) -> str:
    match = REFERENCE_SUFFIX.match(reference)
    return match["base"] if match else reference


def _next_reference(reference: str) -> str:
    """``S-2027-001`` → ``S-2027-001-02``; ``S-2027-001-02`` → ``S-2027-001-03`` (first number free)."""
    base = _reference_base(reference)
    taken = numbers_after(model=Session, prefix=f"{base}-")
    number = 2
    while number in taken:
        number += 1
    candidate = f"{base}-{number:02d}"
    max_length = Session._meta.get_field("reference").max_length
    if max_length is not None and len(candidate) > max_length:
        raise ValidationError(
            _("La référence %(reference)s dépasserait %(max)s caractères : créez la session à la main.")
            % {"reference": candidate, "max": max_length},
            code="reference_too_long",
        )
    return candidate


def session_duplicate(*, session: Session, by: "User | None" = None) -> Session:
    """Plan the next run of ``session``: same programme, place, rhythm, hours, seats and partner,
    52 weeks later (dates and application window), as a draft, under a new reference."""
    if session.pk is None:
        raise ValidationError(_("Session inconnue."), code="unknown")
    for attempt in range(REFERENCE_ATTEMPTS):
        copy = Session(
            programme_id=session.programme_id,
            site_id=session.site_id,
            reference=_next_reference(session.reference),
            start_date=session.start_date + NEXT_RUN_SHIFT,
            end_date=session.end_date + NEXT_RUN_SHIFT,
            rhythm=session.rhythm,
            schedule=session.schedule,
            hours=session.hours,
            capacity=session.capacity,
            applications_open_at=session.applications_open_at + NEXT_RUN_SHIFT,
            applications_close_at=session.applications_close_at + NEXT_RUN_SHIFT,
            state=Session.State.DRAFT,
            reserved_for_id=session.reserved_for_id,
        )
        copy.full_clean(validate_unique=False, validate_constraints=True)
        try:
            with transaction.atomic():
                copy.save(force_insert=True)
        except IntegrityError:
            # Someone took the same reference meanwhile: take the next number.
            if attempt == REFERENCE_ATTEMPTS - 1:
                raise ValidationError(
                    _("Impossible de trouver une référence libre pour la copie de %(reference)s.")
                    % {"reference": session.reference},
                    code="reference_taken",
                ) from None
            continue
        log_admin_action(
            by,
            [copy],
            _("Créée par duplication de la session %(reference)s (52 semaines plus tard).")
            % {"reference": session.reference},
        )
        return copy
    raise AssertionError("unreachable")
