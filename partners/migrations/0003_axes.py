from django.db import migrations

from ._reference import create_axes


class Migration(migrations.Migration):
    dependencies = [("partners", "0002_initial")]

    operations = [migrations.RunPython(create_axes, migrations.RunPython.noop)]
