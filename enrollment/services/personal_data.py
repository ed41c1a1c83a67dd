"""Personal data with an end: a person's copy of their data, the deletion of their account, the retention run.

Anonymising an account (``account_anonymise``) is one rule, whoever asks: the person (password
re-typed, then the link emailed to their verified address, ``enrollment.account_links``), or the
nightly retention run after a long inactivity and a warning. It

- withdraws the live applications through ``application_withdraw`` (the seat is released and
  the waiting list moves on), except an enrollment in a session that is already over, which
  stays an enrollment for the figures;
- deletes the open VAE requests (nothing was decided on them) and keeps the closed ones;
- erases every file (application documents, certificates, VAE documents, documents kept
  between two tries), once the transaction has committed;
- keeps the applications and closed VAE requests as statistics: status, session, channel,
  route and dates stay; the texts the person or staff wrote about them are blanked and the
  references the person knows are drawn again;
- deletes the profile, the partner memberships, the email addresses, every email to or about
  the person (pending ones are thus never sent), and blanks what the admin's history says of them;
- leaves the account an empty shell nobody can sign in to: no name, no address, no password,
  inactive. It stays because the statistics rows point to an account.

CNAM staff accounts are refused: the administrator removes them, and their rights with them.

The retention run (``retention_run``) applies the settings' periods (``core.retention``) in
batches of ``RETENTION_BATCH`` rows, each batch locked with ``skip_locked`` so that two runs at
once share the work; every step is idempotent. It logs counts, never a name or an address.
"""

import datetime
import json
import logging
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import PurePath
from typing import IO, TYPE_CHECKING, Any

from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from core import outbox
from core.models import Notification
from core.retention import days_text, retention_periods, years_after
from core.storage import private_storage
from enrollment import notifications
from enrollment.account_links import deletion_token_valid
from enrollment.models import (
    LIVE_STATUSES,
    ApplicantProfile,
    Application,
    ApplicationDocument,
    ApplicationStatus,
    ApplicationStatusChange,
    CalendarFeed,
    EnrollmentCertificate,
    PendingUpload,
    VaeDocument,
    VaeRequest,
    VaeStage,
    VaeStageChange,
)
from enrollment.references import free_application_references, free_vae_reference
from enrollment.services.applications import application_withdraw
from partners.models import PartnerMember

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models.fields.files import FieldFile

logger = logging.getLogger(__name__)
Status = ApplicationStatus

ANONYMOUS_USERNAME_PREFIX = "anonyme-"
# What stands where the database requires a text (a refusal's reason, a route's justification).
ERASED_TEXT = "Effacé à l'anonymisation du compte."
WITHDRAWAL_REASON = "Compte supprimé."
# Texts of an application that speak of the person (those of a partner's invitation when the
# model has them).
APPLICATION_TEXTS = ("motivation", "entry_justification", "rejection_reason", "invited_email", "invited_name")
REQUIRED_APPLICATION_TEXTS = {"rejection_reason", "entry_justification"}
# Statuses whose documents go after ``RETENTION_CLOSED_DOCUMENTS_DAYS``.
CLOSED_STATUSES = (Status.REJECTED, Status.WITHDRAWN, Status.EXPIRED, Status.CANCELLED)
RETENTION_BATCH = 500
DELETION_TEMPLATE = "account_deletion_confirm"
INACTIVITY_TEMPLATE = "account_inactive_warning"


def _users():
    return get_user_model().objects


def is_anonymised(user: "User") -> bool:
    return not user.is_active and user.username.startswith(ANONYMOUS_USERNAME_PREFIX)


def _addresses(user: "User") -> list[str]:
    found = {address.lower() for address in EmailAddress.objects.filter(user=user).values_list("email", flat=True)}
    if user.email:
        found.add(user.email.lower())
    return sorted(found)


def _storage() -> Storage:
    return private_storage()


def _erase_files(names: list[str]) -> None:
    """Remove files once the rows that named them are gone; one left behind is logged, not raised."""
    storage = _storage()
    failed = 0
    for name in names:
        try:
            storage.delete(name)
        except Exception:  # an object store's errors (botocore's) are no OSError
            failed += 1
    if failed:
        logger.error("Personal data: %d files could not be erased.", failed)


