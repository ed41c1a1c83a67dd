"""The email outbox: rendering one Notification row and sending it exactly once.

Rows are written by the services with the event they announce; ``deliver`` claims a
pending row under a row lock (a second worker skips it), sends it and marks it sent in
the same transaction. A failure leaves the row pending with one more attempt recorded,
so a retry or the periodic sweep sends it later; after ``MAX_ATTEMPTS`` it is marked failed
for staff to look at.
"""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from core.formatting import date_long, datetime_long

from .models import Application, Notification

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 7
SUBJECT_PREFIX = "[CNAM Mayotte] "

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


class DeliveryFailed(Exception):
    def __init__(self, message: str, *, final: bool):
        super().__init__(message)
        self.final = final


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


def render(notification: Notification) -> tuple[str, str, str]:
    """Subject, plain text and HTML of one notification, in French, dates in Mayotte time.

    Rows about an application get it (with session, programme, site) in their context;
    other rows (written by other parts of the portal) get their stored context only.
    """
    with translation.override(settings.LANGUAGE_CODE), timezone.override(timezone.get_default_timezone()):
        return _render(notification)


def _render(notification: Notification) -> tuple[str, str, str]:
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
    subject = notification.subject
    if not subject and application is not None:
        subject = subject_for(template=notification.template, application=application, context=stored)
    context["subject"] = subject
    text = render_to_string(f"emails/{notification.template}.txt", context)
    html = render_to_string(f"emails/{notification.template}.html", context)
    return subject, text, html


def deliver(*, notification_id: int) -> bool:
    """Send one pending notification; True if this call sent it, False if there was nothing to do.

    Raises DeliveryFailed (after recording the attempt) when the mailer refused it.
    """
    failure = None
    with transaction.atomic():
        # skip_locked: a row another worker is sending right now is theirs to finish.
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, state=Notification.State.PENDING)
            .first()
        )
        if notification is None:
            return False
        try:
            subject, text, html = render(notification)
            message = EmailMultiAlternatives(
                subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[notification.recipient_email]
            )
            message.attach_alternative(html, "text/html")
            message.send()
        except Exception as exc:
            notification.attempts += 1
            notification.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if notification.attempts >= MAX_ATTEMPTS:
                notification.state = Notification.State.FAILED
            notification.save(update_fields=["attempts", "last_error", "state"])
            failure = exc
            final = notification.state == Notification.State.FAILED
        else:
            notification.state = Notification.State.SENT
            notification.sent_at = timezone.now()
            notification.subject = subject
            notification.attempts += 1
            notification.last_error = ""
            notification.save(update_fields=["state", "sent_at", "subject", "attempts", "last_error"])
            return True
    logger.warning("Notification %s not sent: %s", notification_id, failure)
    raise DeliveryFailed(str(failure), final=final) from failure


def pending_ids(*, now: datetime.datetime | None = None, older_than: datetime.timedelta | None = None) -> list[int]:
    """Pending rows old enough that their own task has surely run or been lost."""
    now = now or timezone.now()
    older_than = datetime.timedelta(minutes=2) if older_than is None else older_than
    return list(
        Notification.objects.filter(state=Notification.State.PENDING, created_at__lte=now - older_than)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:500]
    )
