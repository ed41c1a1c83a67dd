"""A session's course days (slots) and the trainers who run them."""

import datetime
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import HistoryEntry


def _local(day: datetime.date, time: datetime.time) -> datetime.datetime:
    # Course days are in Mayotte time (UTC+3 all year: no daylight saving to skip or repeat).
    return datetime.datetime.combine(day, time, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))


class Trainer(models.Model):
    """A formateur: an account without any staff right, linked to the sessions they run."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="trainer", verbose_name=_("compte")
    )
    phone = models.CharField(_("téléphone"), max_length=16, blank=True)
    is_active = models.BooleanField(
        _("actif"), default=True, help_text=_("Un formateur inactif n'accède plus à l'espace formateur.")
    )
    sessions = models.ManyToManyField(
        "programs.Session", related_name="trainers", blank=True, verbose_name=_("sessions animées")
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        ordering = ["user__last_name", "user__first_name", "pk"]
        verbose_name = _("formateur")
        verbose_name_plural = _("formateurs")

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.email


class SlotQuerySet(models.QuerySet):
    def planned(self):
        return self.filter(state=Slot.State.PLANNED)

    def on(self, day: datetime.date):
        return self.filter(date=day)


class Slot(models.Model):
    """One course day or half-day of a session: a date, a time range, a place (or remote)."""

    class State(models.TextChoices):
        PLANNED = "prevu", _("Prévu")
        CANCELLED = "annule", _("Annulé")

    session = models.ForeignKey(
        "programs.Session", on_delete=models.CASCADE, related_name="slots", verbose_name=_("session")
    )
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("début"))
    end_time = models.TimeField(_("fin"))
    # A remote "site" (Site.is_remote) is a slot held à distance; by default the session's own site.
    site = models.ForeignKey("programs.Site", on_delete=models.PROTECT, related_name="slots", verbose_name=_("lieu"))
    state = models.CharField(_("état"), max_length=8, choices=State, default=State.PLANNED)
    cancel_reason = models.TextField(_("motif de l'annulation"), blank=True)
    cancelled_at = models.DateTimeField(_("annulé le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = SlotQuerySet.as_manager()

    class Meta:
        ordering = ["date", "start_time", "pk"]
        verbose_name = _("créneau")
        verbose_name_plural = _("créneaux")
        indexes = [
            models.Index(fields=["session", "date", "start_time"], name="slot_session_day"),
            models.Index(fields=["date", "state"], name="slot_day_state"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")),
                name="slot_end_after_start",
                violation_error_message=_("L'heure de fin d'un créneau doit suivre son heure de début."),
            ),
            models.UniqueConstraint(
                fields=["session", "date", "start_time"],
                condition=Q(state="prevu"),
                name="slot_one_planned_per_start",
                violation_error_message=_("Un créneau prévu commence déjà à cette heure ce jour-là."),
            ),
            models.CheckConstraint(
                condition=~Q(state="annule") | ~Q(cancel_reason=""),
                name="slot_cancellation_has_reason",
                violation_error_message=_("L'annulation d'un créneau doit être motivée."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session.reference} — {self.date:%d/%m/%Y} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    def clean(self):
        super().clean()
        session = getattr(self, "session", None) if self.session_id else None
        if session is not None and self.date and not (session.start_date <= self.date <= session.end_date):
            raise ValidationError(
                {"date": _("Un créneau doit se tenir entre le début et la fin de sa session.")}, code="outside_session"
            )

    @property
    def starts_at(self) -> datetime.datetime:
        return _local(self.date, self.start_time)

    @property
    def ends_at(self) -> datetime.datetime:
        return _local(self.date, self.end_time)

    @property
    def hours(self) -> Decimal:
        """The slot's length in hours (two decimals)."""
        minutes = (self.ends_at - self.starts_at).total_seconds() / 60
        return (Decimal(int(minutes)) / 60).quantize(Decimal("0.01"))

    @property
    def is_remote(self) -> bool:
        return self.site.is_remote

    @property
    def is_past(self) -> bool:
        return self.ends_at < timezone.now()


class SlotChange(HistoryEntry):
    """A slot moved or cancelled: what it was before, for staff and for the emails sent."""

    move_fields = ("kind", "kind")

    class Kind(models.TextChoices):
        CREATED = "cree", _("Ajouté")
        MOVED = "deplace", _("Déplacé")
        CANCELLED = "annule", _("Annulé")

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="history")
    kind = models.CharField(_("changement"), max_length=8, choices=Kind)
    previous_date = models.DateField(_("date précédente"), null=True, blank=True)
    previous_start_time = models.TimeField(_("début précédent"), null=True, blank=True)
    previous_end_time = models.TimeField(_("fin précédente"), null=True, blank=True)
    previous_site = models.ForeignKey(
        "programs.Site",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lieu précédent"),
    )

    class Meta:
        ordering = ["slot", "changed_at", "pk"]
        verbose_name = _("changement de créneau")
        verbose_name_plural = _("historique des créneaux")
