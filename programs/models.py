"""The catalogue: domains, programmes, sites and dated sessions."""

import unicodedata
from decimal import Decimal

from django import forms
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import connection, models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from core.formatting import date_long

# PostgreSQL text search configuration created by migration 0002: French
# stemming over unaccented words, so "electricite" finds "Électricité".
SEARCH_CONFIG = "french_unaccent"


def normalize_text(value: str) -> str:
    """Lowercase and strip accents: the form the SQLite search fallback compares."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


class Commune(models.TextChoices):
    ACOUA = "acoua", "Acoua"
    BANDRABOUA = "bandraboua", "Bandraboua"
    BANDRELE = "bandrele", "Bandrélé"
    BOUENI = "boueni", "Bouéni"
    CHICONI = "chiconi", "Chiconi"
    CHIRONGUI = "chirongui", "Chirongui"
    DEMBENI = "dembeni", "Dembéni"
    DZAOUDZI = "dzaoudzi", "Dzaoudzi"
    KANI_KELI = "kani-keli", "Kani-Kéli"
    KOUNGOU = "koungou", "Koungou"
    MAMOUDZOU = "mamoudzou", "Mamoudzou"
    MTSANGAMOUJI = "mtsangamouji", "M'Tsangamouji"
    MTSAMBORO = "mtsamboro", "Mtsamboro"
    OUANGANI = "ouangani", "Ouangani"
    PAMANDZI = "pamandzi", "Pamandzi"
    SADA = "sada", "Sada"
    TSINGONI = "tsingoni", "Tsingoni"


class QualificationLevel(models.IntegerChoices):
    """Levels of the national qualifications framework (cadre national des certifications)."""

    NONE = 0, _("Sans diplôme")
    LEVEL_3 = 3, _("Niveau 3 (CAP, BEP)")
    LEVEL_4 = 4, _("Niveau 4 (baccalauréat)")
    LEVEL_5 = 5, _("Niveau 5 (bac+2 : BTS, DUT, DEUST)")
    LEVEL_6 = 6, _("Niveau 6 (bac+3 : licence, BUT)")
    LEVEL_7 = 7, _("Niveau 7 (bac+5 : master, ingénieur)")
    LEVEL_8 = 8, _("Niveau 8 (doctorat)")


class FundingRoute(models.TextChoices):
    """Ways a programme may be paid for. In Mayotte the Conseil départemental acts as the region."""

    CPF = "cpf", _("Compte personnel de formation (CPF)")
    FRANCE_TRAVAIL = "france_travail", _("France Travail")
    OPCO = "opco", _("OPCO (opérateur de compétences)")
    REGION = "region", _("Région (Conseil départemental de Mayotte)")
    EMPLOYER = "employeur", _("Employeur (plan de développement des compétences)")


# What a catalogue card has room for.
FUNDING_ROUTE_SHORT_LABELS = {
    FundingRoute.CPF: _("CPF"),
    FundingRoute.FRANCE_TRAVAIL: _("France Travail"),
    FundingRoute.OPCO: _("OPCO"),
    FundingRoute.REGION: _("Région"),
    FundingRoute.EMPLOYER: _("Employeur"),
}


class ChoiceListField(models.JSONField):
    """A list of distinct codes taken from ``choices_class``, stored as a JSON list.

    JSON rather than a PostgreSQL array so that SQLite keeps working; the codes are a fixed list
    known to the code (like the other choices), so pages read them with the row, in no extra query.
    """

    def __init__(self, *args, choices_class: type[models.TextChoices] | None = None, **kwargs):
        self.choices_class = choices_class
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["choices_class"] = self.choices_class
        if kwargs.get("default") is list:
            del kwargs["default"]
        return name, path, args, kwargs

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        if value in self.empty_values:
            return
        if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
            raise ValidationError(_("Choisissez les valeurs dans la liste proposée."), code="invalid_list")
        unknown = [code for code in value if code not in self.choices_class.values]
        if unknown:
            raise ValidationError(
                _("« %(value)s » ne fait pas partie des choix possibles."),
                code="invalid_choice",
                params={"value": unknown[0]},
            )
        if len(set(value)) != len(value):
            raise ValidationError(_("Chaque choix ne s'indique qu'une fois."), code="duplicate")

    def formfield(self, **kwargs):
        return forms.MultipleChoiceField(
            label=capfirst(self.verbose_name),
            help_text=self.help_text,
            required=not self.blank,
            choices=self.choices_class.choices,
            widget=forms.CheckboxSelectMultiple,
        )


class Domain(models.Model):
    name = models.CharField(_("nom"), max_length=120, unique=True)
    slug = models.SlugField(_("identifiant d'URL"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("ordre d'affichage"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("domaine")
        verbose_name_plural = _("domaines")

    def __str__(self):
        return self.name


FORMACODE_VALIDATOR = RegexValidator(r"^\d{5}$", _("Un code FORMACODE s'écrit avec 5 chiffres (ex. 32047)."))


class Audience(models.Model):
    """A public a programme addresses (job seekers, young people, employees…)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("libellé"), max_length=120)
    formacode = models.CharField(
        _("code FORMACODE du public"),
        max_length=5,
        blank=True,
        validators=[FORMACODE_VALIDATOR],
        help_text=_("Code « public visé » du FORMACODE V10 publié dans l'offre LHEO (ex. 80006 : demandeur d'emploi)."),
    )
    position = models.PositiveSmallIntegerField(_("ordre d'affichage"), default=0)

    class Meta:
        ordering = ["position", "label"]
        verbose_name = _("public visé")
        verbose_name_plural = _("publics visés")

    def __str__(self):
        return self.label


