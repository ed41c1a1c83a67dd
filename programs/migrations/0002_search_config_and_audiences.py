from django.db import migrations

AUDIENCES = [
    ("demandeurs-emploi", "Demandeurs d'emploi", 1),
    ("jeunes", "Jeunes en recherche de qualification ou en décrochage", 2),
    ("salaries", "Salariés", 3),
    ("agents-publics", "Agents publics", 4),
    ("tout-public", "Tout public adulte", 5),
]

# French stemming over unaccented words, and a GIN index on the programme
# vector: "electricite" finds "Électricité", plurals find singulars.
POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """
    DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'french_unaccent') THEN
            CREATE TEXT SEARCH CONFIGURATION french_unaccent (COPY = french);
            ALTER TEXT SEARCH CONFIGURATION french_unaccent
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
        END IF;
    END $$;
    """,
    "CREATE INDEX IF NOT EXISTS programme_search_gin ON programs_programme USING gin (search_vector)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS programme_search_gin",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS french_unaccent",
]


def create_search(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in POSTGRES_FORWARD:
        schema_editor.execute(statement)


def drop_search(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in POSTGRES_BACKWARD:
        schema_editor.execute(statement)


def create_audiences(apps, schema_editor):
    Audience = apps.get_model("programs", "Audience")
    for code, label, position in AUDIENCES:
        Audience.objects.update_or_create(code=code, defaults={"label": label, "position": position})


class Migration(migrations.Migration):
    dependencies = [("programs", "0001_initial")]

    operations = [
        migrations.RunPython(create_search, drop_search),
        migrations.RunPython(create_audiences, migrations.RunPython.noop),
    ]
