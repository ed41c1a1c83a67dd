"""The settings module, executed afresh under a controlled environment.

Each case runs ``cnam_portal/settings.py`` as a new module with only the variables it
names in ``os.environ`` (nothing inherited from the test run's DATABASE_URL, REDIS_URL…),
so it proves what an operator gets from exactly that environment. Two smoke tests start
a real interpreter, the way production starts, to show the refusal stops the process.
"""

import importlib.util
import io
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings
from django.utils.module_loading import import_string

BASE_DIR = Path(__file__).resolve().parents[2]
SETTINGS_FILE = BASE_DIR / "cnam_portal" / "settings.py"

PRODUCTION_KEY = "prod-like-" + "k3y" * 15  # 55 characters, not a development key
PRODUCTION_ENV = {
    "SECRET_KEY": PRODUCTION_KEY,
    "ALLOWED_HOSTS": "formations.cnam-mayotte.fr",
    "MAIL_URL": "smtp://portail:secret@smtp.example.fr:587?tls=1",
}
# What wires the test run itself stays the test run's: the deploy checks do not read these,
# and swapping them mid-run would reload the app registry, the connections and the storages.
TEST_RUN_WIRING = {"INSTALLED_APPS", "DATABASES", "CACHES", "STORAGES", "LOGGING"}


def clean_environment(env: dict[str, str]) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(BASE_DIR)),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "DJANGO_SETTINGS_MODULE": "cnam_portal.settings",
        **env,
    }


def run_python(code: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, *(["-c", code] if code else []), *args]
    return subprocess.run(
        command, cwd=BASE_DIR, env=clean_environment(env), capture_output=True, text=True, timeout=60, check=False
    )


def fresh_settings(env: dict[str, str]) -> ModuleType:
    """``cnam_portal/settings.py`` executed as a new module with exactly ``env`` as the environment."""
    spec = importlib.util.spec_from_file_location("cnam_portal_settings_under_test", SETTINGS_FILE)
    module = importlib.util.module_from_spec(spec)
    with mock.patch.dict(os.environ, clean_environment(env), clear=True):
        spec.loader.exec_module(module)
    return module


def load_settings(env: dict[str, str]) -> dict:
    """The settings a case looks at."""
    loaded = fresh_settings(env)
    database = loaded.DATABASES["default"]
    cache = loaded.CACHES["default"]
    private_config = loaded.STORAGES["private"]
    private = import_string(private_config["BACKEND"])(**private_config.get("OPTIONS", {}))
    return {
        "DEBUG": loaded.DEBUG,
        "SECRET_KEY": loaded.SECRET_KEY,
        "ALLOWED_HOSTS": loaded.ALLOWED_HOSTS,
        "DB_ENGINE": database["ENGINE"],
        "DB_NAME": str(database["NAME"]),
        "DB_HOST": database.get("HOST", ""),
        "CACHE_BACKEND": cache["BACKEND"],
        "CACHE_LOCATION": cache.get("LOCATION", ""),
        "CELERY_BROKER_URL": loaded.CELERY_BROKER_URL,
        "CELERY_TASK_ALWAYS_EAGER": loaded.CELERY_TASK_ALWAYS_EAGER,
        "MAILERS": loaded.MAILERS,
        "LANGUAGE_CODE": loaded.LANGUAGE_CODE,
        "TIME_ZONE": loaded.TIME_ZONE,
        "USE_TZ": loaded.USE_TZ,
        "STATIC_ROOT": str(loaded.STATIC_ROOT),
        "PRIVATE_LOCATION": str(private.location),
        "PRIVATE_BASE_URL": private.base_url,
        "SESSION_COOKIE_SECURE": loaded.SESSION_COOKIE_SECURE,
        "OFFER_HOLD_HOURS": loaded.OFFER_HOLD_HOURS,
        "DOCUMENT_MAX_BYTES": loaded.DOCUMENT_MAX_BYTES,
    }


