"""Applicants, their applications with history and documents, certificates and the email outbox."""

import contextlib
import datetime
import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.models import private_storage
from programs.models import Commune, QualificationLevel

from .validators import normalize_phone, validate_france_travail_id, validate_phone


class Situation(models.TextChoices):
    JOB_SEEKER = "demandeur_emploi", _("Demandeur d'emploi (inscrit à France Travail)")
    STUDENT = "etudiant", _("Étudiant")
    YOUNG_NO_DIPLOMA = "jeune_sans_diplome", _("Jeune sans diplôme ou en décrochage")
    EMPLOYEE = "salarie", _("Salarié")
    PUBLIC_AGENT = "agent_public", _("Agent public")
    OTHER = "autre", _("Autre")


class ApplicantProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="applicant_profile", verbose_name=_("compte")
    )
    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    birth_date = models.DateField(_("date de naissance"), null=True, blank=True)
    phone = models.CharField(_("téléphone"), max_length=16, blank=True, validators=[validate_phone])
    commune = models.CharField(_("commune de résidence"), max_length=20, choices=Commune, blank=True)
    address = models.CharField(_("adresse"), max_length=250, blank=True)
    highest_level = models.PositiveSmallIntegerField(
        _("plus haut niveau atteint"), choices=QualificationLevel, null=True, blank=True
    )
    situation = models.CharField(_("situation"), max_length=20, choices=Situation, blank=True)
    france_travail_id = models.CharField(
        _("identifiant France Travail"), max_length=11, blank=True, validators=[validate_france_travail_id]
    )
    employer = models.ForeignKey(
        "partners.Partner",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff_profiles",
        verbose_name=_("employeur partenaire"),
    )
    job_title = models.CharField(_("fonction"), max_length=150, blank=True)
    consent_at = models.DateTimeField(_("consentement RGPD donné le"), null=True, blank=True)
    consent_text = models.TextField(_("texte consenti"), blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("profil de candidat")
        verbose_name_plural = _("profils de candidats")
        indexes = [models.Index(fields=["situation"], name="profile_situation")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(situation="demandeur_emploi") | ~Q(france_travail_id=""),
                name="profile_job_seeker_has_ft_id",
                violation_error_message=_("Un demandeur d'emploi indique son identifiant France Travail."),
            ),
            models.CheckConstraint(
                condition=Q(consent_at__isnull=True) | ~Q(consent_text=""),
                name="profile_consent_has_text",
            ),
        ]

    def __str__(self):
        return self.full_name

    def clean(self):
        super().clean()
        if self.phone:
            # Stored in E.164 whoever types it (the profile page, the admin); a number the field's
            # validator refused is already reported there.
            with contextlib.suppress(ValidationError):
                self.phone = normalize_phone(self.phone)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_complete(self) -> bool:
        return bool(
            self.first_name
            and self.last_name
            and self.birth_date
            and self.phone
            and self.highest_level is not None
            and self.situation
            and self.consent_at
        )


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
            models.Index(fields=["status", "offer_expires_at"], name="application_status_offer"),
            models.Index(fields=["applicant", "status"], name="application_applicant_status"),
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


def _random_upload_name(folder: str, filename: str) -> str:
    # Random names: an uploaded file's name never reaches the disk.
    suffix = PurePath(filename).suffix.lower()[:5]
    return f"{folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


# Two named functions rather than one with a parameter: the migrations refer to each by name.
def document_upload_to(instance, filename: str) -> str:
    return _random_upload_name("documents", filename)


def vae_document_upload_to(instance, filename: str) -> str:
    return _random_upload_name("vae", filename)


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

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.get_kind_display()} — {self.original_name}"

    @classmethod
    def document_checks(cls, prefix: str) -> list[models.CheckConstraint]:
        # Named per table, not through %(class)s: the names already stand in the migrations.
        return [
            models.CheckConstraint(
                condition=Q(content_type__in=cls.ALLOWED_CONTENT_TYPES), name=f"{prefix}_allowed_type"
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name=f"{prefix}_not_empty"),
        ]


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
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    generated_at = models.DateTimeField(_("produite le"), null=True, blank=True)

    class Meta:
        verbose_name = _("attestation d'inscription")
        verbose_name_plural = _("attestations d'inscription")

    def __str__(self):
        return f"Attestation {self.application.reference}"


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


# --- VAE (validation des acquis de l'expérience) ---------------------------------------------------


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


# --- Documents kept between two tries of a form --------------------------------------------------

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
