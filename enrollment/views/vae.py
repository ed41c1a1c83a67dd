"""The applicant's VAE pages: asking for a VAE from a programme, then following the request."""

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from core.storage import private_file_response
from enrollment.forms.vae import VaeRequestForm
from enrollment.models import ApplicantProfile, VaeDocument, VaeRequest, VaeStage, VaeStageChange
from enrollment.selectors_vae import stage_steps
from enrollment.services import vae as services_vae
from enrollment.views.applications import redirect_to_profile, submit_form
from programs.models import Programme


@login_required
@require_http_methods(["GET", "POST"])
def request_create(request, slug):
    programme = get_object_or_404(
        Programme.objects.published().filter(vae_available=True).select_related("domain"), slug=slug
    )
    profile = ApplicantProfile.objects.filter(user=request.user).first()
    if profile is None or not profile.is_complete:
        return redirect_to_profile(
            request,
            _("Complétez votre profil avant de demander une VAE : le CNAM en a besoin pour étudier votre demande."),
        )

    existing = VaeRequest.objects.open().filter(applicant=request.user, programme=programme).first()
    files_to_reselect = []
    if request.method == "POST" and existing is None:
        form = VaeRequestForm(request.POST, request.FILES)
        vae_request = submit_form(
            request,
            form,
            lambda data: services_vae.vae_request_submit(
                user=request.user,
                programme=programme,
                experience_summary=data["experience_summary"],
                years=data["years_of_experience"],
                documents=data["documents"],
            ),
            success=_(
                "Votre demande de VAE %(reference)s est enregistrée. Un courriel de confirmation vous a été envoyé."
            ),
        )
        if vae_request is not None:
            return redirect("enrollment:vae_detail", reference=vae_request.reference)
        # A browser sends the files again only if they are selected again: name those that were accepted.
        files_to_reselect = [
            (upload.name, VaeDocument.Kind(kind).label) for kind, upload in form.cleaned_data.get("documents", ())
        ]
    else:
        form = VaeRequestForm()
    return render(
        request,
        "enrollment/vae_request.html",
        {
            "programme": programme,
            "profile": profile,
            "form": form,
            "existing": existing,
            "files_to_reselect": files_to_reselect,
        },
        status=409 if existing is not None and request.method == "POST" else 200,
    )


def _own_request(user, reference, queryset=None):
    queryset = VaeRequest.objects.all() if queryset is None else queryset
    return get_object_or_404(queryset.filter(applicant=user), reference=reference)


@login_required
@require_GET
def detail(request, reference):
    vae_request = _own_request(
        request.user,
        reference,
        VaeRequest.objects.select_related("programme").prefetch_related(
            Prefetch("history", queryset=VaeStageChange.objects.order_by("changed_at", "pk")),
            Prefetch("documents", queryset=VaeDocument.objects.order_by("uploaded_at", "pk")),
        ),
    )
    return render(
        request,
        "enrollment/vae_detail.html",
        {
            "vae_request": vae_request,
            "programme": vae_request.programme,
            "steps": stage_steps(vae_request),
            "not_admissible": vae_request.stage == VaeStage.NOT_ADMISSIBLE,
        },
    )


@login_required
@never_cache
@require_GET
def document_download(request, reference, pk):
    document = get_object_or_404(VaeDocument, pk=pk, request__reference=reference, request__applicant=request.user)
    try:
        return private_file_response(document.file, filename=document.original_name, content_type=document.content_type)
    except Http404 as error:
        raise Http404(_("Ce document n'est plus disponible.")) from error
