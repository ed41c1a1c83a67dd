import datetime

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin
from import_export.forms import ExportForm

from core import outbox
from core.admin_kit import (
    DocumentDownloadMixin,
    LocalDatesMixin,
    PrivateDocumentInline,
    log_admin_action,
    private_file_response,
    report_each,
)
from core.formatting import date_long, date_short, datetime_long, time_short
from core.models import Notification
from core.spreadsheets import CSV, XLSX
from enrollment.admin import actions as admin_actions
from enrollment.admin.privacy import PERSONAL_PROFILE_FIELDS, may_see_personal_data, reads_personal_data
from enrollment.exports import ApplicationResource
from enrollment.models import (
    ApplicantProfile,
    Application,
    ApplicationDocument,
    ApplicationStatusChange,
    EnrollmentCertificate,
)
from enrollment.notifications import NOTIFICATION_KINDS


@admin.register(ApplicantProfile)
class ApplicantProfileAdmin(LocalDatesMixin, admin.ModelAdmin):
    list_display = ["last_name", "first_name", "email", "phone", "commune", "situation", "highest_level", "consent_at"]
    list_filter = ["situation", "highest_level", "commune", "employer"]
    search_fields = ["last_name", "first_name", "user__email", "france_travail_id", "phone"]
    list_select_related = ["user"]
    # The profile is its account's: given to another account, it would hand over this person's identity.
    readonly_fields = ["user", "consent_at", "consent_text", "created_at", "updated_at"]

    @admin.display(description=_("courriel"), ordering="user__email")
    def email(self, obj):
        return obj.user.email

    # --- Personal fields, for those allowed to read them only (enrollment.admin.privacy) ---

    def get_list_display(self, request):
        names = super().get_list_display(request)
        return names if may_see_personal_data(request.user) else [n for n in names if n not in PERSONAL_PROFILE_FIELDS]

    def get_search_fields(self, request):
        fields = super().get_search_fields(request)
        return fields if may_see_personal_data(request.user) else [f for f in fields if not reads_personal_data(f)]

    def get_exclude(self, request, obj=None):
        excluded = super().get_exclude(request, obj)
        if may_see_personal_data(request.user):
            return excluded
        return [*(excluded or []), *sorted(PERSONAL_PROFILE_FIELDS)]

    def lookup_allowed(self, lookup, value, request):
        # A hand-written filter (?france_travail_id=...) would tell who has a given identifier.
        if reads_personal_data(lookup) and not may_see_personal_data(request.user):
            return False
        return super().lookup_allowed(lookup, value, request)


