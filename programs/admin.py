from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_kit import LocalDatesMixin
from core.phones import to_e164
from enrollment.seats import annotate_seats
from enrollment.services import sessions

from . import admin_actions
from .formatting import programme_price
from .models import RESULT_FIELDS, Audience, Domain, Programme, Session, Site
from .selectors import session_enrolled_count


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Audience)
class AudienceAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "formacode", "position"]
    search_fields = ["label", "code", "formacode"]
    fields = ["label", "code", "formacode", "position"]


class SessionAdminForm(forms.ModelForm):
    class Meta:
        model = Session
        # The admin pages and the inline give their own fields; capacity is the one checked here.
        fields = ["capacity"]

    def clean_capacity(self):
        capacity = self.cleaned_data["capacity"]
        if self.instance.pk is not None and capacity < self.instance.capacity:
            # Shown at the field; the service checks again with the session locked.
            sessions.session_capacity_check(session=self.instance, capacity=capacity)
        return capacity

    def clean(self):
        cleaned_data = super().clean()
        if any(name in self.changed_data for name in RESULT_FIELDS):
            # Shown at each field; an edit goes through the service, which checks again with the session locked.
            self.instance.reference = cleaned_data.get("reference", self.instance.reference)
            try:
                sessions.session_results_check(
                    session=self.instance,
                    completed=cleaned_data.get("completed_count"),
                    certified=cleaned_data.get("certified_count"),
                )
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned_data


def _session_update(modeladmin, request, session, changed_data, values) -> None:
    """Save staff's edit of an existing session through the service and say who got a freed seat."""
    try:
        result = sessions.session_update(
            session=session, data={name: values[name] for name in changed_data}, by=request.user
        )
    except ValidationError as error:
        # Seats were given between the form's check and the save: nothing was changed.
        for message in error.messages:
            modeladmin.message_user(request, message, messages.ERROR)
        return
    if result.offered:
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d place proposée à la première personne de la liste d'attente.",
                "%(count)d places proposées aux premières personnes de la liste d'attente.",
                len(result.offered),
            )
            % {"count": len(result.offered)},
            messages.INFO,
        )


class SessionInline(admin.TabularInline):
    model = Session
    form = SessionAdminForm
    extra = 0
    fields = ["reference", "site", "start_date", "end_date", "rhythm", "capacity", "state", "reserved_for"]
    autocomplete_fields = ["site", "reserved_for"]
    show_change_link = True


def _funding_names(entry):
    return "funding_route_names" if entry == "funding_routes" else entry


class ProgrammeAdminForm(forms.ModelForm):
    """Staff type the contact's phone as they dial it; the programme keeps it in E.164."""

    class Meta:
        model = Programme
        # The admin gives the form every field of its fieldsets.
        fields = ["contact_phone"]

    def clean_contact_phone(self):
        phone = self.cleaned_data["contact_phone"]
        return to_e164(phone) if phone else phone


