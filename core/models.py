"""What every app shares at the database level: the audit trail of a move, deposited files, the outbox.

The first two are abstract: each app's concrete model adds its owner (an application, a VAE request).
"""

import datetime
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.db.models.fields.files import FieldFile


class HistoryEntry(models.Model):
    """One move of an application or a VAE request: who made it, when and why.

    Each concrete history adds its owner and the two fields of the move (``move_fields``: between
    statuses or between stages); ``from_label`` and ``to_label`` name them alike for the shared
    history table.
    """

    move_fields: tuple[str, str]

    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("par"),
    )
    changed_at = models.DateTimeField(_("le"), default=timezone.now)
    reason = models.TextField(_("motif"), blank=True)

    class Meta:
        abstract = True

    @property
    def from_label(self) -> str:
        return getattr(self, f"get_{self.move_fields[0]}_display")()

    @property
    def to_label(self) -> str:
        return getattr(self, f"get_{self.move_fields[1]}_display")()


class PrivateDocument(models.Model):
    """A file a person deposited, kept in the private storage, with what its content was found to be.

    Each concrete document adds its owner, its ``kind`` choices and its ``file`` (the folder differs).
    """

    ALLOWED_CONTENT_TYPES = ("application/pdf", "image/jpeg", "image/png")

    original_name = models.CharField(_("nom d'origine"), max_length=200)
    content_type = models.CharField(_("format vérifié"), max_length=40)
    size = models.PositiveIntegerField(_("taille (octets)"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("déposé le"), auto_now_add=True)

    if TYPE_CHECKING:
        # What each concrete document declares, for code that handles any of them.
        file: FieldFile

        def get_kind_display(self) -> str: ...

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.original_name}"

    @classmethod
    def document_checks(cls, prefix: str) -> list[models.BaseConstraint]:
        # Named per table, not through %(class)s: the names already stand in the migrations.
        return [
            models.CheckConstraint(
                condition=Q(content_type__in=cls.ALLOWED_CONTENT_TYPES), name=f"{prefix}_allowed_type"
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name=f"{prefix}_not_empty"),
        ]


class NotificationQuerySet(models.QuerySet["Notification"]):
    def due(self, now: datetime.datetime) -> "NotificationQuerySet":
        """Rows whose next attempt is due: pending ones, and an uncertain one's single resend."""
        return self.filter(
            state__in=[Notification.State.PENDING, Notification.State.UNCERTAIN], next_attempt_at__lte=now
        )

    def stale_claims(self, before: datetime.datetime) -> "NotificationQuerySet":
        """Rows claimed for sending before ``before`` whose outcome was never recorded (a worker lost)."""
        return self.filter(state=Notification.State.SENDING, claimed_at__lt=before)


class Notification(models.Model):
    """One email to send: written with the event, sent by a task after commit (``core.outbox``).

    Its states follow the outbox's claim, send, mark sequence: a claimed row is "en cours" until
    the outcome is recorded; one whose outcome is unknown (answer lost, worker gone) is
    "incertain", and is resent at most once, with the same ``message_id``.
    """

    # The French name of each email by template name, for staff; each app adds its own emails
    # (``enrollment.apps``), so the outbox itself knows no app.
    kinds: ClassVar[dict[str, str]] = {}

    class State(models.TextChoices):
        PENDING = "en_attente", _("En attente")
        SENDING = "en_cours", _("Envoi en cours")
        UNCERTAIN = "incertain", _("Envoi incertain")
        SENT = "envoyee", _("Envoyée")
        FAILED = "echec", _("Échec définitif")

    idempotency_key = models.CharField(_("clé d'unicité"), max_length=150, unique=True)
    template = models.CharField(_("modèle"), max_length=60)
    recipient_email = models.EmailField(_("destinataire"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications"
    )
    # A lazy reference: rows about an application render with it and go when it goes.
    application = models.ForeignKey(
        "enrollment.Application", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    context = models.JSONField(_("données"), default=dict, blank=True)
    subject = models.CharField(_("objet"), max_length=250, blank=True)
    state = models.CharField(_("état"), max_length=12, choices=State, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    # Made at the first claim and kept: every retry carries it, so a receiving server or the
    # person's mail client can tell a resend from a new email.
    message_id = models.CharField(_("identifiant du message (Message-ID)"), max_length=250, blank=True)
    # The sweep takes a row only when this is due: one retry chain per row. None: nothing planned.
    next_attempt_at = models.DateTimeField(_("prochain essai le"), null=True, blank=True, default=timezone.now)
    claimed_at = models.DateTimeField(_("dernier envoi commencé le"), null=True, blank=True)
    # The task that made the claim: when the broker hands that same task back (its worker
    # process died before recording the outcome), the outcome is unknown at once.
    claim_task_id = models.CharField(_("tâche de l'envoi"), max_length=64, blank=True)
    # Temporary errors are retried until then (set at the first claim, cleared by a staff resend).
    retry_until = models.DateTimeField(_("nouveaux essais jusqu'au"), null=True, blank=True)
    # When an outcome first became uncertain: a second one is left to staff, never resent again.
    uncertain_at = models.DateTimeField(_("envoi incertain depuis le"), null=True, blank=True)
    failure_reason = models.CharField(_("motif"), max_length=300, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        # The table it had when the outbox lived in enrollment: rows, indexes and constraints stay.
        db_table = "enrollment_notification"
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["state", "created_at"], name="notification_state_created"),
            models.Index(fields=["state", "next_attempt_at"], name="notification_state_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="envoyee") | Q(sent_at__isnull=False), name="notification_sent_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind_label} → {self.recipient_email}"

    @property
    def kind_label(self) -> str:
        """The French name of the email, for staff (the template name is the code's)."""
        return str(self.kinds.get(self.template, self.template))
