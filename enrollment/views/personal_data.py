"""« Mes données personnelles »: the copy of one's data, and the deletion of one's account in two steps."""

from allauth.core import ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from enrollment.forms.personal_data import AccountDeletionConfirmForm, AccountDeletionRequestForm
from enrollment.services import personal_data
from enrollment.views.applications import add_service_error
from partners.models import PartnerMember


def _page(request, form, *, status: int = 200):
    memberships = PartnerMember.objects.filter(user=request.user).select_related("partner").order_by("partner__name")
    return render(
        request,
        "enrollment/personal_data.html",
        {
            "form": form,
            "refusal": personal_data.account_deletion_refusal(user=request.user),
            "memberships": memberships,
            "link_hours": settings.ACCOUNT_DELETION_LINK_HOURS,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def personal_data_page(request):
    """The page, and the first step of a deletion: the password re-typed, then the link emailed."""
    form = AccountDeletionRequestForm(request.POST or None)
    if request.method != "POST":
        return _page(request, form)
    if not ratelimit.consume(request, action="reauthenticate", user=request.user):
        form.add_error(None, _("Trop de tentatives : réessayez dans quelques minutes."))
        return _page(request, form, status=429)
    if form.is_valid():
        try:
            notification = personal_data.account_deletion_request(
                user=request.user, password=form.cleaned_data["password"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _(
                    "Un courriel vient d'être envoyé à %(email)s : suivez le lien qu'il contient pour confirmer "
                    "la suppression de votre compte."
                )
                % {"email": notification.recipient_email},
            )
            return redirect("enrollment:personal_data")
    return _page(request, form, status=400)


@login_required
@never_cache
@require_GET
def export(request):
    handle = personal_data.personal_data_export(user=request.user)
    response = FileResponse(
        handle, as_attachment=True, filename=personal_data.export_filename(), content_type="application/zip"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def account_delete_confirm(request, token):
    """The second step, from the emailed link: what goes and what stays, then one button."""
    if request.method == "GET" and not personal_data.account_deletion_link_valid(user=request.user, token=token):
        messages.error(
            request,
            _(
                "Ce lien de suppression n'est pas valable : il a expiré, a déjà servi ou ne correspond pas à "
                "votre compte. Demandez-en un nouveau depuis la page « Mes données personnelles »."
            ),
        )
        return redirect("enrollment:personal_data")
    form = AccountDeletionConfirmForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            personal_data.account_delete(user=request.user, token=token)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect("enrollment:personal_data")
        logout(request)
        messages.success(
            request,
            _(
                "Votre compte est supprimé : vos données personnelles et vos pièces sont effacées, "
                "vous ne pouvez plus vous connecter. Merci d'avoir utilisé le portail du CNAM Mayotte."
            ),
        )
        return redirect("home")
    return render(
        request,
        "enrollment/account_delete_confirm.html",
        {"form": form, "token": token, "refusal": personal_data.account_deletion_refusal(user=request.user)},
    )