# The fiche of a certification registered in the RNCP or the Répertoire spécifique.
FRANCE_COMPETENCES_FICHE = "https://www.francecompetences.fr/recherche/{register}/{number}/"


class ProgrammeQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Programme.Status.PUBLISHED)

    def refresh_search_vectors(self):
        """Recompute the PostgreSQL search vector from ``search_document``."""
        if connection.vendor != "postgresql":
            return 0
        from django.contrib.postgres.search import SearchVector

        return self.update(
            search_vector=SearchVector("title", weight="A", config=SEARCH_CONFIG)
            + SearchVector("search_document", weight="B", config=SEARCH_CONFIG)
        )


class Programme(models.Model):
    class CertificationType(models.TextChoices):
        NATIONAL_DIPLOMA = "diplome", _("Diplôme national")
        RNCP_TITLE = "titre_rncp", _("Titre inscrit au RNCP")
        CERTIFICATE = "certificat", _("Certificat de compétence")
        SHORT_QUALIFYING = "qualifiante", _("Formation courte qualifiante")
        VAE_SUPPORT = "vae", _("Accompagnement VAE")

    class Modality(models.TextChoices):
        IN_PERSON = "presentiel", _("En présentiel")
        REMOTE = "distance", _("À distance")
        HYBRID = "hybride", _("Hybride")

    class TrainingPath(models.TextChoices):
        # The values are LHEO's « parcours-de-formation » codes.
        GROUP = "1", _("En groupe")
        INDIVIDUAL = "2", _("Individualisé")
        MODULAR = "3", _("Modularisé")
        MIXED = "4", _("Mixte")

    class Status(models.TextChoices):
        DRAFT = "brouillon", _("Brouillon")
        PUBLISHED = "publiee", _("Publiée")
        ARCHIVED = "archivee", _("Archivée")

    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="programmes", verbose_name=_("domaine"))
    title = models.CharField(_("intitulé"), max_length=200)
    slug = models.SlugField(_("identifiant d'URL"), max_length=200, unique=True)
    code = models.CharField(_("code CNAM"), max_length=20, blank=True)
    summary = models.CharField(_("accroche"), max_length=300)
    objectives = models.TextField(_("objectifs"))
    content = models.TextField(_("contenu"))
    prerequisites = models.TextField(_("prérequis"), blank=True)
    certification_type = models.CharField(_("type de certification"), max_length=20, choices=CertificationType)
    certification_level = models.PositiveSmallIntegerField(
        _("niveau de la certification"), choices=QualificationLevel, null=True, blank=True
    )
    rncp_code = models.CharField(
        _("code RNCP"),
        max_length=12,
        blank=True,
        validators=[
            RegexValidator(r"^RNCP\d{3,6}$", _("Le code RNCP s'écrit RNCP suivi de chiffres (ex. RNCP35010)."))
        ],
    )
    entry_level = models.PositiveSmallIntegerField(
        _("niveau d'entrée requis"), choices=QualificationLevel, default=QualificationLevel.LEVEL_4
    )
    audiences = models.ManyToManyField(Audience, related_name="programmes", verbose_name=_("publics visés"), blank=True)
    modality = models.CharField(_("modalité"), max_length=12, choices=Modality, default=Modality.IN_PERSON)
    rhythm = models.CharField(_("rythme habituel"), max_length=200, blank=True)
    is_work_study = models.BooleanField(_("en alternance"), default=False)
    vae_available = models.BooleanField(_("accessible par la VAE"), default=False)
    duration_hours = models.PositiveIntegerField(_("durée (heures)"), validators=[MinValueValidator(1)])
    duration_months = models.PositiveSmallIntegerField(
        _("durée (mois)"),
        null=True,
        blank=True,
        validators=[
            MinValueValidator(
                1, _("Une formation dure au moins 1 mois : laissez vide pour une formation plus courte.")
            ),
            MaxValueValidator(60, _("Indiquez une durée de 60 mois au plus.")),
        ],
        help_text=_(
            "Nombre de mois du début à la fin du parcours, s'il est connu : affiché « 450 heures sur 12 mois »."
        ),
    )
    duration_text = models.CharField(
        _("durée (précision)"),
        max_length=120,
        blank=True,
        help_text=_("Précision affichée sous la durée, ex. : Dont 8 semaines de stage en entreprise."),
    )
    price_eur = models.DecimalField(
        _("prix (€)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(
                Decimal("0"), _("Le prix ne peut pas être négatif : indiquez 0 si la formation est gratuite.")
            )
        ],
        help_text=_(
            "Prix total TTC du parcours pour une personne, en euros. 0 : gratuit (affiché « Gratuit »). "
            "Vide : tarif pas encore fixé (affiché « Tarif sur demande »)."
        ),
    )
    price_note = models.CharField(
        _("précision sur le prix"),
        max_length=200,
        blank=True,
        help_text=_("Ex. : pris en charge pour les demandeurs d'emploi."),
    )
    funding_routes = ChoiceListField(
        _("financements possibles"),
        choices_class=FundingRoute,
        blank=True,
        help_text=_(
            "Les dispositifs qui peuvent payer la formation ; le Conseil départemental de Mayotte tient lieu de Région."
        ),
    )
    response_days = models.PositiveSmallIntegerField(
        _("délai de réponse (jours)"),
        default=15,
        validators=[
            MinValueValidator(1, _("Le délai de réponse est d'au moins 1 jour.")),
            MaxValueValidator(90, _("Le délai de réponse ne peut pas dépasser 90 jours.")),
        ],
        help_text=_(
            "Jours, après réception d'une candidature, sous lesquels le CNAM Mayotte répond : "
            "affiché « Réponse sous N jours » (de 1 à 90)."
        ),
    )
    # --- What Qualiopi's indicator 1 asks a training body to publish (and LHEO carries) ---
    expected_results = models.TextField(
        _("résultats attendus"),
        blank=True,
        help_text=_("Ce que la personne saura faire ou obtiendra à l'issue de la formation."),
    )
    teaching_methods = models.TextField(
        _("méthodes pédagogiques"), blank=True, help_text=_("Cours, travaux pratiques, stage, outils utilisés…")
    )
    assessment_methods = models.TextField(
        _("modalités d'évaluation"), blank=True, help_text=_("Contrôle continu, examen, soutenance, jury…")
    )
    access_terms = models.TextField(
        _("modalités d'accès"),
        blank=True,
        help_text=_("Comment on entre dans la formation : dossier, entretien, test de positionnement…"),
    )
    access_delay_days = models.PositiveSmallIntegerField(
        _("délai d'accès (jours)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(365, _("Le délai d'accès ne peut pas dépasser 365 jours."))],
        help_text=_(
            "Jours entre l'acceptation et l'entrée en formation : affiché « Entrée sous N jours après "
            "acceptation ». Vide : l'entrée se fait au début de la session choisie."
        ),
    )
    disability_access = models.TextField(
        _("accessibilité aux personnes en situation de handicap"),
        blank=True,
        help_text=_(
            "Aménagements possibles pour cette formation. Vide : le texte général et le contact du "
            "référent handicap de l'organisme sont affichés."
        ),
    )
    contact_name = models.CharField(
        _("contact de la formation"), max_length=120, blank=True, help_text=_("Vide : le contact de l'organisme.")
    )
    contact_email = models.EmailField(_("courriel du contact"), blank=True)
    contact_phone = models.CharField(_("téléphone du contact"), max_length=20, blank=True)
    certifier = models.CharField(
        _("certificateur"),
        max_length=200,
        blank=True,
        help_text=_("L'organisme qui délivre la certification (ex. : Conservatoire national des arts et métiers)."),
    )
    rs_code = models.CharField(
        _("code RS"),
        max_length=10,
        blank=True,
        validators=[
            RegexValidator(
                r"^RS\d{3,6}$", _("Le code du Répertoire spécifique s'écrit RS suivi de chiffres (ex. RS5487).")
            )
        ],
    )
    certification_registered_on = models.DateField(
        _("date d'enregistrement de la certification"),
        null=True,
        blank=True,
        help_text=_("Date de la décision d'enregistrement au RNCP ou au Répertoire spécifique."),
    )
    training_path = models.CharField(
        _("type de parcours"), max_length=1, choices=TrainingPath, default=TrainingPath.GROUP
    )
    formacode_domain = models.CharField(
        _("code FORMACODE du domaine"),
        max_length=5,
        blank=True,
        validators=[FORMACODE_VALIDATOR],
        help_text=_("Code du domaine de formation dans le FORMACODE (ex. 32047 pour la comptabilité), s'il est connu."),
    )
    status = models.CharField(_("état de publication"), max_length=12, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    # Accent-free text of every searchable field; PostgreSQL indexes its vector,
    # SQLite searches it directly.
    search_document = models.TextField(editable=False, blank=True, default="")
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name = _("formation")
        verbose_name_plural = _("formations")
        indexes = [models.Index(fields=["status", "domain"], name="programme_status_domain")]
        constraints = [
            models.CheckConstraint(condition=Q(duration_hours__gte=1), name="programme_duration_positive"),
            models.CheckConstraint(
                condition=Q(duration_months__isnull=True) | Q(duration_months__gte=1, duration_months__lte=60),
                name="programme_duration_months_range",
                violation_error_message=_("La durée en mois est comprise entre 1 et 60."),
            ),
            models.CheckConstraint(
                condition=Q(price_eur__isnull=True) | Q(price_eur__gte=0),
                name="programme_price_non_negative",
                violation_error_message=_(
                    "Le prix ne peut pas être négatif : indiquez 0 si la formation est gratuite."
                ),
            ),
            models.CheckConstraint(
                condition=Q(response_days__gte=1, response_days__lte=90),
                name="programme_response_days_range",
                violation_error_message=_("Le délai de réponse est compris entre 1 et 90 jours."),
            ),
            models.CheckConstraint(
                condition=Q(entry_level__in=QualificationLevel.values), name="programme_entry_level_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="publiee") | Q(published_at__isnull=False),
                name="programme_published_has_date",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.status == self.Status.PUBLISHED and not self.published_at:
            self.published_at = timezone.now()
        self.search_document = self.build_search_document()
        super().save(*args, **kwargs)
        Programme.objects.filter(pk=self.pk).refresh_search_vectors()

    def get_absolute_url(self):
        return reverse("programs:detail", kwargs={"slug": self.slug})

    def clean(self):
        super().clean()
        errors: dict[str, ValidationError] = {}
        if self.rncp_code and self.rs_code:
            errors["rs_code"] = ValidationError(
                _(
                    "Une certification est enregistrée soit au RNCP, soit au Répertoire spécifique : "
                    "indiquez un seul des deux codes."
                ),
                code="rncp_and_rs",
            )
        if self.status == self.Status.PUBLISHED and self.is_certifying:
            # Qualiopi's indicator 1 and LHEO: a certifying programme names who certifies, and where.
            if not self.certifier.strip():
                errors["certifier"] = ValidationError(
                    _("Une formation certifiante ne peut être publiée sans le nom de son certificateur."),
                    code="certifier_missing",
                )
            if not (self.rncp_code or self.rs_code):
                errors["rncp_code"] = ValidationError(
                    _(
                        "Une formation certifiante ne peut être publiée sans son code RNCP ou RS "
                        "(fiche de France compétences)."
                    ),
                    code="certification_code_missing",
                )
        if self.certification_registered_on is not None:
            if not (self.rncp_code or self.rs_code):
                errors["certification_registered_on"] = ValidationError(
                    _("Indiquez le code RNCP ou RS de la certification enregistrée à cette date."),
                    code="registered_without_code",
                )
            elif self.certification_registered_on > timezone.localdate():
                errors["certification_registered_on"] = ValidationError(
                    _("La date d'enregistrement de la certification ne peut pas être dans le futur."),
                    code="registered_in_future",
                )
        if (self.contact_email or self.contact_phone) and not self.contact_name.strip():
            errors["contact_name"] = ValidationError(
                _("Nommez le contact de la formation dont vous indiquez le courriel ou le téléphone."),
                code="contact_unnamed",
            )
        if errors:
            raise ValidationError(errors)

    @property
    def is_free(self) -> bool:
        return self.price_eur == 0

    @property
    def is_certifying(self) -> bool:
        """Whether the programme leads to a certification registered with France compétences."""
        return self.certification_type in CERTIFYING_TYPES

    @property
    def certification_code(self) -> str:
        """``RNCP38150`` or ``RS5487``: the code of the certification's fiche, if any."""
        return self.rncp_code or self.rs_code

    @property
    def certification_url(self) -> str:
        """The certification's fiche on France compétences' site, or nothing without a code."""
        if self.rncp_code:
            return FRANCE_COMPETENCES_FICHE.format(register="rncp", number=self.rncp_code.removeprefix("RNCP"))
        if self.rs_code:
            return FRANCE_COMPETENCES_FICHE.format(register="rs", number=self.rs_code.removeprefix("RS"))
        return ""

    def funding_route_labels(self) -> list[str]:
        """Labels of the funding routes, in the list's own order whatever the order they were ticked in."""
        chosen = set(self.funding_routes or ())
        return [route.label for route in FundingRoute if route in chosen]

    def funding_route_short_labels(self) -> list[str]:
        chosen = set(self.funding_routes or ())
        return [FUNDING_ROUTE_SHORT_LABELS[route] for route in FundingRoute if route in chosen]

    def build_search_document(self) -> str:
        parts = [self.title, self.code, self.summary, self.objectives, self.content, self.prerequisites]
        parts += [self.get_certification_type_display(), self.rncp_code]
        if self.domain_id:
            parts.append(self.domain.name)
        return normalize_text(" ".join(p for p in parts if p))


# The certification types that lead to a certification registered in the RNCP or the RS.
CERTIFYING_TYPES = frozenset(
    {
        Programme.CertificationType.NATIONAL_DIPLOMA,
        Programme.CertificationType.RNCP_TITLE,
        Programme.CertificationType.CERTIFICATE,
    }
)


class Site(models.Model):
    name = models.CharField(_("nom"), max_length=150)
    commune = models.CharField(_("commune"), max_length=20, choices=Commune, blank=True)
    address = models.CharField(_("adresse"), max_length=250, blank=True)
    is_remote = models.BooleanField(_("à distance"), default=False)
    accessibility = models.CharField(_("accessibilité"), max_length=250, blank=True)

    class Meta:
        ordering = ["is_remote", "commune", "name"]
        verbose_name = _("lieu de formation")
        verbose_name_plural = _("lieux de formation")
        constraints = [
            models.CheckConstraint(
                condition=Q(is_remote=True, commune="") | Q(is_remote=False) & ~Q(commune=""),
                name="site_remote_xor_commune",
                violation_error_message=_("Un lieu est soit à distance, soit situé dans une commune de Mayotte."),
            ),
            models.UniqueConstraint(fields=["name", "commune"], name="site_unique_name_commune"),
        ]

    def __str__(self):
        if self.is_remote:
            return self.name
        return f"{self.name} ({self.get_commune_display()})"


class SessionQuerySet(models.QuerySet):
    def public(self):
        """Sessions anyone may see: scheduled, of a published programme, not reserved."""
        return self.filter(
            state=Session.State.SCHEDULED,
            reserved_for__isnull=True,
            programme__status=Programme.Status.PUBLISHED,
        )

    def upcoming(self, today=None):
        today = today or timezone.localdate()
        return self.filter(end_date__gte=today)

    def open_for_applications(self, now=None):
        now = now or timezone.now()
        return self.filter(state=Session.State.SCHEDULED, applications_open_at__lte=now, applications_close_at__gte=now)


# What staff record about a session once it has ended.
RESULT_FIELDS = ("completed_count", "certified_count")


class Session(models.Model):
    class Rhythm(models.TextChoices):
        EVENING = "soir", _("Cours du soir")
        SATURDAY = "samedi", _("Le samedi")
        DAYTIME = "journee", _("En journée")
        REMOTE = "distance", _("À distance")
        WORK_STUDY = "alternance", _("En alternance")

    class State(models.TextChoices):
        DRAFT = "brouillon", _("En préparation")
        SCHEDULED = "programmee", _("Programmée")
        CANCELLED = "annulee", _("Annulée")

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("formation")
    )
    reference = models.CharField(_("référence"), max_length=40, unique=True)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("lieu"))
    start_date = models.DateField(_("début"))
    end_date = models.DateField(_("fin"))
    rhythm = models.CharField(_("rythme"), max_length=12, choices=Rhythm)
    schedule = models.CharField(
        _("horaires"), max_length=200, blank=True, help_text=_("Ex. : mardi et jeudi, 17 h 30 – 20 h 30")
    )
    hours = models.PositiveIntegerField(_("volume horaire"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("places"))
    applications_open_at = models.DateTimeField(_("ouverture des candidatures"))
    applications_close_at = models.DateTimeField(_("clôture des candidatures"))
    state = models.CharField(_("état"), max_length=12, choices=State, default=State.DRAFT)
    reserved_for = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reserved_sessions",
        verbose_name=_("réservée au partenaire"),
        help_text=_("Une session réservée n'apparaît pas dans le catalogue public."),
    )
    notes = models.TextField(_("notes internes"), blank=True)
    # Results staff record once the session has ended (published on the programme page, never guessed).
    completed_count = models.PositiveIntegerField(
        _("personnes ayant achevé la formation"),
        null=True,
        blank=True,
        help_text=_("À saisir une fois la session terminée. Vide : pas de résultat publié."),
    )
    certified_count = models.PositiveIntegerField(
        _("personnes certifiées"),
        null=True,
        blank=True,
        help_text=_("Personnes ayant obtenu la certification visée. Vide : pas de résultat publié."),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["start_date", "reference"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        indexes = [
            models.Index(fields=["programme", "start_date"], name="session_programme_start"),
            models.Index(fields=["state", "start_date"], name="session_state_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=0),
                name="session_capacity_non_negative",
                violation_error_message=_("Le nombre de places ne peut pas être négatif."),
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="session_end_after_start",
                violation_error_message=_("La date de fin doit suivre la date de début."),
            ),
            models.CheckConstraint(
                condition=Q(applications_close_at__gte=models.F("applications_open_at")),
                name="session_window_ordered",
                violation_error_message=_("La clôture des candidatures doit suivre leur ouverture."),
            ),
        ]

    def __str__(self):
        return f"{self.programme.title} — {self.reference}"

    def get_absolute_url(self):
        return reverse("programs:detail", kwargs={"slug": self.programme.slug}) + f"#session-{self.pk}"

    def clean(self):
        super().clean()
        # Results are recorded once the last day is over (the session is "upcoming" until then);
        # that they do not exceed the people enrolled is checked by enrollment.services.sessions.
        entered = [name for name in RESULT_FIELDS if getattr(self, name) is not None]
        if entered and self.end_date and self.end_date >= timezone.localdate():
            raise ValidationError(
                {
                    entered[0]: ValidationError(
                        _(
                            "Les résultats d'une session se saisissent une fois celle-ci terminée, "
                            "à partir du lendemain de sa fin (%(end)s)."
                        )
                        % {"end": date_long(self.end_date)},
                        code="results_before_end",
                    )
                }
            )

    def accepts_applications(self, now=None) -> bool:
        now = now or timezone.now()
        return self.state == self.State.SCHEDULED and self.applications_open_at <= now <= self.applications_close_at
