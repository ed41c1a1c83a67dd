from django.db import migrations

from ._reference import create_centre


class Migration(migrations.Migration):
    dependencies = [("centre", "0001_initial")]

    operations = [migrations.RunPython(create_centre, migrations.RunPython.noop)]
