"""The CNAM Mayotte centre: who publishes the portal, how to reach it, and its legal pages' texts."""

from urllib.parse import quote_plus

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from core.phones import national, validate_e164
from core.retention import PLACEHOLDERS_HELP, fill_retention_periods
from core.validators import validate_siret

from . import content

OPENSTREETMAP_SEARCH = "https://www.openstreetmap.org/search?query="

PLAIN_TEXT_HELP = _(
    "Texte simple, sans balises : une ligne vide commence un nouveau paragraphe, une ligne qui commence "
    "par « - » devient un élément de liste, les adresses web et de courriel deviennent des liens."
)


def map_search_url(*parts: str) -> str:
    """An OpenStreetMap search for a place of Mayotte (the island's name is added when missing)."""
    words = [part.strip() for part in parts if part and part.strip()]
    if not any("mayotte" in part.lower() for part in words):
        words.append("Mayotte")
    return OPENSTREETMAP_SEARCH + quote_plus(", ".join(words))


class AccessibilityState(models.TextChoices):
    """The three states the RGAA allows a declaration to state."""

    NOT_COMPLIANT = "non", _("non conforme")
    PARTIAL = "partiel", _("partiellement conforme")
    FULL = "total", _("totalement conforme")


# The sentence the RGAA's model declaration gives for each state.
ACCESSIBILITY_STATEMENTS = {
    AccessibilityState.NOT_COMPLIANT: _(
        "Le portail n'est pas en conformité avec le référentiel général d'amélioration de l'accessibilité (RGAA), "
        "version 4.1. Les non-conformités et les dérogations sont énumérées ci-dessous."
    ),
    AccessibilityState.PARTIAL: _(
        "Le portail est en conformité partielle avec le référentiel général d'amélioration de l'accessibilité "
        "(RGAA), version 4.1, en raison des non-conformités et des dérogations énumérées ci-dessous."
    ),
    AccessibilityState.FULL: _(
        "Le portail est en totale conformité avec le référentiel général d'amélioration de l'accessibilité (RGAA), "
        "version 4.1."
    ),
}


