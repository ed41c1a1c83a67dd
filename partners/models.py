"""Partner organisations, their members, conventions, seat allocations and calls for projects."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.phones import normalize_phone
from core.storage import private_storage
from core.validators import validate_siret  # the migrations name it here
from programs.models import Commune


class Partner(models.Model):
    class Kind(models.TextChoices):
        RECTORAT = "rectorat", _("Rectorat")
        COMMUNE = "commune", _("Commune")
        DEPARTEMENT = "departement", _("Département")
        STATE_SERVICE = "etat", _("Service de l'État")
        COMPANY = "entreprise", _("Entreprise")
        ASSOCIATION = "association", _("Association")

    name = models.CharField(_("nom"), max_length=200, unique=True)
    kind = models.CharField(_("type"), max_length=12, choices=Kind)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, validators=[validate_siret])
    commune = models.CharField(_("commune"), max_length=20, choices=Commune, blank=True)
    address = models.CharField(_("adresse"), max_length=250, blank=True)
    contact_name = models.CharField(_("contact"), max_length=150, blank=True)
    contact_email = models.EmailField(_("courriel du contact"), blank=True)
    contact_phone = models.CharField(_("téléphone du contact"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partenaire")
        verbose_name_plural = _("partenaires")
        constraints = [
            models.UniqueConstraint(
                fields=["siret"],
                condition=~Q(siret=""),
                name="partner_unique_siret",
                violation_error_message=_("Un partenaire porte déjà ce SIRET."),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.contact_phone:
            try:
                self.contact_phone = normalize_phone(self.contact_phone)
            except ValidationError as error:
                raise ValidationError({"contact_phone": error.messages}, code="phone") from None


class PartnerMember(models.Model):
    class Role(models.TextChoices):
        REFERENT = "referent", _("Référent (peut inscrire)")
        VIEWER = "lecteur", _("Lecteur (consultation)")

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="members", verbose_name=_("partenaire"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="partner_memberships",
        verbose_name=_("compte"),
    )
    email = models.EmailField(_("courriel"))
    full_name = models.CharField(_("nom complet"), max_length=150, blank=True)
    job_title = models.CharField(_("fonction"), max_length=150, blank=True)
    role = models.CharField(_("rôle"), max_length=10, choices=Role, default=Role.VIEWER)
    invited_at = models.DateTimeField(_("invité le"), null=True, blank=True)
    joined_at = models.DateTimeField(_("a rejoint le"), null=True, blank=True)
    is_active = models.BooleanField(_("actif"), default=True)

    class Meta:
        ordering = ["partner", "full_name", "email"]
        verbose_name = _("membre d'un partenaire")
        verbose_name_plural = _("membres des partenaires")
        constraints = [
            models.UniqueConstraint(fields=["partner", "email"], name="member_unique_email_per_partner"),
            models.UniqueConstraint(
                fields=["partner", "user"], condition=Q(user__isnull=False), name="member_unique_user_per_partner"
            ),
        ]

    def __str__(self):
        return f"{self.full_name or self.email} — {self.partner}"


class Axis(models.Model):
    """One of the six lines of work of the rectorat convention (and reusable by others)."""

    number = models.PositiveSmallIntegerField(_("numéro"), unique=True)
    title = models.CharField(_("intitulé"), max_length=250)

    class Meta:
        ordering = ["number"]
        verbose_name = _("axe de travail")
        verbose_name_plural = _("axes de travail")

    def __str__(self):
        return f"Axe {self.number} — {self.title}"


class Convention(models.Model):
    class State(models.TextChoices):
        DRAFT = "brouillon", _("Brouillon")
        TO_SIGN = "a_signer", _("À signer")
        SIGNED = "signee", _("Signée")
        EXPIRED = "expiree", _("Expirée")
        TERMINATED = "resiliee", _("Résiliée")

    # The only moves a convention may make; services enforce them.
    TRANSITIONS = {
        State.DRAFT: {State.TO_SIGN},
        State.TO_SIGN: {State.DRAFT, State.SIGNED},
        State.SIGNED: {State.EXPIRED, State.TERMINATED},
        State.EXPIRED: set(),
        State.TERMINATED: set(),
    }

    reference = models.CharField(_("référence"), max_length=20, unique=True, help_text=_("CONV-AAAA-NNN"))
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="conventions", verbose_name=_("partenaire")
    )
    title = models.CharField(_("intitulé"), max_length=250)
    preamble = models.TextField(_("préambule"), blank=True)
    axes = models.ManyToManyField(Axis, related_name="conventions", verbose_name=_("axes"), blank=True)
    start_date = models.DateField(_("début"))
    end_date = models.DateField(_("fin"))
    state = models.CharField(_("état"), max_length=10, choices=State, default=State.DRAFT)
    signed_on = models.DateField(_("signée le"), null=True, blank=True)
    financial_terms = models.TextField(_("conditions financières"), blank=True)
    amount = models.DecimalField(_("montant (€)"), max_digits=12, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        ordering = ["-start_date", "reference"]
        verbose_name = _("convention")
        verbose_name_plural = _("conventions")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="convention_end_after_start",
                violation_error_message=_("La date de fin doit suivre la date de début."),
            ),
            models.CheckConstraint(
                condition=~Q(state="signee") | Q(signed_on__isnull=False),
                name="convention_signed_has_date",
                violation_error_message=_("Une convention signée porte sa date de signature."),
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="convention_amount_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(reference__regex=r"^CONV-[0-9]{4}-[0-9]{3,}$"), name="convention_reference_format"
            ),
        ]

    def __str__(self):
        return f"{self.reference} — {self.title}"


class ConventionArticle(models.Model):
    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="articles")
    number = models.PositiveSmallIntegerField(_("numéro"))
    title = models.CharField(_("titre"), max_length=200)
    body = models.TextField(_("texte"))

    class Meta:
        ordering = ["convention", "number"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        constraints = [models.UniqueConstraint(fields=["convention", "number"], name="article_unique_number")]

    def __str__(self):
        return f"Article {self.number} — {self.title}"


class Signatory(models.Model):
    class Party(models.TextChoices):
        CNAM = "cnam", _("CNAM Mayotte")
        PARTNER = "partenaire", _("Partenaire")

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="signatories")
    party = models.CharField(_("partie"), max_length=10, choices=Party)
    full_name = models.CharField(_("nom"), max_length=150)
    title = models.CharField(_("qualité"), max_length=200)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        ordering = ["convention", "party", "position"]
        verbose_name = _("signataire")
        verbose_name_plural = _("signataires")

    def __str__(self):
        return f"{self.full_name}, {self.title}"


class ConventionDocument(models.Model):
    """One rendered version of a convention's PDF."""

    class State(models.TextChoices):
        PENDING = "en_cours", _("En cours")
        READY = "prete", _("Prête")
        FAILED = "echec", _("Échec")

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="documents")
    version = models.PositiveIntegerField(_("version"))
    state = models.CharField(_("état"), max_length=10, choices=State, default=State.PENDING)
    file = models.FileField(_("fichier"), storage=private_storage, upload_to="conventions/", blank=True)
    content_hash = models.CharField(_("empreinte des données"), max_length=64, blank=True)
    error = models.TextField(_("raison de l'échec"), blank=True)
    # The exception as raised, for whoever fixes the cause; ``error`` says it in French.
    error_detail = models.TextField(_("détail technique de l'échec"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    requested_at = models.DateTimeField(_("demandée le"), auto_now_add=True)
    rendered_at = models.DateTimeField(_("produite le"), null=True, blank=True)

    class Meta:
        ordering = ["convention", "-version"]
        get_latest_by = "version"
        verbose_name = _("PDF de convention")
        verbose_name_plural = _("PDF de conventions")
        constraints = [
            models.UniqueConstraint(fields=["convention", "version"], name="convention_document_unique_version"),
            models.CheckConstraint(
                condition=~Q(state="prete") | ~Q(file=""), name="convention_document_ready_has_file"
            ),
        ]

    def __str__(self):
        return _("%(convention)s, version %(version)s") % {
            "convention": self.convention.reference,
            "version": self.version,
        }


class SeatAllocation(models.Model):
    """Seats of a session that a convention reserves for the partner's staff."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="allocations")
    session = models.ForeignKey("programs.Session", on_delete=models.PROTECT, related_name="allocations")
    seats = models.PositiveIntegerField(_("places réservées"), validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["convention", "session__start_date"]
        verbose_name = _("places réservées")
        verbose_name_plural = _("places réservées")
        constraints = [
            models.UniqueConstraint(fields=["convention", "session"], name="allocation_unique_session"),
            models.CheckConstraint(condition=Q(seats__gte=1), name="allocation_seats_positive"),
        ]

    def __str__(self):
        seats = ngettext("%(n)s place", "%(n)s places", self.seats) % {"n": self.seats}
        return f"{self.convention.reference} — {self.session.reference} : {seats}"


class CallForProjects(models.Model):
    class Funder(models.TextChoices):
        DEPARTEMENT = "departement", _("Département de Mayotte")
        STATE = "etat", _("État")
        EUROPE = "europe", _("Union européenne (FSE+, FEDER)")
        REGION_OTHER = "autre", _("Autre financeur")

    class State(models.TextChoices):
        WATCH = "veille", _("En veille")
        PREPARING = "preparation", _("En préparation")
        SUBMITTED = "depose", _("Déposé")
        WON = "retenu", _("Retenu")
        LOST = "refuse", _("Non retenu")
        ABANDONED = "abandonne", _("Abandonné")

    title = models.CharField(_("intitulé"), max_length=250)
    funder = models.CharField(_("financeur"), max_length=12, choices=Funder)
    funder_name = models.CharField(_("programme ou service financeur"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    deadline = models.DateField(_("date limite de dépôt"))
    amount_requested = models.DecimalField(
        _("montant demandé (€)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    amount_obtained = models.DecimalField(
        _("montant obtenu (€)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    state = models.CharField(_("état"), max_length=12, choices=State, default=State.WATCH)
    partners = models.ManyToManyField(
        Partner, related_name="calls_for_projects", verbose_name=_("partenaires"), blank=True
    )
    axes = models.ManyToManyField(Axis, related_name="calls_for_projects", verbose_name=_("axes"), blank=True)
    convention = models.ForeignKey(
        Convention,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls_for_projects",
        verbose_name=_("convention liée"),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        ordering = ["deadline"]
        verbose_name = _("appel à projets")
        verbose_name_plural = _("appels à projets")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_requested__isnull=True) | Q(amount_requested__gte=0),
                name="call_amount_requested_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(amount_obtained__isnull=True) | Q(amount_obtained__gte=0),
                name="call_amount_obtained_non_negative",
            ),
            models.CheckConstraint(
                condition=~Q(state="retenu") | Q(amount_obtained__isnull=False),
                name="call_won_has_amount",
                violation_error_message=_("Un appel à projets retenu indique le montant obtenu."),
            ),
        ]

    def __str__(self):
        return self.title