@admin.register(Programme)
class ProgrammeAdmin(LocalDatesMixin, admin.ModelAdmin):
    form = ProgrammeAdminForm
    list_display = [
        "title",
        "domain",
        "certification_type",
        "entry_level",
        "modality",
        "is_work_study",
        "vae_available",
        "price",
        "status",
    ]
    list_filter = ["status", "domain", "certification_type", "modality", "is_work_study", "vae_available", "audiences"]
    search_fields = ["title", "code", "rncp_code", "summary"]
    list_select_related = ["domain"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["audiences"]
    readonly_fields = ["published_at", "created_at", "updated_at"]
    inlines = [SessionInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is not Session:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        for session in formset.deleted_objects:
            session.delete()
        for session in formset.new_objects:
            session.save()
        # An edited session goes through the service, as on its own page.
        edited = {inline.instance.pk: inline for inline in formset.initial_forms}
        for session, changed_data in formset.changed_objects:
            _session_update(self, request, session, changed_data, edited[session.pk].cleaned_data)

    fieldsets = [
        (None, {"fields": ["title", "slug", "code", "domain", "status", "published_at"]}),
        (_("Présentation"), {"fields": ["summary", "objectives", "content", "prerequisites"]}),
        (
            _("Informations publiées (Qualiopi)"),
            {
                "fields": ["expected_results", "teaching_methods", "assessment_methods", "disability_access"],
                "description": _(
                    "Ce que l'indicateur 1 de Qualiopi demande de publier. Un champ vide n'est pas affiché ; "
                    "sans texte sur le handicap, la page montre le texte général et le référent handicap de "
                    "l'organisme."
                ),
            },
        ),
        (
            _("Accès"),
            {"fields": ["entry_level", "access_terms", "access_delay_days", "vae_available"]},
        ),
        (
            _("Certification"),
            {
                "fields": [
                    "certification_type",
                    "certification_level",
                    ("rncp_code", "rs_code"),
                    "certification_registered_on",
                    "certifier",
                    "formacode_domain",
                ],
                "description": _(
                    "Un diplôme, un titre RNCP ou un certificat ne peut être publié sans son certificateur "
                    "et son code RNCP ou RS."
                ),
            },
        ),
        (
            _("Organisation"),
            {
                "fields": [
                    "audiences",
                    "modality",
                    "training_path",
                    "rhythm",
                    "is_work_study",
                    ("duration_hours", "duration_months"),
                    "duration_text",
                ]
            },
        ),
        (
            _("Coût, financement et délai de réponse"),
            {"fields": ["price_eur", "price_note", "funding_routes", "response_days"]},
        ),
        (
            _("Contact"),
            {
                "fields": ["contact_name", "contact_email", "contact_phone"],
                "description": _("Vide : la page donne le contact de l'organisme de formation."),
            },
        ),
        (_("Suivi"), {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    @admin.display(description=_("prix"), ordering="price_eur")
    def price(self, obj):
        return programme_price(obj)

    @admin.display(description=_("financements possibles"))
    def funding_route_names(self, obj):
        return ", ".join(str(label) for label in obj.funding_route_labels()) or self.get_empty_value_display()

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        # A read-only page names the funding routes instead of showing the stored JSON list.
        return [
            (title, {**options, "fields": [_funding_names(entry) for entry in options["fields"]]})
            for title, options in fieldsets
        ]


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "commune", "is_remote", "address"]
    list_filter = ["commune", "is_remote"]
    search_fields = ["name", "address"]


@admin.register(Session)
class SessionAdmin(LocalDatesMixin, admin.ModelAdmin):
    list_display = [
        "reference",
        "programme",
        "site",
        "start_date",
        "rhythm",
        "capacity",
        "taken",
        "reserved",
        "free",
        "waitlist",
        "state",
        "reserved_for",
    ]
    list_filter = ["state", "rhythm", "site__commune", "programme__domain", "reserved_for", "start_date"]
    search_fields = ["reference", "programme__title", "programme__code"]
    list_select_related = ["programme", "site", "reserved_for"]
    autocomplete_fields = ["programme", "site", "reserved_for"]
    date_hierarchy = "start_date"
    form = SessionAdminForm
    actions = [admin_actions.duplicate_for_next_run]
    fieldsets = [
        (None, {"fields": ["programme", "reference", "state", "reserved_for"]}),
        (_("Dates et lieu"), {"fields": ["site", "start_date", "end_date", "rhythm", "schedule", "hours"]}),
        (_("Candidatures"), {"fields": ["capacity", "applications_open_at", "applications_close_at"]}),
        (
            _("Résultats"),
            {
                "fields": ["enrolled", "completed_count", "certified_count"],
                "description": _(
                    "À saisir une fois la session terminée : la page de la formation publie les taux "
                    "d'achèvement et de réussite calculés sur les personnes inscrites."
                ),
            },
        ),
        (_("Notes"), {"fields": ["notes"]}),
    ]
    readonly_fields = ["enrolled"]

    def get_queryset(self, request):
        # Seat figures come from one annotated query, never one count per row.
        return annotate_seats(super().get_queryset(request))

    @admin.display(description=_("prises"), ordering="seats_taken")
    def taken(self, obj):
        return obj.seats_taken

    @admin.display(description=_("réservées"), ordering="seats_reserved")
    def reserved(self, obj):
        return obj.seats_reserved

    @admin.display(description=_("libres"), ordering="seats_free")
    def free(self, obj):
        return obj.seats_free

    @admin.display(description=_("liste d'attente"), ordering="waitlist_length")
    def waitlist(self, obj):
        return obj.waitlist_length

    @admin.display(description=_("personnes inscrites"))
    def enrolled(self, obj):
        return session_enrolled_count(session_id=obj.pk) if obj.pk else 0

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        _session_update(self, request, obj, form.changed_data, form.cleaned_data)
