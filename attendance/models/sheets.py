"""Attendance sheets (feuilles d'émargement): one per slot, signed by each person, closed by the trainer."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import HistoryEntry

from .documents import RenderedPdf
from .slots import Slot


def _new_secret() -> str:
    return secrets.token_hex(32)


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Présent")
    LATE = "retard", _("En retard")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excuse", _("Absence excusée")


# The statuses that count the slot's hours as attended.
ATTENDED_STATUSES = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


class AttendanceSheet(RenderedPdf):
    class State(models.TextChoices):
        OPEN = "ouverte", _("Ouverte")
        CLOSED = "close", _("Close")

    slot = models.OneToOneField(Slot, on_delete=models.PROTECT, related_name="sheet", verbose_name=_("créneau"))
    state = models.CharField(_("état"), max_length=8, choices=State, default=State.OPEN)
    # Signs the rotating codes of this sheet only: a code of another slot never matches.
    secret = models.CharField(max_length=64, default=_new_secret, editable=False)
    opened_at = models.DateTimeField(_("ouverte le"), auto_now_add=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("ouverte par")
    )
    closed_at = models.DateTimeField(_("close le"), null=True, blank=True)
    # The trainer who countersigned (password entered again) when closing.
    countersigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contresignée par"),
    )
    countersignature = models.CharField(_("empreinte de la contresignature"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("feuille d'émargement")
        verbose_name_plural = _("feuilles d'émargement")
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="close") | Q(closed_at__isnull=False, countersigned_by__isnull=False),
                name="sheet_closed_is_countersigned",
            ),
        ]

    def __str__(self) -> str:
        return f"Émargement {self.slot}"


class Attendance(models.Model):
    """One person's line on a sheet: their signature, or the status the trainer or staff gave."""

    sheet = models.ForeignKey(AttendanceSheet, on_delete=models.CASCADE, related_name="lines")
    application = models.ForeignKey(
        "enrollment.Application", on_delete=models.CASCADE, related_name="attendances", verbose_name=_("inscription")
    )
    status = models.CharField(_("présence"), max_length=8, choices=AttendanceStatus)
    signed_at = models.DateTimeField(_("signé le"), null=True, blank=True)
    # HMAC-SHA256 of (sheet, person, signature time) under the server's key: a signature row edited
    # in the database by hand no longer matches it.
    signature = models.CharField(_("empreinte de la signature"), max_length=64, blank=True)
    reason = models.TextField(_("motif"), blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        ordering = ["sheet", "pk"]
        verbose_name = _("présence")
        verbose_name_plural = _("présences")
        constraints = [
            models.UniqueConstraint(fields=["sheet", "application"], name="attendance_once_per_sheet"),
            models.CheckConstraint(
                condition=~Q(status="excuse") | ~Q(reason=""),
                name="attendance_excuse_has_reason",
                violation_error_message=_("Une absence excusée doit être motivée."),
            ),
        ]
        indexes = [models.Index(fields=["application", "status"], name="attendance_person_status")]

    def __str__(self) -> str:
        return f"{self.application} — {self.get_status_display()}"


class AttendanceChange(HistoryEntry):
    """Every status given on a sheet, and every correction staff made after it was closed."""

    move_fields = ("from_status", "to_status")

    sheet = models.ForeignKey(AttendanceSheet, on_delete=models.CASCADE, related_name="history")
    application = models.ForeignKey("enrollment.Application", on_delete=models.CASCADE, related_name="+")
    from_status = models.CharField(_("de"), max_length=8, choices=AttendanceStatus, blank=True)
    to_status = models.CharField(_("vers"), max_length=8, choices=AttendanceStatus)
    # After closing, only staff change a line, and say why.
    after_closing = models.BooleanField(_("correction après clôture"), default=False)

    class Meta:
        ordering = ["sheet", "changed_at", "pk"]
        verbose_name = _("changement de présence")
        verbose_name_plural = _("historique de la feuille")
        constraints = [
            models.CheckConstraint(
                condition=Q(after_closing=False) | ~Q(reason=""),
                name="attendance_correction_has_reason",
                violation_error_message=_("Une correction après clôture doit être motivée."),
            ),
        ]
