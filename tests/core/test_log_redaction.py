"""No log line holds a token or a search term: gunicorn's access log and Django's own lines.

An attacker who reads the logs (a log service, a shared disk, a support ticket with a log
excerpt) must find no link that opens an account and no name typed in a search; and the
refusals the portal makes on purpose (403, 400) are one line each, not a traceback.
"""

import datetime
import http.client
import io
import logging
import os
import runpy
import signal
import smtplib
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote, urlsplit

import pytest
from django.core.exceptions import PermissionDenied
from django.core.mail.backends import locmem
from django.db import connection
from django.test import Client, override_settings
from django.urls import get_resolver, include, path, reverse
from gunicorn.config import Config

from core import outbox
from core.claims import claim_url, invitation_token_generator
from core.gunicorn_logging import RedactingLogger
from core.log_redaction import MASK, REDACTION_RULES, redact_uri
from tests.factories import StaffUserFactory, UserFactory
from tests.stack import ROOT, free_port

RESET_KEY = "cz8ahq-8f3a2b91c4d5e6f7a8b9c0d1e2f3a4b5"
CONFIRM_KEY = "MTI:1uSpQz:Wq0x3tWm3Zb1rYkz2Dq4e5F6g7H8i9J0kLmNoPqRsTu"
CLAIM_TOKEN = "cz8ahq-0123456789abcdef0123"


# --- The rules, one by one, on gunicorn's own atoms ---------------------------------------------


def gunicorn_config() -> Config:
    """gunicorn's configuration as the portal's gunicorn.conf.py sets it."""
    cfg = Config()
    for name, value in runpy.run_path(str(ROOT / "gunicorn.conf.py")).items():
        if name in cfg.settings:
            cfg.set(name, value)
    return cfg


def access_line(target: str, *, referer: str = "-") -> str:
    """The line gunicorn's access log writes for a GET of ``target``, built as gunicorn builds it."""
    cfg = gunicorn_config()
    logger = cfg.logger_class(cfg)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.access_log.addHandler(handler)
    path, _sep, query = target.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": target,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.7",
        "HTTP_REFERER": referer,
        "HTTP_USER_AGENT": "Mozilla/5.0",
    }
    headers = [("HOST", "portail.example"), ("USER-AGENT", "Mozilla/5.0")]
    if referer != "-":
        headers.append(("REFERER", referer))
    response = SimpleNamespace(status="200 OK", sent=1234, headers=[("Content-Type", "text/html")])
    try:
        logger.access(response, SimpleNamespace(headers=headers), environ, datetime.timedelta(milliseconds=12))
    finally:
        logger.access_log.removeHandler(handler)
    return stream.getvalue()


def test_the_portal_configures_the_redacting_logger():
    assert gunicorn_config().logger_class is RedactingLogger


@pytest.mark.parametrize(
    ("target", "secret", "kept"),
    [
        # django-allauth's password-reset link, and the page it redirects to.
        (f"/compte/password/reset/key/{RESET_KEY}/", RESET_KEY, "/compte/password/reset/key/"),
        ("/compte/password/reset/key/cz8ahq-set-password/", "cz8ahq", "/compte/password/reset/key/"),
        # django-allauth's email confirmation link.
        (f"/compte/confirm-email/{CONFIRM_KEY}/", CONFIRM_KEY, "/compte/confirm-email/"),
        # The link that confirms an account's deletion.
        ("/candidatures/mes-donnees/suppression/MTI:1uSpQz:deadbeef/", "deadbeef", "/mes-donnees/suppression/"),
        # The claim link of an account a partner created (core.claims).
        (f"/partenaires/activer/cz8/{CLAIM_TOKEN}/", CLAIM_TOKEN, "/partenaires/activer/"),
        # The same, percent-encoded to slip past a naive pattern.
        (f"/partenaires%2Factiver/cz8/{CLAIM_TOKEN}/", CLAIM_TOKEN, "/partenaires/activer/"),
        # A search on applicants' names in the admin, and in the back-office report.
        ("/admin/enrollment/application/?q=Dupont&status__exact=recue", "Dupont", "q=&status__exact="),
        ("/admin/rapports/?commune=Mamoudzou&q=Fatima+Said", "Fatima", "commune=&q="),
        # A search on a partner's staff.
        ("/partenaires/?q=Madi", "Madi", "/partenaires/?q="),
        # A claim link handed over as ``next``, even on the public catalogue.
        (f"/formations/?next=/partenaires/activer/cz8/{CLAIM_TOKEN}/", CLAIM_TOKEN, "/formations/?next="),
        (f"/compte/login/?next=/partenaires/activer/cz8/{CLAIM_TOKEN}/", CLAIM_TOKEN, "/compte/login/?next="),
        # A bare value.
        ("/candidatures/?Dupont", "Dupont", "/candidatures/?"),
    ],
)
def test_the_access_log_line_carries_no_token_and_no_search_term(target, secret, kept):
    line = access_line(target)

    assert secret not in line
    assert MASK in line
    assert kept in line.replace(MASK, "")
    assert '"GET ' in line and ' HTTP/1.1" 200 1234 ' in line


