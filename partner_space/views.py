"""The partner space (/partenaires/): a member sees their own organisation only.

Access rules, the same on every page:
- anonymous → the login page;
- logged in without an active membership → 403 with a French explanation;
- a lecteur on a page that enrolls → 403 with a French explanation;
- any object (convention, PDF) of another partner, or a CNAM draft → 404, exactly as
  if it did not exist: every lookup goes through ``selectors_space`` filtered by the
  member's partner.
"""

import secrets
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from attendance.selectors import trainer_for_user
from core import claims, fragments
from core.formatting import datetime_long
from core.storage import private_file_response
from enrollment.selectors import calendar_feed_by_token, partner_calendar_sessions
from enrollment.services import calendars as calendar_services
from partner_space import exports as followup_exports
from partner_space import imports, invitations, selectors_followup
from partner_space import selectors as selectors_space
from partner_space import services as services_staff
from partner_space.accounts import PARTNER_SESSION_KEY
from partner_space.forms import (
    ClaimAccountForm,
    ImportConfirmForm,
    StaffEnrollForm,
    StaffImportForm,
    StaffSearchForm,
)
from partner_space.imports import StaffRow
from partners import selectors, services
from partners.models import ConventionDocument, PartnerMember
from programs import calendars

SESSION_PARTNER_KEY = "partners:partner_id"
SESSION_IMPORT_KEY = "partners:import"
STAFF_PER_PAGE = 50
# The dashboard's reserved seats: the sessions soonest to come; each convention's page lists all of its own.
DASHBOARD_ALLOCATIONS = 20
AUTH_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


def _forbidden(request, message: str):
    return render(request, "partners/forbidden.html", {"message": message}, status=403)


def partner_view(*, referent_only: bool = False):
    """Resolve the member (of the partner chosen in the session) and pass it to the view."""

    def decorator(view):
        @wraps(view)
        @login_required
        @never_cache
        def wrapper(request, *args, **kwargs):
            member = selectors_space.member_for(request.user, partner_id=request.session.get(SESSION_PARTNER_KEY))
            if member is None:
                return _forbidden(
                    request,
                    _(
                        "L'espace partenaire est réservé aux membres des organisations partenaires du CNAM Mayotte. "
                        "Si votre organisation a signé une convention, demandez au CNAM de vous y inviter."
                    ),
                )
            if referent_only and member.role != PartnerMember.Role.REFERENT:
                return _forbidden(
                    request,
                    _(
                        "Votre rôle de lecteur permet de consulter l'espace de %(partner)s, pas d'inscrire des agents. "
                        "Adressez-vous à un référent de votre organisation."
                    )
                    % {"partner": member.partner.name},
                )
            services_staff.member_join(member=member)
            if request.session.get(SESSION_PARTNER_KEY) != member.partner_id:
                # Remembered once, so that a kept dashboard knows whose it is without a lookup.
                request.session[SESSION_PARTNER_KEY] = member.partner_id
            if request.session.get(PARTNER_SESSION_KEY) is not True:
                # Set once: writing it on every page would save the session on every request.
                request.session[PARTNER_SESSION_KEY] = True
            try:
                return view(request, member, *args, **kwargs)
            except PermissionDenied as error:
                return _forbidden(request, str(error))

        return wrapper

    return decorator


def _decorate_staff(applications):
    """Name each person as the partner may: from their profile once the enrollment counted, else as typed."""
    for application in applications:
        if application.partner_may_see_profile:
            try:
                profile = application.applicant.applicant_profile
            except ObjectDoesNotExist:
                profile = None
            application.person_name = profile.full_name if profile else ""
            application.person_email = application.applicant.email
            application.job_title = profile.job_title if profile else ""
        else:
            application.person_name = application.invited_name
            application.person_email = application.invited_email or _("adresse non communiquée")
            application.job_title = ""
        if application.awaits_partner_consent:
            application.status_label = _("En attente d'acceptation jusqu'au %(deadline)s") % {
                "deadline": datetime_long(application.offer_expires_at)
            }
        else:
            application.status_label = application.get_status_display()
    return applications


def _decorate_conventions(conventions):
    for convention in conventions:
        state = convention.latest_document_state
        convention.document_state_label = ConventionDocument.State(state).label if state else _("Non produit")
    return conventions


