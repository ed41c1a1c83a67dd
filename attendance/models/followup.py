"""Each enrolled person's follow-up once the course starts: entry, training, exit, and missed slots."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import HistoryEntry

from .slots import Slot


class ParticipationState(models.TextChoices):
    ENTERED = "entree", _("Entrée en formation")
    IN_TRAINING = "en_formation", _("En formation")
    EXITED = "sortie", _("Sortie")


class ExitKind(models.TextChoices):
    COMPLETED = "achevee", _("Formation achevée")
    ABANDON = "abandon", _("Abandon")
    EXCLUSION = "exclusion", _("Exclusion")


class AbandonReason(models.TextChoices):
    JOB = "emploi", _("A trouvé un emploi")
    HEALTH = "sante", _("Santé")
    PERSONAL = "personnel", _("Raisons personnelles")
    FORCE_MAJEURE = "force_majeure", _("Force majeure")
    OTHER = "autre", _("Autre")


class Participation(models.Model):
    """The course as one enrolled person lives it, from their first attendance to their exit.

    No row: the person is enrolled (« inscrite ») and has not attended yet.
    """

    application = models.OneToOneField(
        "enrollment.Application", on_delete=models.CASCADE, related_name="participation", verbose_name=_("inscription")
    )
    state = models.CharField(_("état"), max_length=14, choices=ParticipationState, default=ParticipationState.ENTERED)
    entered_on = models.DateField(_("entrée en formation le"))
    exited_on = models.DateField(_("sortie le"), null=True, blank=True)
    exit_kind = models.CharField(_("type de sortie"), max_length=10, choices=ExitKind, blank=True)
    abandon_reason = models.CharField(_("motif de l'abandon"), max_length=14, choices=AbandonReason, blank=True)
    exit_note = models.TextField(_("précisions sur la sortie"), blank=True)
    # Kept current by the attendance services (the reports read them without summing every line).
    hours_attended = models.DecimalField(_("heures suivies"), max_digits=7, decimal_places=2, default=Decimal("0"))
    hours_planned = models.DecimalField(_("heures prévues"), max_digits=7, decimal_places=2, default=Decimal("0"))
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("suivi de formation")
        verbose_name_plural = _("suivis de formation")
        indexes = [models.Index(fields=["state", "exit_kind"], name="participation_state_exit")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="sortie") | (Q(exited_on__isnull=False) & ~Q(exit_kind="")),
                name="participation_exit_has_date_and_kind",
                violation_error_message=_("Une sortie a une date et un type."),
            ),
            models.CheckConstraint(
                condition=~Q(exit_kind="abandon") | ~Q(abandon_reason=""),
                name="participation_abandon_has_reason",
                violation_error_message=_("Un abandon a un motif."),
            ),
            models.CheckConstraint(
                condition=Q(exited_on__isnull=True) | Q(exited_on__gte=models.F("entered_on")),
                name="participation_exit_after_entry",
                violation_error_message=_("La sortie ne peut précéder l'entrée en formation."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} — {self.get_state_display()}"

    @property
    def completion_rate(self) -> Decimal | None:
        """Hours attended over hours planned, between 0 and 1; None when nothing is planned."""
        if not self.hours_planned:
            return None
        return min(Decimal(1), self.hours_attended / self.hours_planned)


class ParticipationChange(HistoryEntry):
    move_fields = ("from_state", "to_state")

    participation = models.ForeignKey(Participation, on_delete=models.CASCADE, related_name="history")
    from_state = models.CharField(_("de"), max_length=14, choices=ParticipationState, blank=True)
    to_state = models.CharField(_("vers"), max_length=14, choices=ParticipationState)

    class Meta:
        ordering = ["participation", "changed_at", "pk"]
        verbose_name = _("changement de suivi")
        verbose_name_plural = _("historique du suivi")


class AbsenceAlert(models.Model):
    """Two consecutive slots missed without excuse: staff call the person before they drop out."""

    application = models.ForeignKey(
        "enrollment.Application", on_delete=models.CASCADE, related_name="absence_alerts", verbose_name=_("inscription")
    )
    # The second slot missed in a row: one alert per streak, never two for the same slot.
    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="+", verbose_name=_("dernier créneau manqué"))
    missed_count = models.PositiveSmallIntegerField(_("créneaux manqués d'affilée"), default=2)
    created_at = models.DateTimeField(_("signalée le"), auto_now_add=True)
    digest_sent_at = models.DateTimeField(_("envoyée dans le récapitulatif le"), null=True, blank=True)
    handled_at = models.DateTimeField(_("traitée le"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("par"),
    )
    note = models.TextField(_("suite donnée"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("alerte d'absences")
        verbose_name_plural = _("alertes d'absences")
        constraints = [models.UniqueConstraint(fields=["application", "slot"], name="absence_alert_once_per_slot")]
        indexes = [models.Index(fields=["handled_at", "created_at"], name="absence_alert_open")]

    def __str__(self) -> str:
        return f"{self.application} — {self.missed_count} créneaux manqués"
