"""The applicant's pages: profile, applying to a session, the space that follows each application."""

import contextlib
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import fragments
from core.formatting import date_long, time_short
from core.storage import private_file_response
from enrollment.forms.applications import (
    ApplicantProfileForm,
    ApplicationForm,
    OfferAnswerForm,
    OfferDeclineForm,
    WithdrawForm,
)
from enrollment.models import (
    LIVE_STATUSES,
    ApplicantProfile,
    Application,
    ApplicationDocument,
    ApplicationStatus,
    ApplicationStatusChange,
    EnrollmentCertificate,
    PendingUpload,
)
from enrollment.seats import annotate_seats
from enrollment.selectors import CALENDAR_STATUSES, application_eligibility, applications_of_applicant
from enrollment.services import applications, certificates, profiles, waitlist
from enrollment.services import calendars as calendar_services
from enrollment.services.profiles import PROFILE_FIELDS
from enrollment.views import calendars as calendar_views
from programs.models import Session

# --- Reads of the applicant's own rows (every lookup is filtered by applicant) --------------


def _certificate_of(application) -> EnrollmentCertificate | None:
    try:
        return application.certificate
    except EnrollmentCertificate.DoesNotExist:
        return None


def _rank(position: int) -> str:
    return _("1er") if position == 1 else _("%(n)de") % {"n": position}


def next_step(application, now=None) -> str:
    """What the applicant should expect or do next, in words."""
    status = application.status
    if status == ApplicationStatus.SUBMITTED:
        return _("Votre candidature est en cours d'examen.")
    if status == ApplicationStatus.ACCEPTED:
        return _("Votre candidature est retenue : le CNAM Mayotte finalise votre inscription.")
    if status == ApplicationStatus.WAITLISTED:
        position = getattr(application, "waitlist_position", None)
        if position == 1:
            return _("Vous êtes en tête de la liste d'attente.")
        if position:
            return _("Vous êtes %(rank)s sur la liste d'attente.") % {"rank": _rank(position)}
        return _("Vous êtes sur la liste d'attente.")
    if status == ApplicationStatus.OFFERED:
        if application.offer_expired(now):
            return _("Le délai pour répondre à la place proposée est dépassé.")
        if application.awaits_partner_consent:
            return _(
                "%(partner)s souhaite vous inscrire à cette session : acceptez ou refusez avant le %(date)s à %(time)s."
            ) % {
                "partner": application.convention.partner.name,
                "date": date_long(application.offer_expires_at),
                "time": time_short(application.offer_expires_at),
            }
        return _("Une place vous est proposée : répondez avant le %(date)s à %(time)s.") % {
            "date": date_long(application.offer_expires_at),
            "time": time_short(application.offer_expires_at),
        }
    if status == ApplicationStatus.ENROLLED:
        return _("Votre inscription est confirmée : votre attestation d'inscription est disponible dans le détail.")
    if status == ApplicationStatus.REJECTED:
        return _("Votre candidature n'a pas été retenue.")
    if status == ApplicationStatus.WITHDRAWN:
        return _("Vous avez retiré cette candidature.")
    if status == ApplicationStatus.EXPIRED:
        if application.channel == Application.Channel.PARTNER:
            return _("Vous n'avez pas répondu à temps à l'inscription proposée par votre employeur.")
        return _("Vous n'avez pas répondu à temps à la place proposée : elle a été proposée à une autre personne.")
    return _("Cette candidature a été annulée.")


def _decorate(application, now):
    application.next_step = next_step(application, now)
    return application


