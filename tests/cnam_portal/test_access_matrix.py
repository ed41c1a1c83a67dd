"""The portal's access matrix: every URL pattern of the URLconf, asked by each of eleven roles.

An attacker tries every address with every kind of account: anonymous, an applicant reaching for
another's application, a partner's référent or lecteur reaching for another partner's convention,
CNAM staff reaching past their role. The table below says, for each pattern (filled with the
objects of applicant A and partner P) and each role, the one answer expected; a page that answers
200 must also show A's and P's data only to the roles allowed to read them. A pattern the table
does not classify fails the test: a new page takes its place in the matrix before it ships.

Which personal fields each staff role reads on the admin pages it reaches is
tests/enrollment/test_admin_privileges.py's table; this one is about reaching the pages.
"""

import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import urlencode, urlsplit

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.contrib.sites.models import Site
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404
from django.utils import timezone
from dsfr.models import DsfrConfig

from attendance.models import (
    AbsenceAlert,
    AttendanceSheet,
    FunderDocument,
    FunderDocumentVersion,
    Participation,
    RenderState,
)
from centre.models import Centre
from cnam_portal.roles import CHARGE_PARTENARIATS, DIRECTION, GESTIONNAIRE
from core.claims import invitation_token_generator
from core.models import Notification
from enrollment.account_links import deletion_token_generator
from enrollment.models import (
    ApplicantProfile,
    Application,
    ApplicationDocument,
    EnrollmentCertificate,
    VaeDocument,
    VaeRequest,
)
from enrollment.services import calendars as calendar_services
from partners.models import Axis, CallForProjects, Convention, ConventionDocument, PartnerMember
from programs.models import Audience, Programme
from tests.factories import (
    ApplicantFactory,
    ApplicationFactory,
    AttendanceFactory,
    ConventionFactory,
    PartnerApplicationFactory,
    PartnerFactory,
    PartnerMemberFactory,
    ProgrammeFactory,
    SeatAllocationFactory,
    SessionFactory,
    SlotFactory,
    StaffUserFactory,
    TrainerFactory,
)
from tests.helpers import PDF_BYTES, change_form_data, messages_of, visible_text

# --- The roles -----------------------------------------------------------------------------------

ANON = "anonymous"
A = "applicant A"
B = "applicant B"
P_REF = "référent of P"
P_LECTEUR = "lecteur of P"
Q_REF = "référent of Q"
G = "Gestionnaire formations"
C = "Chargé de partenariats"
D = "Direction"
NO_ROLE = "staff with no group"
SU = "superuser"

ROLES = (ANON, A, B, P_REF, P_LECTEUR, Q_REF, G, C, D, NO_ROLE, SU)
MEMBERS = (P_REF, P_LECTEUR, Q_REF)
NOT_STAFF = (ANON, A, B, *MEMBERS)
STAFF = (G, C, D, NO_ROLE, SU)
SIGNED_IN = tuple(role for role in ROLES if role != ANON)

# --- The answers ---------------------------------------------------------------------------------

OK = "200"
FORBIDDEN = "403"
NOT_FOUND = "404"
NOT_ALLOWED = "405"


def to(url_name: str) -> str:
    """A redirect to the page of that URL name."""
    return f"→ {url_name}"


# A refusal says why, in French: one of these on the page.
EXPLAINED = {
    FORBIDDEN: (
        "Votre compte ne permet pas d'ouvrir cette page.",
        "L'espace partenaire est réservé aux membres des organisations partenaires",
        "Votre rôle de lecteur permet de consulter l'espace de",
        "sont réservés aux référents de",
        "L'espace formateur est réservé aux formateurs et formatrices du CNAM Mayotte.",
    ),
    NOT_FOUND: ("Page introuvable",),
    NOT_ALLOWED: ("Action impossible depuis ce lien",),
}

LOGIN = to("account_login")
ADMIN_LOGIN = to("admin_login")
STATIC = to("a static file")
# Where django-allauth sends a signed-in person who opens a sign-in or sign-up page.
HOME = {
    **dict.fromkeys(SIGNED_IN, to("enrollment:space")),
    **dict.fromkeys(MEMBERS, to("partners:dashboard")),
}


def everyone(answer: str = OK) -> dict[str, str]:
    return dict.fromkeys(ROLES, answer)


def signed_in(answer: str = OK) -> dict[str, str]:
    """A page of one's own account: anonymous is asked to sign in first."""
    return {ANON: LOGIN, **dict.fromkeys(SIGNED_IN, answer)}


def own_of_a() -> dict[str, str]:
    """An object of applicant A: A reaches it; anyone else signed in finds nothing there (404)."""
    return {**signed_in(NOT_FOUND), A: OK}


def partner_space(*, p_ref: str, p_lecteur: str, q_ref: str) -> dict[str, str]:
    """The partner space: its members' answers as given; anyone else signed in is refused (403)."""
    return {**signed_in(FORBIDDEN), P_REF: p_ref, P_LECTEUR: p_lecteur, Q_REF: q_ref}


def admin_only(allowed, *, ok: str = OK, others: str = FORBIDDEN) -> dict[str, str]:
    """An admin page: staff in ``allowed`` get ``ok``, other staff ``others``, the rest the admin's sign-in."""
    return {**dict.fromkeys(NOT_STAFF, ADMIN_LOGIN), **dict.fromkeys(STAFF, others), **dict.fromkeys(allowed, ok)}


# --- What each role may read on a page it reaches -----------------------------------------------

