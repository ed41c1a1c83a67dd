from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from core.formatting import datetime_long

from .forms import CentreAdminForm
from .models import Centre
from .services import centre_ensure, centre_save

PUBLIC_PAGES = [
    ("centre:contact", _("Contact")),
    ("centre:legal_notice", _("Mentions légales")),
    ("centre:privacy", _("Données personnelles")),
    ("centre:accessibility", _("Déclaration d'accessibilité")),
]


@admin.register(Centre)
class CentreAdmin(admin.ModelAdmin):
    """The one record: staff edit it, never add a second one nor delete it."""

    form = CentreAdminForm
    readonly_fields = ["public_pages", "last_update"]
    fieldsets = [
        (None, {"fields": ["public_pages", "last_update"]}),
        (
            _("Identité et contact"),
            {"fields": ["name", "address_line", ("postal_code", "city"), "phone", "email", "opening_hours"]},
        ),
        (
            _("Publication et hébergement"),
            {"fields": ["publication_director", "host_name", "host_address", "host_phone"]},
        ),
        (
            _("Organisme de formation"),
            {
                "fields": [
                    "legal_name",
                    "legal_form",
                    "siret",
                    "activity_declaration_number",
                    "disability_referent_name",
                    ("disability_referent_email", "disability_referent_phone"),
                ]
            },
        ),
        (
            _("Mentions légales"),
            {"fields": ["legal_intellectual_property", "legal_licence"], "classes": ["collapse"]},
        ),
        (
            _("Données personnelles"),
            {
                "fields": [
                    "dpo_email",
                    "privacy_controller",
                    "privacy_data",
                    "privacy_purposes",
                    "privacy_retention",
                    "privacy_recipients",
                    "privacy_security",
                    "privacy_rights",
                    "privacy_complaint",
                    "privacy_cookies",
                ],
                "classes": ["collapse"],
            },
        ),
        (
            _("Déclaration d'accessibilité"),
            {
                "fields": [
                    "accessibility_state",
                    "accessibility_declared_on",
                    "accessibility_commitment",
                    "accessibility_audit",
                    "accessibility_non_compliant",
                    "accessibility_derogations",
                    "accessibility_exempt",
                    "accessibility_method",
                    "accessibility_feedback",
                    "accessibility_remedies",
                ],
                "classes": ["collapse"],
            },
        ),
    ]

    # The record always exists (the migration creates it, the list restores it): nothing to add,
    # and no query on every admin page to find out.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # A list of one row is a detour: go straight to the form, for those who may read it (the
        # list's own permission check is skipped here, so it is made first).
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return redirect("admin:centre_centre_change", centre_ensure().pk)

    def save_model(self, request, obj, form, change):
        centre_save(centre=obj)

    @admin.display(description=_("pages publiques"))
    def public_pages(self, obj):
        return format_html_join(
            ", ",
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            ((reverse(n), label) for n, label in PUBLIC_PAGES),
        )

    @admin.display(description=_("dernière modification"))
    def last_update(self, obj):
        return datetime_long(obj.updated_at) if obj.pk else "—"