def test_the_referer_of_a_page_under_a_token_url_is_redacted():
    # The page a reset link opens sends its address as Referer for every stylesheet it loads.
    referer = f"https://portail.example/compte/password/reset/key/{RESET_KEY}/"

    line = access_line("/static/css/portal.css", referer=referer)

    assert RESET_KEY not in line
    assert f'"https://portail.example/compte/password/reset/key/{MASK}"' in line


def test_the_public_catalogue_search_stays_readable():
    line = access_line("/formations/?q=comptabilite&rythme=soir")

    assert "/formations/?q=comptabilite&rythme=soir" in line


def test_gunicorn_s_error_log_names_a_failed_request_without_its_token():
    cfg = gunicorn_config()
    logger = cfg.logger_class(cfg)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.error_log.addHandler(handler)
    try:
        # What gunicorn's worker writes for a malformed request and for an application error.
        line = f"GET /compte/password/reset/key/{RESET_KEY}/ HTTP/9"
        logger.warning(f"Invalid request from ip=203.0.113.7: Invalid HTTP Version: '{line}'")
        logger.exception("Error handling request %s", f"/partenaires/activer/cz8/{CLAIM_TOKEN}/?next=/x")
    finally:
        logger.error_log.removeHandler(handler)

    written = stream.getvalue()
    assert RESET_KEY not in written and CLAIM_TOKEN not in written
    assert f"/partenaires/activer/{MASK}?next={MASK}" in written


def test_credential_headers_are_masked_if_someone_logs_them():
    cfg = gunicorn_config()
    atoms = cfg.logger_class(cfg).atoms(
        SimpleNamespace(status="200 OK", sent=0, headers=[]),
        SimpleNamespace(headers=[("COOKIE", "sessionid=abc123secret"), ("AUTHORIZATION", "Basic dXNlcjpwYXNz")]),
        {"REQUEST_METHOD": "GET", "RAW_URI": "/", "SERVER_PROTOCOL": "HTTP/1.1"},
        datetime.timedelta(0),
    )

    assert atoms["{cookie}i"] == MASK and atoms["{authorization}i"] == MASK


def token_routes() -> list[str]:
    """Every address of the portal's URLconf with a token or key in it, filled with a sample."""
    found = set()

    def walk(resolver, prefix: str) -> None:
        for _name, entries in resolver.reverse_dict.lists():
            for possibilities, _pattern, _defaults, _converters in entries:
                for template, params in possibilities:
                    if any("token" in param or "key" in param for param in params):
                        found.add(prefix + template % {param: f"SECRET{param}" for param in params})
        for _namespace, (namespace_prefix, resolver_below) in resolver.namespace_dict.items():
            walk(resolver_below, prefix + namespace_prefix)

    walk(get_resolver(), "/")
    return sorted(found)


def test_every_token_url_of_the_portal_is_covered_by_a_rule():
    # A new page whose address carries a token fails here until REDACTION_RULES masks it.
    routes = token_routes()
    assert "/partenaires/activer/SECRETuidb36/SECRETtoken/" in routes
    assert "/compte/password/reset/key/SECRETuidb36-SECRETkey/" in routes
    for route in routes:
        redacted = redact_uri(route)
        assert "SECRETtoken" not in redacted and "SECRETkey" not in redacted, route
        assert MASK in redacted
    assert len({rule.name for rule in REDACTION_RULES}) == len(REDACTION_RULES)


