"""The production settings, with three additions a browser test needs to see them work.

- one address that fails, to show the 500 page as served;
- the fast hasher the test process uses for the accounts it creates, accepted as a last
  resort (a login then rehashes the password with the production hasher);
- the servers run for the whole session while each test empties the database when it ends,
  and Django then creates the content types again under new ids: each request and each task
  first forgets the content types (and the site) its process cached.
"""

from celery.signals import task_prerun
from django.conf import global_settings
from django.core.signals import request_started

from cnam_portal.settings import *  # noqa: F403

ROOT_URLCONF = "tests.browser.server_urls"
PASSWORD_HASHERS = [*global_settings.PASSWORD_HASHERS, "django.contrib.auth.hashers.MD5PasswordHasher"]


def _forget_cached_rows(**_kwargs):
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.sites.models import SITE_CACHE

    ContentType.objects.clear_cache()
    SITE_CACHE.clear()


request_started.connect(_forget_cached_rows, dispatch_uid="browser-tests-forget-cached-rows")
task_prerun.connect(_forget_cached_rows, weak=False)