def refusal(env: dict[str, str]) -> str:
    """Load the settings and return the ImproperlyConfigured message they fail with."""
    with pytest.raises(ImproperlyConfigured) as refused:
        fresh_settings(env)
    return str(refused.value)


def deploy_check(env: dict[str, str]) -> tuple[bool, str]:
    """``manage.py check --deploy`` on the settings ``env`` gives: (passed, what it printed)."""
    loaded = fresh_settings(env)
    chosen = {name: getattr(loaded, name) for name in dir(loaded) if name.isupper() and name not in TEST_RUN_WIRING}
    out, err = io.StringIO(), io.StringIO()
    # The checks read the environment too (DJANGO_ALLOW_ASYNC_UNSAFE): the same clean one.
    with override_settings(**chosen), mock.patch.dict(os.environ, clean_environment(env), clear=True):
        try:
            call_command("check", "--deploy", stdout=out, stderr=err)
        except SystemCheckError as error:
            return False, f"{out.getvalue()}{err.getvalue()}{error}"
    return True, out.getvalue() + err.getvalue()


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
    # The Redis cache that fails open: sign-in survives its outage (tests/core/test_cache_outage.py).
    assert loaded["CACHE_BACKEND"] == "core.cache.FailOpenRedisCache"
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


@pytest.mark.django_db  # on SQLite, the model checks ask the database what it supports
def test_deploy_check_accepts_a_production_configuration(tmp_path):
    env = {
        **PRODUCTION_ENV,
        "DATA_DIR": str(tmp_path),
        "SECURE_SSL_REDIRECT": "1",
        "SECURE_HSTS_SECONDS": "31536000",
        "BEHIND_TLS_PROXY": "1",
    }

    passed, output = deploy_check(env)

    assert passed, output
    assert "mail.E001" not in output
    assert "security.W009" not in output  # SECRET_KEY strength
    assert "security.W018" not in output  # DEBUG


@pytest.mark.django_db  # on SQLite, the model checks ask the database what it supports
def test_deploy_check_flags_a_console_mailer(tmp_path):
    env = {**PRODUCTION_ENV, "DATA_DIR": str(tmp_path), "MAIL_URL": "console://"}

    passed, output = deploy_check(env)

    assert not passed
    assert "mail.E001" in output


# --- The refusal, in a real process: what an operator sees when the portal will not start ---


def test_manage_py_refuses_to_start_with_the_defaults(tmp_path):
    # DEBUG off and nothing configured: the development key is not there to fall back on.
    result = run_python("", {"DATA_DIR": str(tmp_path)}, "manage.py", "check")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr, result.stderr
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr.strip().splitlines()[-1]


def test_the_web_server_refuses_to_load_with_the_development_key(tmp_path):
    env = {
        **PRODUCTION_ENV,
        "DATA_DIR": str(tmp_path),
        "SECRET_KEY": "dev-only-insecure-secret-key-do-not-use-in-production",
    }

    result = run_python("import cnam_portal.wsgi", env)

    assert result.returncode != 0, f"the WSGI application loaded but should have refused: {result.stdout}"
    assert "ImproperlyConfigured" in result.stderr, result.stderr
    assert "development or too short key" in result.stderr.strip().splitlines()[-1]


def test_a_worker_child_limit_of_zero_means_none_as_celery_reads_it():
    """billiard refuses 0 tasks per child ("must be a positive int or None"): 0 in the environment means no limit."""
    unlimited = fresh_settings(
        {"DEBUG": "1", "CELERY_WORKER_MAX_TASKS_PER_CHILD": "0", "CELERY_WORKER_MAX_MEMORY_PER_CHILD": "0"}
    )
    assert unlimited.CELERY_WORKER_MAX_TASKS_PER_CHILD is None
    assert unlimited.CELERY_WORKER_MAX_MEMORY_PER_CHILD is None
    default = fresh_settings({"DEBUG": "1"})
    assert default.CELERY_WORKER_MAX_TASKS_PER_CHILD == 1000
    assert default.CELERY_WORKER_MAX_MEMORY_PER_CHILD == 256 * 1024
