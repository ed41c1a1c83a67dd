"""Admin actions on applications: each calls one decision service per item and reports every outcome."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from cnam_portal.admin_tools import form_action, report_each


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


def _ordered(queryset):
    return queryset.select_related("session__programme").order_by("session_id", "pk")


def _decide(modeladmin, request, queryset, service_name):
    """Each application runs in its own transaction: one refusal never undoes the others."""
    service = _service(service_name)
    report_each(modeladmin, request, _ordered(queryset), lambda app: service(application=app, by=request.user))


def _decide_with_reason(modeladmin, request, queryset, service_name, title):
    service = _service(service_name)
    return form_action(
        modeladmin,
        request,
        _ordered(queryset),
        form_class=ReasonForm,
        title=title,
        apply=lambda app, data: service(application=app, by=request.user, reason=data["reason"]),
    )


@admin.action(description=_("Accepter (place confirmée si disponible)"), permissions=["change"])
def accept(modeladmin, request, queryset):
    _decide(modeladmin, request, queryset, "application_accept")


@admin.action(description=_("Mettre en liste d'attente"), permissions=["change"])
def waitlist(modeladmin, request, queryset):
    _decide(modeladmin, request, queryset, "application_waitlist")


@admin.action(description=_("Inscrire"), permissions=["change"])
def enroll(modeladmin, request, queryset):
    _decide(modeladmin, request, queryset, "application_enroll")


@admin.action(description=_("Refuser (motif demandé)"), permissions=["change"])
def reject(modeladmin, request, queryset):
    return _decide_with_reason(modeladmin, request, queryset, "application_reject", _("Refuser des candidatures"))


@admin.action(description=_("Annuler (motif demandé)"), permissions=["change"])
def cancel(modeladmin, request, queryset):
    return _decide_with_reason(modeladmin, request, queryset, "application_cancel", _("Annuler des candidatures"))


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
