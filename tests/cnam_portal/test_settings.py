"""The settings module, loaded in a fresh interpreter under a controlled environment.

Each case starts ``python`` with only the variables it names (nothing inherited
from the test run's DATABASE_URL, REDIS_URL…), so it proves what an operator
gets from exactly that environment.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages

BASE_DIR = Path(__file__).resolve().parents[2]

PRODUCTION_KEY = "prod-like-" + "k3y" * 15  # 55 characters, not a development key
PRODUCTION_ENV = {
    "SECRET_KEY": PRODUCTION_KEY,
    "ALLOWED_HOSTS": "formations.cnam-mayotte.fr",
    "MAIL_URL": "smtp://portail:secret@smtp.example.fr:587?tls=1",
}

# Prints the settings a case looks at, as JSON.
PROBE = """
import json
import django
from django.conf import settings
from django.core.files.storage import storages

django.setup()
private = storages["private"]
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "SECRET_KEY": settings.SECRET_KEY,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "DB_ENGINE": settings.DATABASES["default"]["ENGINE"],
    "DB_NAME": str(settings.DATABASES["default"]["NAME"]),
    "DB_HOST": settings.DATABASES["default"].get("HOST", ""),
    "CACHE_BACKEND": settings.CACHES["default"]["BACKEND"],
    "CACHE_LOCATION": settings.CACHES["default"].get("LOCATION", ""),
    "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    "CELERY_TASK_ALWAYS_EAGER": settings.CELERY_TASK_ALWAYS_EAGER,
    "MAILERS": settings.MAILERS,
    "LANGUAGE_CODE": settings.LANGUAGE_CODE,
    "TIME_ZONE": settings.TIME_ZONE,
    "USE_TZ": settings.USE_TZ,
    "STATIC_ROOT": str(settings.STATIC_ROOT),
    "PRIVATE_LOCATION": str(private.location),
    "PRIVATE_BASE_URL": private.base_url,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "OFFER_HOLD_HOURS": settings.OFFER_HOLD_HOURS,
    "DOCUMENT_MAX_BYTES": settings.DOCUMENT_MAX_BYTES,
}))
"""


def run_python(code: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    clean_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(BASE_DIR)),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "DJANGO_SETTINGS_MODULE": "cnam_portal.settings",
        **env,
    }
    command = [sys.executable, *(["-c", code] if code else []), *args]
    return subprocess.run(command, cwd=BASE_DIR, env=clean_env, capture_output=True, text=True, timeout=60, check=False)


def load_settings(env: dict[str, str]) -> dict:
    result = run_python(PROBE, env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def refusal(env: dict[str, str]) -> str:
    """Load the settings and return the ImproperlyConfigured message they fail with."""
    result = run_python(PROBE, env)
    assert result.returncode != 0, f"settings loaded but should have refused: {result.stdout}"
    assert "ImproperlyConfigured" in result.stderr, result.stderr
    return result.stderr.strip().splitlines()[-1]


def test_embedded_defaults_run_on_any_machine(tmp_path):
    loaded = load_settings({"DEBUG": "1", "DATA_DIR": str(tmp_path)})

    assert loaded["DEBUG"] is True
    assert loaded["DB_ENGINE"] == "django.db.backends.sqlite3"
    assert loaded["DB_NAME"] == str(tmp_path / "db.sqlite3")
    assert loaded["CELERY_TASK_ALWAYS_EAGER"] is True
    assert loaded["CACHE_BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert loaded["MAILERS"]["default"]["BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert set(loaded["ALLOWED_HOSTS"]) >= {"localhost", "127.0.0.1"}
    assert loaded["SESSION_COOKIE_SECURE"] is False
    assert loaded["OFFER_HOLD_HOURS"] == 48
    assert loaded["DOCUMENT_MAX_BYTES"] == 5 * 1024 * 1024


def test_without_data_dir_the_sqlite_database_lives_under_var():
    loaded = load_settings({"DEBUG": "1"})

    assert loaded["DB_NAME"] == str(BASE_DIR / "var" / "db.sqlite3")


def test_services_come_from_their_urls(tmp_path):
    loaded = load_settings(
        {
            **PRODUCTION_ENV,
            "DATA_DIR": str(tmp_path),
            "DATABASE_URL": "postgres://cnam:pw@db.internal:5432/cnam",
            "REDIS_URL": "redis://cache.internal:6379/1",
            "CELERY_BROKER_URL": "redis://cache.internal:6379/0",
            "OFFER_HOLD_HOURS": "24",
        }
    )

    assert loaded["DEBUG"] is False
    assert loaded["DB_ENGINE"] == "django.db.backends.postgresql"
    assert (loaded["DB_NAME"], loaded["DB_HOST"]) == ("cnam", "db.internal")
    assert loaded["CELERY_BROKER_URL"] == "redis://cache.internal:6379/0"
    assert loaded["CELERY_TASK_ALWAYS_EAGER"] is False
    assert loaded["CACHE_BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert loaded["CACHE_LOCATION"] == "redis://cache.internal:6379/1"
    assert loaded["SESSION_COOKIE_SECURE"] is True
    assert loaded["OFFER_HOLD_HOURS"] == 24


def test_mail_url_configures_the_smtp_mailer(tmp_path):
    loaded = load_settings(
        {**PRODUCTION_ENV, "DATA_DIR": str(tmp_path), "MAIL_URL": "smtp://u:p%40ss@smtp.example.fr:587?tls=1"}
    )

    mailer = loaded["MAILERS"]["default"]
    assert mailer["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert mailer["OPTIONS"] == {
        "host": "smtp.example.fr",
        "port": 587,
        "username": "u",
        "password": "p@ss",
        "use_tls": True,
        "use_ssl": False,
        "timeout": 20,
    }


def test_smtps_mail_url_uses_implicit_tls(tmp_path):
    loaded = load_settings({**PRODUCTION_ENV, "DATA_DIR": str(tmp_path), "MAIL_URL": "smtps://u:p@smtp.example.fr"})

    options = loaded["MAILERS"]["default"]["OPTIONS"]
    assert (options["port"], options["use_ssl"], options["use_tls"]) == (465, True, False)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY is required when DEBUG is off"),
        ({"SECRET_KEY": "dev-only-insecure-secret-key-do-not-use-in-production"}, "development or too short key"),
        ({"SECRET_KEY": "dev-" + "x" * 60}, "development or too short key"),
        ({"SECRET_KEY": "short-but-not-dev-key"}, "development or too short key"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS is required when DEBUG is off"),
        ({"MAIL_URL": None}, "MAIL_URL is required when DEBUG is off"),
        ({"MAIL_URL": "gopher://mail.example.fr"}, "MAIL_URL: unsupported scheme"),
    ],
    ids=[
        "no-secret-key",
        "dev-secret-key",
        "dev-prefixed-key",
        "short-key",
        "no-allowed-hosts",
        "no-mail-url",
        "bad-mail-url",
    ],
)
def test_production_refuses_to_start_on_an_unsafe_value(tmp_path, change, expected):
    env = {**PRODUCTION_ENV, "DATA_DIR": str(tmp_path)}
    for name, value in change.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value

    assert expected in refusal(env)


@pytest.mark.parametrize("debug", ["0", "", "false", "no"])
def test_debug_is_off_unless_asked(tmp_path, debug):
    loaded = load_settings({**PRODUCTION_ENV, "DATA_DIR": str(tmp_path), "DEBUG": debug})

    assert loaded["DEBUG"] is False


def test_portal_speaks_french_in_mayotte_time(tmp_path):
    loaded = load_settings({"DEBUG": "1", "DATA_DIR": str(tmp_path)})

    assert loaded["LANGUAGE_CODE"] == "fr"
    assert loaded["TIME_ZONE"] == "Indian/Mayotte"
    assert loaded["USE_TZ"] is True


def test_private_documents_are_stored_outside_served_folders(tmp_path):
    loaded = load_settings({**PRODUCTION_ENV, "DATA_DIR": str(tmp_path)})

    private = Path(loaded["PRIVATE_LOCATION"])
    static_root = Path(loaded["STATIC_ROOT"])
    assert private == tmp_path / "private"
    assert not private.is_relative_to(static_root)
    assert not static_root.is_relative_to(private)


def test_private_documents_have_no_url(tmp_path):
    loaded = load_settings({**PRODUCTION_ENV, "DATA_DIR": str(tmp_path)})

    assert loaded["PRIVATE_BASE_URL"] is None
    with pytest.raises(ValueError, match="no URL"):
        storages["private"].url("documents/anything.pdf")


@pytest.mark.django_db
def test_a_stored_private_document_is_not_served(client):
    storage = storages["private"]
    name = storage.save("documents/secret-test.pdf", ContentFile(b"%PDF-1.4 donnees personnelles"))
    try:
        for path in (f"/{name}", f"/media/{name}", f"/static/{name}", f"/private/{name}"):
            response = client.get(path)
            assert response.status_code == 404, path
            assert b"donnees personnelles" not in response.content
    finally:
        storage.delete(name)


def test_deploy_check_accepts_a_production_configuration(tmp_path):
    env = {
        **PRODUCTION_ENV,
        "DATA_DIR": str(tmp_path),
        "SECURE_SSL_REDIRECT": "1",
        "SECURE_HSTS_SECONDS": "31536000",
        "BEHIND_TLS_PROXY": "1",
    }

    result = run_python("", env, "manage.py", "check", "--deploy")

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "mail.E001" not in output
    assert "security.W009" not in output  # SECRET_KEY strength
    assert "security.W018" not in output  # DEBUG


def test_deploy_check_flags_a_console_mailer(tmp_path):
    env = {**PRODUCTION_ENV, "DATA_DIR": str(tmp_path), "MAIL_URL": "console://"}

    result = run_python("", env, "manage.py", "check", "--deploy")

    assert result.returncode != 0
    assert "mail.E001" in result.stdout + result.stderr
