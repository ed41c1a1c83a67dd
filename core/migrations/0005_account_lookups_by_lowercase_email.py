"""Indexes on the lowercase email and username of accounts.

A partner's import finds the accounts of its staff by their email in lowercase
(``partner_space.invitations``): without these, each of its lookups read every account and
every address row (0.2–0.3 s each at 200,000 accounts). PostgreSQL and SQLite both index an
expression; the tables are Django's and django-allauth's, hence SQL here.
"""

from django.db import migrations

INDEXES = [
    ("account_emailaddress_email_lower", "account_emailaddress", "email"),
    ("auth_user_email_lower", "auth_user", "email"),
    ("auth_user_username_lower", "auth_user", "username"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_notification_claim_task"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} ON {table} (lower({column}))",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, table, column in INDEXES
    ]
