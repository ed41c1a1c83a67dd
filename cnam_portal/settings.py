"""Settings of the CNAM Mayotte portal.

This module is the only place that reads the environment. Every default is safe
for development (SQLite under ``var/``, tasks run in-process, emails printed to
the console); with ``DEBUG`` off the portal refuses to start on an unsafe value.
"""

import ipaddress
import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name, "")
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or default


def mailers_from_url(url: str, data_dir: Path) -> dict:
    """Build the ``MAILERS`` setting from one ``MAIL_URL``.

    ``console://`` prints emails, ``file:///path`` writes them to a folder,
    ``smtp://user:pass@host:587?tls=1`` and ``smtps://…`` send them.
    """
    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme == "console":
        return {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
    if scheme == "file":
        folder = unquote(parts.path) or str(data_dir / "mail")
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                "OPTIONS": {"file_path": folder},
            }
        }
    if scheme == "locmem":
        return {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    if scheme in {"smtp", "smtps"}:
        query = parse_qs(parts.query)
        options = {
            "host": parts.hostname or "localhost",
            "port": parts.port or (465 if scheme == "smtps" else 25),
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "use_ssl": scheme == "smtps",
            "use_tls": query.get("tls", ["0"])[0] in {"1", "true"},
            "timeout": 20,
        }
        return {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": options}}
    raise ImproperlyConfigured(f"MAIL_URL: unsupported scheme {scheme!r}.")


def private_storage_from_url(url: str, location: Path) -> dict:
    """The ``STORAGES`` entry of private files: the local disk under ``location``, or an S3 bucket.

    Empty: the disk. ``s3://ACCESS_KEY:SECRET_KEY@host:port/bucket[/prefix]?region=gra`` puts
    them in an S3-compatible bucket (OVHcloud, Scaleway, MinIO), private and never given a URL;
    ``secure=0`` speaks plain HTTP (a store on the private network), ``sse=0`` leaves out the
    server-side encryption a store may refuse, ``addressing=virtual`` names the bucket in the host.
    """
    if not url:
        return {"BACKEND": "core.storage.PrivateStorage", "OPTIONS": {"location": location}}
    parts = urlsplit(url)
    if parts.scheme != "s3":
        raise ImproperlyConfigured(f"STORAGE_URL: unsupported scheme {parts.scheme!r} (s3://… or empty).")
    bucket, _slash, prefix = unquote(parts.path).strip("/").partition("/")
    if not (parts.hostname and bucket and parts.username and parts.password):
        raise ImproperlyConfigured("STORAGE_URL: s3://ACCESS_KEY:SECRET_KEY@host:port/bucket is required.")
    query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
    secure = query.get("secure", "1") not in {"0", "false", "no", "off"}
    encrypted = query.get("sse", "1") not in {"0", "false", "no", "off"}
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    endpoint = f"{'https' if secure else 'http'}://{host}{f':{parts.port}' if parts.port else ''}"
    options = {
        "access_key": unquote(parts.username),
        "secret_key": unquote(parts.password),
        "bucket_name": bucket,
        "location": prefix,
        "endpoint_url": endpoint,
        "region_name": query.get("region") or None,
        "addressing_style": query.get("addressing", "path"),
        "signature_version": "s3v4",
        # Private objects; a signed URL could be made but the portal never asks for one.
        "default_acl": "private",
        "querystring_auth": True,
        # As on the disk, a save never replaces an object a row may still name (a failed render
        # discards only what it wrote).
        "file_overwrite": False,
        "object_parameters": {"ServerSideEncryption": "AES256"} if encrypted else {},
    }
    return {"BACKEND": "core.object_storage.PrivateObjectStorage", "OPTIONS": options}


# --- Core ------------------------------------------------------------------

DEV_SECRET_KEY = "dev-only-insecure-secret-key-do-not-use-in-production"  # noqa: S105

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off. Set DEBUG=1 for development.")
    SECRET_KEY = DEV_SECRET_KEY
if not DEBUG and (SECRET_KEY == DEV_SECRET_KEY or SECRET_KEY.startswith("dev-") or len(SECRET_KEY) < 40):
    raise ImproperlyConfigured(
        "SECRET_KEY is a development or too short key (40 characters at least) while DEBUG is off."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is required when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Public address of the portal, used for links in emails and PDFs.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

DATA_DIR = Path(os.environ.get("DATA_DIR", BASE_DIR / "var"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.contrib.sites",
    "django.contrib.sitemaps",
    "allauth",
    "allauth.account",
    "dsfr",
    "widget_tweaks",
    "import_export",
    "core",
    "cnam_portal",
    "programs",
    "partners",
    "enrollment",
    "centre",
    "attendance",
    "partner_space",
    "backoffice",
    "demo",
]

MIDDLEWARE = [
    # Pages are mostly read on phones over slow links: compress the HTML (static files come
    # precompressed from WhiteNoise), at a level chosen for the CPU it costs (core.middleware).
    # The compressed body is padded against BREACH, and CSRF tokens are masked per response.
    "core.middleware.GZipMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Before anything reads a body (CSRF, forms): one larger than its page takes is refused with
    # a 413 unread. After the two above so that page keeps the security headers and its nonce.
    "core.request_limits.RequestBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # No copy kept of personal pages, and French pages for the answers Django leaves empty (405).
    "core.middleware.PrivatePagesMiddleware",
    "core.middleware.MethodNotAllowedPageMiddleware",
]

ROOT_URLCONF = "cnam_portal.urls"
WSGI_APPLICATION = "cnam_portal.wsgi.application"
SITE_ID = 1

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.portal",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")), conn_health_checks=True
        )
    }
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "db.sqlite3",
            "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"},
        }
    }