def _erase_after_commit(names: Iterable[str]) -> int:
    kept = [name for name in names if name]
    if kept:
        transaction.on_commit(partial(_erase_files, kept))
    return len(kept)


# --- Who may delete their account ---------------------------------------------------------------


def account_deletion_refusal(*, user: "User") -> str:
    """Why ``user`` cannot delete their own account from their space, or ""."""
    if user.is_staff or user.is_superuser:
        return _(
            "Votre compte fait partie de l'équipe du CNAM Mayotte : il ne peut pas être supprimé depuis cet "
            "espace. Demandez sa suppression à l'administrateur du portail, qui retirera aussi vos droits."
        )
    return ""


def _check_deletable(user: "User") -> None:
    refusal = account_deletion_refusal(user=user)
    if refusal:
        raise ValidationError(refusal, code="staff_account")


def account_deletion_request(*, user: "User", password: str) -> Notification:
    """Check the re-typed password, then email the confirmation link to the verified address.

    The link is derived when the email is rendered (``enrollment.account_links``); the row holds
    nothing that deletes the account.
    """
    _check_deletable(user)
    if not user.has_usable_password():
        raise ValidationError(
            _(
                "Votre compte n'a pas encore de mot de passe : choisissez-en un (« Mot de passe oublié ») "
                "avant de demander sa suppression."
            ),
            code="no_password",
        )
    if not user.check_password(password or ""):
        raise ValidationError(
            {"password": ValidationError(_("Mot de passe incorrect."), code="wrong_password")},
        )
    address = (
        EmailAddress.objects.filter(user=user, verified=True).order_by("-primary", "pk").values_list("email", flat=True)
    ).first()
    if not address:
        raise ValidationError(
            _(
                "Confirmez d'abord votre adresse de courriel (lien reçu à l'inscription) : le lien de "
                "suppression y est envoyé."
            ),
            code="no_verified_email",
        )
    now = timezone.now()
    notification = outbox.notification_create(
        key=f"{DELETION_TEMPLATE}:{user.pk}:{now.isoformat()}",
        template=DELETION_TEMPLATE,
        recipient_email=address,
        user=user,
        context={"needs_deletion_link": True, "valid_hours": settings.ACCOUNT_DELETION_LINK_HOURS},
        subject=notifications.SUBJECT_PREFIX + _("Confirmez la suppression de votre compte"),
    )
    if notification is None:  # the same instant twice: the row already written says it
        notification = Notification.objects.get(idempotency_key=f"{DELETION_TEMPLATE}:{user.pk}:{now.isoformat()}")
    return notification


def account_deletion_link_valid(*, user: "User", token: str) -> bool:
    return deletion_token_valid(user, token)


def account_delete(*, user: "User", token: str) -> "AnonymisedAccount":
    """Delete the signed-in person's account once they followed the emailed link and confirmed."""
    _check_deletable(user)
    if not deletion_token_valid(user, token):
        raise ValidationError(
            _(
                "Ce lien de suppression n'est pas valable : il a expiré, a déjà servi ou ne correspond pas à "
                "votre compte. Demandez-en un nouveau depuis la page « Mes données personnelles »."
            ),
            code="invalid_link",
        )
    anonymised = account_anonymise(user_id=user.pk)
    if anonymised is None:  # the lock is waited for, never skipped: only a vanished account
        raise ValidationError(_("Ce compte n'existe plus."), code="gone")
    logger.info("Account deletion: %s.", anonymised.log_text())
    return anonymised


# --- Anonymisation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnonymisedAccount:
    withdrawn: int = 0
    files: int = 0
    applications: int = 0
    vae_deleted: int = 0
    vae_kept: int = 0
    memberships: int = 0
    already: bool = False

    def log_text(self) -> str:
        return (
            f"{self.applications} applications kept anonymous ({self.withdrawn} withdrawn), "
            f"{self.vae_kept} VAE requests kept, {self.vae_deleted} open ones deleted, "
            f"{self.files} files erased, {self.memberships} partner memberships removed"
        )


