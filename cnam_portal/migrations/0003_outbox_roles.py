"""Give the roles their permission on the outbox, now a model of core (cnam_portal.roles)."""

from django.db import migrations

from cnam_portal.roles import sync_roles_migration


class Migration(migrations.Migration):
    dependencies = [
        ("cnam_portal", "0002_centre_roles"),
        ("core", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync_roles_migration, migrations.RunPython.noop)]