# --- Cache (rate limits count here: Redis when configured) ----------------


def caches_from_url(url: str) -> dict:
    """Build the ``CACHES`` setting from ``REDIS_URL`` (a per-process memory cache without one).

    The cache fails open (``core.cache``): with its Redis down, sign-in works without rate limits.
    """
    if not url:
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    return {
        "default": {
            "BACKEND": "core.cache.FailOpenRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "cnam",
        }
    }


REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = caches_from_url(REDIS_URL)

# --- Authentication (django-allauth, email as login) -----------------------

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "enrollment:space"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[CNAM Mayotte] "
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/h/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_ADAPTER = "partner_space.accounts.AccountAdapter"
ACCOUNT_USER_DISPLAY = "partner_space.accounts.user_display"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"

# --- Internationalisation --------------------------------------------------

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Indian/Mayotte"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static files and private uploads -------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded documents are personal data: they live outside any served folder and
# are only streamed by views that check who asks.
PRIVATE_MEDIA_ROOT = DATA_DIR / "private"
# The catalogue's LHEO export, kept between requests: one file per state of the catalogue.
LHEO_EXPORT_DIR = DATA_DIR / "exports"
# The LHEO 2.3 schema the tests validate that export against; a published standard kept beside
# the repository (not shipped with the portal), official address http://lheo.gouv.fr/2.3/lheo.xsd.
LHEO_XSD = Path(os.environ.get("LHEO_XSD", BASE_DIR.parent / "shared" / "standards" / "lheo-2.3" / "lheo.xsd"))
# Several hosts share them, and they survive the loss of one, in an S3-compatible bucket.
STORAGE_URL = os.environ.get("STORAGE_URL", "")
PRIVATE_STORAGE = private_storage_from_url(STORAGE_URL, PRIVATE_MEDIA_ROOT)
STORAGES = {
    "default": PRIVATE_STORAGE,
    "private": PRIVATE_STORAGE,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DOCUMENT_MAX_BYTES = int(os.environ.get("DOCUMENT_MAX_BYTES", str(5 * 1024 * 1024)))

# --- Email -----------------------------------------------------------------

MAIL_URL = os.environ.get("MAIL_URL", "console://" if DEBUG else "")
if not MAIL_URL:
    raise ImproperlyConfigured("MAIL_URL is required when DEBUG is off (smtp://user:pass@host:587?tls=1).")
MAILERS = mailers_from_url(MAIL_URL, DATA_DIR)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "CNAM Mayotte <ne-pas-repondre@cnam-mayotte.fr>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ----------------------------------------------------------------

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
# Without a broker, tasks run in-process so the portal works on any machine.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_BROKER_CONNECTION_TIMEOUT = 3
# A worker waits out a broker outage of any length (retrying every 30 s at most, also at start)
# instead of exiting after 100 tries: it sends what the outage held up as soon as it reconnects.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Redis hands an unacknowledged message to another worker after this many seconds, and a worker
# holds a task waiting for its countdown unacknowledged: it must outlast the longest countdown
# (tests/cnam_portal/test_celery_outages.py checks every task's), or a retry runs twice.
BROKER_VISIBILITY_TIMEOUT = int(os.environ.get("BROKER_VISIBILITY_TIMEOUT", str(3 * 3600)))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 3,
    "socket_timeout": 5,
    "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
}
CELERY_TASK_ACKS_LATE = True
# A pool child killed mid-task (kill -9, out of memory) puts its message back instead of dropping it;
# each task's row state (the outbox's claim, a document's status) makes running it again harmless.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A child is replaced after this many tasks or once it holds this much memory (KiB: PDF rendering
# grows a child by about 1 MiB a document, bench/bench_worker_memory.py); 0 for no limit.
CELERY_WORKER_MAX_TASKS_PER_CHILD = int(os.environ.get("CELERY_WORKER_MAX_TASKS_PER_CHILD", "1000")) or None
CELERY_WORKER_MAX_MEMORY_PER_CHILD = int(os.environ.get("CELERY_WORKER_MAX_MEMORY_PER_CHILD", str(256 * 1024))) or None
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
# The task that renders and sends one outbox row (core.outbox hands it rows by this name).
OUTBOX_SEND_TASK = "enrollment.tasks.send_notification"

