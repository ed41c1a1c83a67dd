"""Let the managers resend an email that failed from the admin (cnam_portal.roles)."""

from django.db import migrations

from cnam_portal.roles import sync_roles_migration


class Migration(migrations.Migration):
    dependencies = [
        ("cnam_portal", "0004_personal_data_roles"),
        ("core", "0003_outbox_delivery_states"),
    ]

    operations = [migrations.RunPython(sync_roles_migration, migrations.RunPython.noop)]
