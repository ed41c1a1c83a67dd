"""The production settings, with two additions a browser test needs to see them work.

- one address that fails, to show the 500 page as served;
- the fast hasher the test process uses for the accounts it creates, accepted as a last
  resort (a login then rehashes the password with the production hasher).
"""

from django.conf import global_settings

from cnam_portal.settings import *  # noqa: F403

ROOT_URLCONF = "tests.browser.server_urls"
PASSWORD_HASHERS = [*global_settings.PASSWORD_HASHERS, "django.contrib.auth.hashers.MD5PasswordHasher"]
