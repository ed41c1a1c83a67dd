"""Give the roles their permissions on the centre's record (cnam_portal.roles)."""

from django.db import migrations

from cnam_portal.roles import sync_roles_migration


class Migration(migrations.Migration):
    dependencies = [
        ("cnam_portal", "0001_roles"),
        ("centre", "0002_centre_record"),
    ]

    operations = [migrations.RunPython(sync_roles_migration, migrations.RunPython.noop)]
