"""Test settings: the real settings module, with the few things a test run must not share."""

import os
import tempfile

# The settings module refuses to start without these when DEBUG is off, as in production.
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-that-is-long-enough-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("MAIL_URL", "locmem://")

from cnam_portal.settings import *  # noqa: F403
from cnam_portal.settings import CACHES, STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if CACHES["default"]["BACKEND"] == "core.cache.FailOpenRedisCache":
    # xdist workers share REDIS_URL's database: each keeps its keys apart and clears only those.
    CACHES = {
        "default": {
            **CACHES["default"],
            "BACKEND": "tests.cache.WorkerRedisCache",
            "KEY_PREFIX": f"cnam-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}",
        }
    }
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# Tasks run in-process; the broker URL (Redis in CI) is still used by /healthz.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = False

PRIVATE_MEDIA_ROOT = tempfile.mkdtemp(prefix="cnam-test-private-")
# The LHEO export kept between requests (programs.exports), out of the repository's var/.
LHEO_EXPORT_DIR = tempfile.mkdtemp(prefix="cnam-test-exports-")
STORAGES = {
    **STORAGES,
    "default": {"BACKEND": "core.storage.PrivateStorage", "OPTIONS": {"location": PRIVATE_MEDIA_ROOT}},
    "private": {"BACKEND": "core.storage.PrivateStorage", "OPTIONS": {"location": PRIVATE_MEDIA_ROOT}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# The test client speaks plain HTTP: no redirect to HTTPS (on by default with DEBUG off).
SECURE_SSL_REDIRECT = False