def account_anonymise(
    *, user_id: int, skip_locked: bool = False, inactive_since: datetime.datetime | None = None
) -> AnonymisedAccount | None:
    """Anonymise one account as the module docstring says; running it again does nothing.

    None when ``skip_locked`` found the account locked, or when ``inactive_since`` is given and,
    under the lock, the person turns out to have signed in since or to have something live.
    """
    with transaction.atomic():
        user = _users().select_for_update(skip_locked=skip_locked).filter(pk=user_id).first()
        if user is None:
            return None
        if is_anonymised(user):
            return AnonymisedAccount(already=True)
        _check_deletable(user)
        if inactive_since is not None and not _still_inactive(user, inactive_since):
            return None
        addresses = _addresses(user)
        withdrawn = _withdraw_live_applications(user)
        files = _erase_documents_of(user)
        vae_deleted, vae_kept = _anonymise_vae_requests(user)
        applications = _anonymise_applications(user)
        memberships = _forget_person(user, addresses)
        _empty_account(user)
    return AnonymisedAccount(
        withdrawn=withdrawn,
        files=files,
        applications=applications,
        vae_deleted=vae_deleted,
        vae_kept=vae_kept,
        memberships=memberships,
    )


def _still_inactive(user: "User", since: datetime.datetime) -> bool:
    return (
        (user.last_login or user.date_joined) <= since
        and not Application.objects.live().filter(applicant=user).exists()
        and not VaeRequest.objects.open().filter(applicant=user).exists()
    )


def _withdraw_live_applications(user: "User") -> int:
    today = timezone.localdate()
    live = (
        Application.objects.live()
        .filter(applicant=user)
        .exclude(status=Status.ENROLLED, session__end_date__lt=today)
        .order_by("session_id", "pk")
    )
    count = 0
    for application in live:
        application_withdraw(application=application, by=user, reason=WITHDRAWAL_REASON)
        count += 1
    return count


def _erase_documents_of(user: "User") -> int:
    """Delete every document row of the person (files after commit); the number of files."""
    groups: list[models.QuerySet] = [
        ApplicationDocument.objects.filter(application__applicant=user),
        EnrollmentCertificate.objects.filter(application__applicant=user),
        VaeDocument.objects.filter(request__applicant=user),
        PendingUpload.objects.filter(user=user),
    ]
    names: list[str] = []
    for queryset in groups:
        names += list(queryset.values_list("file", flat=True))
        queryset.delete()
    return _erase_after_commit(names)


def _application_texts() -> list[str]:
    present = {field.name for field in Application._meta.get_fields()}
    return [name for name in APPLICATION_TEXTS if name in present]


def _anonymise_applications(user: "User") -> int:
    rows = list(Application.objects.filter(applicant=user).order_by("pk"))
    if not rows:
        return 0
    texts = _application_texts()
    references = free_application_references(len(rows))
    for application, reference in zip(rows, references, strict=True):
        application.reference = reference
        for name in texts:
            required = name in REQUIRED_APPLICATION_TEXTS and (
                (name == "rejection_reason" and application.status == Status.REJECTED)
                or (name == "entry_justification" and application.entry_route != Application.EntryRoute.DIRECT)
            )
            setattr(application, name, ERASED_TEXT if required else "")
    Application.objects.bulk_update(rows, ["reference", *texts])
    ApplicationStatusChange.objects.filter(application__applicant=user).update(reason="")
    return len(rows)


def _anonymise_vae_requests(user: "User") -> tuple[int, int]:
    open_requests = VaeRequest.objects.open().filter(applicant=user)
    deleted = open_requests.count()
    open_requests.delete()
    kept = list(VaeRequest.objects.filter(applicant=user).order_by("pk"))
    for vae_request in kept:
        vae_request.reference = free_vae_reference()
        vae_request.experience_summary = ""
        vae_request.decision_reason = ERASED_TEXT if vae_request.stage == VaeStage.NOT_ADMISSIBLE else ""
        vae_request.save(update_fields=["reference", "experience_summary", "decision_reason", "updated_at"])
    VaeStageChange.objects.filter(request__applicant=user).update(reason="")
    return deleted, len(kept)