# --- Pages ---------------------------------------------------------------------------------------


def _chosen_partner(request) -> list[str] | None:
    """The scope of the partner the session last saw the space of (partner_view remembers it)."""
    partner_id = request.session.get(SESSION_PARTNER_KEY)
    return [fragments.partner_scope(partner_id)] if isinstance(partner_id, int) else None


@require_GET
# Above partner_view: a kept dashboard is served without looking the membership up again. Every
# row that lookup reads bumps the page's scopes (partners.freshness: a member saved or deleted
# bumps their partner's scope and their own; an account saved, its person's), so a membership
# ended or changed is looked up again before anything is served.
@fragments.personal_page("partner-dashboard", _chosen_partner)
@partner_view()
def dashboard(request, member):
    chosen = request.GET.get("partenaire")
    if chosen and chosen.isdigit():
        other = selectors_space.member_for(request.user, partner_id=int(chosen))
        if other is not None and other.partner_id == int(chosen):
            request.session[SESSION_PARTNER_KEY] = other.partner_id
            return redirect("partners:dashboard")
        raise Http404
    partner = member.partner
    conventions = _decorate_conventions(list(selectors_space.partner_conventions(partner=partner)))
    # The sessions still to come or under way, soonest first; the others are on each convention's page.
    current = selectors_space.partner_allocations(partner=partner).filter(session__end_date__gte=timezone.localdate())
    allocations = list(current[: DASHBOARD_ALLOCATIONS + 1])
    more_allocations = current.count() - DASHBOARD_ALLOCATIONS if len(allocations) > DASHBOARD_ALLOCATIONS else 0
    allocations = allocations[:DASHBOARD_ALLOCATIONS]
    counts = selectors_space.partner_staff_counts(partner=partner)
    search = StaffSearchForm(request.GET)
    query = search.query
    page = Paginator(selectors_space.partner_staff(partner=partner, search=query), STAFF_PER_PAGE).get_page(
        request.GET.get("page")
    )
    _decorate_staff(page.object_list)
    memberships = list(selectors_space.memberships_for(request.user))
    is_referent = member.role == PartnerMember.Role.REFERENT
    # A référent's private calendar of their staff's sessions (a reader's role shows no staff list to act on).
    calendar_url = calendar_feed_url(calendar_services.calendar_feed_get(member=member)) if is_referent else ""
    return render(
        request,
        "partners/dashboard.html",
        {
            "member": member,
            "partner": partner,
            "is_referent": is_referent,
            "calendar_url": calendar_url,
            "memberships": memberships if len(memberships) > 1 else [],
            "conventions": conventions,
            "allocations": allocations,
            "more_allocations": more_allocations,
            "seats": selectors_space.partner_seat_totals(partner=partner),
            "counts": counts,
            "search": search,
            "query": query,
            "page": page,
            "page_range": _page_range(page),
        },
    )


def _convention_or_404(member, reference):
    convention = selectors_space.partner_convention(partner=member.partner, reference=reference)
    if convention is None:
        raise Http404
    return convention


@require_GET
@partner_view()
def convention_detail(request, member, reference):
    convention = _convention_or_404(member, reference)
    _decorate_conventions([convention])
    allocations = list(selectors_space.partner_allocations(partner=member.partner, convention=convention))
    page = Paginator(
        selectors_space.partner_staff(partner=member.partner, convention=convention), STAFF_PER_PAGE
    ).get_page(request.GET.get("page"))
    _decorate_staff(page.object_list)
    return render(
        request,
        "partners/convention_detail.html",
        {
            "member": member,
            "partner": member.partner,
            "convention": convention,
            "axes": list(convention.axes.all()),
            "allocations": allocations,
            "seats": {
                "reserved": sum(a.seats for a in allocations),
                "used": sum(a.seats_used for a in allocations),
                "left": sum(a.seats_left for a in allocations),
            },
            "page": page,
            "page_range": _page_range(page),
            "is_referent": member.role == PartnerMember.Role.REFERENT,
        },
    )


def _page_range(page):
    """The staff list's page links: the first, the last and those around the current page."""
    return page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)