# Three queues, so that a burst of 500 PDFs never delays a seat-offer email and a long sweep
# delays neither: each worker group consumes its own (docker-compose.yml, README "Queues").
# Every task is named here; tests/cnam_portal/test_task_routes.py fails on one left out.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    # Published on the queue of the tasks it fans out (core.outbox); this route is its default.
    "core.tasks.enqueue_each": {"queue": "default"},
    "enrollment.tasks.send_notification": {"queue": "mail"},
    "enrollment.tasks.render_certificate": {"queue": "documents"},
    "partners.tasks.render_convention_document": {"queue": "documents"},
    "enrollment.tasks.sweep_notifications": {"queue": "default"},
    "enrollment.tasks.retry_failed_certificates": {"queue": "default"},
    "enrollment.tasks.expire_offers": {"queue": "default"},
    "enrollment.tasks.send_session_reminders": {"queue": "default"},
    "enrollment.tasks.sweep_pending_uploads": {"queue": "default"},
    "enrollment.tasks.apply_retention": {"queue": "default"},
    "partners.tasks.retry_failed_documents": {"queue": "default"},
    "partners.tasks.expire_conventions": {"queue": "default"},
    "attendance.tasks.render_sheet": {"queue": "documents"},
    "attendance.tasks.retry_failed_sheets": {"queue": "default"},
    # The course's follow-up: funders' documents and absence alerts.
    "attendance.tasks.render_funder_document": {"queue": "documents"},
    "attendance.tasks.request_monthly_statements": {"queue": "default"},
    "attendance.tasks.retry_funder_documents": {"queue": "default"},
    "attendance.tasks.send_absence_digest": {"queue": "default"},
}

# /healthz says "degraded" while the oldest email waiting in the outbox is older than this.
HEALTH_OUTBOX_MAX_AGE_SECONDS = int(os.environ.get("HEALTH_OUTBOX_MAX_AGE_SECONDS", "900"))

# --- Business parameters ---------------------------------------------------

# How long a seat offered from the waiting list is held before it passes on.
OFFER_HOLD_HOURS = int(os.environ.get("OFFER_HOLD_HOURS", "48"))
# How long a seat move waits for a session someone else is changing before it asks to retry
# (PostgreSQL lock_timeout, enrollment.seats.lock_sessions).
SEAT_LOCK_TIMEOUT_MS = int(os.environ.get("SEAT_LOCK_TIMEOUT_MS", "5000"))
SESSION_REMINDER_DAYS = 3

# Attendance (attendance.codes): a person signs a slot's sheet from this long before it starts
# until this long after it ends; the code the trainer shows changes every step, and the one
# just before it is still taken (a person typing it as it turns).
ATTENDANCE_OPEN_BEFORE_MINUTES = int(os.environ.get("ATTENDANCE_OPEN_BEFORE_MINUTES", "30"))
ATTENDANCE_CLOSE_AFTER_MINUTES = int(os.environ.get("ATTENDANCE_CLOSE_AFTER_MINUTES", "30"))
ATTENDANCE_CODE_STEP_SECONDS = 30
# Two slots missed in a row without excuse raise an alert (attendance.services.followup).
ATTENDANCE_ALERT_AFTER_MISSED = 2

