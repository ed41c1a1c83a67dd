from django.db import migrations, models


class Migration(migrations.Migration):
    """The staff report's follow-up figures (backoffice.selectors.participations_in) join each
    followed person to their session from this index alone."""

    dependencies = [
        ("enrollment", "0012_calendar_feed"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="application",
            index=models.Index(fields=["session", "id"], name="application_session_person"),
        ),
    ]
