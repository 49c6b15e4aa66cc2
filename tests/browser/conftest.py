"""Real-browser tests: Playwright for Python driving the system Chromium against a live server.

- The app is built by tests/conftest.py's `make_app` (its own copy of the seeded database per test)
  and served by werkzeug on a free port in a thread.
- One Chromium per session (/usr/bin/chromium, or TALKBACK_CHROMIUM); a fresh context per test.
  Playwright never downloads a browser here.
- Without Chromium (or Playwright) local runs skip with the reason; under CI (CI=true) they fail.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("TALKBACK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]
FAILED_LOAD = re.compile(r"^Failed to load resource: the server responded with a status of (\d+)")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")



def pytest_collection_modifyitems(config, items):
    """Every test here drives the browser and must say so (`-m "not browser"` leaves them out)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents and item.get_closest_marker("browser") is None:
            raise pytest.UsageError(f"{item.nodeid} is a browser test without @pytest.mark.browser")


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"browser tests cannot run under CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed (pip install -e '.[test]')")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set TALKBACK_CHROMIUM)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class LiveServer:
    url: str
    app: Any

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@pytest.fixture
def start_server(make_app) -> Iterator[Callable[..., LiveServer]]:
    """start_server(**config): the app on its own database, served on a free port."""
    servers: list[Any] = []

    def start(**config: Any) -> LiveServer:
        app = make_app(**config)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
        thread.start()
        servers.append((server, thread))
        return LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)

    yield start
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def live_server(start_server) -> LiveServer:
    return start_server()


@pytest.fixture
def new_context(browser) -> Iterator[Callable[..., Any]]:
    """new_context(**options): a fresh browser context (its own cookies), closed after the test."""
    contexts: list[Any] = []

    def make(**options: Any):
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        errors: list[str] = []
        context.on("weberror", lambda error: errors.append(str(error.error)))
        context.errors = errors  # uncaught page errors, checked after the test
        contexts.append(context)
        return context

    yield make
    problems = []
    for context in contexts:
        problems += context.errors
        context.close()
    assert not problems, f"uncaught errors in the page: {problems}"


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def js(request) -> bool:
    """Runs a test with JavaScript on and again with it off."""
    return request.param


@pytest.fixture
def context(new_context, js):
    return new_context(java_script_enabled=js)


@pytest.fixture
def page(context):
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text) if msg.type == "error" else None)
    page.expected_statuses = set()  # a test that expects e.g. a 422 adds it here
    yield page
    # A CSP violation, an htmx error or a failed request shows up as a console error.
    unexpected = [text for text in console
                  if not ((m := FAILED_LOAD.search(text)) and int(m[1]) in page.expected_statuses)]
    assert not unexpected, f"console errors: {unexpected}"


@pytest.fixture
def article_path(live_server) -> str:
    import sqlalchemy as sa

    from talkback.extensions import db
    from talkback.models import Article

    with live_server.app.app_context():
        slug = db.session.scalars(sa.select(Article.slug).order_by(Article.id)).first()
    return f"/articles/{slug}"
