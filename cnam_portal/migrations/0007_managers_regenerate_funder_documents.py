"""Let the managers ask again for a funder document's render (« Régénérer »; cnam_portal.roles)."""

from django.db import migrations

from cnam_portal.roles import sync_roles_migration


class Migration(migrations.Migration):
    dependencies = [("cnam_portal", "0006_attendance_roles")]

    operations = [migrations.RunPython(sync_roles_migration, migrations.RunPython.noop)]
