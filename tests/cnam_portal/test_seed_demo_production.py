"""``seed_demo`` on a database that may be production's: refused, or run without a published password.

The demo's passwords are printed by the command and written in the repository: anyone who
reads them could sign in as the demo's superuser. With ``DEBUG`` off (as under pytest, as in
production) the command refuses to run unless told ``--i-know-this-is-production``, and then
gives no demo account a usable password.
"""

import io
import os
import secrets
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from demo import data as demo_data
from demo.management.commands.seed_demo import ADMIN_EMAIL, ADMIN_PASSWORD, APPLICANT_PASSWORD, PARTNER_PASSWORD
from programs.models import Programme
from tests.factories import StaffUserFactory
from tests.stack import ROOT

pytestmark = pytest.mark.django_db

FLAG = "--i-know-this-is-production"
PUBLISHED = (ADMIN_PASSWORD, PARTNER_PASSWORD, APPLICANT_PASSWORD)


def demo_emails() -> list[str]:
    return [
        ADMIN_EMAIL,
        *(member.email for member in demo_data.MEMBERS),
        *(item.email for item in demo_data.APPLICANTS.values()),
    ]


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_with_debug_off_manage_py_refuses_and_writes_nothing(tmp_path):
    # What an operator types on a production server, in a process of its own.
    if connection.vendor == "postgresql":
        database = connection.settings_dict
        database_url = f"postgres://{database['USER'] or 'postgres'}@{database['HOST'] or '127.0.0.1'}:"
        database_url += f"{database['PORT'] or 5432}/{database['NAME']}"
        if database.get("PASSWORD"):
            database_url = database_url.replace("@", f":{database['PASSWORD']}@", 1)
    else:
        database_url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "cnam_portal.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "formations.cnam-mayotte.fr",
        "MAIL_URL": "smtp://portail:secret@smtp.example.fr:587?tls=1",
        "DATA_DIR": str(tmp_path),
        "DATABASE_URL": database_url,
    }
    users_before = get_user_model().objects.count()

    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 1, result.stdout + result.stderr
    assert "DEBUG est désactivé" in result.stderr and FLAG in result.stderr
    assert "Rien n'a été enregistré" in result.stderr
    assert ADMIN_PASSWORD not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert get_user_model().objects.count() == users_before
    assert not Programme.objects.exists()


def test_with_debug_off_call_command_refuses_too():
    with pytest.raises(CommandError, match=FLAG):
        call_command("seed_demo")
    assert not get_user_model().objects.filter(email=ADMIN_EMAIL).exists()


def test_with_the_flag_no_demo_account_has_a_published_password(client):
    output = seed(FLAG)

    accounts = get_user_model().objects.filter(email__in=demo_emails())
    assert accounts.count() == len(demo_emails())
    admin = accounts.get(email=ADMIN_EMAIL)
    assert admin.is_superuser and admin.is_staff
    for account in accounts:
        assert not account.has_usable_password(), account.email
        assert not any(account.check_password(password) for password in PUBLISHED), account.email
    assert not any(password in output for password in PUBLISHED)
    assert "changepassword" in output
    # The attacker who read the README tries the demo's superuser: refused.
    response = client.post(reverse("account_login"), {"login": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert response.status_code == 200
    assert "Adresse de courriel ou mot de passe incorrect : vérifiez-les et réessayez." in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_with_the_flag_demo_accounts_seeded_earlier_in_development_lose_their_published_password():
    with override_settings(DEBUG=True):
        seed()
    assert get_user_model().objects.get(email=ADMIN_EMAIL).check_password(ADMIN_PASSWORD)

    output = seed(FLAG)

    for account in get_user_model().objects.filter(email__in=demo_emails()):
        assert not account.has_usable_password(), account.email
    assert ADMIN_PASSWORD not in output


def test_with_the_flag_an_account_with_its_own_password_keeps_it():
    own = "Un-Vrai-Mot-De-Passe-2026"
    StaffUserFactory(username=ADMIN_EMAIL, email=ADMIN_EMAIL, password=own)

    seed(FLAG)

    assert get_user_model().objects.get(email=ADMIN_EMAIL).check_password(own)


def test_with_debug_on_the_demo_keeps_its_printed_passwords():
    with override_settings(DEBUG=True):
        output = seed()

    assert ADMIN_PASSWORD in output
    assert get_user_model().objects.get(email=ADMIN_EMAIL).check_password(ADMIN_PASSWORD)
