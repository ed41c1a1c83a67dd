"""Requests for a VAE (validation des acquis de l'expérience), their stages and documents."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import HistoryEntry, PrivateDocument
from core.storage import private_storage
from enrollment.models.documents import vae_document_upload_to


class VaeStage(models.TextChoices):
    SUBMITTED = "deposee", _("Déposée")
    ADMISSIBILITY = "recevabilite", _("Recevabilité")
    SUPPORT = "accompagnement", _("Accompagnement")
    JURY = "jury", _("Jury")
    RESULT = "resultat", _("Résultat")
    # Refused at the admissibility check: the request ends there, with its reason.
    NOT_ADMISSIBLE = "non_recevable", _("Non recevable")


class VaeResult(models.TextChoices):
    FULL = "validation_totale", _("Validation totale")
    PARTIAL = "validation_partielle", _("Validation partielle")
    REFUSED = "refus", _("Refus de validation")


# The order a request goes through; the services refuse any other move.
VAE_STAGE_ORDER = (
    VaeStage.SUBMITTED,
    VaeStage.ADMISSIBILITY,
    VaeStage.SUPPORT,
    VaeStage.JURY,
    VaeStage.RESULT,
)


VAE_FINAL_STAGES = (VaeStage.RESULT, VaeStage.NOT_ADMISSIBLE)


VAE_OPEN_STAGES = (VaeStage.SUBMITTED, VaeStage.ADMISSIBILITY, VaeStage.SUPPORT, VaeStage.JURY)


VAE_YEARS_MIN = 1


VAE_YEARS_MAX = 50


class VaeRequestQuerySet(models.QuerySet):
    def open(self):
        return self.filter(stage__in=VAE_OPEN_STAGES)


class VaeRequest(models.Model):
    """A person's request to earn a programme's certification through their experience."""

    Stage = VaeStage
    Result = VaeResult

    reference = models.CharField(_("référence"), max_length=24, unique=True)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="vae_requests", verbose_name=_("candidat")
    )
    programme = models.ForeignKey(
        "programs.Programme",
        on_delete=models.PROTECT,
        related_name="vae_requests",
        verbose_name=_("certification visée"),
    )
    experience_summary = models.TextField(_("résumé de l'expérience"))
    years_of_experience = models.PositiveSmallIntegerField(_("années d'expérience"))
    stage = models.CharField(_("étape"), max_length=16, choices=VaeStage, default=VaeStage.SUBMITTED)
    result = models.CharField(_("résultat"), max_length=24, choices=VaeResult, blank=True)
    decision_reason = models.TextField(
        _("motif ou observations"), blank=True, help_text=_("Motif de non-recevabilité, observations du jury.")
    )
    submitted_at = models.DateTimeField(_("déposée le"), default=timezone.now)
    closed_at = models.DateTimeField(_("close le"), null=True, blank=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = VaeRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("demande de VAE")
        verbose_name_plural = _("demandes de VAE")
        indexes = [
            models.Index(fields=["stage", "submitted_at"], name="vae_stage_submitted"),
            models.Index(fields=["applicant", "stage"], name="vae_applicant_stage"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant", "programme"],
                condition=Q(stage__in=VAE_OPEN_STAGES),
                name="vae_one_open_per_person_programme",
                violation_error_message=_("Une demande de VAE est déjà en cours pour cette certification."),
            ),
            models.CheckConstraint(
                condition=Q(years_of_experience__gte=VAE_YEARS_MIN, years_of_experience__lte=VAE_YEARS_MAX),
                name="vae_years_in_range",
                violation_error_message=_("Le nombre d'années d'expérience va de 1 à 50."),
            ),
            models.CheckConstraint(
                condition=Q(stage="resultat", result__in=VaeResult.values) | (~Q(stage="resultat") & Q(result="")),
                name="vae_result_only_at_result_stage",
                violation_error_message=_(
                    "Le résultat (validation totale, partielle ou refus) est indiqué à l'étape Résultat, "
                    "et seulement à celle-ci."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(stage="non_recevable") | ~Q(decision_reason=""),
                name="vae_not_admissible_has_reason",
                violation_error_message=_("Une demande non recevable doit être motivée."),
            ),
            models.CheckConstraint(
                condition=Q(stage__in=VAE_FINAL_STAGES, closed_at__isnull=False)
                | Q(stage__in=VAE_OPEN_STAGES, closed_at__isnull=True),
                name="vae_closed_iff_final",
            ),
            models.CheckConstraint(
                condition=Q(reference__regex=r"^VAE-[0-9]{4}-[0-9]{6}$"), name="vae_reference_format"
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.stage in VAE_OPEN_STAGES


class VaeStageChange(HistoryEntry):
    """One move of a VAE request: who moved it, when and why (the audit trail staff rely on)."""

    move_fields = ("from_stage", "to_stage")

    request = models.ForeignKey(VaeRequest, on_delete=models.CASCADE, related_name="history")
    from_stage = models.CharField(_("de"), max_length=16, choices=VaeStage, blank=True)
    to_stage = models.CharField(_("vers"), max_length=16, choices=VaeStage)

    class Meta:
        ordering = ["request", "changed_at", "pk"]
        verbose_name = _("changement d'étape VAE")
        verbose_name_plural = _("historique des étapes VAE")
        indexes = [models.Index(fields=["request", "changed_at"], name="vae_change_request_time")]

    def __str__(self):
        moved = f"{self.from_label} → {self.to_label}" if self.from_label else self.to_label
        return f"{self.request} : {moved}"


class VaeDocument(PrivateDocument):
    class Kind(models.TextChoices):
        EXPERIENCE = "preuve_experience", _("Justificatif d'expérience (attestation d'employeur, bulletins)")
        CV = "cv", _("CV")
        DIPLOMA = "diplome", _("Diplôme ou relevé de notes")
        IDENTITY = "identite", _("Pièce d'identité")
        OTHER = "autre", _("Autre")

    request = models.ForeignKey(VaeRequest, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("type"), max_length=20, choices=Kind)
    file = models.FileField(_("fichier"), storage=private_storage, upload_to=vae_document_upload_to, max_length=200)

    class Meta:
        ordering = ["request", "uploaded_at"]
        verbose_name = _("pièce de demande de VAE")
        verbose_name_plural = _("pièces des demandes de VAE")
        constraints = PrivateDocument.document_checks("vae_document")
