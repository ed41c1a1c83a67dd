"""PDFs the portal renders after the enrollment: the attendance sheets and the funders' documents.

Rendered by a worker, once per data version (``data_hash``), stored privately; a failure is kept on
the row with a French reason and retried by a sweep, as the attestations d'inscription are.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.storage import private_storage


class RenderState(models.TextChoices):
    PENDING = "en_cours", _("En cours")
    READY = "pret", _("Prêt")
    FAILED = "echec", _("Échec")


class RenderedPdf(models.Model):
    """What every rendered PDF row records: its state, its file, the hash of the data it shows."""

    render_state = models.CharField(_("état du PDF"), max_length=10, choices=RenderState, default=RenderState.PENDING)
    file = models.FileField(_("fichier"), storage=private_storage, upload_to="suivi/%Y/%m/", blank=True, max_length=200)
    data_hash = models.CharField(_("empreinte des données"), max_length=64, blank=True)
    error = models.TextField(_("raison de l'échec"), blank=True)
    error_detail = models.TextField(_("détail technique de l'échec"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    requested_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    generated_at = models.DateTimeField(_("produit le"), null=True, blank=True)

    class Meta:
        abstract = True


class FunderDocument(RenderedPdf):
    """One document a funder asks for about one person's enrollment, in its current version."""

    class Kind(models.TextChoices):
        ENTRY = "attestation_entree", _("Attestation d'entrée en formation")
        MONTHLY = "etat_presence", _("État de présence mensuel")
        COMPLETION = "certificat_realisation", _("Certificat de réalisation")

    application = models.ForeignKey(
        "enrollment.Application",
        on_delete=models.CASCADE,
        related_name="funder_documents",
        verbose_name=_("inscription"),
    )
    kind = models.CharField(_("document"), max_length=24, choices=Kind)
    # The first day of the month a monthly statement covers; None for the other two.
    month = models.DateField(_("mois"), null=True, blank=True)
    # 1 for the first render; each render of changed data adds one (earlier files are kept).
    version = models.PositiveSmallIntegerField(_("version"), default=0)

    class Meta:
        ordering = ["application", "kind", "month"]
        verbose_name = _("document de suivi")
        verbose_name_plural = _("documents de suivi")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "kind", "month"],
                condition=models.Q(month__isnull=False),
                name="funder_document_one_per_month",
            ),
            models.UniqueConstraint(
                fields=["application", "kind"],
                condition=models.Q(month__isnull=True),
                name="funder_document_one_of_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="etat_presence", month__isnull=False)
                | (~models.Q(kind="etat_presence") & models.Q(month__isnull=True)),
                name="funder_document_month_for_statements",
            ),
        ]
        indexes = [models.Index(fields=["render_state", "requested_at"], name="funder_document_due")]

    def __str__(self) -> str:
        label = self.get_kind_display()
        if self.month:
            label += f" {self.month:%m/%Y}"
        return f"{label} — {self.application}"


class FunderDocumentVersion(models.Model):
    """An earlier version of a funder document, kept when its data changed: a funder may hold it."""

    document = models.ForeignKey(FunderDocument, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveSmallIntegerField(_("version"))
    file = models.FileField(_("fichier"), storage=private_storage, upload_to="suivi/%Y/%m/", max_length=200)
    data_hash = models.CharField(_("empreinte des données"), max_length=64)
    generated_at = models.DateTimeField(_("produit le"))

    class Meta:
        ordering = ["document", "-version"]
        verbose_name = _("version antérieure")
        verbose_name_plural = _("versions antérieures")
        constraints = [models.UniqueConstraint(fields=["document", "version"], name="funder_document_version_once")]

    def __str__(self) -> str:
        return f"{self.document} (version {self.version})"