def _forget_person(user: "User", addresses: list[str]) -> int:
    """Delete the profile, memberships, addresses and emails of the person; blank the admin's history of them."""
    address_match = Q()
    for address in addresses:
        address_match |= Q(recipient_email__iexact=address)
    Notification.objects.filter(Q(user=user) | Q(application__applicant=user) | address_match).delete()

    member_match = Q(user=user)
    for address in addresses:
        member_match |= Q(email__iexact=address)
    memberships = PartnerMember.objects.filter(member_match)
    member_ids = list(memberships.values_list("pk", flat=True))
    memberships.delete()

    # The private calendar's address would still open the (anonymised) person's sessions.
    CalendarFeed.objects.filter(user=user).delete()

    profile_ids = list(ApplicantProfile.objects.filter(user=user).values_list("pk", flat=True))
    ApplicantProfile.objects.filter(user=user).delete()
    EmailAddress.objects.filter(user=user).delete()
    if apps.is_installed("allauth.socialaccount"):
        from allauth.socialaccount.models import SocialAccount

        SocialAccount.objects.filter(user=user).delete()

    # The admin's history names what it changed: the account, the profile, the memberships.
    # The applications' entries name their old references, which are no longer theirs either.
    named: list[tuple[type[models.Model], list[int]]] = [
        (get_user_model(), [user.pk]),
        (ApplicantProfile, profile_ids),
        (PartnerMember, member_ids),
        (Application, list(Application.objects.filter(applicant=user).values_list("pk", flat=True))),
        (VaeRequest, list(VaeRequest.objects.filter(applicant=user).values_list("pk", flat=True))),
    ]
    for model, pks in named:
        if pks:
            LogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(model), object_id__in=[str(pk) for pk in pks]
            ).update(object_repr=_("anonymisé"), change_message="")
    return len(member_ids)


def _empty_account(user: "User") -> None:
    user.username = f"{ANONYMOUS_USERNAME_PREFIX}{uuid.uuid4().hex}"
    user.email = ""
    user.first_name = ""
    user.last_name = ""
    user.set_unusable_password()
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.last_login = None
    user.save()
    user.groups.clear()
    user.user_permissions.clear()


# --- The copy of one's data ---------------------------------------------------------------------


