"""Pure rendering of the attestation d'inscription: application -> PDF bytes.

No I/O beyond templates: the stylesheet is inline, fonts are the system's DejaVu Sans,
and the URL fetcher accepts only ``data:`` URIs so a template can never make WeasyPrint
reach the network or the disk.
"""

import datetime
import hashlib
import json

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.formatting import date_long

from .models import Application


def _person(application: Application) -> tuple[str, str]:
    user = application.applicant
    try:
        profile = user.applicant_profile
    except ObjectDoesNotExist:
        return user.get_full_name() or user.email, ""
    return profile.full_name, date_long(profile.birth_date)


def certificate_data(application: Application) -> dict[str, str]:
    """Everything the certificate shows, as French text; its hash tells whether to re-render."""
    session = application.session
    programme = session.programme
    site = session.site
    # In French and in Mayotte time, whoever renders it (a worker, a test, a staff member abroad).
    with translation.override(settings.LANGUAGE_CODE), timezone.override(timezone.get_default_timezone()):
        name, birth_date = _person(application)
        certification = programme.get_certification_type_display()
        if programme.certification_level is not None:
            certification += " — " + programme.get_certification_level_display()
        if programme.rncp_code:
            certification += f" ({programme.rncp_code})"
        if site.is_remote:
            place = _("À distance")
        else:
            place = f"{site.name}, {site.get_commune_display()}"
            if site.address:
                place += f" — {site.address}"
        enrolled_at = application.enrolled_at or application.decided_at
        hours = session.hours or programme.duration_hours
        return {
            "name": name,
            "birth_date": birth_date,
            "programme_title": programme.title,
            "programme_code": programme.code,
            "certification": certification,
            "session_reference": session.reference,
            "start_date": date_long(session.start_date),
            "end_date": date_long(session.end_date),
            "place": str(place),
            "rhythm": str(session.get_rhythm_display()),
            "schedule": session.schedule,
            "hours": str(hours) if hours else "",
            "application_reference": application.reference,
            "enrolled_on": date_long(enrolled_at),
        }


def certificate_data_hash(data: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _url_fetcher():
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, fail_on_errors=False)


def render_certificate(application: Application, *, issued_on: datetime.date | None = None) -> bytes:
    """The A4 attestation d'inscription of an enrolled application, as PDF bytes."""
    from weasyprint import HTML

    issued_on = issued_on or timezone.localdate(timezone=timezone.get_default_timezone())
    with translation.override(settings.LANGUAGE_CODE), timezone.override(timezone.get_default_timezone()):
        html = render_to_string(
            "pdf/attestation.html",
            {
                "data": certificate_data(application),
                "issued_on": date_long(issued_on),
                "director_name": getattr(settings, "CNAM_DIRECTOR_NAME", ""),
            },
        )
    return HTML(string=html, base_url=None, url_fetcher=_url_fetcher()).write_pdf()
