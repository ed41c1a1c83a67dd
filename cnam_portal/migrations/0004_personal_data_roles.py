"""Give the managers and the direction the right to read applicants' personal data (cnam_portal.roles)."""

from django.db import migrations

from cnam_portal.roles import sync_roles_migration


class Migration(migrations.Migration):
    dependencies = [
        ("cnam_portal", "0003_outbox_roles"),
        ("enrollment", "0007_personal_data_permission"),
    ]

    operations = [migrations.RunPython(sync_roles_migration, migrations.RunPython.noop)]