def _ready_pdf_response(convention):
    """The latest ready version of the convention's PDF as a download, or None."""
    document = selectors.convention_latest_ready_document(convention=convention)
    if document is None:
        return None
    try:
        return private_file_response(
            document.file, filename=f"{convention.reference}-v{document.version}.pdf", content_type="application/pdf"
        )
    except Http404:
        # The file went missing from the disk: a new render will replace it.
        return None


@require_GET
@partner_view()
def convention_pdf(request, member, reference):
    convention = _convention_or_404(member, reference)
    response = _ready_pdf_response(convention)
    if response is not None:
        return response
    latest = services.convention_document_request(convention=convention)
    # Without a broker the render ran in-process while the request was made: serve it now.
    response = _ready_pdf_response(convention)
    if response is not None:
        return response
    latest.refresh_from_db()
    if latest.state == ConventionDocument.State.FAILED:
        messages.warning(
            request,
            _("La production du PDF a échoué ; une nouvelle tentative est lancée. Réessayez dans quelques minutes."),
        )
    else:
        messages.info(request, _("Le PDF de la convention est en préparation : réessayez dans quelques instants."))
    return redirect("partners:convention", reference=convention.reference)


@require_http_methods(["GET", "POST"])
@partner_view(referent_only=True)
def enroll(request, member):
    form = StaffEnrollForm(request.POST if request.method == "POST" else None, partner=member.partner)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application = services_staff.staff_enroll(
                member=member,
                allocation=data["allocation"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                job_title=data["job_title"],
                phone=data["phone"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            if application.awaits_partner_consent:
                messages.success(
                    request,
                    _(
                        "Une place de la session %(session)s est réservée pour %(name)s (%(reference)s) : "
                        "cette personne est invitée par courriel à accepter l'inscription depuis son espace. "
                        "L'inscription comptera une fois acceptée ; sans réponse avant le %(deadline)s, "
                        "la place revient à vos places réservées."
                    )
                    % {
                        "name": f"{data['first_name']} {data['last_name']}",
                        "session": application.session.reference,
                        "reference": application.reference,
                        "deadline": datetime_long(application.offer_expires_at),
                    },
                )
            else:
                messages.success(
                    request,
                    _(
                        "Inscription de %(name)s à la session %(session)s enregistrée (%(reference)s). "
                        "Une invitation lui est envoyée par courriel."
                    )
                    % {
                        "name": f"{data['first_name']} {data['last_name']}",
                        "session": application.session.reference,
                        "reference": application.reference,
                    },
                )
            return redirect("partners:dashboard")
    return render(
        request,
        "partners/enroll.html",
        {"member": member, "partner": member.partner, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@partner_view(referent_only=True)
def import_upload(request, member):
    form = StaffImportForm(request.POST, request.FILES) if request.method == "POST" else StaffImportForm()
    if request.method == "POST" and form.is_valid():
        # The parsed rows stay on the server, in the session, tied to this member; the
        # confirmation validates them again, since seats may have gone meanwhile.
        request.session[SESSION_IMPORT_KEY] = {
            "token": secrets.token_urlsafe(16),
            "member_id": member.pk,
            "filename": form.filename,
            "created_at": timezone.now().isoformat(),
            "rows": [row.as_dict() for row in form.rows],
        }
        return redirect("partners:import_preview")
    return render(
        request,
        "partners/import_upload.html",
        {"member": member, "partner": member.partner, "form": form, "max_rows": imports.MAX_ROWS},
        status=400 if request.method == "POST" else 200,
    )


def _pending_import(request, member):
    pending = request.session.get(SESSION_IMPORT_KEY)
    if not pending or pending.get("member_id") != member.pk:
        return None
    return pending


@require_http_methods(["GET", "POST"])
@partner_view(referent_only=True)
def import_preview(request, member):
    pending = _pending_import(request, member)
    if pending is None:
        messages.info(request, _("Aucun fichier en attente : déposez la liste de vos agents."))
        return redirect("partners:import")
    rows = [StaffRow.from_dict(data) for data in pending["rows"]]
    posted = request.POST if request.method == "POST" else None
    status = 200
    if posted is not None:
        form = ImportConfirmForm(posted, token=pending["token"], has_errors=False)
        if not form.is_valid():
            status = 400
        elif form.cleaned_data["token"] != pending["token"]:
            messages.error(
                request, _("Cet aperçu a été remplacé par un fichier plus récent : vérifiez-le avant de confirmer.")
            )
            return redirect("partners:import_preview")
        else:
            all_or_nothing = form.cleaned_data["mode"] == ImportConfirmForm.ALL_OR_NOTHING
            try:
                outcome = services_staff.staff_import_commit(member=member, rows=rows, all_or_nothing=all_or_nothing)
            except ValidationError as error:
                # Someone applied on their own to the same session meanwhile: nothing was written.
                messages.error(
                    request, _("Rien n'a été enregistré : %(reason)s") % {"reason": " ".join(error.messages)}
                )
                return redirect("partners:import_preview")
            if outcome.committed:
                del request.session[SESSION_IMPORT_KEY]
                held = sum(1 for application in outcome.applications if application.awaits_partner_consent)
                count = len(outcome.applications) - held
                if count:
                    messages.success(
                        request,
                        ngettext(
                            "%(count)s agent inscrit ; chacun reçoit une invitation par courriel.",
                            "%(count)s agents inscrits ; chacun reçoit une invitation par courriel.",
                            count,
                        )
                        % {"count": count},
                    )
                if held:
                    messages.success(
                        request,
                        ngettext(
                            "%(count)s place réservée en attente d'acceptation : la personne est invitée par "
                            "courriel à accepter l'inscription depuis son espace, qui comptera une fois acceptée.",
                            "%(count)s places réservées en attente d'acceptation : chaque personne est invitée par "
                            "courriel à accepter l'inscription depuis son espace, qui comptera une fois acceptée.",
                            held,
                        )
                        % {"count": held},
                    )
                skipped = outcome.invalid_rows
                if skipped:
                    messages.warning(
                        request,
                        _("Lignes non inscrites (en erreur) : %(lines)s.")
                        % {"lines": ", ".join(str(row.line) for row in skipped)},
                    )
                return redirect("partners:dashboard")
            status = 409
            messages.error(
                request,
                _(
                    "Rien n'a été enregistré : corrigez les lignes en erreur, "
                    "ou choisissez d'inscrire seulement les lignes valides."
                )
                if outcome.invalid_rows
                else _("Rien n'a été enregistré : aucune ligne n'est valide."),
            )
    if status != 409:
        # (A refused commit has just checked the rows under lock: the page shows what it found.)
        services_staff.staff_import_validate(partner=member.partner, rows=rows)
        form = ImportConfirmForm(posted, token=pending["token"], has_errors=any(not row.ok for row in rows))
    valid = sum(1 for row in rows if row.ok)
    return render(
        request,
        "partners/import_preview.html",
        {
            "member": member,
            "partner": member.partner,
            "rows": rows,
            "filename": pending["filename"],
            "valid_count": valid,
            "error_count": len(rows) - valid,
            "form": form,
        },
        status=status,
    )


@require_GET
@partner_view()
def import_template(request, member):
    response = HttpResponse(imports.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="modele-inscriptions-agents.csv"'
    return response


# --- Invitations ---------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def claim(request, uidb36, token):
    """The link of an invitation email: the person chooses a password and lands in their space."""
    user = claims.user_from_claim(uidb36, token)
    if user is None:
        return render(request, "partners/claim_invalid.html", status=410)
    if request.user.is_authenticated and request.user.pk != user.pk:
        logout(request)
    form = ClaimAccountForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        invitations.account_claim(user=user, password=form.cleaned_data["new_password1"])
        login(request, user, backend=AUTH_BACKEND)
        messages.success(request, _("Votre mot de passe est enregistré et votre session est ouverte."))
        if selectors_space.memberships_for(user).exists():
            return redirect("partners:dashboard")
        if trainer_for_user(user=user) is not None:
            return redirect("attendance:trainer_home")
        messages.info(request, _("Complétez votre profil : le CNAM Mayotte en a besoin pour votre inscription."))
        return redirect(reverse("enrollment:profile"))
    return render(
        request,
        "partners/claim.html",
        {"form": form, "email": user.email},
        status=400 if request.method == "POST" else 200,
    )


# --- The référent's private calendar ------------------------------------------------------------


def calendar_feed_url(feed) -> str:
    return settings.SITE_URL + reverse("partners:calendar_feed", kwargs={"token": feed.token})


@require_GET
def calendar_feed(request, token):
    """The sessions the partner's staff hold seats in, for the référent's calendar application (no sign-in)."""
    feed = calendar_feed_by_token(token=token, partner=True)
    if feed is None:
        raise Http404
    partner = feed.member.partner
    # How many of the staff attend, never who: the calendar may live with a provider outside the portal.
    entries = (
        (
            session,
            ngettext(
                "%(count)d personne de %(partner)s inscrite",
                "%(count)d personnes de %(partner)s inscrites",
                session.staff_count,
            )
            % {"count": session.staff_count, "partner": partner.name},
        )
        for session in partner_calendar_sessions(partner_id=partner.pk)
    )
    content = calendars.calendar_bytes(
        entries, name=_("Formations des agents de %(partner)s — CNAM Mayotte") % {"partner": partner.name}, feed=True
    )
    return calendars.calendar_response(content, filename="cnam-mayotte-agents.ics", private=True)


@require_POST
@partner_view(referent_only=True)
def calendar_feed_renew(request, member):
    calendar_services.calendar_feed_renew(member=member)
    messages.success(
        request,
        _(
            "Le lien de l'agenda des formations de vos agents est renouvelé : l'ancien ne fonctionne plus. "
            "Abonnez de nouveau votre application d'agenda avec le nouveau lien."
        ),
    )
    return redirect(reverse("partners:dashboard") + "#agenda")


# --- The course's follow-up of the partner's staff ----------------------------------------------

FOLLOWUP_PER_PAGE = 50


@require_GET
@partner_view()
def convention_followup(request, member, reference):
    """Each session of the convention, then each person enrolled under it: attendance, state, documents.

    Not a kept page (core.fragments): it shows attendance as it is marked. Documents are for
    the partner's référents; a lecteur reads the figures only.
    """
    convention = _convention_or_404(member, reference)
    partner = member.partner
    is_referent = member.role == PartnerMember.Role.REFERENT
    sessions = selectors_followup.partner_followup_sessions(partner=partner, convention=convention)
    asked = request.GET.get("session", "").strip()
    chosen = next((session for session in sessions if session.reference == asked), None) if asked else None
    session_error = ""
    if asked and chosen is None:
        session_error = _(
            "La session « %(session)s » ne fait pas partie de cette convention : tous les agents sont affichés."
        ) % {"session": asked[:40]}
    applications = selectors_followup.partner_followup(
        partner=partner,
        convention=convention,
        session_id=chosen.session_id if chosen else None,
        documents=is_referent,
    )
    page = Paginator(applications, FOLLOWUP_PER_PAGE).get_page(request.GET.get("page"))
    rows = [selectors_followup.staff_followup(application) for application in page.object_list]
    return render(
        request,
        "partners/convention_followup.html",
        {
            "member": member,
            "partner": partner,
            "convention": convention,
            "sessions": sessions,
            "chosen": chosen,
            "session_error": session_error,
            "page": page,
            "rows": rows,
            "page_range": _page_range(page),
            "is_referent": is_referent,
        },
    )


@require_GET
@partner_view()
def convention_followup_export(request, member, reference, file_format):
    convention = _convention_or_404(member, reference)
    content, content_type = followup_exports.followup_export(
        partner=member.partner, convention=convention, file_format=file_format
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="suivi-{convention.reference}-{timezone.localdate():%Y-%m-%d}.{file_format}"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _document_filename(document) -> str:
    name = f"{document.kind.replace('_', '-')}-{document.application.reference}"
    if document.month:
        name += f"-{document.month:%Y-%m}"
    return f"{name}-v{document.version}.pdf"


@require_GET
@partner_view()
def followup_document(request, member, pk):
    """One of the funders' documents of a person the partner enrolled, for its référents."""
    if member.role != PartnerMember.Role.REFERENT:
        raise PermissionDenied(
            _(
                "Les documents de suivi (attestations, états de présence, certificats) sont réservés aux référents "
                "de %(partner)s. Adressez-vous à l'un d'eux."
            )
            % {"partner": member.partner.name}
        )
    document = selectors_followup.partner_followup_document(partner=member.partner, document_id=pk)
    if document is None:
        raise Http404
    return private_file_response(
        document.file,
        filename=_document_filename(document),
        content_type="application/pdf",
        missing=_("Ce document n'est plus disponible : il sera produit de nouveau."),
    )
