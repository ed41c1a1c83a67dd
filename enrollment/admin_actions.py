"""Admin actions on applications: each calls one decision service per item and reports every outcome."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from cnam_portal.admin_tools import form_action, log_admin_action, report_each


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


def _log_message(action_label, app, reason=""):
    message = _("Action « %(action)s » depuis l'administration : statut « %(status)s ».") % {
        "action": action_label,
        "status": app.get_status_display(),
    }
    if reason:
        message = f"{message} {_('Motif :')} {reason}"
    return message


def _decide(modeladmin, request, queryset, service_name, action_label):
    """Each application runs in its own transaction: one refusal never undoes the others."""
    service = _service(service_name)
    report_each(
        modeladmin,
        request,
        _ordered(queryset),
        lambda app: service(application=app, by=request.user),
        log=lambda app: _log_message(action_label, app),
    )


def _decide_with_reason(modeladmin, request, queryset, service_name, title, action_label):
    service = _service(service_name)
    return form_action(
        modeladmin,
        request,
        _ordered(queryset),
        form_class=ReasonForm,
        title=title,
        apply=lambda app, data: service(application=app, by=request.user, reason=data["reason"]),
        log=lambda app, data: _log_message(action_label, app, data["reason"]),
    )


@admin.action(description=_("Accepter (place confirmée si disponible)"), permissions=["change"])
def accept(modeladmin, request, queryset):
    _decide(modeladmin, request, queryset, "application_accept", _("Accepter"))


@admin.action(description=_("Mettre en liste d'attente"), permissions=["change"])
def waitlist(modeladmin, request, queryset):
    _decide(modeladmin, request, queryset, "application_waitlist", _("Mettre en liste d'attente"))


@admin.action(description=_("Inscrire"), permissions=["change"])
def enroll(modeladmin, request, queryset):
    _decide(modeladmin, request, queryset, "application_enroll", _("Inscrire"))


@admin.action(description=_("Refuser (motif demandé)"), permissions=["change"])
def reject(modeladmin, request, queryset):
    return _decide_with_reason(
        modeladmin, request, queryset, "application_reject", _("Refuser des candidatures"), _("Refuser")
    )


@admin.action(description=_("Annuler (motif demandé)"), permissions=["change"])
def cancel(modeladmin, request, queryset):
    return _decide_with_reason(
        modeladmin, request, queryset, "application_cancel", _("Annuler des candidatures"), _("Annuler")
    )


@admin.action(description=_("Proposer les places libres à la liste d'attente"), permissions=["change"])
def offer_next(modeladmin, request, queryset):
    offered = []
    for session_id in sorted(set(queryset.values_list("session_id", flat=True))):
        offered += _service("waitlist_fill")(session_id=session_id, by=request.user)
    log_admin_action(
        request.user,
        offered,
        _("Action « Proposer les places libres » depuis l'administration : place proposée."),
    )
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
