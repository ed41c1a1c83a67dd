"""The deployment behind the reverse proxy: gunicorn's configuration, HTTPS by default, the deploy check.

``gunicorn.conf.py`` is loaded the way gunicorn loads it, under a controlled environment; the
deploy check runs in a real process with exactly the production environment the README shows.
"""

import os
import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from gunicorn.config import Config

from tests.cnam_portal.test_settings import PRODUCTION_ENV, clean_environment, fresh_settings, refusal

BASE_DIR = Path(__file__).resolve().parents[2]


def gunicorn_config(env: dict[str, str]) -> Config:
    """``gunicorn.conf.py`` read as gunicorn reads it (its names set on a Config), under ``env``."""
    config = Config()
    with mock.patch.dict(os.environ, clean_environment(env), clear=True):
        names = runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))
    for name, value in names.items():
        if name in config.settings:
            config.set(name, value)
    return config


# --- gunicorn.conf.py ----------------------------------------------------------------------------


def test_gunicorn_believes_forwarded_headers_from_the_local_proxy_only_by_default():
    config = gunicorn_config({})

    assert config.forwarded_allow_ips == ["127.0.0.1", "::1"]
    assert config.bind == ["0.0.0.0:8000"]  # what docker-compose publishes


def test_gunicorn_believes_the_configured_proxies():
    config = gunicorn_config({"FORWARDED_ALLOW_IPS": "10.0.0.5, 172.18.0.0/16", "GUNICORN_BIND": "127.0.0.1:8010"})

    assert config.forwarded_allow_ips == ["10.0.0.5", "172.18.0.0/16"]
    assert config.bind == ["127.0.0.1:8010"]


@pytest.mark.parametrize("everyone", ["*", "10.0.0.5,*", "0.0.0.0/0", "::/0", "proxy.internal"])
def test_gunicorn_refuses_to_believe_everyone(everyone):
    with pytest.raises(ValueError, match="FORWARDED_ALLOW_IPS"):
        gunicorn_config({"FORWARDED_ALLOW_IPS": everyone})


def test_gunicorn_bounds_the_request_line_and_headers():
    config = gunicorn_config({})

    assert config.limit_request_line == 4094
    assert config.limit_request_fields == 64
    assert config.limit_request_field_size == 8190


# --- The settings -------------------------------------------------------------------------------


@pytest.mark.parametrize("everyone", ["*", "0.0.0.0/0", "not-an-address"])
def test_the_settings_refuse_to_believe_everyone(tmp_path, everyone):
    env = {**PRODUCTION_ENV, "DATA_DIR": str(tmp_path), "FORWARDED_ALLOW_IPS": everyone}

    assert "FORWARDED_ALLOW_IPS" in refusal(env)


def test_the_settings_and_gunicorn_trust_the_same_proxies(tmp_path):
    env = {**PRODUCTION_ENV, "DATA_DIR": str(tmp_path), "FORWARDED_ALLOW_IPS": "10.0.0.5,172.18.0.0/16"}

    assert gunicorn_config(env).forwarded_allow_ips == fresh_settings(env).TRUSTED_PROXIES


def test_production_is_https_only_by_default(tmp_path):
    loaded = fresh_settings({**PRODUCTION_ENV, "DATA_DIR": str(tmp_path)})

    assert loaded.SECURE_SSL_REDIRECT is True
    assert loaded.SECURE_HSTS_SECONDS == 365 * 24 * 3600
    assert loaded.SECURE_HSTS_INCLUDE_SUBDOMAINS is True
    assert loaded.SECURE_HSTS_PRELOAD is True


def test_a_plain_http_stack_turns_https_off_explicitly(tmp_path):
    env = {**PRODUCTION_ENV, "DATA_DIR": str(tmp_path), "SECURE_SSL_REDIRECT": "0", "SECURE_HSTS_SECONDS": "0"}

    loaded = fresh_settings(env)

    assert loaded.SECURE_SSL_REDIRECT is False
    assert loaded.SECURE_HSTS_SECONDS == 0