A_FIRST_NAME, A_LAST_NAME = "Anzizati", "Soilihi"
A_EMAIL = "anzizati.soilihi@example.yt"
A_FRANCE_TRAVAIL_ID = "4815162Z"
P_STAFF_FIRST_NAME = "Mahamoudou"
P_STAFF_EMAIL = "mahamoudou.agent@tsingoni.yt"
P_CONVENTION = "CONV-2026-4242"


@dataclass(frozen=True)
class Secret:
    what: str
    markers: tuple[str, ...]
    readers: frozenset[str]


A_IDENTITY = Secret("A's name and email", (A_FIRST_NAME, A_LAST_NAME, A_EMAIL), frozenset({A, G, C, D, SU}))
A_FRANCE_TRAVAIL = Secret("A's France Travail id", (A_FRANCE_TRAVAIL_ID,), frozenset({A, G, D, SU}))
P_STAFF = Secret("P's staff", (P_STAFF_FIRST_NAME, P_STAFF_EMAIL), frozenset({P_REF, P_LECTEUR, G, C, D, SU}))
P_CONVENTION_REFERENCE = Secret("P's convention", (P_CONVENTION,), frozenset({P_REF, P_LECTEUR, G, C, D, SU}))
SECRETS = (A_IDENTITY, A_FRANCE_TRAVAIL, P_STAFF, P_CONVENTION_REFERENCE)


