"""Browser tests: Playwright driving Debian's Chromium against the portal served as in production.

The tests share one deployment (gunicorn with ``gunicorn.conf.py``, WhiteNoise serving the
collected static files, ``DEBUG`` off, PostgreSQL, its own Redis, a Celery worker); each
test finds it with an empty database, cache and mail folder (``portal``). Each page a
test opens is watched: a console error, a JavaScript exception, a refused or failed
sub-resource, an error status nobody expected, or a page whose design-system stylesheet did
not apply fails the test.

Playwright's own browser download does not work everywhere; these tests use the system
Chromium and skip with a reason where none is installed, or where the database is not
PostgreSQL (the production stack runs on PostgreSQL only).
"""

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.stack import CHROMIUM_ARGS, ProductionStack, served_database_url

# Playwright's sync API runs an event loop in the test thread; the ORM calls the
# tests make there are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}

# Runs in every page before its own scripts: once the page has loaded, say on the console
# (which the guard watches) when a stylesheet did not apply or the DSFR's font is missing.
STYLE_CHECK = """
(() => {
  const check = () => {
    for (const link of document.querySelectorAll('link[rel="stylesheet"]')) {
      if (!link.sheet) console.error(`Stylesheet not applied: ${link.href}`);
    }
    if (!document.querySelector('link[rel="stylesheet"][href*="/dsfr/"]')) return;
    const target = document.querySelector('.fr-header') || document.body;
    const font = getComputedStyle(target).fontFamily;
    if (!/Marianne/.test(font)) console.error(`DSFR stylesheet not applied: the header's font is ${font}`);
  };
  window.__portalStyleCheck = check;
  window.addEventListener('load', check);
})();
"""


ARTIFACTS = Path(__file__).resolve().parents[2] / "test-results" / "browser"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.stash[CALL_FAILED] = report.failed


CALL_FAILED = pytest.StashKey[bool]()


# Before xdist's own hook, which reads the xdist_group marks (when this conftest loads first).
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.django_db(transaction=True))
            # One xdist worker runs them all on the one deployment it starts; xdist hands out the
            # largest groups first, so this one starts with the run instead of holding up its end.
            item.add_marker(pytest.mark.xdist_group("browser"))
            reason = _unavailable()
            if reason:
                # Skipped before any fixture: Playwright's event loop would otherwise stay open in
                # this worker and make Django refuse the ORM to the tests that follow.
                item.add_marker(pytest.mark.skip(reason=reason))


def _unavailable() -> str:
    """Why the production stack cannot run here, or ""."""
    from django.conf import settings

    if CHROMIUM is None:
        return "Chromium is not installed (apt-get install chromium)."
    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        return "The browser tests serve the portal as production does, on PostgreSQL: set DATABASE_URL."
    if shutil.which("redis-server") is None:
        return "redis-server is not installed: the production stack needs its own Redis."
    return ""


class BrowserGuard:
    """What a person would see go wrong in the pages a test opens."""

    def __init__(self):
        self.problems: list[str] = []
        self.expected: set[tuple[str, int]] = set()
        self.pages = []

    def expect_status(self, path: str, status: int) -> None:
        """The test means to open ``path`` and get ``status`` (a 404 page, a refusal)."""
        self.expected.add((path, status))

    def _is_expected(self, url: str, status: int) -> bool:
        return (urlsplit(url).path, status) in self.expected

    def watch(self, context) -> None:
        context.add_init_script(STYLE_CHECK)
        context.on("page", self._watch_page)

    def _watch_page(self, page) -> None:
        self.pages.append(page)
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.problems.append(f"JavaScript error on {page.url}: {error}"))
        page.on("requestfailed", self._on_request_failed)
        page.on("response", self._on_response)

    def _on_console(self, message) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        if message.text.startswith("Failed to load resource") and any(
            urlsplit(url).path == path for path, _status in self.expected
        ):
            return
        self.problems.append(f"Console error on {url or 'a page'}: {message.text}")

    def _on_request_failed(self, request) -> None:
        failure = request.failure or ""
        # Cancelled by the page itself: a navigation that replaced it, a download, a favicon
        # fetch cut short. Refused resources show up as console errors or error statuses.
        if "ERR_ABORTED" in failure:
            return
        self.problems.append(f"Request failed ({request.resource_type}, {failure}): {request.url}")

    def _on_response(self, response) -> None:
        if response.status < 400:
            return
        request = response.request
        if request.resource_type == "document" and self._is_expected(response.url, response.status):
            return
        self.problems.append(f"HTTP {response.status} for {request.resource_type} {response.url}")

    def verify(self, server_log: str = "") -> None:
        for page in self.pages:
            if page.is_closed():
                continue
            try:
                page.wait_for_load_state("load", timeout=10_000)
                page.evaluate("() => window.__portalStyleCheck && window.__portalStyleCheck()")
            except Exception as error:  # a page closing under us is not a finding
                if not page.is_closed():
                    self.problems.append(f"Could not check {page.url}: {error}")
        message = "The browser saw problems:\n  " + "\n  ".join(self.problems)
        if any(problem.startswith("HTTP 5") for problem in self.problems):
            message += "\n\nThe server's log ends with:\n" + server_log[-6000:]
        assert not self.problems, message


@pytest.fixture(scope="session")
def production_stack(django_db_setup, django_db_blocker):
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("The browser tests serve the portal as production does, on PostgreSQL: set DATABASE_URL.")
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed: the production stack needs its own Redis.")
    stack = ProductionStack(
        database_url=served_database_url(),
        private_dir=Path(settings.PRIVATE_MEDIA_ROOT),
        settings_module="tests.browser.server_settings",
    )
    with django_db_blocker.unblock():
        stack.prepare()
    yield stack
    stack.cleanup()


@pytest.fixture
def portal(production_stack, transactional_db):
    """The deployment, serving what this test commits to the database.

    It starts with the first test and serves them all (starting it takes seconds): each test
    starts with an empty database (the previous one's ``transactional_db`` emptied it), no
    rate-limit counters and no email, and the servers forget the rows they cached
    (server_settings.py).
    """
    production_stack.flush_cache()
    production_stack.clear_emails()
    if not production_stack.serving:
        production_stack.halt()
        production_stack.serve()
    return production_stack


@pytest.fixture
def guard():
    return BrowserGuard()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A mid-range phone, in French, on Mayotte time.
    return {
        **browser_context_args,
        "viewport": PHONE,
        "is_mobile": True,
        "has_touch": True,
        "locale": "fr-FR",
        "timezone_id": "Indian/Mayotte",
        "accept_downloads": True,
    }


@pytest.fixture
def new_context(request, browser, browser_context_args, guard, portal):
    """Open another watched browser context: ``new_context(viewport=DESKTOP, is_mobile=False)``.

    When the test fails, each open page is saved under test-results/browser/ to look at.
    """
    contexts = []

    def open_context(**overrides):
        context = browser.new_context(**{**browser_context_args, **overrides})
        guard.watch(context)
        contexts.append(context)
        return context

    yield open_context
    if request.node.stash.get(CALL_FAILED, False):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for number, opened in enumerate(guard.pages):
            if not opened.is_closed():
                opened.screenshot(path=ARTIFACTS / f"{request.node.name}-{number}.png", full_page=True)
    try:
        guard.verify(server_log=portal.log("gunicorn"))
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def context(new_context):
    return new_context()


@pytest.fixture
def page(context):
    return context.new_page()