class HistoryInline(LocalDatesMixin, admin.TabularInline):
    model = ApplicationStatusChange
    extra = 0
    can_delete = False
    fields = ["changed_at", "from_status", "to_status", "changed_by", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # Each row names its application and who moved it: read them with the rows.
        return super().get_queryset(request).select_related("application", "changed_by")


class DocumentInline(PrivateDocumentInline):
    model = ApplicationDocument
    owner_field = "application"
    download_url_name = "admin:enrollment_application_document"


@admin.display(description=_("courriel envoyé"), ordering="template")
def notification_kind(obj):
    return obj.kind_label


@admin.display(description=_("candidature"), ordering="application__reference")
def application_link(obj):
    """The application a row belongs to, as a link to its page (its field's own name is the code's)."""
    if obj.application_id is None:
        return "—"
    url = reverse("admin:enrollment_application_change", args=[obj.application_id])
    return format_html('<a href="{}">{}</a>', url, obj.application.reference)


@admin.display(description=_("candidature"), ordering="application__reference")
def application_reference(obj):
    return obj.application.reference


class NotificationKindFilter(admin.SimpleListFilter):
    title = _("courriel envoyé")
    parameter_name = "courriel"

    def lookups(self, request, model_admin):
        return list(NOTIFICATION_KINDS.items())

    def queryset(self, request, queryset):
        return queryset.filter(template=self.value()) if self.value() else queryset


class NotificationInline(LocalDatesMixin, admin.TabularInline):
    model = Notification
    extra = 0
    can_delete = False
    fields = ["created_at", notification_kind, "recipient_email", "state", "failure_reason", "attempts", "sent_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class RecentChoicesFilter(admin.RelatedFieldListFilter):
    """A related filter that lists a bounded set of choices, whatever the table's size.

    A region's catalogue holds thousands of sessions and programmes: listing them all weighs
    megabytes on every page of the list. This filter lists the ones current around today (and
    the one chosen), and staff find any other by its reference in the search box.
    """

    shown = 25
    recent_title = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = self.recent_title

    def recent(self):
        raise NotImplementedError

    def field_choices(self, field, request, model_admin):
        values = self.lookup_val if isinstance(self.lookup_val, list) else [self.lookup_val]
        chosen = [int(pk) for pk in values if str(pk).isdigit()]
        rows = list(self.recent()[: self.shown])
        if chosen and chosen[0] not in {row.pk for row in rows}:
            rows = [*self.recent().model.objects.filter(pk=chosen[0]), *rows]
        return [(row.pk, self.label(row)) for row in rows]

    def label(self, row) -> str:
        return str(row)


def _window_start():
    return timezone.localdate() - datetime.timedelta(days=RECENT_DAYS)


class SessionListFilter(RecentChoicesFilter):
    """The sessions starting from three months ago on, soonest first (a session's name shows its programme)."""

    recent_title = _("session (des trois derniers mois et à venir)")

    def recent(self):
        from programs.models import Session

        return (
            Session.objects.select_related("programme")
            .filter(start_date__gte=_window_start())
            .order_by("start_date", "reference")
        )


class ProgrammeListFilter(RecentChoicesFilter):
    """The programmes with a session starting from three months ago on."""

    recent_title = _("formation (sessions des trois derniers mois et à venir)")

    def recent(self):
        from programs.models import Programme, Session

        current = Session.objects.filter(start_date__gte=_window_start()).values("programme_id")
        return Programme.objects.filter(pk__in=current).order_by("title")


# How far back the filters' sessions and programmes reach.
RECENT_DAYS = 90


PROFILE_FIELDS = [
    "profile_name",
    "profile_email",
    "profile_birth_date",
    "profile_phone",
    "profile_commune",
    "profile_level",
    "profile_situation",
    "profile_france_travail_id",
    "profile_employer",
    "profile_consent_at",
]
# The profile's personal fields on the application page (enrollment.admin.privacy).
PERSONAL_PROFILE_DISPLAYS = frozenset({"profile_birth_date", "profile_phone", "profile_france_travail_id"})


SESSION_TITLE_CHARS = 32
# The list's column reads these; the change page and the filter keep the full labels.
ENTRY_ROUTE_SHORT = {
    Application.EntryRoute.DIRECT: _("Direct"),
    Application.EntryRoute.DEROGATION: _("Dérogation"),
    Application.EntryRoute.VAE: _("VAE"),
}


@admin.register(Application)
class ApplicationAdmin(LocalDatesMixin, DocumentDownloadMixin, ExportMixin, admin.ModelAdmin):
    document_model = ApplicationDocument
    document_owner_field = "application"
    document_url_name = "enrollment_application_document"

    # What a decision needs, narrow enough for a 1280 px screen; the rest is on the change page.
    list_display = ["reference", "applicant_name", "session_short", "status_short", "submitted_on", "route_short"]
    list_filter = [
        "status",
        "channel",
        "entry_route",
        ("session__programme", ProgrammeListFilter),
        ("session", SessionListFilter),
        "applicant__applicant_profile__situation",
        "applicant__applicant_profile__commune",
        "convention__partner",
        "submitted_at",
    ]
    search_fields = [
        "reference",
        "=session__reference",
        "applicant__email",
        "applicant__applicant_profile__last_name",
        "applicant__applicant_profile__first_name",
        "applicant__applicant_profile__france_travail_id",
    ]
    search_help_text = _(
        "Nom, prénom, courriel, référence de la candidature, référence exacte de la session "
        "ou identifiant France Travail."
    )
    search_help_text_without_personal_data = _(
        "Nom, prénom, courriel, référence de la candidature ou référence exacte de la session."
    )
    list_select_related = ["applicant__applicant_profile", "session__programme"]
    # At a region's scale: no date hierarchy (it reads every row's date; the "déposée le" filter
    # gives the periods), and one count per page, the filtered one.
    show_full_result_count = False
    # Export only (CSV and Excel), honouring the list's filters and search; no import.
    resource_classes = [ApplicationResource]
    export_form_class = ExportForm
    import_export_change_list_template = "admin/enrollment/application/change_list_export.html"
    inlines = [DocumentInline, HistoryInline, NotificationInline]
    actions = [
        admin_actions.accept,
        admin_actions.waitlist,
        admin_actions.enroll,
        admin_actions.reject,
        admin_actions.cancel,
        admin_actions.offer_next,
    ]
    # Status moves only through the decision actions, which keep seats, history and emails right;
    # who applied, to which session and through which channel or convention are the services'
    # to write: moving an application to another person would hand them the first one's documents.
    readonly_fields = [
        "reference",
        "session",
        "applicant",
        "status",
        "channel",
        "convention",
        "enrolled_by",
        "submitted_at",
        "decided_at",
        "waitlisted_at",
        "offered_at",
        "offer_expires_at",
        "enrolled_at",
        "closed_at",
        "rejection_reason",
        "updated_at",
        *PROFILE_FIELDS,
    ]
    fieldsets = [
        (None, {"fields": ["reference", "session", "applicant", "status", "channel", "convention", "enrolled_by"]}),
        (_("Profil du candidat"), {"fields": PROFILE_FIELDS}),
        (_("Candidature"), {"fields": ["motivation", "entry_route", "entry_justification", "rejection_reason"]}),
        (
            _("Dates"),
            {
                "fields": [
                    "submitted_at",
                    "decided_at",
                    "waitlisted_at",
                    "offered_at",
                    "offer_expires_at",
                    "enrolled_at",
                    "closed_at",
                    "updated_at",
                ]
            },
        ),
    ]

    def has_add_permission(self, request):
        # Applications come from the public flow or the partner space, through the services.
        return False

    # --- Personal fields, for those allowed to read them only (enrollment.admin.privacy) ---

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if may_see_personal_data(request.user):
            return fieldsets
        return [
            (title, {**options, "fields": [f for f in options["fields"] if f not in PERSONAL_PROFILE_DISPLAYS]})
            for title, options in fieldsets
        ]

    def get_search_fields(self, request):
        fields = super().get_search_fields(request)
        if may_see_personal_data(request.user):
            return fields
        return [f for f in fields if not reads_personal_data(f, profile_path="applicant__applicant_profile")]

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        if not may_see_personal_data(request.user):
            changelist.search_help_text = self.search_help_text_without_personal_data
        return changelist

    def get_export_resource_kwargs(self, request, **kwargs):
        # The export's columns follow the same rule as the pages.
        return {
            **super().get_export_resource_kwargs(request, **kwargs),
            "personal_data": may_see_personal_data(request.user),
        }

    # --- Decisions from the change page, through the same services as the list's actions ---

    change_form_template = "admin/enrollment/application/change_form.html"

    def get_urls(self):
        return [
            path(
                "<int:object_id>/decision/<slug:decision>/",
                self.admin_site.admin_view(self.decision_view),
                name="enrollment_application_decision",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        decisions = []
        # The list's actions need the change permission: so do these buttons.
        if obj is not None and not add and self.has_change_permission(request):
            decisions = [
                {
                    "label": decision.label,
                    "needs_reason": decision.needs_reason,
                    "move": decision.move,
                    "url": reverse("admin:enrollment_application_decision", args=[obj.pk, decision.move]),
                }
                for decision in admin_actions.decisions_allowed(obj)
            ]
        context["decisions"] = decisions
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def decision_view(self, request, object_id, decision):
        """One decision on one application: a POST, or for a refusal or a cancellation a reason first."""
        decision = admin_actions.DECISIONS.get(decision)
        if decision is None:
            raise Http404
        if not self.has_change_permission(request):
            raise PermissionDenied
        application = get_object_or_404(Application.objects.select_related("session__programme"), pk=object_id)
        change_url = reverse("admin:enrollment_application_change", args=[application.pk])
        if not decision.needs_reason:
            if request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            admin_actions.decide_one(self, request, application, decision)
            return HttpResponseRedirect(change_url)
        if decision not in admin_actions.decisions_allowed(application):
            # A page shown before the status changed: say why instead of asking for a reason in vain.
            self.message_user(request, admin_actions.refusal(decision, application), messages.ERROR)
            return HttpResponseRedirect(change_url)
        form = admin_actions.ReasonForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            admin_actions.decide_one(self, request, application, decision, reason=form.cleaned_data["reason"])
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": decision.reason_title % {"reference": application.reference},
            "form": form,
            "objects": [application],
            "original": application,
            "opts": self.opts,
            "cancel_url": change_url,
            "submit_label": decision.label,
        }
        return TemplateResponse(
            request, "admin/intermediate_form.html", context, status=400 if request.method == "POST" else 200
        )

    @admin.display(description=_("candidat"), ordering="applicant__applicant_profile__last_name")
    def applicant_name(self, obj):
        profile = getattr(obj.applicant, "applicant_profile", None)
        return profile.full_name if profile else obj.applicant.email

    # --- The list's short columns ---

    @admin.display(description=_("session"), ordering="session__start_date")
    def session_short(self, obj):
        title = obj.session.programme.title
        return format_html(
            '<span class="session-reference">{}</span><br><span class="quiet" title="{}">{}</span>',
            obj.session.reference,
            title,
            Truncator(title).chars(SESSION_TITLE_CHARS),
        )

    @admin.display(description=_("statut"), ordering="status")
    def status_short(self, obj):
        label = obj.get_status_display()
        if obj.status == Application.Status.OFFERED and obj.offer_expires_at:
            return format_html(
                '{}<br><span class="quiet">{}</span>',
                label,
                gettext("réponse avant le %(date)s à %(time)s")
                % {
                    "date": date_short(obj.offer_expires_at),
                    "time": time_short(obj.offer_expires_at).replace(" ", "\u00a0"),
                },
            )
        return label

    @admin.display(description=_("déposée le"), ordering="submitted_at")
    def submitted_on(self, obj):
        return date_short(obj.submitted_at)

    @admin.display(description=_("voie d'accès"), ordering="entry_route")
    def route_short(self, obj):
        return ENTRY_ROUTE_SHORT.get(obj.entry_route) or obj.get_entry_route_display()

    # --- The applicant's profile, read-only on the application ---

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            # The profile block reads the account, the profile and its employer: fetch them once.
            obj = (
                type(obj)
                .objects.select_related("applicant__applicant_profile__employer", "session__programme")
                .get(pk=obj.pk)
            )
        return obj

    @staticmethod
    def _profile(obj):
        return getattr(obj.applicant, "applicant_profile", None) if obj and obj.applicant_id else None

    def _profile_value(self, obj, read):
        profile = self._profile(obj)
        if profile is None:
            return gettext("Profil non renseigné")
        return read(profile) or "—"

    @admin.display(description=_("nom"))
    def profile_name(self, obj):
        return self._profile_value(obj, lambda p: p.full_name)

    @admin.display(description=_("courriel"))
    def profile_email(self, obj):
        return obj.applicant.email if obj and obj.applicant_id else "—"

    @admin.display(description=_("date de naissance"))
    def profile_birth_date(self, obj):
        return self._profile_value(obj, lambda p: date_long(p.birth_date))

    @admin.display(description=_("téléphone"))
    def profile_phone(self, obj):
        return self._profile_value(obj, lambda p: p.phone)

    @admin.display(description=_("commune de résidence"))
    def profile_commune(self, obj):
        return self._profile_value(obj, lambda p: p.get_commune_display())

    @admin.display(description=_("plus haut niveau atteint"))
    def profile_level(self, obj):
        return self._profile_value(obj, lambda p: p.get_highest_level_display() if p.highest_level is not None else "")

    @admin.display(description=_("situation"))
    def profile_situation(self, obj):
        return self._profile_value(obj, lambda p: p.get_situation_display())

    @admin.display(description=_("identifiant France Travail"))
    def profile_france_travail_id(self, obj):
        return self._profile_value(obj, lambda p: p.france_travail_id)

    @admin.display(description=_("employeur partenaire"))
    def profile_employer(self, obj):
        return self._profile_value(
            obj, lambda p: " — ".join(filter(None, [p.employer.name if p.employer_id else "", p.job_title]))
        )

    @admin.display(description=_("consentement RGPD donné le"))
    def profile_consent_at(self, obj):
        return self._profile_value(obj, lambda p: datetime_long(p.consent_at))

    # --- Exports ---

    def get_export_formats(self):
        return [CSV, XLSX]

    def get_export_filename(self, request, queryset, file_format):
        return f"candidatures-{timezone.localdate():%Y-%m-%d}.{file_format.get_extension()}"

    def get_export_data(self, file_format, request, queryset, **kwargs):
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        count = queryset.count()
        log_admin_action(
            request.user,
            queryset.select_related(None).only("pk", "reference"),
            ngettext(
                "Exportée (%(format)s) depuis l'administration, dans un export de %(count)d candidature.",
                "Exportée (%(format)s) depuis l'administration, dans un export de %(count)d candidatures.",
                count,
            )
            % {"format": file_format.get_title(), "count": count},
        )
        return data

    def changelist_view(self, request, extra_context=None):
        params = request.GET.copy()
        params["status__exact"] = Application.Status.ENROLLED
        params.pop("p", None)
        extra_context = {
            **(extra_context or {}),
            "enrolled_query_string": "?" + params.urlencode(),
            # The list needs the screen's width for its columns; the breadcrumbs lead back to the index.
            "is_nav_sidebar_enabled": False,
        }
        return super().changelist_view(request, extra_context)


@admin.register(Notification)
class NotificationAdmin(LocalDatesMixin, admin.ModelAdmin):
    list_display = ["created_at", "email_short", application_link, "state_short"]
    list_filter = ["state", NotificationKindFilter]
    list_select_related = ["application"]
    search_fields = ["recipient_email", "application__reference"]
    # The idempotency key and the rendering data are the outbox's own: staff read what was sent.
    fields = [
        notification_kind,
        "subject",
        "recipient_email",
        "account",
        application_link,
        "state",
        "failure_reason",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
        "next_attempt_at",
        "retry_until",
        "message_id",
    ]
    readonly_fields = fields
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Renvoyer (courriels en échec ou à l'envoi incertain)"), permissions=["change"])
    def resend(self, request, queryset):
        report_each(
            self,
            request,
            queryset,
            lambda notification: outbox.notification_resend(notification=notification),
            log=lambda notification: gettext("Renvoi demandé depuis l'administration."),
        )

    @admin.display(description=_("courriel envoyé"), ordering="template")
    def email_short(self, obj):
        return format_html('{}<br><span class="quiet">{}</span>', obj.kind_label, obj.recipient_email)

    @admin.display(description=_("état"), ordering="state")
    def state_short(self, obj):
        if obj.attempts <= 1 and not obj.failure_reason:
            return obj.get_state_display()
        attempts = ngettext("%(count)d tentative", "%(count)d tentatives", obj.attempts) % {"count": obj.attempts}
        if obj.failure_reason and obj.state != Notification.State.SENT:
            attempts = f"{attempts} — {obj.failure_reason}"
        return format_html('{}<br><span class="quiet">{}</span>', obj.get_state_display(), attempts)

    @admin.display(description=_("compte"))
    def account(self, obj):
        return obj.user.email if obj.user_id else "—"


@admin.register(EnrollmentCertificate)
class EnrollmentCertificateAdmin(LocalDatesMixin, admin.ModelAdmin):
    list_display = [application_reference, "state", "error", "generated_at", "attempts", "download"]
    list_filter = ["state"]
    search_fields = ["application__reference"]
    list_select_related = ["application"]
    readonly_fields = [
        application_link,
        "state",
        "download",
        "data_hash",
        "error",
        "error_detail",
        "attempts",
        "requested_at",
        "generated_at",
    ]
    exclude = ["file", "application"]  # the application shows as a link, under its French name

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("PDF"))
    def download(self, obj):
        if not obj.file:
            return "—"
        url = reverse("admin:enrollment_enrollmentcertificate_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Télécharger"))

    def get_urls(self):
        return [
            path(
                "<int:certificate_id>/pdf/",
                self.admin_site.admin_view(self.download_view),
                name="enrollment_enrollmentcertificate_download",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request, certificate_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        certificate = get_object_or_404(EnrollmentCertificate.objects.select_related("application"), pk=certificate_id)
        return private_file_response(
            certificate.file,
            filename=f"attestation-{certificate.application.reference}.pdf",
            content_type="application/pdf",
        )
