"""Who reads applicants' personal data in the back office: one rule for pages, searches and exports.

The France Travail identifier, the birth date, the phone and the address need the
``enrollment.view_personal_data`` permission (the managers and the direction, see
``cnam_portal.roles``); the deposited documents need their model's own view permission
(``core.admin_kit.DocumentDownloadMixin``). Anyone else who reads applications, a partnership
officer first, sees the person as a convention's staff list names them: name, email, employer
and job title, also for the staff a partner enrolled.
"""

from django.db.models.constants import LOOKUP_SEP

PERSONAL_DATA_PERMISSION = "enrollment.view_personal_data"

# The applicant profile's fields behind the permission.
PERSONAL_PROFILE_FIELDS = frozenset({"france_travail_id", "birth_date", "phone", "address"})


def may_see_personal_data(user) -> bool:
    return user.has_perm(PERSONAL_DATA_PERMISSION)


def reads_personal_data(lookup: str, *, profile_path: str = "") -> bool:
    """Whether a search or filter ``lookup`` reads a personal field of the profile at ``profile_path``.

    ``profile_path`` leads from the admin's model to the profile (``applicant__applicant_profile``);
    a leading search prefix (``^``, ``=``, ``@``) is ignored.
    """
    parts = lookup.lstrip("^=@").split(LOOKUP_SEP)
    prefix = profile_path.split(LOOKUP_SEP) if profile_path else []
    return parts[: len(prefix)] == prefix and len(parts) > len(prefix) and parts[len(prefix)] in PERSONAL_PROFILE_FIELDS