# Personal data retention (core.retention states them in the consent and the privacy page;
# enrollment.services.personal_data applies them every night). Defaults follow the CNIL's
# guidance for training bodies.
# Documents of a refused, withdrawn, expired or cancelled application (and of a VAE request
# found not admissible): erased this many days after the decision.
RETENTION_CLOSED_DOCUMENTS_DAYS = int(os.environ.get("RETENTION_CLOSED_DOCUMENTS_DAYS", "90"))
# Evidence of an enrollment (its documents, the attestation d'inscription, the documents of a
# VAE request that reached its result): kept this many years after the session's end, the
# period funders (Fonds social européen FSE+, France Travail, OPCO, Région) may audit an action.
RETENTION_EVIDENCE_YEARS = int(os.environ.get("RETENTION_EVIDENCE_YEARS", "5"))
# An account without sign-in (or, never signed in, since it was made) and without a live
# application for this many days is warned by email...
RETENTION_INACTIVE_ACCOUNT_DAYS = int(os.environ.get("RETENTION_INACTIVE_ACCOUNT_DAYS", "730"))
# ...then anonymised this many days after the warning if it is still inactive.
RETENTION_INACTIVE_NOTICE_DAYS = int(os.environ.get("RETENTION_INACTIVE_NOTICE_DAYS", "30"))
# How long the link that confirms an account deletion stays valid.
ACCOUNT_DELETION_LINK_HOURS = int(os.environ.get("ACCOUNT_DELETION_LINK_HOURS", "24"))

# --- Security --------------------------------------------------------------

# Sessions are read from the cache, written to both: a signed-in page costs one query less, and
# the database still holds every session when the cache is down or emptied (core.cache fails open).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "core.errors.csrf_failure"
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HTTPS only in production; a plain-HTTP stack on one machine (tests/stack.py) turns both off.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# The page benchmark's yardstick (bench/bench_pages.py): /_bench/bare answers "ok" through the
# whole middleware stack. Off unless the benchmark's server sets it.
BENCH_BARE_VIEW = env_bool("BENCH_BARE_VIEW", False)
# The load balancer's probe may ask over plain HTTP inside the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz(/ready|/live)?$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
# Only the header: joining the browsers' preload list is asked for separately (hstspreload.org).
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)

# --- Behind the reverse proxy ----------------------------------------------

# Addresses or networks of the reverse proxies in front of the portal (gunicorn.conf.py reads
# the same variable). Only on a connection from one of them is X-Forwarded-For believed: anyone
# else could write any address there and get fresh rate limits on every try.
TRUSTED_PROXIES = env_list("FORWARDED_ALLOW_IPS", ["127.0.0.1", "::1"])
for _proxy in TRUSTED_PROXIES:
    try:
        _everyone = ipaddress.ip_network(_proxy, strict=False).prefixlen == 0
    except ValueError:
        _everyone = True
    if _everyone:
        raise ImproperlyConfigured(
            f"FORWARDED_ALLOW_IPS: {_proxy!r} is not the address or network of a proxy (never '*')."
        )
# The proxy appends the address it was reached from: the right-most entry is the person's
# (allauth's rate limits; partner_space.accounts.AccountAdapter.get_client_ip).
ALLAUTH_TRUSTED_PROXY_COUNT = 1

# --- Request bodies (core.request_limits) ----------------------------------

# The largest body each page takes, by URL name ("*" ends a prefix); a larger one is refused
# with a 413 before a byte of it is read. The application and VAE forms carry up to six
# documents (enrollment.uploads.MAX_DOCUMENTS) of DOCUMENT_MAX_BYTES each, plus their fields.
DOCUMENTS_BODY_MAX_BYTES = 6 * DOCUMENT_MAX_BYTES + 1024 * 1024
REQUEST_BODY_MAX_BYTES = {
    # Every other form, the admin's included.
    "*": 2 * 1024 * 1024,
    # Sign-in, sign-up, passwords, addresses: a few short fields.
    "account_*": 64 * 1024,
    "admin_login": 64 * 1024,
    "enrollment:apply": DOCUMENTS_BODY_MAX_BYTES,
    "enrollment:vae_request": DOCUMENTS_BODY_MAX_BYTES,
    # A staff list of 1 MiB at most (partner_space.imports.MAX_FILE_BYTES).
    "partners:import": 2 * 1024 * 1024,
}

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    # No 'unsafe-inline': the DSFR's scripts change styles through the CSSOM (element.style),
    # which style-src does not govern, and the portal's own <style> blocks carry the nonce.
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}


# Exports carry personal data: only staff who may view the exported model may export it.
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
# No export cell starts a formula; the portal's formats apply the stricter rule of core.spreadsheets.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # No token or search term in a line, and an expected 403/400 as one line (core/log_redaction.py).
    "filters": {"redact": {"()": "core.log_redaction.RedactingFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
