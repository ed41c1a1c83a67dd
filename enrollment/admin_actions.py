"""Admin actions on applications: each calls one decision service per item and reports every outcome."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext



class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif (communiqué à la personne)"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        max_length=2000,
        error_messages={"required": _("Le motif est obligatoire.")},
    )


def _service(name):
    from . import services

    return getattr(services, name)


def run_decision(modeladmin, request, queryset, service_name, **kwargs):
    """Apply one service to each selected application; each runs in its own transaction.

    Nothing fails silently: every item ends up in the done or the refused list shown to staff.
    """
    service = _service(service_name)
    done, refused = [], []
    for application in queryset.select_related("session__programme").order_by("session_id", "pk"):
        try:
            service(application=application, by=request.user, **kwargs)
        except ValidationError as error:
            refused.append(f"{application.reference} : {' '.join(error.messages)}")
        else:
            done.append(application.reference)
    if done:
        modeladmin.message_user(
            request,
            ngettext("%(count)d candidature traitée : %(refs)s", "%(count)d candidatures traitées : %(refs)s", len(done))
            % {"count": len(done), "refs": ", ".join(done)},
            messages.SUCCESS,
        )
    for line in refused:
        modeladmin.message_user(request, _("Refusé — %(detail)s") % {"detail": line}, messages.ERROR)


def _with_reason(modeladmin, request, queryset, service_name, title):
    """Ask for a reason on an intermediate page, then run the service with it."""
    form = ReasonForm(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        run_decision(modeladmin, request, queryset, service_name, reason=form.cleaned_data["reason"])
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "form": form,
        "queryset": queryset.select_related("session__programme"),
        "action": request.POST.get("action"),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "opts": modeladmin.model._meta,
    }
    return TemplateResponse(request, "admin/enrollment/application/decision_reason.html", context)


@admin.action(description=_("Accepter (place confirmée si disponible)"), permissions=["change"])
def accept(modeladmin, request, queryset):
    run_decision(modeladmin, request, queryset, "application_accept")


@admin.action(description=_("Mettre en liste d'attente"), permissions=["change"])
def waitlist(modeladmin, request, queryset):
    run_decision(modeladmin, request, queryset, "application_waitlist")


@admin.action(description=_("Inscrire"), permissions=["change"])
def enroll(modeladmin, request, queryset):
    run_decision(modeladmin, request, queryset, "application_enroll")


@admin.action(description=_("Refuser (motif demandé)"), permissions=["change"])
def reject(modeladmin, request, queryset):
    return _with_reason(modeladmin, request, queryset, "application_reject", _("Refuser des candidatures"))


@admin.action(description=_("Annuler (motif demandé)"), permissions=["change"])
def cancel(modeladmin, request, queryset):
    return _with_reason(modeladmin, request, queryset, "application_cancel", _("Annuler des candidatures"))


@admin.action(description=_("Proposer les places libres à la liste d'attente"), permissions=["change"])
def offer_next(modeladmin, request, queryset):
    offered = []
    for session_id in sorted(set(queryset.values_list("session_id", flat=True))):
        offered += _service("waitlist_fill")(session_id=session_id, by=request.user)
    if offered:
        modeladmin.message_user(
            request,
            _("Place proposée à : %(refs)s") % {"refs": ", ".join(a.reference for a in offered)},
            messages.SUCCESS,
        )
    else:
        modeladmin.message_user(
            request, _("Aucune place libre ou personne en liste d'attente pour ces sessions."), messages.WARNING
        )