def test_the_links_the_portal_sends_are_redacted(db):
    user = UserFactory()
    token = invitation_token_generator.make_token(user)
    for address in (
        claim_url(user),
        reverse("account_reset_password_from_key", kwargs={"uidb36": "cz8ahq", "key": token}),
        reverse("account_confirm_email", args=[CONFIRM_KEY]),
    ):
        redacted = redact_uri(address)
        assert token not in redacted and CONFIRM_KEY not in redacted, address


# --- A real gunicorn with the project's gunicorn.conf.py ----------------------------------------


def _database_url() -> str:
    settings = connection.settings_dict
    credentials = quote(settings["USER"] or "postgres", safe="")
    if settings.get("PASSWORD"):
        credentials += ":" + quote(settings["PASSWORD"], safe="")
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{settings['NAME']}"


def _get(port: int, target: str, **headers) -> int:
    """The status of one GET, redirects not followed (http.client, as a crawler would)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", target, headers=headers)
        return conn.getresponse().status
    finally:
        conn.close()


@pytest.mark.django_db
def test_a_real_gunicorn_writes_no_search_term_and_no_key_to_its_access_log(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("gunicorn runs in its own process and needs the test database on PostgreSQL.")
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DEBUG": "0",
        "DATABASE_URL": _database_url(),
        "DATA_DIR": str(tmp_path),
        "LOG_LEVEL": "WARNING",
        # Plain HTTP on one machine, as tests/stack.py serves it.
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
    }
    env.update({name: os.environ[name] for name in ("REDIS_URL",) if name in os.environ})
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as handle:
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "cnam_portal.wsgi",
                "--config",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
            ],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    reset = f"/compte/password/reset/key/{RESET_KEY}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(port, "/healthz")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("gunicorn did not start:\n" + log.read_text(errors="replace")[-4000:])
                time.sleep(0.3)
        assert _get(port, "/admin/enrollment/application/?q=Dupont") == 302
        assert _get(port, reset) in {200, 302}
        assert _get(port, "/static/missing.css", Referer=f"http://127.0.0.1:{port}{reset}") == 404
        time.sleep(0.5)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    lines = [line for line in log.read_text(errors="replace").splitlines() if '"GET ' in line]
    assert len(lines) >= 4, log.read_text(errors="replace")
    written = "\n".join(lines)
    assert "Dupont" not in written
    assert RESET_KEY not in written and "8f3a2b91c4d5e6f7" not in written
    assert f"/admin/enrollment/application/?q={MASK}" in written
    assert f"/compte/password/reset/key/{MASK}" in written


# --- Django's own log lines ---------------------------------------------------------------------


@pytest.fixture
def console_log():
    """What the portal's ``console`` log handler (settings.LOGGING) writes during the test."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def refusal_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith(("django.request", "django.security"))]


def boom(request):
    raise RuntimeError("the disk is full")


def refuse(request, uidb36, token):
    raise PermissionDenied


# The portal's pages (its 403 page links to them), behind two that misbehave on purpose.
urlpatterns = [
    path("panne/", boom),
    path("partenaires/activer/<str:uidb36>/<str:token>/", refuse),
    path("", include("cnam_portal.urls")),
]


@pytest.mark.django_db
def test_an_admin_page_refused_to_a_staff_member_is_one_line_without_the_search(client, caplog, console_log):
    client.force_login(StaffUserFactory(plain=True))

    response = client.get("/admin/enrollment/application/?q=Dupont")

    assert response.status_code == 403
    assert "Votre compte ne permet pas d'ouvrir cette page." in response.content.decode()
    (record,) = refusal_records(caplog)
    assert record.exc_info is None
    written = console_log.getvalue()
    assert written.count("\n") == 1, written
    assert "Forbidden (Permission denied): /admin/enrollment/application/" in written
    assert "Traceback" not in written and "Dupont" not in written


@pytest.mark.django_db
@override_settings(ALLOWED_HOSTS=["testserver"])
def test_a_forged_host_is_one_line_without_a_traceback(client, caplog, console_log):
    response = client.get("/", headers={"host": "pirate.example"})

    assert response.status_code == 400
    assert "Demande incomprise" in response.content.decode()
    (record,) = refusal_records(caplog)
    assert record.name == "django.security.DisallowedHost"
    assert record.exc_info is None
    written = console_log.getvalue()
    assert written.count("\n") == 1, written
    assert "Invalid HTTP_HOST header" in written and "Traceback" not in written


