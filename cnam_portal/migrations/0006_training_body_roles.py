"""Give the roles their permissions on the training body's record (cnam_portal.roles)."""

from django.db import migrations

from cnam_portal.roles import sync_roles_migration


class Migration(migrations.Migration):
    dependencies = [
        ("cnam_portal", "0005_managers_resend_emails"),
        ("programs", "0004_qualiopi_information_training_body"),
    ]

    operations = [migrations.RunPython(sync_roles_migration, migrations.RunPython.noop)]
