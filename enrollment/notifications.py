"""The portal's emails: their subjects, their French names for staff, and how one outbox row is rendered.

Rows are written and sent by ``core.outbox``; this module knows what an email about an
application says (its session, programme, dates and links).
"""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from core import claims, outbox
from core.formatting import date_long, datetime_long
from core.models import Notification
from programs import calendars

from . import account_links
from .models import Application

logger = logging.getLogger(__name__)

SUBJECT_PREFIX = "[CNAM Mayotte] "

# Every email the portal sends, by template name (``templates/emails/<name>.txt``), as staff call it.
NOTIFICATION_KINDS = {
    "application_received": gettext_lazy("Candidature reçue"),
    "application_accepted": gettext_lazy("Candidature acceptée"),
    "application_waitlisted": gettext_lazy("Mise en liste d'attente"),
    "seat_offered": gettext_lazy("Place proposée"),
    "offer_expired": gettext_lazy("Place proposée expirée"),
    "application_refused": gettext_lazy("Candidature refusée"),
    "application_enrolled": gettext_lazy("Inscription confirmée"),
    "application_withdrawn": gettext_lazy("Candidature retirée"),
    "application_cancelled": gettext_lazy("Candidature annulée"),
    "session_reminder": gettext_lazy("Rappel avant la session"),
    "partner_staff_invitation": gettext_lazy("Inscription par l'employeur"),
    "partner_staff_consent": gettext_lazy("Inscription par l'employeur, à accepter"),
    "partner_member_invitation": gettext_lazy("Invitation à l'espace partenaire"),
    "vae_stage": gettext_lazy("Étape de la demande de VAE"),
    "account_deletion_confirm": gettext_lazy("Confirmation de la suppression du compte"),
    "account_inactive_warning": gettext_lazy("Compte inactif bientôt anonymisé"),
}

# The emails that tell a person they will attend a session carry its calendar file.
CALENDAR_TEMPLATES = frozenset({"application_enrolled", "session_reminder"})

SUBJECTS = {
    "application_received": gettext_lazy("Candidature %(reference)s bien reçue"),
    "application_accepted": gettext_lazy("Votre candidature %(reference)s est acceptée"),
    "application_waitlisted": gettext_lazy("Votre candidature %(reference)s est sur liste d'attente"),
    "seat_offered": gettext_lazy("Une place vous est proposée : répondez avant le %(deadline)s"),
    "offer_expired": gettext_lazy("La place proposée (%(reference)s) n'est plus réservée"),
    "application_refused": gettext_lazy("Réponse à votre candidature %(reference)s"),
    "application_enrolled": gettext_lazy("Inscription confirmée : %(programme)s"),
    "application_withdrawn": gettext_lazy("Votre candidature %(reference)s est retirée"),
    "application_cancelled": gettext_lazy("Votre candidature %(reference)s est annulée"),
    "session_reminder": gettext_lazy("Votre formation commence le %(start)s"),
}


def _subject_values(application: Application, context: dict) -> dict:
    deadline = context.get("deadline")
    return {
        "reference": application.reference,
        "programme": application.session.programme.title,
        "start": date_long(application.session.start_date),
        "deadline": datetime_long(datetime.datetime.fromisoformat(deadline)) if deadline else "",
    }


def subject_for(*, template: str, application: Application, context: dict) -> str:
    # In French and in Mayotte time, whoever runs the code (a worker has no request to set them).
    with translation.override(settings.LANGUAGE_CODE), timezone.override(timezone.get_default_timezone()):
        return (SUBJECT_PREFIX + str(SUBJECTS[template]) % _subject_values(application, context))[:250]


def space_url() -> str:
    return settings.SITE_URL + reverse("enrollment:space")


def certificate_url(application: Application) -> str:
    """Absolute link to the certificate download (the page says so while it is being prepared)."""
    try:
        return settings.SITE_URL + reverse("enrollment:certificate", kwargs={"reference": application.reference})
    except NoReverseMatch:
        return space_url()


def _display_name(user) -> str:
    try:
        return user.applicant_profile.full_name
    except ObjectDoesNotExist:
        return user.get_full_name() or user.email


def render(notification: Notification) -> outbox.RenderedEmail:
    """Subject, plain text and HTML of one notification, in French, dates in Mayotte time.

    Rows about an application get it (with session, programme, site) in their context;
    other rows (written by other parts of the portal) get their stored context only.
    """
    with translation.override(settings.LANGUAGE_CODE), timezone.override(timezone.get_default_timezone()):
        return _render(notification)


def _render(notification: Notification) -> outbox.RenderedEmail:
    stored = notification.context or {}
    context = {**stored, "space_url": space_url(), "site_url": settings.SITE_URL}
    application = None
    if notification.application_id:
        application = Application.objects.select_related(
            "session__programme", "session__site", "applicant__applicant_profile"
        ).get(pk=notification.application_id)
        session = application.session
        deadline = stored.get("deadline")
        context |= {
            "application": application,
            "session": session,
            "programme": session.programme,
            "site": session.site,
            "name": _display_name(application.applicant),
            "deadline_text": datetime_long(datetime.datetime.fromisoformat(deadline)) if deadline else "",
            "start_text": date_long(session.start_date),
            "end_text": date_long(session.end_date),
            "certificate_url": certificate_url(application),
        }
    elif notification.user_id:
        context.setdefault("name", _display_name(notification.user))
    if stored.get("needs_claim") and notification.user_id:
        # Made now, never stored: the row holds nothing that opens the account (core.claims).
        context["claim_url"] = claims.claim_url(notification.user)
    if stored.get("needs_deletion_link") and notification.user_id:
        # Same rule: the link that deletes the account is derived here, never stored.
        context["deletion_url"] = account_links.deletion_url(notification.user)
    subject = notification.subject
    if not subject and application is not None:
        subject = subject_for(template=notification.template, application=application, context=stored)
    context["subject"] = subject
    text = render_to_string(f"emails/{notification.template}.txt", context)
    html = render_to_string(f"emails/{notification.template}.html", context)
    attachments = ()
    if application is not None and notification.template in CALENDAR_TEMPLATES:
        attachments = (session_calendar_attachment(application.session),)
    return outbox.RenderedEmail(subject=subject, text=text, html=html, attachments=attachments)


def session_calendar_attachment(session) -> outbox.Attachment:
    """The session's ``.ics``, made when the email leaves (its dates and place as they are then)."""
    return outbox.Attachment(
        filename=calendars.session_filename(session),
        content=calendars.session_calendar(session),
        mimetype="text/calendar",
    )


def deliver(*, notification_id: int, task_id: str = "") -> bool:
    """Send one pending outbox row with the portal's email templates (see ``core.outbox.deliver``)."""
    return outbox.deliver(notification_id=notification_id, render=render, task_id=task_id)