def _when(value: datetime.datetime | datetime.date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


class _Archive:
    """The ZIP being written: each file copied in chunks, under ``documents/…``."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        self.used: set[str] = set()

    def add(self, folder: str, field_file: "FieldFile | None", name: str) -> str | None:
        """Copy ``field_file`` to ``documents/<folder>/<name>``; its path there, None when it is gone."""
        if not field_file:
            return None
        safe = get_valid_filename(PurePath(name).name) or "piece"
        path = f"documents/{folder}/{safe}"
        stem, suffix = PurePath(safe).stem, PurePath(safe).suffix
        counter = 2
        while path in self.used:
            path = f"documents/{folder}/{stem}-{counter}{suffix}"
            counter += 1
        try:
            with field_file.open("rb") as source, self.archive.open(path, "w", force_zip64=True) as target:
                shutil.copyfileobj(source, target, 64 * 1024)
        except FileNotFoundError:
            return None
        self.used.add(path)
        return path


def _document(archive: _Archive, folder: str, document) -> dict[str, Any]:
    return {
        "type": document.get_kind_display(),
        "nom_d_origine": document.original_name,
        "format": document.content_type,
        "taille_octets": document.size,
        "empreinte_sha256": document.sha256,
        "depose_le": _when(document.uploaded_at),
        "fichier": archive.add(folder, document.file, document.original_name),
    }


def _profile_data(user: "User") -> dict[str, Any] | None:
    profile = ApplicantProfile.objects.select_related("employer").filter(user=user).first()
    if profile is None:
        return None
    return {
        "prenom": profile.first_name,
        "nom": profile.last_name,
        "date_de_naissance": _when(profile.birth_date),
        "telephone": profile.phone,
        "commune": profile.get_commune_display(),
        "adresse": profile.address,
        "plus_haut_niveau": profile.get_highest_level_display() if profile.highest_level is not None else "",
        "situation": profile.get_situation_display(),
        "identifiant_france_travail": profile.france_travail_id,
        "employeur_partenaire": profile.employer.name if profile.employer else "",
        "fonction": profile.job_title,
        "consentement_donne_le": _when(profile.consent_at),
        "texte_consenti": profile.consent_text,
        "cree_le": _when(profile.created_at),
        "modifie_le": _when(profile.updated_at),
    }


def _applications_data(user: "User", archive: _Archive) -> list[dict[str, Any]]:
    applications = (
        Application.objects.filter(applicant=user)
        .select_related("session__programme", "session__site", "convention__partner", "certificate")
        .prefetch_related("history", "documents")
        .order_by("submitted_at", "pk")
    )
    rows = []
    for application in applications:
        session = application.session
        try:
            certificate: EnrollmentCertificate | None = application.certificate
        except EnrollmentCertificate.DoesNotExist:
            certificate = None
        rows.append(
            {
                "reference": application.reference,
                "formation": session.programme.title,
                "session": session.reference,
                "du": _when(session.start_date),
                "au": _when(session.end_date),
                "lieu": str(session.site),
                "statut": application.get_status_display(),
                "canal": application.get_channel_display(),
                "convention": application.convention.reference if application.convention else "",
                "voie_d_acces": application.get_entry_route_display(),
                "motivation": application.motivation,
                "justification_de_la_voie_d_acces": application.entry_justification,
                "motif_du_refus": application.rejection_reason,
                "deposee_le": _when(application.submitted_at),
                "decision_le": _when(application.decided_at),
                "place_proposee_le": _when(application.offered_at),
                "inscrit_le": _when(application.enrolled_at),
                "close_le": _when(application.closed_at),
                "historique": [
                    {
                        "de": change.from_label,
                        "vers": change.to_label,
                        "le": _when(change.changed_at),
                        "motif": change.reason,
                    }
                    for change in application.history.all()
                ],
                "pieces": [
                    _document(archive, f"candidatures/{application.reference}", document)
                    for document in application.documents.all()
                ],
                "attestation": archive.add("attestations", certificate.file, f"attestation-{application.reference}.pdf")
                if certificate is not None
                else None,
            }
        )
    return rows


def _vae_data(user: "User", archive: _Archive) -> list[dict[str, Any]]:
    requests = (
        VaeRequest.objects.filter(applicant=user)
        .select_related("programme")
        .prefetch_related("history", "documents")
        .order_by("submitted_at", "pk")
    )
    return [
        {
            "reference": vae_request.reference,
            "certification_visee": vae_request.programme.title,
            "resume_de_l_experience": vae_request.experience_summary,
            "annees_d_experience": vae_request.years_of_experience,
            "etape": vae_request.get_stage_display(),
            "resultat": vae_request.get_result_display() if vae_request.result else "",
            "motif_ou_observations": vae_request.decision_reason,
            "deposee_le": _when(vae_request.submitted_at),
            "close_le": _when(vae_request.closed_at),
            "historique": [
                {
                    "de": change.from_label,
                    "vers": change.to_label,
                    "le": _when(change.changed_at),
                    "motif": change.reason,
                }
                for change in vae_request.history.all()
            ],
            "pieces": [
                _document(archive, f"vae/{vae_request.reference}", document) for document in vae_request.documents.all()
            ],
        }
        for vae_request in requests
    ]


def _export_data(user: "User", archive: _Archive) -> dict[str, Any]:
    addresses = _addresses(user)
    address_match = Q()
    for address in addresses:
        address_match |= Q(recipient_email__iexact=address)
    sent = Notification.objects.filter(Q(user=user) | address_match).order_by("created_at", "pk")
    memberships = PartnerMember.objects.filter(user=user).select_related("partner").order_by("pk")
    pending = PendingUpload.objects.filter(user=user).select_related("session").order_by("uploaded_at", "pk")
    feeds = CalendarFeed.objects.filter(Q(user=user) | Q(member__user=user)).select_related("member__partner")
    return {
        "produit_le": _when(timezone.now()),
        "compte": {
            "adresse_de_courriel": user.email,
            "adresses": [
                {"adresse": address.email, "verifiee": address.verified, "principale": address.primary}
                for address in EmailAddress.objects.filter(user=user).order_by("pk")
            ],
            "cree_le": _when(user.date_joined),
            "derniere_connexion": _when(user.last_login),
        },
        "profil": _profile_data(user),
        "candidatures": _applications_data(user, archive),
        "demandes_vae": _vae_data(user, archive),
        "pieces_en_attente_d_envoi": [
            {**_document(archive, "en-attente", upload), "session": upload.session.reference} for upload in pending
        ],
        "courriels": [
            {
                "objet": notification.subject,
                "type": notification.kind_label,
                "ecrit_le": _when(notification.created_at),
                "envoye_le": _when(notification.sent_at),
                "etat": notification.get_state_display(),
            }
            for notification in sent
        ],
        "agendas_prives": [_calendar_feed_data(feed) for feed in feeds.order_by("pk")],
        "partenaires": [
            {
                "partenaire": member.partner.name,
                "role": member.get_role_display(),
                "adresse": member.email,
                "nom": member.full_name,
                "fonction": member.job_title,
                "invite_le": _when(member.invited_at),
                "a_rejoint_le": _when(member.joined_at),
                "actif": member.is_active,
            }
            for member in memberships
        ],
    }


def _calendar_feed_data(feed: CalendarFeed) -> dict[str, Any]:
    """A private calendar's address: the person's own sessions, or those of a partner's staff."""
    member = feed.member
    if member is None:
        address, of = reverse("enrollment:calendar_feed", kwargs={"token": feed.token}), _("vos formations")
    else:
        address = reverse("partners:calendar_feed", kwargs={"token": feed.token})
        of = _("les sessions des agents de %(partner)s") % {"partner": member.partner.name}
    return {
        "adresse": settings.SITE_URL + address,
        "sessions": of,
        "cree_le": _when(feed.created_at),
        "renouvele_le": _when(feed.renewed_at),
    }


EXPORT_JSON_NAME = "mes-donnees.json"


def personal_data_export(*, user: "User") -> IO[bytes]:
    """The person's data as one ZIP: ``mes-donnees.json`` and each of their files under ``documents/``.

    Written to a temporary file, the documents copied in chunks, so memory stays bounded
    whatever their number; returned open at its start (closing it removes it).
    """
    handle = tempfile.TemporaryFile(prefix="export-")  # noqa: SIM115 - the response closes it
    try:
        with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
            data = _export_data(user, _Archive(zipped))
            zipped.writestr(EXPORT_JSON_NAME, json.dumps(data, ensure_ascii=False, indent=2, cls=DjangoJSONEncoder))
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle


def export_filename() -> str:
    return f"mes-donnees-cnam-mayotte-{timezone.localdate():%Y-%m-%d}.zip"


# --- Retention ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetentionReport:
    closed_documents: int
    evidence_documents: int
    vae_documents: int
    warned: int
    anonymised: int

    def log_text(self) -> str:
        return (
            f"{self.closed_documents} files of closed applications, {self.evidence_documents} files of "
            f"enrollments past the funders' period, {self.vae_documents} VAE files erased; "
            f"{self.warned} inactive accounts warned, {self.anonymised} anonymised"
        )


def _erase_in_batches(queryset: models.QuerySet) -> int:
    """Delete the rows of ``queryset`` (a document model) batch by batch, their files after each commit."""
    erased = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            # skip_locked: a row another run (or a render) holds is left for the next pass.
            batch = list(
                queryset.filter(pk__gt=last_pk)
                .order_by("pk")
                .select_for_update(skip_locked=True, of=("self",))
                .values_list("pk", "file")[:RETENTION_BATCH]
            )
            if not batch:
                return erased
            queryset.model._default_manager.filter(pk__in=[pk for pk, _name in batch]).delete()
            erased += _erase_after_commit(name for _pk, name in batch)
        last_pk = batch[-1][0]


def closed_documents_erase(*, now: datetime.datetime | None = None) -> int:
    """Files of applications refused, withdrawn, expired or cancelled longer than the closed period ago."""
    now = now or timezone.now()
    cutoff = now - retention_periods().closed_documents
    closed = Q(application__status__in=CLOSED_STATUSES) & Q(application__closed_at__lte=cutoff)
    return _erase_in_batches(ApplicationDocument.objects.filter(closed)) + _erase_in_batches(
        EnrollmentCertificate.objects.filter(closed)
    )


def evidence_erase(*, now: datetime.datetime | None = None) -> int:
    """Files of enrollments whose session ended longer than the funders' period ago."""
    now = now or timezone.now()
    ended_before = years_after(timezone.localdate(now), -retention_periods().evidence_years)
    over = Q(application__status=Status.ENROLLED) & Q(application__session__end_date__lt=ended_before)
    return _erase_in_batches(ApplicationDocument.objects.filter(over)) + _erase_in_batches(
        EnrollmentCertificate.objects.filter(over)
    )


def vae_documents_erase(*, now: datetime.datetime | None = None) -> int:
    """Files of VAE requests found not admissible (closed period) or decided (funders' period) long enough ago."""
    now = now or timezone.now()
    periods = retention_periods()
    evidence_cutoff = years_after(now, -periods.evidence_years)
    over = Q(request__stage=VaeStage.NOT_ADMISSIBLE, request__closed_at__lte=now - periods.closed_documents) | Q(
        request__stage=VaeStage.RESULT, request__closed_at__lte=evidence_cutoff
    )
    return _erase_in_batches(VaeDocument.objects.filter(over))


def _inactive_accounts(now: datetime.datetime) -> models.QuerySet:
    """Applicant accounts without sign-in (or since they were made) for the inactivity period, nothing live."""
    live = Application.objects.filter(applicant=OuterRef("pk"), status__in=LIVE_STATUSES)
    open_vae = VaeRequest.objects.open().filter(applicant=OuterRef("pk"))
    return (
        _users()
        .filter(is_active=True, is_staff=False, is_superuser=False)
        .annotate(activity=Coalesce("last_login", "date_joined"))
        .filter(activity__lte=now - retention_periods().inactive_account)
        .exclude(Exists(live))
        .exclude(Exists(open_vae))
    )


def _warnings_since_activity(**extra: Any) -> models.QuerySet:
    return Notification.objects.filter(
        user=OuterRef("pk"), template=INACTIVITY_TEMPLATE, created_at__gte=OuterRef("activity"), **extra
    )


def inactive_accounts_warn(*, now: datetime.datetime | None = None) -> int:
    """Email each inactive account not yet warned since its last activity; the number of warnings written."""
    now = now or timezone.now()
    periods = retention_periods()
    candidates = _inactive_accounts(now).exclude(email="").exclude(Exists(_warnings_since_activity()))
    context = {
        "inactive_text": days_text(periods.inactive_account.days),
        "notice_text": days_text(periods.inactive_notice.days),
        "login_url": settings.SITE_URL + reverse("account_login"),
    }
    subject = notifications.SUBJECT_PREFIX + _("Votre compte sera anonymisé faute de connexion")
    warned = 0
    last_pk = 0
    while True:
        batch = list(
            candidates.filter(pk__gt=last_pk).order_by("pk").values_list("pk", "email", "activity")[:RETENTION_BATCH]
        )
        if not batch:
            return warned
        with transaction.atomic():
            for pk, email, activity in batch:
                # One warning per inactivity: the key names the activity it follows, so a second
                # run (or two at once) writes nothing more, and a person back then gone again is warned anew.
                created = outbox.notification_create(
                    key=f"{INACTIVITY_TEMPLATE}:{pk}:{activity.timestamp():.0f}",
                    template=INACTIVITY_TEMPLATE,
                    recipient_email=email,
                    user=_users().get(pk=pk),
                    context=context,
                    subject=subject,
                )
                warned += created is not None
        last_pk = batch[-1][0]


def inactive_accounts_anonymise(*, now: datetime.datetime | None = None) -> int:
    """Anonymise the accounts warned longer than the notice period ago and still inactive since."""
    now = now or timezone.now()
    warned_long_ago = _warnings_since_activity(created_at__lte=now - retention_periods().inactive_notice)
    candidates = _inactive_accounts(now).filter(Exists(warned_long_ago))
    inactive_since = now - retention_periods().inactive_account
    anonymised = 0
    last_pk = 0
    while True:
        ids = list(candidates.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:RETENTION_BATCH])
        if not ids:
            return anonymised
        for user_id in ids:
            try:
                done = account_anonymise(user_id=user_id, skip_locked=True, inactive_since=inactive_since)
            except ValidationError:
                continue  # became staff in between: not this run's to remove
            anonymised += bool(done and not done.already)
        last_pk = ids[-1]


def retention_run(*, now: datetime.datetime | None = None) -> RetentionReport:
    """Apply every retention period once; safe to run again, or twice at once."""
    now = now or timezone.now()
    report = RetentionReport(
        closed_documents=closed_documents_erase(now=now),
        evidence_documents=evidence_erase(now=now),
        vae_documents=vae_documents_erase(now=now),
        anonymised=inactive_accounts_anonymise(now=now),
        warned=inactive_accounts_warn(now=now),
    )
    logger.info("Retention: %s.", report.log_text())
    return report
