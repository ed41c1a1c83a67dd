"""The centre record created by a migration (its first content is the fields' defaults)."""


def create_centre(apps, schema_editor):
    Centre = apps.get_model("centre", "Centre")
    Centre.objects.get_or_create(singleton=True)
