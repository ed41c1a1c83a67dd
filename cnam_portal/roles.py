"""The back office's roles: Django groups with exactly the permissions each job needs.

A data migration creates them (``cnam_portal/migrations/0001_roles.py``) and
``manage.py sync_roles`` puts them back to this definition after a change here; both
call :func:`sync_roles`. A permission listed here that does not exist is an error, never
skipped: a role must not silently lose part of its work.

Staff accounts also need ``is_staff`` to reach the admin; a role gives no superuser right.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.core.exceptions import ImproperlyConfigured

CRUD = ("view", "add", "change", "delete")

GESTIONNAIRE = "Gestionnaire formations"
CHARGE_PARTENARIATS = "Chargé de partenariats"
DIRECTION = "Direction"

# Every model the back office shows; Direction reads all of them.
BUSINESS_MODELS = {
    "programs": ["domain", "audience", "programme", "site", "session"],
    "partners": [
        "partner",
        "partnermember",
        "axis",
        "convention",
        "conventionarticle",
        "signatory",
        "conventiondocument",
        "seatallocation",
        "callforprojects",
    ],
    "enrollment": [
        "applicantprofile",
        "application",
        "applicationstatuschange",
        "applicationdocument",
        "enrollmentcertificate",
        "vaerequest",
        "vaestagechange",
        "vaedocument",
    ],
    # The centre's identity, contact and legal pages (one record).
    "centre": ["centre"],
    # Course days, trainers, attendance sheets, follow-up and the funders' documents.
    "attendance": [
        "trainer",
        "slot",
        "slotchange",
        "attendancesheet",
        "attendance",
        "attendancechange",
        "participation",
        "participationchange",
        "absencealert",
        "funderdocument",
        "funderdocumentversion",
    ],
    # The email outbox.
    "core": ["notification"],
}


# The France Travail id, birth date, phone and address of applicants (enrollment.admin.privacy);
# their documents need the document models' own view permission.
PERSONAL_DATA = "enrollment.view_personal_data"


def _perms(app_label: str, model: str, actions) -> list[str]:
    return [f"{app_label}.{action}_{model}" for action in actions]


def _all_views() -> list[str]:
    return [
        perm for app, models in BUSINESS_MODELS.items() for model in models for perm in _perms(app, model, ["view"])
    ]


ROLES: dict[str, list[str]] = {
    # The catalogue and the applications (decisions through the admin actions), VAE requests;
    # conventions and allocations read-only, to see which seats partners hold.
    GESTIONNAIRE: [
        *(perm for model in BUSINESS_MODELS["programs"] for perm in _perms("programs", model, CRUD)),
        *_perms("enrollment", "application", ["view", "change"]),
        *_perms("enrollment", "applicantprofile", ["view", "change"]),
        # They instruct applications: France Travail id, birth date, phone, address, documents.
        PERSONAL_DATA,
        *_perms("enrollment", "applicationdocument", ["view"]),
        *_perms("enrollment", "applicationstatuschange", ["view"]),
        # They answer « je n'ai rien reçu »: resend an email that failed (every field stays read-only).
        *_perms("core", "notification", ["view", "change"]),
        *_perms("enrollment", "enrollmentcertificate", ["view"]),
        *_perms("enrollment", "vaerequest", ["view", "change"]),
        *_perms("enrollment", "vaestagechange", ["view", "add"]),
        *_perms("enrollment", "vaedocument", ["view"]),
        *_perms("partners", "partner", ["view"]),
        *_perms("partners", "convention", ["view"]),
        *_perms("partners", "seatallocation", ["view"]),
        # They keep the public information current: contact, opening hours, legal pages.
        *_perms("centre", "centre", ["view", "change"]),
        # They run the courses: trainers, course days, sheets (corrected with a reason), follow-up.
        *(perm for model in ("trainer", "slot") for perm in _perms("attendance", model, CRUD)),
        *_perms("attendance", "slotchange", ["view"]),
        *_perms("attendance", "attendancesheet", ["view", "change"]),
        *_perms("attendance", "attendance", ["view", "change"]),
        *_perms("attendance", "attendancechange", ["view"]),
        *_perms("attendance", "participation", ["view", "change"]),
        *_perms("attendance", "participationchange", ["view"]),
        *_perms("attendance", "absencealert", ["view", "change"]),
        # « Régénérer » a funder document asks for its render again (a new version if its data changed).
        *_perms("attendance", "funderdocument", ["view", "change"]),
        *_perms("attendance", "funderdocumentversion", ["view"]),
    ],
    # Partners, conventions (PDF versions are produced, never typed in) and calls for projects;
    # the catalogue and applications read-only (a convention's staff list needs the latter). No
    # personal data nor documents: the staff list needs names, emails and job titles, which every
    # reader of applications sees, even for the staff a partner enrolled.
    CHARGE_PARTENARIATS: [
        *(
            perm
            for model in (
                "partner",
                "partnermember",
                "convention",
                "conventionarticle",
                "signatory",
                "seatallocation",
                "callforprojects",
            )
            for perm in _perms("partners", model, CRUD)
        ),
        *_perms("partners", "conventiondocument", ["view", "change"]),
        *_perms("partners", "axis", ["view"]),
        *(perm for model in BUSINESS_MODELS["programs"] for perm in _perms("programs", model, ["view"])),
        *_perms("enrollment", "application", ["view"]),
    ],
    # Reads everything, changes nothing; the reports read the same data.
    DIRECTION: [*_all_views(), PERSONAL_DATA],
}


def _ensure_permissions(apps) -> None:
    """Create missing content types and permissions now: inside a migration ``post_migrate`` has not run yet."""
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, apps=apps)


def _permission_exists(apps, perm: str) -> bool:
    """Whether ``apps`` has a model declaring ``perm``: a default one, or one of its ``Meta.permissions``."""
    app_label, codename = perm.split(".", 1)
    try:
        models = apps.get_app_config(app_label).get_models()
    except LookupError:
        return False
    return any(
        codename in {f"{action}_{model._meta.model_name}" for action in model._meta.default_permissions}
        or codename in {name for name, _label in model._meta.permissions}
        for model in models
    )


def sync_roles(apps=global_apps, *, roles: dict[str, list[str]] | None = None) -> dict[str, int]:
    """Create or update each role's group so that it holds exactly its listed permissions.

    ``apps`` is the migration's historical registry, or the project's. In a migration, the
    permissions of models (or of ``Meta.permissions``) a later migration creates are left for
    that migration, which calls this again (``migrations.RunPython(sync_roles_migration)``).
    Returns the number of permissions per group.
    """
    roles = ROLES if roles is None else roles
    if apps is not global_apps:
        roles = {name: [perm for perm in perms if _permission_exists(apps, perm)] for name, perms in roles.items()}
    _ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    wanted = {perm for perms in roles.values() for perm in perms}
    by_key = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.filter(
            content_type__app_label__in={perm.split(".", 1)[0] for perm in wanted}
        ).values_list("pk", "content_type__app_label", "codename")
    }
    missing = sorted(wanted - by_key.keys())
    if missing:
        raise ImproperlyConfigured(f"Roles list unknown permissions: {', '.join(missing)}")

    counts = {}
    for name, perms in roles.items():
        group, _created = Group.objects.get_or_create(name=name)
        ids = {by_key[perm] for perm in perms}
        group.permissions.set(ids)
        counts[name] = len(ids)
    return counts


def sync_roles_migration(apps, schema_editor):
    """``RunPython`` entry point: sync the roles with the migration's historical models."""
    sync_roles(apps)
