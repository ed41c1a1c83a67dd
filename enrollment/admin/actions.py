"""Staff decisions on applications: the list's actions and the change page's buttons.

Both call the same decision service per application and report every outcome; ``DECISIONS``
names each decision once, and the services' own ``MOVES`` say from which statuses it is allowed.
"""

from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.admin_kit import apply_logged, form_action, log_admin_action, report_each


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif (communiqué à la personne)"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        max_length=2000,
        error_messages={"required": _("Le motif est obligatoire.")},
    )


def _service(name):
    """The service a decision names, in the module of its topic."""
    from enrollment.services import applications, waitlist

    return getattr(applications, name, None) or getattr(waitlist, name)


@dataclass(frozen=True)
class Decision:
    """One decision on an application: its move in ``transitions.MOVES``, its service, its button.

    A decision that needs a reason (sent to the person) asks for it on a page titled ``reason_title``.
    """

    move: str
    service: str
    label: str
    reason_title: str = ""

    @property
    def needs_reason(self) -> bool:
        return bool(self.reason_title)


DECISIONS = {
    decision.move: decision
    for decision in (
        Decision("accept", "application_accept", _("Accepter")),
        Decision("waitlist", "application_waitlist", _("Mettre en liste d'attente")),
        Decision("enroll", "application_enroll", _("Inscrire")),
        Decision("reject", "application_reject", _("Refuser"), _("Refuser la candidature %(reference)s")),
        Decision("cancel", "application_cancel", _("Annuler"), _("Annuler la candidature %(reference)s")),
    )
}


def decisions_allowed(application) -> list[Decision]:
    """The decisions the application's current status allows, by the services' rule."""
    from enrollment.services.transitions import MOVES

    return [decision for decision in DECISIONS.values() if application.status in MOVES[decision.move]]


def refusal(decision: Decision, application) -> str:
    """Why the application's status does not allow the decision, as the service says it."""
    from enrollment.services.transitions import REFUSED_MOVE

    return REFUSED_MOVE[decision.move] % {
        "reference": application.reference,
        "status": application.get_status_display(),
    }


def decide_one(modeladmin, request, application, decision: Decision, *, reason: str = "") -> bool:
    """Take one decision on one application and tell staff the outcome (True when done)."""
    service = _service(decision.service)
    extra = {"reason": reason} if decision.needs_reason else {}
    try:
        apply_logged(
            request,
            application,
            lambda app: service(application=app, by=request.user, **extra),
            log=lambda app: _log_message(decision.label, app, reason),
        )
    except ValidationError as error:
        modeladmin.message_user(request, " ".join(error.messages), messages.ERROR)
        return False
    modeladmin.message_user(
        request,
        _("La candidature %(reference)s est maintenant « %(status)s ».")
        % {"reference": application.reference, "status": application.get_status_display()},
        messages.SUCCESS,
    )
    return True


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


def _decide(modeladmin, request, queryset, decision: Decision):
    """Each application runs in its own transaction: one refusal never undoes the others."""
    service = _service(decision.service)
    report_each(
        modeladmin,
        request,
        _ordered(queryset),
        lambda app: service(application=app, by=request.user),
        log=lambda app: _log_message(decision.label, app),
    )


def _decide_with_reason(modeladmin, request, queryset, decision: Decision, title):
    service = _service(decision.service)
    return form_action(
        modeladmin,
        request,
        _ordered(queryset),
        form_class=ReasonForm,
        title=title,
        apply=lambda app, data: service(application=app, by=request.user, reason=data["reason"]),
        log=lambda app, data: _log_message(decision.label, app, data["reason"]),
    )


@admin.action(description=_("Accepter (place confirmée si disponible)"), permissions=["change"])
def accept(modeladmin, request, queryset):
    _decide(modeladmin, request, queryset, DECISIONS["accept"])


@admin.action(description=_("Mettre en liste d'attente"), permissions=["change"])
def waitlist(modeladmin, request, queryset):
    _decide(modeladmin, request, queryset, DECISIONS["waitlist"])


@admin.action(description=_("Inscrire"), permissions=["change"])
def enroll(modeladmin, request, queryset):
    _decide(modeladmin, request, queryset, DECISIONS["enroll"])


@admin.action(description=_("Refuser (motif demandé)"), permissions=["change"])
def reject(modeladmin, request, queryset):
    return _decide_with_reason(modeladmin, request, queryset, DECISIONS["reject"], _("Refuser des candidatures"))


@admin.action(description=_("Annuler (motif demandé)"), permissions=["change"])
def cancel(modeladmin, request, queryset):
    return _decide_with_reason(modeladmin, request, queryset, DECISIONS["cancel"], _("Annuler des candidatures"))


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