# --- The table: every pattern of the URLconf -----------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One address to try: a pattern (its URL name, or its route when it has none) and what fills it.

    ``params`` and ``query`` name the scene's values (``enrolled.pk``) or a ``'literal'``.
    ``link_holders_see``: what the address itself hands over, to whoever holds it (a token link).
    ``signs_out``: the page signs out whoever opens it (the role signs in again for the next row).
    ``shadowed_by``: the portal's own view that answers at this pattern's address instead.
    """

    pattern: str
    expected: dict[str, str]
    params: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    link_holders_see: tuple[Secret, ...] = ()
    signs_out: bool = False
    shadowed_by: str = ""


SESSION_PAGE = {"content_type_id": "session_type.pk", "object_id": "enrolled.session_id"}

PAGES = [
    # The public site.
    Row("home", everyone()),
    Row("healthz", everyone()),
    Row("healthz_ready", everyone()),
    Row("healthz_live", everyone()),
    Row("favicon", everyone(STATIC)),
    Row("robots_txt", everyone()),
    Row("sitemap", everyone()),
    Row("programs:catalogue", everyone()),
    Row("programs:detail", everyone(), {"slug": "programme.slug"}),
    # A public session's calendar file; a session kept for a partner's staff has none.
    Row("programs:session_calendar", everyone(), {"pk": "open_session.pk"}),
    Row("programs:session_calendar", everyone(NOT_FOUND), {"pk": "reserved_session.pk"}),
    Row("programs:lheo", everyone()),
    Row("centre:contact", everyone()),
    Row("centre:legal_notice", everyone()),
    Row("centre:privacy", everyone()),
    Row("centre:accessibility", everyone()),
    # The applicant's space: one's own pages, and A's objects, which nobody else reaches.
    Row("enrollment:space", signed_in()),
    Row("enrollment:profile", signed_in()),
    Row("enrollment:personal_data", signed_in()),
    Row("enrollment:personal_data_export", signed_in()),
    # A's deletion link works for A only, signed in: anyone else is sent back to their own page.
    Row(
        "enrollment:account_delete_confirm",
        {**signed_in(to("enrollment:personal_data")), A: OK},
        {"token": "a_deletion_token"},
    ),
    # Applying needs a complete profile: accounts without one are sent to fill it in first.
    Row(
        "enrollment:apply",
        {**signed_in(to("enrollment:profile")), A: OK, B: OK},
        {"session_pk": "open_session.pk"},
    ),
    # The session kept for P's staff does not exist for the public.
    Row("enrollment:apply", signed_in(NOT_FOUND), {"session_pk": "reserved_session.pk"}),
    Row("enrollment:vae_request", {**signed_in(to("enrollment:profile")), A: OK, B: OK}, {"slug": "programme.slug"}),
    Row("enrollment:vae_detail", own_of_a(), {"reference": "vae_request.reference"}),
    Row("enrollment:vae_document", own_of_a(), {"reference": "vae_request.reference", "pk": "vae_document.pk"}),
    Row("enrollment:detail", own_of_a(), {"reference": "enrolled.reference"}),
    Row("enrollment:withdraw", own_of_a(), {"reference": "offered.reference"}),
    # Accepting is a POST only: the answer to a GET says nothing of the application.
    Row("enrollment:offer_answer", signed_in(NOT_ALLOWED), {"reference": "offered.reference"}),
    Row("enrollment:offer_decline", own_of_a(), {"reference": "offered.reference"}),
    Row("enrollment:document", own_of_a(), {"reference": "enrolled.reference", "pk": "document.pk"}),
    Row("enrollment:certificate", own_of_a(), {"reference": "enrolled.reference"}),
    # The course's follow-up: one's own enrollments; A's documents and statements, which nobody else reaches.
    Row("attendance_followup:space", signed_in()),
    Row("attendance_followup:document", own_of_a(), {"pk": "funder_document.pk"}),
    Row(
        "attendance_followup:statement",
        own_of_a(),
        {
            "reference": "enrolled.reference",
            "year": "funder_statement.month.year",
            "month": "funder_statement.month.month",
        },
    ),
    # The private calendars: the address is the key (calendar applications do not sign in), and
    # it shows sessions only, never a name. Each space's address opens its own kind of feed only.
    Row("enrollment:calendar_feed", everyone(), {"token": "a_calendar_token"}),
    Row("enrollment:calendar_feed", everyone(NOT_FOUND), {"token": "p_calendar_token"}),
    Row("enrollment:calendar_feed_renew", signed_in(NOT_ALLOWED)),
    Row("partners:calendar_feed", everyone(), {"token": "p_calendar_token"}),
    Row("partners:calendar_feed", everyone(NOT_FOUND), {"token": "a_calendar_token"}),
    Row("partners:calendar_feed_renew", everyone(NOT_ALLOWED)),
    # The partner space: P's members read P's conventions; Q's référent finds nothing of P's.
    Row("partners:dashboard", partner_space(p_ref=OK, p_lecteur=OK, q_ref=OK)),
    Row(
        "partners:dashboard",
        partner_space(p_ref=to("partners:dashboard"), p_lecteur=to("partners:dashboard"), q_ref=NOT_FOUND),
        query={"partenaire": "p.pk"},
    ),
    Row(
        "partners:convention",
        partner_space(p_ref=OK, p_lecteur=OK, q_ref=NOT_FOUND),
        {"reference": "convention.reference"},
    ),
    Row(
        "partners:convention_pdf",
        partner_space(p_ref=OK, p_lecteur=OK, q_ref=NOT_FOUND),
        {"reference": "convention.reference"},
    ),
    # The course's follow-up of P's staff: its figures and exports for P's members, the funders'
    # documents for P's référents only.
    *(
        Row(name, partner_space(p_ref=OK, p_lecteur=OK, q_ref=NOT_FOUND), {"reference": "convention.reference"})
        for name in (
            "partners:convention_followup",
            "partners:convention_followup_csv",
            "partners:convention_followup_xlsx",
        )
    ),
    Row(
        "partners:followup_document",
        partner_space(p_ref=OK, p_lecteur=FORBIDDEN, q_ref=NOT_FOUND),
        {"pk": "followup_document.pk"},
    ),
    Row("partners:enroll", partner_space(p_ref=OK, p_lecteur=FORBIDDEN, q_ref=OK)),
    Row("partners:import", partner_space(p_ref=OK, p_lecteur=FORBIDDEN, q_ref=OK)),
    # No file is pending: a référent is sent to upload one.
    Row(
        "partners:import_preview",
        partner_space(p_ref=to("partners:import"), p_lecteur=FORBIDDEN, q_ref=to("partners:import")),
    ),
    Row("partners:import_template", partner_space(p_ref=OK, p_lecteur=OK, q_ref=OK)),
    # The link is the credential: whoever holds it chooses the password (signed out first).
    Row(
        "partners:claim",
        everyone(),
        {"uidb36": "staff_uidb36", "token": "staff_claim_token"},
        link_holders_see=(P_STAFF,),
        signs_out=True,
    ),
    # The trainer's space: none of these roles is a trainer (tests/attendance/test_trainer_space.py
    # has the trainers, and a trainer of another session, who finds nothing: 404).
    Row("attendance:trainer_home", signed_in(FORBIDDEN)),
    Row("attendance:trainer_sheet_open", signed_in(FORBIDDEN), {"slot_pk": "slot.pk"}),
    Row("attendance:trainer_sheet", signed_in(FORBIDDEN), {"pk": "sheet.pk"}),
    Row("attendance:trainer_sheet_live", signed_in(FORBIDDEN), {"pk": "sheet.pk"}),
    Row("attendance:trainer_mark", signed_in(FORBIDDEN), {"pk": "sheet.pk", "application_pk": "enrolled.pk"}),
    Row("attendance:trainer_excuse", signed_in(FORBIDDEN), {"pk": "sheet.pk", "application_pk": "enrolled.pk"}),
    Row("attendance:trainer_close", signed_in(FORBIDDEN), {"pk": "sheet.pk"}),
    # Signing: one's own page; a QR code's address that is no token says so (400), naming no one.
    Row("attendance:sign", signed_in()),
    Row("attendance:sign_token", signed_in("400"), {"token": "'pas-un-jeton'"}),
    # django-allauth's pages.
    Row("account_login", {ANON: OK, **HOME}),
    Row("account_logout", {**signed_in(), ANON: to("home")}),
    Row("account_inactive", everyone()),
    Row("account_signup", {ANON: OK, **HOME}),
    Row("account_reauthenticate", signed_in()),
    Row("account_email", signed_in()),
    Row("account_email_verification_sent", everyone()),
    Row("account_change_password", signed_in()),
    Row("account_set_password", signed_in(to("account_change_password"))),
    Row("account_reset_password", everyone()),
    Row("account_confirm_login_code", {ANON: LOGIN, **HOME}),
    Row("account_confirm_email", everyone(), {"key": "a_confirmation_key"}, link_holders_see=(A_IDENTITY,)),
    Row("account_reset_password_from_key_done", everyone()),
    # The reset link is a credential too; A signing in again voided A's own (its token holds the
    # last sign-in), so A reads the page that says so.
    Row(
        "account_reset_password_from_key",
        {**everyone(to("account_reset_password_from_key")), A: OK},
        {"uidb36": "a_uidb36", "key": "a_reset_key"},
    ),
    Row("account_reset_password_done", everyone()),
    # The back office's own pages.
    Row("admin_login", {**everyone(), **dict.fromkeys(STAFF, to("admin:index"))}),
    Row("admin:login", {}, shadowed_by="admin_login"),
    Row("admin_view_on_site", admin_only({G, C, D, SU}, ok=to("programs:detail")), SESSION_PAGE),
    Row("admin:view_on_site", {}, SESSION_PAGE, shadowed_by="admin_view_on_site"),
    Row("admin_report", admin_only({G, C, D, SU})),
    Row("admin:index", admin_only(STAFF)),
    # A POST only; signed-out visitors are sent to the admin's index, which asks them to sign in.
    Row("admin:logout", admin_only(STAFF, ok=NOT_ALLOWED) | dict.fromkeys(NOT_STAFF, to("admin:index"))),
    Row("admin:password_change", admin_only(STAFF)),
    Row("admin:password_change_done", admin_only(STAFF)),
    Row("admin:jsi18n", admin_only(STAFF)),
    Row("admin:auth_user_password_change", admin_only({SU}), {"id": "a.pk"}),
    # The conventions the call for projects form looks up, then applicants' accounts, which no role reads.
    Row(
        "admin:autocomplete",
        admin_only({G, C, D, SU}),
        query={"app_label": "'partners'", "model_name": "'callforprojects'", "field_name": "'convention'"},
    ),
    Row(
        "admin:autocomplete",
        admin_only({SU}),
        query={"app_label": "'enrollment'", "model_name": "'application'", "field_name": "'applicant'", "term": "'a'"},
    ),
    *(
        Row("admin:app_list", admin_only(readers, others=NOT_FOUND), {"app_label": f"'{app_label}'"})
        for app_label, readers in {
            "auth": {SU},
            "sites": {SU},
            "account": {SU},
            "dsfr": {SU},
            "programs": {G, C, D, SU},
            "partners": {G, C, D, SU},
            "enrollment": {G, C, D, SU},
            "core": {G, D, SU},
            "centre": {G, D, SU},
            "attendance": {G, D, SU},
        }.items()
    ),
    Row("admin/(?P<url>.*)$", admin_only(STAFF, ok=NOT_FOUND), {"url": "'nulle-part/'"}),
    # Downloads and decisions the model admins add.
    Row(
        "admin:partners_conventiondocument_download", admin_only({C, D, SU}), {"document_id": "convention_document.pk"}
    ),
    # A decision that asks for a reason first shows its form.
    Row(
        "admin:enrollment_application_decision",
        admin_only({G, SU}),
        {"object_id": "enrolled.pk", "decision": "'cancel'"},
    ),
    Row(
        "admin:enrollment_application_document",
        admin_only({G, D, SU}),
        {"owner_id": "enrolled.pk", "document_id": "document.pk"},
    ),
    Row("admin:enrollment_application_export", admin_only({G, C, D, SU})),
    Row(
        "admin:enrollment_enrollmentcertificate_download",
        admin_only({G, D, SU}),
        {"certificate_id": "certificate.pk"},
    ),
    Row("admin:attendance_attendancesheet_download", admin_only({G, D, SU}), {"sheet_id": "sheet.pk"}),
    # Correcting a closed sheet needs attendance.change_attendance.
    Row("admin:attendance_attendancesheet_correct", admin_only({G, SU}), {"sheet_id": "sheet.pk"}),
    Row(
        "admin:enrollment_vaerequest_document",
        admin_only({G, D, SU}),
        {"owner_id": "vae_request.pk", "document_id": "vae_document.pk"},
    ),
    # A course day moves or is cancelled through a form asking the reason; a session's days are generated.
    Row("admin:attendance_slot_move", admin_only({G, SU}), {"object_id": "slot.pk"}),
    Row("admin:attendance_slot_cancel", admin_only({G, SU}), {"object_id": "slot.pk"}),
    Row("admin:programs_session_generate_slots", admin_only({G, SU}), {"object_id": "enrolled.session.pk"}),
    # The course's follow-up: funders' documents (and their earlier versions), exits and entries by staff.
    Row("admin:attendance_funderdocument_download", admin_only({G, D, SU}), {"document_id": "funder_document.pk"}),
    Row(
        "admin:attendance_funderdocument_version_download",
        admin_only({G, D, SU}),
        {"document_id": "funder_document.pk", "version_id": "funder_version.pk"},
    ),
    Row("admin:attendance_participation_exit", admin_only({G, SU}), {"object_id": "participation.pk"}),
    Row("admin:attendance_participation_enter", admin_only({G, SU})),
]


@dataclass(frozen=True)
class AdminModel:
    """A model of the admin: its object of A or P in the scene, and which staff may view, add, change, delete it.

    An ``add`` or ``delete`` refused to every account (the superuser too) is a row only the
    services write, or one that must never be lost.
    """

    obj: str
    view: set[str]
    add: set[str]
    change: set[str]
    delete: set[str]
    changelist: str = OK


NOBODY: set[str] = set()
SUPERUSER_ONLY = {SU}
CATALOGUE_READERS = {G, C, D, SU}

ADMIN_MODELS = {
    "auth.group": AdminModel("group", SUPERUSER_ONLY, SUPERUSER_ONLY, SUPERUSER_ONLY, SUPERUSER_ONLY),
    "auth.user": AdminModel("a", SUPERUSER_ONLY, SUPERUSER_ONLY, SUPERUSER_ONLY, SUPERUSER_ONLY),
    "sites.site": AdminModel("site", SUPERUSER_ONLY, SUPERUSER_ONLY, SUPERUSER_ONLY, SUPERUSER_ONLY),
    "account.emailaddress": AdminModel("a_email", SUPERUSER_ONLY, SUPERUSER_ONLY, SUPERUSER_ONLY, SUPERUSER_ONLY),
    "dsfr.dsfrconfig": AdminModel("dsfr_config", SUPERUSER_ONLY, SUPERUSER_ONLY, SUPERUSER_ONLY, SUPERUSER_ONLY),
    "programs.domain": AdminModel("programme.domain", CATALOGUE_READERS, {G, SU}, {G, SU}, {G, SU}),
    "programs.audience": AdminModel("audience", CATALOGUE_READERS, {G, SU}, {G, SU}, {G, SU}),
    "programs.programme": AdminModel("programme", CATALOGUE_READERS, {G, SU}, {G, SU}, {G, SU}),
    "programs.site": AdminModel("enrolled.session.site", CATALOGUE_READERS, {G, SU}, {G, SU}, {G, SU}),
    "programs.session": AdminModel("enrolled.session", CATALOGUE_READERS, {G, SU}, {G, SU}, {G, SU}),
    "partners.partner": AdminModel("p", {G, C, D, SU}, {C, SU}, {C, SU}, {C, SU}),
    "partners.partnermember": AdminModel("p_lecteur_member", {C, D, SU}, {C, SU}, {C, SU}, {C, SU}),
    "partners.axis": AdminModel("axis", {C, D, SU}, SUPERUSER_ONLY, SUPERUSER_ONLY, SUPERUSER_ONLY),
    "partners.convention": AdminModel("convention", {G, C, D, SU}, {C, SU}, {C, SU}, {C, SU}),
    "partners.seatallocation": AdminModel("allocation", {G, C, D, SU}, {C, SU}, {C, SU}, {C, SU}),
    "partners.conventiondocument": AdminModel("convention_document", {C, D, SU}, NOBODY, {C, SU}, SUPERUSER_ONLY),
    "partners.callforprojects": AdminModel("call_for_projects", {C, D, SU}, {C, SU}, {C, SU}, {C, SU}),
    "enrollment.applicantprofile": AdminModel("a_profile", {G, D, SU}, SUPERUSER_ONLY, {G, SU}, SUPERUSER_ONLY),
    "enrollment.application": AdminModel("enrolled", {G, C, D, SU}, NOBODY, {G, SU}, SUPERUSER_ONLY),
    "core.notification": AdminModel("notification", {G, D, SU}, NOBODY, {G, SU}, SUPERUSER_ONLY),
    "enrollment.enrollmentcertificate": AdminModel("certificate", {G, D, SU}, NOBODY, SUPERUSER_ONLY, SUPERUSER_ONLY),
    "enrollment.vaerequest": AdminModel("vae_request", {G, D, SU}, NOBODY, {G, SU}, NOBODY),
    # Sheets are opened by trainers and never deleted: the proof funders pay on.
    "attendance.attendancesheet": AdminModel("sheet", {G, D, SU}, NOBODY, {G, SU}, NOBODY),
    # The course's follow-up: only the services write these rows (staff through their forms and actions).
    "attendance.participation": AdminModel("participation", {G, D, SU}, NOBODY, {G, SU}, NOBODY),
    "attendance.absencealert": AdminModel("absence_alert", {G, D, SU}, NOBODY, {G, SU}, NOBODY),
    "attendance.funderdocument": AdminModel("funder_document", {G, D, SU}, NOBODY, {G, SU}, NOBODY),
    # The one record: its list is its form.
    "centre.centre": AdminModel("centre", {G, D, SU}, NOBODY, {G, SU}, NOBODY, to("admin:centre_centre_change")),
    # A course day is cancelled with a reason the people enrolled read, never deleted.
    "attendance.slot": AdminModel("slot", {G, D, SU}, {G, SU}, {G, SU}, NOBODY),
    "attendance.trainer": AdminModel("trainer", {G, D, SU}, {G, SU}, {G, SU}, {G, SU}),
}


def admin_model_rows() -> list[Row]:
    rows = []
    for label, model in ADMIN_MODELS.items():
        app_label, model_name = label.split(".")
        prefix = f"admin:{app_label}_{model_name}"
        object_id = {"object_id": f"{model.obj}.pk"}
        readers = model.view | model.change
        rows += [
            Row(f"{prefix}_changelist", admin_only(readers, ok=model.changelist)),
            Row(f"{prefix}_add", admin_only(model.add)),
            Row(f"{prefix}_history", admin_only(readers), object_id),
            Row(f"{prefix}_delete", admin_only(model.delete), object_id),
            Row(f"{prefix}_change", admin_only(readers), object_id),
            # An object's short address leads to its change page, which checks the rights.
            Row(
                f"admin/{app_label}/{model_name}/<path:object_id>/",
                admin_only(STAFF, ok=to(f"{prefix}_change")),
                object_id,
            ),
        ]
    return rows


ROWS = PAGES + admin_model_rows()


# --- The URLconf, walked -------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    route: str
    named: bool


def _join(route: str, below: str) -> str:
    # As Django joins the routes of a match (URLResolver._join_route).
    return below if not route else route + below.removeprefix("^")


def url_patterns() -> dict[str, Pattern]:
    """Every pattern of the root URLconf, the includes and the admin's own URLs too.

    Keyed by the pattern's URL name with its namespace, or by its route when it has no name.
    """
    found: dict[str, Pattern] = {}

    def walk(patterns, prefix: str, namespace: str) -> None:
        for entry in patterns:
            route = _join(prefix, str(entry.pattern))
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route, f"{namespace}{entry.namespace}:" if entry.namespace else namespace)
            else:
                assert isinstance(entry, URLPattern)
                found[f"{namespace}{entry.name}" if entry.name else route] = Pattern(route, bool(entry.name))

    walk(get_resolver().url_patterns, "", "")
    return found


PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def fill(route: str, values: dict) -> str:
    """The address of ``route``, its parameters (path converters or regex groups) replaced by ``values``."""
    path = PARAMETER.sub(lambda match: str(values[match.group(1) or match.group(2)]), route)
    return "/" + path.replace("^", "").replace("$", "")


# --- The scene: A, B, P, Q and the staff, built once for the module ------------------------------


def _pdf(name: str) -> ContentFile:
    return ContentFile(PDF_BYTES, name=name)


def _document(model, **fields):
    return model.objects.create(
        file=_pdf("piece.pdf"), content_type="application/pdf", size=len(PDF_BYTES), sha256="0" * 64, **fields
    )


def _build_scene() -> SimpleNamespace:
    s = SimpleNamespace()
    s.programme = ProgrammeFactory(vae_available=True)
    s.open_session = SessionFactory(programme=s.programme)

    # Applicant A: an enrollment (a document, a certificate), a seat offered, a VAE request, an email.
    s.a = ApplicantFactory(
        username="anzizati",
        email=A_EMAIL,
        profile__first_name=A_FIRST_NAME,
        profile__last_name=A_LAST_NAME,
        profile__france_travail_id=A_FRANCE_TRAVAIL_ID,
    )
    s.a_profile = ApplicantProfile.objects.get(user=s.a)
    s.a_email = EmailAddress.objects.get(user=s.a)
    s.enrolled = ApplicationFactory(applicant=s.a, session__programme=s.programme, enrolled=True)
    s.offered = ApplicationFactory(applicant=s.a, session__programme=s.programme, offered=True)
    s.document = _document(
        ApplicationDocument, application=s.enrolled, kind=ApplicationDocument.Kind.CV, original_name="cv.pdf"
    )
    s.certificate = EnrollmentCertificate.objects.create(
        application=s.enrolled, state=EnrollmentCertificate.State.READY, file=_pdf("attestation.pdf")
    )
    s.vae_request = VaeRequest.objects.create(
        reference="VAE-2026-424242",
        applicant=s.a,
        programme=s.programme,
        experience_summary="Dix ans d'accueil du public en mairie.",
        years_of_experience=10,
    )
    s.vae_document = _document(VaeDocument, request=s.vae_request, kind=VaeDocument.Kind.CV, original_name="cv.pdf")
    s.notification = Notification.objects.create(
        idempotency_key="matrix-a-received",
        template="application_received",
        recipient_email=A_EMAIL,
        user=s.a,
        application=s.enrolled,
        subject="[CNAM Mayotte] Candidature bien reçue",
        state=Notification.State.SENT,
        sent_at=timezone.now(),
    )

    # Applicant B, with an application of their own.
    s.b = ApplicantFactory(username="applicant-b")
    ApplicationFactory(applicant=s.b, session=s.enrolled.session)

    # Partner P: a signed convention with its PDF, seats in a session kept for its staff, one agent
    # enrolled, a référent, a lecteur and a call for projects; partner Q: its own référent and seats.
    s.p = PartnerFactory(name="Commune de Tsingoni")
    s.convention = ConventionFactory(partner=s.p, reference=P_CONVENTION)
    s.reserved_session = SessionFactory(programme=s.programme, reserved_for=s.p)
    s.allocation = SeatAllocationFactory(convention=s.convention, session=s.reserved_session, seats=4)
    s.staff = PartnerApplicationFactory(allocation=s.allocation, email=P_STAFF_EMAIL)
    ApplicantProfile.objects.filter(user=s.staff.applicant).update(first_name=P_STAFF_FIRST_NAME)
    s.convention_document = ConventionDocument(convention=s.convention, version=1, state=ConventionDocument.State.READY)
    s.convention_document.file.save("convention.pdf", ContentFile(PDF_BYTES), save=False)
    s.convention_document.save()
    s.followup_document = FunderDocument(
        application=s.staff, kind=FunderDocument.Kind.ENTRY, render_state=RenderState.READY, version=1
    )
    s.followup_document.file.save("attestation-entree.pdf", ContentFile(PDF_BYTES), save=False)
    s.followup_document.save()
    s.call_for_projects = CallForProjects.objects.create(
        title="Appel à projets du Département",
        funder=CallForProjects.Funder.values[0],
        deadline=datetime.date(2027, 3, 31),
        convention=s.convention,
    )
    s.call_for_projects.partners.add(s.p)
    s.p_ref = PartnerMemberFactory(partner=s.p).user
    s.p_lecteur_member = PartnerMemberFactory(partner=s.p, viewer=True)
    s.q = PartnerFactory(name="Rectorat de Mayotte")
    SeatAllocationFactory(partner=s.q, seats=2)
    s.q_ref = PartnerMemberFactory(partner=s.q).user

    # A course day of A's session, and a trainer of the open session.
    s.slot = SlotFactory(session=s.enrolled.session)
    s.trainer = TrainerFactory(sessions=[s.open_session])
    # A's next course day, its closed sheet (with its PDF) and A's line on it (a slot with a sheet
    # is no longer moved nor cancelled: the first one stays free for those pages).
    s.sheet = AttendanceSheet(
        slot=SlotFactory(session=s.enrolled.session, date=s.enrolled.session.start_date + datetime.timedelta(days=2)),
        opened_by=s.b,
        state=AttendanceSheet.State.CLOSED,
        closed_at=timezone.now(),
        countersigned_by=s.b,
        render_state=RenderState.READY,
    )
    s.sheet.file.save("emargement.pdf", ContentFile(PDF_BYTES), save=False)
    s.sheet.save()
    AttendanceFactory(sheet=s.sheet, application=s.enrolled)
    # A's course: started, with a document, an earlier version of it, a month's statement and an alert.
    s.participation = Participation.objects.create(application=s.enrolled, entered_on=s.enrolled.session.start_date)
    s.funder_document = FunderDocument(
        application=s.enrolled, kind=FunderDocument.Kind.ENTRY, render_state=RenderState.READY, version=2
    )
    s.funder_document.file.save("attestation-entree.pdf", ContentFile(PDF_BYTES), save=False)
    s.funder_document.save()
    s.funder_version = FunderDocumentVersion.objects.create(
        document=s.funder_document,
        version=1,
        file=_pdf("attestation-entree-v1.pdf"),
        data_hash="0" * 64,
        generated_at=timezone.now(),
    )
    s.funder_statement = FunderDocument(
        application=s.enrolled,
        kind=FunderDocument.Kind.MONTHLY,
        month=s.enrolled.session.start_date.replace(day=1),
        render_state=RenderState.READY,
        version=1,
    )
    s.funder_statement.file.save("etat-presence.pdf", ContentFile(PDF_BYTES), save=False)
    s.funder_statement.save()
    s.absence_alert = AbsenceAlert.objects.create(application=s.enrolled, slot=s.slot)

    # Rows the data migrations and the apps make.
    s.group = Group.objects.get(name=GESTIONNAIRE)
    s.site = Site.objects.get_current()
    s.dsfr_config = DsfrConfig.objects.first() or DsfrConfig.objects.create()
    s.audience = Audience.objects.first()
    s.axis = Axis.objects.first()
    s.centre = Centre.objects.first()
    s.session_type = ContentType.objects.get_for_model(s.enrolled.session)

    # The links sent by email, made as the portal and django-allauth make them.
    s.a_deletion_token = deletion_token_generator.make_token(s.a)
    s.a_confirmation_key = EmailConfirmationHMAC(s.a_email).key
    s.a_uidb36 = user_pk_to_url_str(s.a)
    s.a_reset_key = default_token_generator.make_token(s.a)
    s.staff_uidb36 = user_pk_to_url_str(s.staff.applicant)
    s.staff_claim_token = invitation_token_generator.make_token(s.staff.applicant)
    s.a_calendar_token = calendar_services.calendar_feed_get(user=s.a).token
    s.p_calendar_token = calendar_services.calendar_feed_get(
        member=PartnerMember.objects.get(partner=s.p, user=s.p_ref)
    ).token

    s.accounts = {
        ANON: None,
        A: s.a,
        B: s.b,
        P_REF: s.p_ref,
        P_LECTEUR: s.p_lecteur_member.user,
        Q_REF: s.q_ref,
        G: StaffUserFactory(username="gestionnaire", role=GESTIONNAIRE),
        C: StaffUserFactory(username="charge-partenariats", role=CHARGE_PARTENARIATS),
        D: StaffUserFactory(username="direction", role=DIRECTION),
        NO_ROLE: StaffUserFactory(username="sans-role", plain=True),
        SU: StaffUserFactory(username="superuser"),
    }
    return s


@pytest.fixture(scope="module")
def _scene_for_module(django_db_setup, django_db_blocker):
    """The scene built once for the module, in a transaction rolled back after its last test.

    Each test still runs in its own savepoint (pytest-django's ``db``): what one request writes
    (a session, a member's first visit) is gone for the next test.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            scene = _build_scene()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield scene
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def scene(_scene_for_module, db):
    return _scene_for_module


def value_of(scene, expression: str):
    """A ``'literal'``, or a dotted path through the scene (``enrolled.session.pk``)."""
    if expression.startswith("'"):
        return expression.strip("'")
    value = scene
    for name in expression.split("."):
        value = getattr(value, name)
    return value


def address_of(row: Row, scene, patterns: dict[str, Pattern]) -> str:
    path = fill(patterns[row.pattern].route, {name: value_of(scene, expr) for name, expr in row.params.items()})
    query = urlencode({name: value_of(scene, expr) for name, expr in row.query.items()})
    return f"{path}?{query}" if query else path


# --- Asking --------------------------------------------------------------------------------------


def answer_of(response) -> str:
    if response.status_code in (301, 302):
        path = urlsplit(response["Location"]).path
        if path.startswith("/static/"):
            return STATIC
        try:
            return to(resolve(path).view_name)
        except Resolver404:
            return f"→ {path}"
    return str(response.status_code)


def body_of(response) -> str:
    """What the response hands over, as text: a page, a file, or each file of a ZIP archive."""
    # The test client closes a streamed response once it is read, as a WSGI server does.
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            content = b"\n".join(archive.read(name) for name in archive.namelist())
    return content.decode("utf-8", errors="replace")


def secrets_shown(text: str) -> set[Secret]:
    return {secret for secret in SECRETS if any(marker in text for marker in secret.markers)}


def client_for(scene, role: str) -> Client:
    client = Client()
    if scene.accounts[role] is not None:
        client.force_login(scene.accounts[role])
    return client


# --- The matrix ----------------------------------------------------------------------------------


def test_every_pattern_of_the_urlconf_is_in_the_table():
    # A new page fails here until a row says who may open it.
    patterns = url_patterns()
    classified = {row.pattern for row in ROWS}
    assert sorted(set(patterns) - classified) == []
    assert sorted(classified - set(patterns)) == []
    assert len(patterns) > 200
    for row in ROWS:
        assert set(row.expected) == (set() if row.shadowed_by else set(ROLES)), row.pattern


def test_each_address_reaches_the_pattern_of_its_row(scene):
    patterns = url_patterns()
    for row in ROWS:
        url = address_of(row, scene, patterns)
        match = resolve(urlsplit(url).path)
        if row.shadowed_by:
            assert match.view_name == row.shadowed_by, (row.pattern, url)
        elif patterns[row.pattern].named:
            assert match.view_name == row.pattern, (row.pattern, url, match.view_name)
        else:
            assert (match.url_name, match.route) == (None, row.pattern), (row.pattern, url)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_expected_answer_from_every_address(scene, role):
    patterns = url_patterns()
    client = client_for(scene, role)
    wrong, unexplained, leaks, seen = [], [], [], set()
    for row in ROWS:
        if row.shadowed_by:
            continue
        url = address_of(row, scene, patterns)
        response = client.get(url)
        got, expected = answer_of(response), row.expected[role]
        if got != expected:
            wrong.append(f"{url} ({row.pattern}): expected {expected}, got {got}")
        if got in EXPLAINED and not any(text in visible_text(response) for text in EXPLAINED[got]):
            unexplained.append(f"{url} ({row.pattern}): {got} without a French explanation")
        if response.status_code == 200:
            for secret in secrets_shown(body_of(response)):
                if role in secret.readers:
                    seen.add(secret)
                elif secret not in row.link_holders_see:
                    leaks.append(f"{url} ({row.pattern}) shows {secret.what}")
        if row.signs_out and scene.accounts[role] is not None:
            client.force_login(scene.accounts[role])
    assert not wrong, f"{role}: {len(wrong)} unexpected answers:\n" + "\n".join(wrong)
    assert not unexplained, f"{role}: {len(unexplained)} refusals say nothing:\n" + "\n".join(unexplained)
    assert not leaks, f"{role}: {len(leaks)} pages show what this role may not read:\n" + "\n".join(leaks)
    # And the markers are real: each role reads, somewhere, all that it may read.
    assert {secret.what for secret in SECRETS if role in secret.readers} == {secret.what for secret in seen}


# --- Forms that change something, posted by a role that must not --------------------------------

NOT_FOUND_TEXT = "Page introuvable"
FORBIDDEN_TEXT = "Votre compte ne permet pas d'ouvrir cette page."


@pytest.mark.parametrize(
    ("url_name", "data"),
    [
        ("enrollment:withdraw", {"confirm": "on", "reason": "Je retire sa candidature."}),
        ("enrollment:offer_answer", {"answer": "accepter"}),
        ("enrollment:offer_decline", {"confirm": "oui"}),
    ],
)
def test_applicant_b_cannot_withdraw_accept_or_decline_an_application_of_a(scene, url_name, data):
    client = client_for(scene, B)

    response = client.post(reverse(url_name, args=[scene.offered.reference]), data)

    assert response.status_code == 404
    assert NOT_FOUND_TEXT in visible_text(response)
    scene.offered.refresh_from_db()
    assert scene.offered.status == Application.Status.OFFERED


def _staff_enrollment(scene) -> dict:
    return {
        "first_name": "Intrus",
        "last_name": "Madi",
        "email": "intrus.madi@example.yt",
        "allocation": scene.allocation.pk,
    }


def test_q_referent_cannot_enroll_anyone_on_p_seats(scene):
    client = client_for(scene, Q_REF)

    response = client.post(reverse("partners:enroll"), _staff_enrollment(scene))

    assert response.status_code == 400
    assert "Choisissez une session parmi les places réservées à votre organisation." in visible_text(response)
    assert not Application.objects.filter(applicant__email="intrus.madi@example.yt").exists()


def test_p_lecteur_cannot_enroll_anyone(scene):
    client = client_for(scene, P_LECTEUR)

    response = client.post(reverse("partners:enroll"), _staff_enrollment(scene))

    assert response.status_code == 403
    assert "Votre rôle de lecteur permet de consulter l'espace de Commune de Tsingoni" in visible_text(response)
    assert not Application.objects.filter(applicant__email="intrus.madi@example.yt").exists()


@pytest.mark.parametrize(
    ("role", "model", "obj", "changes"),
    [
        (C, "enrollment.application", "enrolled", {"motivation": "Réécrite par un lecteur."}),
        (D, "programs.programme", "programme", {"title": "Réécrite par un lecteur"}),
        (G, "partners.convention", "convention", {"title": "Réécrite par un lecteur"}),
        (D, "centre.centre", "centre", {"name": "Réécrit par un lecteur"}),
    ],
)
def test_a_role_that_only_views_cannot_change_an_object_in_the_admin(scene, role, model, obj, changes):
    instance = value_of(scene, obj)
    url = reverse(f"admin:{model.replace('.', '_')}_change", args=[instance.pk])
    # The form as the superuser is shown it: an attacker can read Django's field names anywhere.
    form = change_form_data(client_for(scene, SU).get(url), **changes)
    client = client_for(scene, role)
    assert client.get(url).status_code == 200  # the page is read-only for this role

    response = client.post(url, form)

    assert response.status_code == 403
    assert FORBIDDEN_TEXT in visible_text(response)
    instance.refresh_from_db()
    for name, value in changes.items():
        assert getattr(instance, name) != value, name


def test_a_role_that_only_views_cannot_delete_nor_decide_in_the_admin(scene):
    client = client_for(scene, D)

    deleted = client.post(reverse("admin:programs_programme_delete", args=[scene.programme.pk]), {"post": "yes"})
    decided = client.post(reverse("admin:enrollment_application_decision", args=[scene.offered.pk, "enroll"]))
    terminated = client.post(
        reverse("admin:partners_convention_changelist"),
        {"action": "terminate", "_selected_action": [scene.convention.pk], "apply": "1", "reason": "Par un lecteur."},
        follow=True,
    )

    assert (deleted.status_code, decided.status_code) == (403, 403)
    assert FORBIDDEN_TEXT in visible_text(deleted) and FORBIDDEN_TEXT in visible_text(decided)
    # An action the role is not offered is not run: the list says so and nothing moves.
    assert messages_of(terminated) == ["Aucune action sélectionnée."]
    assert Programme.objects.filter(pk=scene.programme.pk).exists()
    scene.offered.refresh_from_db()
    assert scene.offered.status == Application.Status.OFFERED
    assert Convention.objects.get(pk=scene.convention.pk).state == Convention.State.SIGNED
