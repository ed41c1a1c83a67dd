"""The applicant's profile: identity, contact, level and situation, and the consent to process them."""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enrollment.models import ApplicantProfile
from enrollment.models.profiles import CONSENT_TEXT

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# What the person fills in themselves; the employer, the job title and the consent are not theirs to type.
PROFILE_FIELDS = [
    "first_name",
    "last_name",
    "birth_date",
    "phone",
    "commune",
    "address",
    "highest_level",
    "situation",
    "france_travail_id",
]


def applicant_profile_update(*, user: "User", data: Mapping[str, Any], consent: bool) -> ApplicantProfile:
    """Create or update ``user``'s profile with ``data`` (``PROFILE_FIELDS`` only) and record the consent.

    The consent is required. It is stored with the date and the exact wording agreed to; agreeing
    again to the same wording keeps the date it was first given, a new wording is recorded anew.
    A refused profile leaves the stored one as it was.
    """
    unknown = sorted(set(data) - set(PROFILE_FIELDS))
    if unknown:
        raise TypeError(f"Not profile fields: {', '.join(unknown)}")
    if not consent:
        raise ValidationError(
            {
                "consent": ValidationError(
                    _("Votre accord est nécessaire pour que le CNAM puisse étudier vos candidatures."),
                    code="consent_required",
                )
            }
        )
    with transaction.atomic():
        profile = ApplicantProfile.objects.select_for_update().filter(user=user).first() or ApplicantProfile(user=user)
        for name, value in data.items():
            setattr(profile, name, value)
        if not profile.has_current_consent:
            profile.consent_at = timezone.now()
            profile.consent_text = CONSENT_TEXT
        profile.full_clean()
        profile.save()
    return profile
