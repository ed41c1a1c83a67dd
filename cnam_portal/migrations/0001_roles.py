"""Create the back office's roles (Django groups) with their exact permissions (see cnam_portal.roles)."""

from django.db import migrations

from cnam_portal.roles import sync_roles_migration


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("programs", "0002_search_config_and_audiences"),
        ("partners", "0003_axes"),
        ("enrollment", "0003_vae"),
    ]

    # Removing the migration keeps the groups: staff accounts may still belong to them.
    operations = [migrations.RunPython(sync_roles_migration, migrations.RunPython.noop)]
