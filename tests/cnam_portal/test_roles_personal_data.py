"""The personal-data permission in the roles' migrations: granted once it exists, left for later before."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cnam_portal.roles import DIRECTION, GESTIONNAIRE, PERSONAL_DATA, ROLES, sync_roles_migration

pytestmark = pytest.mark.django_db


def _has(group_name: str) -> bool:
    return Group.objects.filter(
        name=group_name, permissions__content_type__app_label="enrollment", permissions__codename="view_personal_data"
    ).exists()


def test_a_roles_migration_before_the_permission_exists_leaves_it_for_the_next_one():
    Group.objects.filter(name__in=ROLES).delete()
    loader = MigrationExecutor(connection).loader
    before = loader.project_state(
        [("cnam_portal", "0003_outbox_roles"), ("enrollment", "0005_notification_moves_to_core")]
    )

    sync_roles_migration(before.apps, None)  # no error for a permission its models do not declare yet

    assert not _has(GESTIONNAIRE) and not _has(DIRECTION)
    sync_roles_migration(loader.project_state(("cnam_portal", "0004_personal_data_roles")).apps, None)
    assert _has(GESTIONNAIRE) and _has(DIRECTION)
    assert PERSONAL_DATA in ROLES[GESTIONNAIRE]
