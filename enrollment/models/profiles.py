"""Who applies: the applicant's profile, filled once and reused for every application."""

import contextlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.retention import retention_phrases
from enrollment.validators import normalize_phone, validate_france_travail_id, validate_phone
from programs.models import Commune, QualificationLevel

# Stored word for word with the consent, so it is not passed through gettext: what
# the person read is what we keep, whatever the interface language becomes.
# The periods come from the settings (core.retention), so the text says what the nightly
# retention run does.
CONSENT_TEXT = (
    "J'accepte que le CNAM Mayotte traite les données de ce profil et des pièces que je dépose "
    "pour instruire mes candidatures, organiser ma formation et établir mon attestation "
    "d'inscription. Les pièces d'une candidature refusée, retirée, expirée ou annulée sont effacées "
    "{pieces_candidatures_closes} après la décision ; celles d'une inscription et l'attestation, "
    "{preuves_inscription} après la fin de la session, comme l'exigent les financeurs. Après "
    "{compte_inactif} sans connexion ni candidature en cours, un courriel me prévient et mon "
    "compte est anonymisé {preavis_compte_inactif} plus tard. Je peux télécharger mes données ou "
    "supprimer mon compte depuis mon espace candidat, et les faire rectifier en écrivant au CNAM Mayotte."
).format(**retention_phrases())
# The version is the text itself: any change to the wording asks for a new consent.


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
        # Reading a profile is not enough for these (enrollment.admin.privacy): see cnam_portal.roles.
        permissions = [
            (
                "view_personal_data",
                "Peut voir les données personnelles des candidats "
                "(identifiant France Travail, date de naissance, téléphone, adresse)",
            )
        ]
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
    def has_current_consent(self) -> bool:
        """The person agreed to the wording shown now; a new wording asks again."""
        return bool(self.consent_at) and self.consent_text == CONSENT_TEXT

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
