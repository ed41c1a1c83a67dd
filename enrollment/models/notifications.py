"""notifications"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enrollment.models.applications import Application

# Every email the portal sends, by template name (``templates/emails/<name>.txt``), as staff call it.
NOTIFICATION_KINDS = {
    "application_received": _("Candidature reçue"),
    "application_accepted": _("Candidature acceptée"),
    "application_waitlisted": _("Mise en liste d'attente"),
    "seat_offered": _("Place proposée"),
    "offer_expired": _("Place proposée expirée"),
    "application_refused": _("Candidature refusée"),
    "application_enrolled": _("Inscription confirmée"),
    "application_withdrawn": _("Candidature retirée"),
    "application_cancelled": _("Candidature annulée"),
    "session_reminder": _("Rappel avant la session"),
    "partner_staff_invitation": _("Inscription par l'employeur"),
    "partner_member_invitation": _("Invitation à l'espace partenaire"),
    "vae_stage": _("Étape de la demande de VAE"),
}


class Notification(models.Model):
    """One email to send: written with the event, sent by a task after commit."""

    class State(models.TextChoices):
        PENDING = "en_attente", _("En attente")
        SENT = "envoyee", _("Envoyée")
        FAILED = "echec", _("Échec définitif")

    idempotency_key = models.CharField(_("clé d'unicité"), max_length=150, unique=True)
    template = models.CharField(_("modèle"), max_length=60)
    recipient_email = models.EmailField(_("destinataire"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications"
    )
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    context = models.JSONField(_("données"), default=dict, blank=True)
    subject = models.CharField(_("objet"), max_length=250, blank=True)
    state = models.CharField(_("état"), max_length=12, choices=State, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["state", "created_at"], name="notification_state_created")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="envoyee") | Q(sent_at__isnull=False), name="notification_sent_has_time"
            ),
        ]

    def __str__(self):
        return f"{self.kind_label} → {self.recipient_email}"

    @property
    def kind_label(self) -> str:
        """The French name of the email, for staff (the template name is the code's)."""
        return str(NOTIFICATION_KINDS.get(self.template, self.template))