def test_development_stays_on_plain_http(tmp_path):
    loaded = fresh_settings({"DEBUG": "1", "DATA_DIR": str(tmp_path)})

    assert loaded.SECURE_SSL_REDIRECT is False
    assert loaded.SECURE_HSTS_SECONDS == 0


def test_styles_need_the_nonce(tmp_path):
    loaded = fresh_settings({**PRODUCTION_ENV, "DATA_DIR": str(tmp_path)})

    assert "'unsafe-inline'" not in loaded.SECURE_CSP["style-src"]


# --- The deploy check, with the README's production environment ---------------------------------


def readme_production_environment() -> str:
    readme = (BASE_DIR / "README.md").read_text()
    found = re.search(r"<!-- production-environment -->\n```sh\n(.*?)```", readme, re.S)
    assert found, "README.md shows no production environment"
    return found.group(1)


def test_the_deploy_check_passes_with_the_readme_production_environment():
    script = readme_production_environment()
    command = f'{script}\nexec "$PORTAL_PYTHON" manage.py check --deploy --fail-level WARNING\n'
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", str(BASE_DIR))}
    env.update({"LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1", "PORTAL_PYTHON": sys.executable})

    result = subprocess.run(
        ["bash", "-e", "-c", command], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120, check=False
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose is not installed")
@pytest.mark.parametrize("profile", [None, "minio"])
def test_docker_compose_accepts_the_file_with_the_example_environment(tmp_path, profile):
    """The compose file as an operator starts it: next to a copy of .env.example, with its password set."""
    shutil.copy(BASE_DIR / "docker-compose.yml", tmp_path / "docker-compose.yml")
    shutil.copy(BASE_DIR / ".env.example", tmp_path / ".env")
    command = ["docker-compose", *(["--profile", profile] if profile else []), "config", "-q"]
    env = {**os.environ, "POSTGRES_PASSWORD": "not-a-real-password"}
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


# --- Recycling by memory ----------------------------------------------------------------------


class _Worker:
    def __init__(self):
        self.alive = True
        self.pid = os.getpid()
        self.log = mock.Mock()


def test_a_worker_is_replaced_only_once_it_outgrows_its_memory_limit():
    config = gunicorn_config({"WEB_MAX_MEMORY_MB": "100000"})
    assert config.max_requests >= 10_000 and config.max_requests_jitter > 0
    worker = _Worker()
    for _ in range(200):
        config.post_request(worker, None, {}, None)
    assert worker.alive

    tiny = gunicorn_config({"WEB_MAX_MEMORY_MB": "1"})
    worker = _Worker()
    for _ in range(19):
        tiny.post_request(worker, None, {}, None)
    assert worker.alive  # checked every 20 requests, not on each
    tiny.post_request(worker, None, {}, None)
    assert not worker.alive
    assert "replaced after this request" in worker.log.info.call_args.args[0]


@pytest.mark.django_db(transaction=True)
def test_gunicorn_replaces_a_worker_over_its_memory_limit_without_failing_a_request():
    """From outside: a limit below any worker's size replaces each worker every 20 requests."""
    import urllib.request

    from django.db import connection

    from tests.stack import ProductionStack, served_database_url

    if connection.vendor != "postgresql" or shutil.which("redis-server") is None:
        pytest.skip("the production stack runs on PostgreSQL with its own redis-server")
    stack = ProductionStack(
        database_url=served_database_url(), web_workers=1, with_worker=False, extra_env={"WEB_MAX_MEMORY_MB": "1"}
    )
    try:
        stack.start()
        statuses = []
        for _ in range(45):
            with urllib.request.urlopen(f"{stack.url}/healthz/live", timeout=30) as response:  # noqa: S310
                statuses.append(response.status)
        log = (stack.data_dir / "gunicorn.log").read_text(errors="replace")
    finally:
        stack.cleanup()
    assert statuses == [200] * 45
    replaced = log.count("replaced after this request")
    assert replaced >= 2, log[-2000:]
    assert log.count("Booting worker") == replaced + 1