def _safe_next(request, fallback: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


# --- Steps shared with the VAE pages -----------------------------------------------------------


def redirect_to_profile(request, message: str):
    """Send a person whose profile is incomplete to fill it in, then back to this page."""
    messages.info(request, message)
    return redirect(f"{reverse('enrollment:profile')}?{urlencode({'next': request.path})}")


def add_service_error(form, error: ValidationError) -> None:
    """Show a service refusal on the form: at its field when the form has it, above otherwise."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def submit_form(request, form, submit, *, success: str):
    """Once ``form`` is valid, create through ``submit(cleaned_data)``, a service call.

    A refusal of the service is shown on the form; a success is announced with ``success``, which
    names the new object's ``%(reference)s``. Returns the new object, or None.
    """
    if not form.is_valid():
        return None
    try:
        created = submit(form.cleaned_data)
    except ValidationError as error:
        add_service_error(form, error)
        return None
    messages.success(request, success % {"reference": created.reference})
    return created


# --- Pages -------------------------------------------------------------------------------------


@login_required
@require_GET
@fragments.personal_page("space")
def space(request):
    now = timezone.now()
    rows = [_decorate(application, now) for application in applications_of_applicant(user=request.user)]
    profile = ApplicantProfile.objects.filter(user=request.user).only("pk", "first_name", "consent_at").first()
    # The private calendar's address, once the person holds a seat it would show.
    calendar_url = ""
    if any(row.status in CALENDAR_STATUSES for row in rows):
        calendar_url = calendar_views.feed_url(calendar_services.calendar_feed_get(user=request.user))
    response = render(
        request,
        "enrollment/space.html",
        {"applications": rows, "profile": profile, "calendar_url": calendar_url},
    )
    # An offer's deadline passing changes its next step: the page is kept no longer than that.
    deadlines = [row.offer_expires_at for row in rows if row.offer_expires_at and row.offer_expires_at > now]
    if deadlines:
        response.kept_seconds = int((min(deadlines) - now).total_seconds())
    return response


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    instance = ApplicantProfile.objects.filter(user=request.user).first() or ApplicantProfile(user=request.user)
    next_url = _safe_next(request, reverse("enrollment:space"))
    form = ApplicantProfileForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            profiles.applicant_profile_update(
                user=request.user,
                data={name: form.cleaned_data[name] for name in PROFILE_FIELDS},
                consent=form.cleaned_data["consent"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Votre profil est enregistré."))
            return redirect(next_url)
    return render(
        request,
        "enrollment/profile.html",
        {
            "form": form,
            "next": next_url,
            "is_new": instance.pk is None,
            # When, if ever, the person agreed to the wording shown now; a new wording asks again.
            "consent_given_at": instance.consent_at if instance.has_current_consent else None,
            "consent_outdated": bool(instance.consent_at) and not instance.has_current_consent,
        },
    )


def _keep_uploads(form, *, user, session) -> None:
    """A refused form: keep every file that passed its checks (and drop those ticked), so that none is lost."""
    try:
        form.keep(
            applications.pending_uploads_update(
                user=user, session=session, keep=form.cleaned_data.get("documents", ()), drop=form.dropped_ids
            )
        )
    except ValidationError as error:
        add_service_error(form, error)


@login_required
@require_http_methods(["GET", "POST"])
def apply(request, session_pk):
    session = get_object_or_404(annotate_seats(Session.objects.select_related("programme", "site")), pk=session_pk)
    eligibility = application_eligibility(user=request.user, session=session)
    if eligibility.hidden:
        raise Http404
    profile = ApplicantProfile.objects.filter(user=request.user).first()
    if profile is None or not profile.is_complete:
        return redirect_to_profile(
            request, _("Complétez votre profil avant de candidater : le CNAM en a besoin pour étudier votre demande.")
        )

    refusal = None if eligibility.allowed else eligibility.reason
    below_entry_level = profile.highest_level < session.programme.entry_level
    form_kwargs = {"programme": session.programme, "below_entry_level": below_entry_level}
    kept = PendingUpload.objects.of(user=request.user, session=session)

    if refusal is not None:
        form = ApplicationForm(**form_kwargs)
    elif request.method == "POST":
        form = ApplicationForm(request.POST, request.FILES, kept=kept, **form_kwargs)
        application = submit_form(
            request,
            form,
            # The new files go straight to the application, written once; the kept ones are moved to it.
            lambda data: applications.application_submit(
                user=request.user,
                session=session,
                motivation=data["motivation"],
                entry_route=data["entry_route"],
                entry_justification=data["entry_justification"],
                documents=data["documents"],
                kept=form.kept_documents,
                drop=form.dropped_ids,
            ),
            success=_(
                "Votre candidature %(reference)s est enregistrée. Un courriel de confirmation vous a été envoyé."
            ),
        )
        if application is not None:
            return redirect("enrollment:detail", reference=application.reference)
        _keep_uploads(form, user=request.user, session=session)
    else:
        form = ApplicationForm(kept=kept, **form_kwargs)

    return render(
        request,
        "enrollment/apply.html",
        {
            "session": session,
            "programme": session.programme,
            "profile": profile,
            "form": form,
            "refusal": refusal,
            "existing": eligibility.existing,
            "below_entry_level": below_entry_level,
        },
        status=200 if refusal is None or request.method == "GET" else 409,
    )


def _own_application(user, reference, queryset=None):
    queryset = Application.objects.all() if queryset is None else queryset
    return get_object_or_404(queryset.filter(applicant=user), reference=reference)


@login_required
@require_GET
def detail(request, reference):
    application = _own_application(
        request.user,
        reference,
        applications_of_applicant(user=request.user).prefetch_related(
            Prefetch("history", queryset=ApplicationStatusChange.objects.order_by("changed_at", "pk")),
            Prefetch("documents", queryset=ApplicationDocument.objects.order_by("uploaded_at", "pk")),
        ),
    )
    return render(request, "enrollment/detail.html", _detail_context(application))


def _detail_context(application, **extra):
    now = timezone.now()
    _decorate(application, now)
    return {
        "application": application,
        "session": application.session,
        "programme": application.session.programme,
        "can_withdraw": application.status in LIVE_STATUSES,
        "offer_open": application.status == ApplicationStatus.OFFERED and not application.offer_expired(now),
        "offer_expired": application.status == ApplicationStatus.OFFERED and application.offer_expired(now),
        "certificate": _certificate_of(application),
        "withdraw_form": extra.pop("withdraw_form", None) or WithdrawForm(),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request, reference):
    application = _own_application(request.user, reference, Application.objects.select_related("session__programme"))
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            applications.application_withdraw(
                application=application, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Votre candidature %(reference)s est retirée.") % {"reference": reference})
        return redirect("enrollment:detail", reference=reference)
    return render(request, "enrollment/withdraw.html", {"application": application, "form": form})


@login_required
@require_POST
def offer_answer(request, reference):
    """Accept an offered seat in one tap; refusing one first goes through ``offer_decline``."""
    application = _own_application(request.user, reference)
    form = OfferAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["answer"][0])
        return redirect("enrollment:detail", reference=reference)
    if form.cleaned_data["answer"] == "refuser":
        # A refusal cannot be undone: it is only made from the page that says what it gives up.
        return redirect("enrollment:offer_decline", reference=reference)
    try:
        accepted = waitlist.offer_accept(application=application, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        if accepted.status == ApplicationStatus.ENROLLED:
            messages.success(request, _("Vous avez accepté l'inscription : elle est confirmée."))
        else:
            messages.success(request, _("Vous avez accepté la place : le CNAM Mayotte finalise votre inscription."))
    return redirect("enrollment:detail", reference=reference)


@login_required
@require_http_methods(["GET", "POST"])
def offer_decline(request, reference):
    """Refusing an offered seat, in two steps: what is given up, then « Oui, je refuse la place »."""
    application = _own_application(
        request.user,
        reference,
        Application.objects.select_related("session__programme", "session__site", "convention__partner"),
    )
    try:
        # The confirmation is only shown for a seat that can still be given back.
        waitlist.offer_decline_check(application=application)
    except ValidationError as error:
        level = messages.INFO if error.code == "invalid_move" else messages.ERROR
        for message in error.messages:
            messages.add_message(request, level, message)
        return redirect("enrollment:detail", reference=reference)
    form = OfferDeclineForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            waitlist.offer_decline(application=application, by=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("Vous avez refusé l'inscription proposée par votre employeur : vous n'êtes pas inscrit.")
                if application.channel == Application.Channel.PARTNER
                else _(
                    "Vous avez refusé la place proposée : elle passe à la personne suivante sur la liste d'attente."
                ),
            )
        return redirect("enrollment:detail", reference=reference)
    return render(
        request,
        "enrollment/offer_decline.html",
        {
            "application": application,
            "session": application.session,
            "programme": application.session.programme,
            "form": form,
        },
    )


@login_required
@never_cache
@require_GET
def document_download(request, reference, pk):
    document = get_object_or_404(
        ApplicationDocument.objects.select_related("application"),
        pk=pk,
        application__reference=reference,
        application__applicant=request.user,
    )
    return private_file_response(
        document.file,
        filename=document.original_name,
        content_type=document.content_type,
        missing=_("Ce document n'est plus disponible."),
    )


@login_required
@never_cache
@require_GET
def certificate(request, reference):
    application = _own_application(request.user, reference, Application.objects.select_related("certificate"))
    if application.status != ApplicationStatus.ENROLLED:
        messages.info(request, _("L'attestation d'inscription sera disponible une fois votre inscription confirmée."))
        return redirect("enrollment:detail", reference=reference)
    document = _certificate_of(application)
    if document is None or document.state == EnrollmentCertificate.State.FAILED:
        certificates.certificate_request(application=application)
        document = EnrollmentCertificate.objects.filter(application=application).first()
    if document is not None and document.state == EnrollmentCertificate.State.READY and document.file:
        with contextlib.suppress(Http404):  # the file went missing: it is rendered again below
            return private_file_response(
                document.file,
                filename=f"attestation-inscription-{application.reference}.pdf",
                content_type="application/pdf",
            )
    messages.info(
        request, _("Votre attestation d'inscription est en cours de préparation, revenez dans quelques instants.")
    )
    return redirect("enrollment:detail", reference=reference)