@pytest.mark.django_db
@pytest.mark.urls("tests.core.test_log_redaction")
def test_a_refusal_under_a_token_url_logs_the_path_without_the_token(client, caplog, console_log):
    response = client.get(f"/partenaires/activer/cz8/{CLAIM_TOKEN}/")

    assert response.status_code == 403
    (record,) = refusal_records(caplog)
    written = console_log.getvalue()
    assert CLAIM_TOKEN not in written and CLAIM_TOKEN not in record.getMessage()
    assert f"Forbidden (Permission denied): /partenaires/activer/{MASK}" in written
    assert "Traceback" not in written


@pytest.mark.django_db
def test_a_forged_post_on_a_claim_link_logs_no_token(caplog, console_log):
    # The CSRF refusal is logged twice (django.security.csrf and core.errors): neither has the token.
    user = UserFactory()
    link = claim_url(user)
    token = invitation_token_generator.make_token(user)
    client = Client(enforce_csrf_checks=True)

    response = client.post(urlsplit(link).path, {"password1": "x", "password2": "x"})

    assert response.status_code == 403
    written = console_log.getvalue()
    assert "CSRF" in written
    assert token not in written
    assert all(token not in record.getMessage() for record in caplog.records)


@pytest.mark.django_db
@pytest.mark.urls("tests.core.test_log_redaction")
def test_a_server_error_keeps_its_traceback(caplog, console_log):
    client = Client(raise_request_exception=False)

    response = client.get("/panne/")

    assert response.status_code == 500
    (record,) = refusal_records(caplog)
    assert record.exc_info is not None
    written = console_log.getvalue()
    assert "Internal Server Error: /panne/" in written
    assert "Traceback" in written and "RuntimeError: the disk is full" in written


# --- Emails: neither a recipient nor a claim link in the worker's log ---------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "refusal",
    [
        lambda email, link: smtplib.SMTPRecipientsRefused({email: (550, b"5.1.1 " + email.encode() + b" unknown")}),
        lambda email, link: smtplib.SMTPDataError(554, f"Message refused, it links to {link}".encode()),
    ],
    ids=["recipient refused", "server quotes the message"],
)
def test_a_refused_claim_email_logs_neither_the_recipient_nor_the_link(refusal, monkeypatch, caplog, console_log):
    user = UserFactory(email="fatima.said@example.yt")
    link = claim_url(user)
    notification = outbox.notification_create(
        key=f"claim:{user.pk}", template="partner_staff_invitation", recipient_email=user.email, user=user
    )

    def send(self, *args, **kwargs):
        raise refusal(user.email, link)

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", send)

    def render(row):
        return outbox.RenderedEmail(subject="Activez votre compte", text=f"Activez : {link}", html=f"<p>{link}</p>")

    with pytest.raises(outbox.DeliveryFailed) as failed:
        outbox.deliver(notification_id=notification.pk, render=render)

    logged = console_log.getvalue() + "\n".join(record.getMessage() for record in caplog.records)
    assert f"Notification {notification.pk} not sent" in logged
    for secret in (user.email, link, urlsplit(link).path):
        assert secret not in logged
        assert secret not in str(failed.value)  # Celery writes the retry's reason to its log
    notification.refresh_from_db()
    assert notification.last_error  # staff still see why, in the admin


def test_a_celery_worker_s_log_handlers_redact_too():
    # A worker replaces the root logger's handlers with its own; the signal gives them the filter.
    from celery.signals import after_setup_logger

    import cnam_portal.celery  # noqa: F401 - connects the signal

    worker_logger = logging.getLogger("tests.worker")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    worker_logger.addHandler(handler)
    try:
        after_setup_logger.send(sender=None, logger=worker_logger, loglevel=logging.INFO)
        worker_logger.warning("Could not render /partenaires/activer/cz8/%s/", CLAIM_TOKEN)
    finally:
        worker_logger.removeHandler(handler)

    assert CLAIM_TOKEN not in stream.getvalue()
    assert f"/partenaires/activer/{MASK}" in stream.getvalue()