class Centre(models.Model):
    # Always true and unique: the table holds one row at most.
    singleton = models.BooleanField(default=True, editable=False)

    # Identity and contact
    name = models.CharField(_("nom du centre"), max_length=150, default=content.NAME)
    address_line = models.CharField(
        _("adresse"), max_length=200, default=content.ADDRESS_LINE, help_text=_("Rue, lieu-dit ou boîte postale.")
    )
    postal_code = models.CharField(
        _("code postal"),
        max_length=5,
        default=content.POSTAL_CODE,
        validators=[
            RegexValidator(r"^976\d\d$", _("Un code postal de Mayotte compte 5 chiffres et commence par 976."))
        ],
    )
    city = models.CharField(_("commune"), max_length=100, default=content.CITY)
    phone = models.CharField(
        _("téléphone"),
        max_length=16,
        default=content.PHONE,
        validators=[validate_e164],
        help_text=_("Ex. : 02 69 61 20 20 ; enregistré au format international (+262269612020)."),
    )
    email = models.EmailField(_("adresse de courriel"), default=content.EMAIL)
    opening_hours = models.TextField(
        _("horaires d'accueil"), default=content.OPENING_HOURS, help_text=_("Une ligne par jour ou par période.")
    )

    # Publication and hosting (loi n° 2004-575 du 21 juin 2004, article 6)
    publication_director = models.CharField(
        _("directeur ou directrice de la publication"),
        max_length=200,
        default=content.PUBLICATION_DIRECTOR,
        help_text=_("Nom et fonction de la personne responsable de la publication : indiquez la personne en poste."),
    )
    host_name = models.CharField(
        _("hébergeur"),
        max_length=200,
        default=content.HOST_NAME,
        help_text=_("Valeur initiale à vérifier : la société qui héberge réellement le portail."),
    )
    host_address = models.TextField(_("adresse de l'hébergeur"), default=content.HOST_ADDRESS)
    host_phone = models.CharField(
        _("téléphone de l'hébergeur"), max_length=16, default=content.HOST_PHONE, validators=[validate_e164]
    )

    # The training body's identifiers
    legal_name = models.CharField(_("raison sociale"), max_length=200, default=content.LEGAL_NAME)
    legal_form = models.CharField(_("statut juridique"), max_length=250, default=content.LEGAL_FORM, blank=True)
    siret = models.CharField(
        _("SIRET"),
        max_length=14,
        default=content.SIRET,
        validators=[validate_siret],
        help_text=_("Valeur initiale d'exemple, à vérifier et à remplacer par le SIRET de l'établissement."),
    )
    activity_declaration_number = models.CharField(
        _("numéro de déclaration d'activité (NDA)"),
        max_length=11,
        default=content.ACTIVITY_DECLARATION_NUMBER,
        blank=True,
        validators=[RegexValidator(r"^\d{11}$", _("Le numéro de déclaration d'activité compte 11 chiffres."))],
        help_text=_(
            "Valeur initiale d'exemple, à vérifier et à remplacer par le numéro attribué par le préfet de région."
        ),
    )
    # Qualiopi asks a training body to name who people with a disability can turn to.
    disability_referent_name = models.CharField(
        _("référent handicap"),
        max_length=120,
        blank=True,
        help_text=_("Nom de la personne à qui s'adresser pour un aménagement ; affiché sur chaque page de formation."),
    )
    disability_referent_email = models.EmailField(_("courriel du référent handicap"), blank=True)
    disability_referent_phone = models.CharField(
        _("téléphone du référent handicap"),
        max_length=16,
        blank=True,
        validators=[validate_e164],
        help_text=_("Enregistré au format international (+262…)."),
    )
    # Who signs the documents funders receive (attestations, attendance statements, certificates).
    signatory_name = models.CharField(
        _("signataire des documents"),
        max_length=120,
        blank=True,
        help_text=_("Nom de la personne qui signe les attestations et certificats remis aux financeurs."),
    )
    signatory_title = models.CharField(
        _("qualité du signataire"), max_length=120, default=content.SIGNATORY_TITLE, blank=True
    )
    dpo_email = models.EmailField(
        _("adresse du délégué à la protection des données"),
        default=content.DPO_EMAIL,
        help_text=_("Valeur initiale à vérifier auprès du délégué à la protection des données du Cnam."),
    )

    # Mentions légales
    legal_intellectual_property = models.TextField(
        _("propriété intellectuelle"), default=content.LEGAL_INTELLECTUAL_PROPERTY, help_text=PLAIN_TEXT_HELP
    )
    legal_licence = models.TextField(
        _("licence de réutilisation"), default=content.LEGAL_LICENCE, help_text=PLAIN_TEXT_HELP
    )

    # Données personnelles
    privacy_controller = models.TextField(
        _("responsable du traitement"), default=content.PRIVACY_CONTROLLER, help_text=PLAIN_TEXT_HELP
    )
    privacy_data = models.TextField(_("données conservées"), default=content.PRIVACY_DATA, help_text=PLAIN_TEXT_HELP)
    privacy_purposes = models.TextField(
        _("finalités et bases légales"), default=content.PRIVACY_PURPOSES, help_text=PLAIN_TEXT_HELP
    )
    privacy_retention = models.TextField(
        _("durées de conservation"),
        default=content.PRIVACY_RETENTION,
        help_text=format_lazy("{} {}", PLAIN_TEXT_HELP, PLACEHOLDERS_HELP),
    )
    privacy_recipients = models.TextField(
        _("destinataires"), default=content.PRIVACY_RECIPIENTS, help_text=PLAIN_TEXT_HELP
    )
    privacy_security = models.TextField(_("sécurité"), default=content.PRIVACY_SECURITY, help_text=PLAIN_TEXT_HELP)
    privacy_rights = models.TextField(
        _("droits des personnes"), default=content.PRIVACY_RIGHTS, help_text=PLAIN_TEXT_HELP
    )
    privacy_complaint = models.TextField(
        _("réclamation auprès de la CNIL"), default=content.PRIVACY_COMPLAINT, help_text=PLAIN_TEXT_HELP
    )
    privacy_cookies = models.TextField(_("cookies"), default=content.PRIVACY_COOKIES, help_text=PLAIN_TEXT_HELP)

    # Déclaration d'accessibilité (RGAA 4.1)
    accessibility_state = models.CharField(
        _("état de conformité"),
        max_length=8,
        choices=AccessibilityState,
        default=AccessibilityState.PARTIAL,
        help_text=_("Affiché dans le pied de chaque page. Sans audit valide, le RGAA demande « non conforme »."),
    )
    accessibility_declared_on = models.DateField(_("déclaration établie le"), default=timezone.localdate)
    accessibility_commitment = models.TextField(
        _("engagement"), default=content.ACCESSIBILITY_COMMITMENT, help_text=PLAIN_TEXT_HELP
    )
    accessibility_audit = models.TextField(
        _("résultats des tests"),
        default=content.ACCESSIBILITY_AUDIT,
        help_text=_("Résultats de l'audit (taux de conformité, date, auditeur) ou « non encore audité »."),
    )
    accessibility_non_compliant = models.TextField(
        _("non-conformités"), default=content.ACCESSIBILITY_NON_COMPLIANT, help_text=PLAIN_TEXT_HELP
    )
    accessibility_derogations = models.TextField(
        _("dérogations pour charge disproportionnée"),
        default=content.ACCESSIBILITY_DEROGATIONS,
        help_text=PLAIN_TEXT_HELP,
    )
    accessibility_exempt = models.TextField(
        _("contenus non soumis à l'obligation d'accessibilité"),
        default=content.ACCESSIBILITY_EXEMPT,
        help_text=PLAIN_TEXT_HELP,
    )
    accessibility_method = models.TextField(
        _("établissement de la déclaration"), default=content.ACCESSIBILITY_METHOD, help_text=PLAIN_TEXT_HELP
    )
    accessibility_feedback = models.TextField(
        _("retour d'information et contact"),
        default=content.ACCESSIBILITY_FEEDBACK,
        help_text=_("Suivi, sur la page, des coordonnées du centre."),
    )
    accessibility_remedies = models.TextField(
        _("voies de recours"), default=content.ACCESSIBILITY_REMEDIES, help_text=PLAIN_TEXT_HELP
    )

    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("centre et pages légales")
        verbose_name_plural = _("centre et pages légales")
        constraints = [
            models.UniqueConstraint(fields=["singleton"], name="centre_single_row"),
            models.CheckConstraint(condition=Q(singleton=True), name="centre_singleton_true"),
        ]

    def __str__(self):
        return self.name

    @property
    def phone_display(self) -> str:
        return national(self.phone)

    @property
    def host_phone_display(self) -> str:
        return national(self.host_phone)

    @property
    def opening_hours_lines(self) -> list[str]:
        return [line.strip() for line in self.opening_hours.splitlines() if line.strip()]

    @property
    def privacy_retention_text(self) -> str:
        """The retention periods as the page shows them: the settings' periods in place of their names."""
        return fill_retention_periods(self.privacy_retention)

    @property
    def accessibility_statement(self) -> str:
        return ACCESSIBILITY_STATEMENTS[AccessibilityState(self.accessibility_state)]

    @property
    def map_url(self) -> str:
        return map_search_url(self.address_line, f"{self.postal_code} {self.city}")
