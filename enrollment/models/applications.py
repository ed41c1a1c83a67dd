"""Applications to a session, their statuses and their history."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import HistoryEntry


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "recue", _("Reçue")
    ACCEPTED = "acceptee", _("Acceptée")
    WAITLISTED = "liste_attente", _("Sur liste d'attente")
    OFFERED = "place_proposee", _("Place proposée")
    ENROLLED = "inscrite", _("Inscrite")
    REJECTED = "refusee", _("Refusée")
    WITHDRAWN = "retiree", _("Retirée")
    EXPIRED = "offre_expiree", _("Offre expirée")
    CANCELLED = "annulee", _("Annulée")


# An application is live until it reaches a final status; one live per person and session.
LIVE_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.WAITLISTED,
    ApplicationStatus.OFFERED,
    ApplicationStatus.ENROLLED,
)


# Statuses that hold one of the session's seats.
SEAT_STATUSES = (ApplicationStatus.ACCEPTED, ApplicationStatus.OFFERED, ApplicationStatus.ENROLLED)


class ApplicationQuerySet(models.QuerySet):
    def live(self):
        return self.filter(status__in=LIVE_STATUSES)

    def holding_seats(self):
        return self.filter(status__in=SEAT_STATUSES)

    def waitlist(self):
        return self.filter(status=ApplicationStatus.WAITLISTED).order_by("waitlisted_at", "pk")


class Application(models.Model):
    Status = ApplicationStatus

    class Channel(models.TextChoices):
        ONLINE = "en_ligne", _("En ligne")
        PARTNER = "partenaire", _("Par un partenaire")
        DESK = "accueil", _("À l'accueil")

    class EntryRoute(models.TextChoices):
        DIRECT = "direct", _("Accès direct (niveau requis atteint)")
        DEROGATION = "derogation", _("Demande de dérogation")
        VAE = "vae", _("Parcours VAE")

    reference = models.CharField(_("référence"), max_length=24, unique=True)
    session = models.ForeignKey(
        "programs.Session", on_delete=models.PROTECT, related_name="applications", verbose_name=_("session")
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications", verbose_name=_("candidat")
    )
    channel = models.CharField(_("canal"), max_length=12, choices=Channel, default=Channel.ONLINE)
    convention = models.ForeignKey(
        "partners.Convention",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("convention"),
    )
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("inscrit par"),
    )
    # What the partner's référent typed: their pages show this, not the person's own profile,
    # until the person has agreed to the enrollment.
    invited_email = models.EmailField(_("courriel saisi par le partenaire"), blank=True)
    invited_name = models.CharField(_("nom saisi par le partenaire"), max_length=201, blank=True)
    status = models.CharField(
        _("statut"), max_length=16, choices=ApplicationStatus, default=ApplicationStatus.SUBMITTED
    )
    motivation = models.TextField(_("motivation"), blank=True)
    entry_route = models.CharField(_("voie d'accès"), max_length=12, choices=EntryRoute, default=EntryRoute.DIRECT)
    entry_justification = models.TextField(_("justification de la voie d'accès"), blank=True)
    rejection_reason = models.TextField(_("motif du refus"), blank=True)
    submitted_at = models.DateTimeField(_("déposée le"), default=timezone.now)
    decided_at = models.DateTimeField(_("décision le"), null=True, blank=True)
    waitlisted_at = models.DateTimeField(_("en liste d'attente depuis"), null=True, blank=True)
    offered_at = models.DateTimeField(_("place proposée le"), null=True, blank=True)
    offer_expires_at = models.DateTimeField(_("réponse attendue avant"), null=True, blank=True)
    enrolled_at = models.DateTimeField(_("inscrit le"), null=True, blank=True)
    closed_at = models.DateTimeField(_("close le"), null=True, blank=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("candidature")
        verbose_name_plural = _("candidatures")
        indexes = [
            models.Index(fields=["session", "status"], name="application_session_status"),
            # A convention's seats used in each session (enrollment.seats.allocations_with_usage).
            models.Index(fields=["convention", "session", "status"], name="application_allocation_use"),
            # The staff list's order (newest first, then the primary key Django adds), alone and
            # under its most used filter: a page of 200,000 rows reads 100, not all.
            models.Index(fields=["-submitted_at", "-id"], name="application_newest"),
            models.Index(fields=["status", "-submitted_at", "-id"], name="application_status_newest"),
            models.Index(fields=["status", "offer_expires_at"], name="application_status_offer"),
            models.Index(fields=["applicant", "status"], name="application_applicant_status"),
            # The staff report (backoffice.selectors) over a period: the date that bounds it first (submission,
            # decision), then every column its counts read, so a year of a region's applications is read
            # from the index alone, not from the whole table.
            models.Index(
                fields=["submitted_at", "status", "channel", "applicant", "convention", "session"],
                name="application_report_submitted",
            ),
            models.Index(fields=["decided_at", "channel", "submitted_at"], name="application_report_decided"),
            # The report's follow-up figures join each followed person to their session: with both
            # columns in one index, a region's applications are read from it alone, not from the table.
            models.Index(fields=["session", "id"], name="application_session_person"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant", "session"],
                condition=Q(status__in=LIVE_STATUSES),
                name="application_one_live_per_person_session",
                violation_error_message=_("Une candidature est déjà en cours pour cette session."),
            ),
            models.CheckConstraint(
                condition=~Q(status="place_proposee") | Q(offer_expires_at__isnull=False),
                name="application_offer_has_deadline",
            ),
            models.CheckConstraint(
                condition=~Q(status="refusee") | ~Q(rejection_reason=""),
                name="application_rejection_has_reason",
                violation_error_message=_("Un refus doit être motivé."),
            ),
            models.CheckConstraint(
                condition=~Q(channel="partenaire") | Q(convention__isnull=False),
                name="application_partner_channel_has_convention",
            ),
            models.CheckConstraint(
                condition=Q(entry_route="direct") | ~Q(entry_justification=""),
                name="application_route_justified",
                violation_error_message=_("Une demande de dérogation ou de VAE doit être expliquée."),
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def holds_seat(self) -> bool:
        return self.status in SEAT_STATUSES

    @property
    def awaits_partner_consent(self) -> bool:
        """A seat a partner holds for a person who already had an account, until they accept it."""
        return self.status == ApplicationStatus.OFFERED and self.channel == self.Channel.PARTNER

    @property
    def partner_may_see_profile(self) -> bool:
        """Whether the enrolling partner may read the person's own profile: once the enrollment counted."""
        return self.status == ApplicationStatus.ENROLLED or self.enrolled_at is not None

    def offer_expired(self, now=None) -> bool:
        """Whether the deadline to answer an offered seat has passed (the sweep uses the same bound)."""
        return self.offer_expires_at is not None and (now or timezone.now()) > self.offer_expires_at


class ApplicationStatusChange(HistoryEntry):
    move_fields = ("from_status", "to_status")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(_("de"), max_length=16, choices=ApplicationStatus, blank=True)
    to_status = models.CharField(_("vers"), max_length=16, choices=ApplicationStatus)

    class Meta:
        ordering = ["application", "changed_at", "pk"]
        verbose_name = _("changement de statut")
        verbose_name_plural = _("historique des statuts")
        indexes = [models.Index(fields=["application", "changed_at"], name="status_change_app_time")]

    def __str__(self):
        moved = f"{self.from_label} → {self.to_label}" if self.from_label else self.to_label
        return f"{self.application} : {moved}"
