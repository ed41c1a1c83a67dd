"""Files people deposit, certificates the portal renders, and files kept between two tries of a form.

All of them live in the private storage (``core.storage``): no file has a URL.
"""

import datetime
import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import PrivateDocument
from core.storage import private_storage
from enrollment.models.applications import Application


def _random_upload_name(folder: str, filename: str) -> str:
    # Random names: an uploaded file's name never reaches the disk.
    suffix = PurePath(filename).suffix.lower()[:5]
    return f"{folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


# Two named functions rather than one with a parameter: the migrations refer to each by name.
def document_upload_to(instance, filename: str) -> str:
    return _random_upload_name("documents", filename)


def vae_document_upload_to(instance, filename: str) -> str:
    return _random_upload_name("vae", filename)


class ApplicationDocument(PrivateDocument):
    class Kind(models.TextChoices):
        CV = "cv", _("CV")
        DIPLOMA = "diplome", _("Diplôme ou relevé de notes")
        IDENTITY = "identite", _("Pièce d'identité")
        FRANCE_TRAVAIL = "france_travail", _("Attestation France Travail")
        VAE_EVIDENCE = "preuve_vae", _("Justificatif d'expérience (VAE)")
        OTHER = "autre", _("Autre")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("type"), max_length=16, choices=Kind)
    file = models.FileField(_("fichier"), storage=private_storage, upload_to=document_upload_to, max_length=200)

    class Meta:
        ordering = ["application", "uploaded_at"]
        verbose_name = _("pièce justificative")
        verbose_name_plural = _("pièces justificatives")
        constraints = PrivateDocument.document_checks("document")


class EnrollmentCertificate(models.Model):
    """The attestation d'inscription of an enrolled application, rendered once per data version."""

    class State(models.TextChoices):
        PENDING = "en_cours", _("En cours")
        READY = "prete", _("Prête")
        FAILED = "echec", _("Échec")

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="certificate")
    state = models.CharField(_("état"), max_length=10, choices=State, default=State.PENDING)
    file = models.FileField(_("fichier"), storage=private_storage, upload_to="attestations/", blank=True)
    data_hash = models.CharField(_("empreinte des données"), max_length=64, blank=True)
    error = models.TextField(_("raison de l'échec"), blank=True)
    # The exception as raised, for whoever fixes the cause; ``error`` says it in French.
    error_detail = models.TextField(_("détail technique de l'échec"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    # When a render was last asked for: a pending row older than the sweep's delay lost its message.
    requested_at = models.DateTimeField(_("demandée le"), default=timezone.now)
    generated_at = models.DateTimeField(_("produite le"), null=True, blank=True)

    class Meta:
        verbose_name = _("attestation d'inscription")
        verbose_name_plural = _("attestations d'inscription")

    def __str__(self):
        return f"Attestation {self.application.reference}"


# How long a document kept from a refused application waits for the person to send the form again.
PENDING_UPLOAD_HOURS = 24


PENDING_UPLOAD_DURATION = datetime.timedelta(hours=PENDING_UPLOAD_HOURS)


def pending_upload_to(instance, filename: str) -> str:
    return _random_upload_name("en-attente", filename)


class PendingUploadQuerySet(models.QuerySet):
    def of(self, *, user, session):
        """The documents ``user`` deposited for ``session`` that are still kept, oldest first."""
        return self.filter(user=user, session=session).kept().order_by("uploaded_at", "pk")

    def kept(self, now=None):
        return self.filter(uploaded_at__gt=(now or timezone.now()) - PENDING_UPLOAD_DURATION)

    def expired(self, now=None):
        return self.filter(uploaded_at__lte=(now or timezone.now()) - PENDING_UPLOAD_DURATION)


class PendingUpload(PrivateDocument):
    """A document that passed its checks on an application form refused for another reason.

    Kept in the private storage for its owner and that session only, listed when the form is shown
    again, attached to the application when it is finally sent (then deleted), and deleted by the
    periodic sweep ``PENDING_UPLOAD_HOURS`` after it was deposited.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pending_uploads", verbose_name=_("candidat")
    )
    session = models.ForeignKey(
        "programs.Session", on_delete=models.CASCADE, related_name="+", verbose_name=_("session")
    )
    kind = models.CharField(_("type"), max_length=16, choices=ApplicationDocument.Kind)
    file = models.FileField(_("fichier"), storage=private_storage, upload_to=pending_upload_to, max_length=200)

    objects = PendingUploadQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("pièce en attente d'envoi")
        verbose_name_plural = _("pièces en attente d'envoi")
        indexes = [
            models.Index(fields=["user", "session"], name="pending_upload_owner"),
            models.Index(fields=["uploaded_at"], name="pending_upload_age"),
        ]
        constraints = PrivateDocument.document_checks("pending_upload")

    @property
    def expires_at(self):
        return self.uploaded_at + PENDING_UPLOAD_DURATION
