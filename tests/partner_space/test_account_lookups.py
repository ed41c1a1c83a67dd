"""Finding staff's accounts by email reads an index, not every account of the region."""

import pytest
from django.db import connection

from partner_space import invitations
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # On a few rows the planner would rightly read the table: ask whether an index serves the lookup.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_lookups_by_lowercase_email_and_username_read_an_index(django_assert_max_num_queries):
    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.db.models.functions import Lower

    UserFactory.create_batch(3)
    emails = ["amina.madi@mairie-tsingoni.yt", "said.ali@mairie-tsingoni.yt"]
    User = get_user_model()
    plans = {
        "address": _plan(EmailAddress.objects.annotate(e=Lower("email")).filter(e__in=emails)),
        "login": _plan(User.objects.annotate(e=Lower("email")).filter(e__in=emails)),
        "username": _plan(User.objects.annotate(u=Lower("username")).filter(u__in=emails)),
    }
    assert "account_emailaddress_email_lower" in plans["address"], plans["address"]
    assert "auth_user_email_lower" in plans["login"], plans["login"]
    assert "auth_user_username_lower" in plans["username"], plans["username"]
    # The import's own lookups are these.
    with django_assert_max_num_queries(2):
        assert invitations.users_for_emails(emails) == {}
