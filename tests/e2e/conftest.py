"""Browser tests: Debian's Chromium, driven by Playwright's sync API, against pytest-django's
`live_server` (Django's WSGI handler in a thread, with static files from the finders and media from
MEDIA_ROOT), or against `asgi_server` (a real daphne process) for pages that need the websocket.
Playwright never downloads a browser here.

Mark every test `@pytest.mark.browser`; `pytest -m "not browser"` leaves them out. Tests here are
sync: while the browser is open, Playwright's event loop is marked as running in this thread.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests import servers

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
# What a site sees of an iPhone 15 in Safari (Chromium keeps its own engine and codecs).
IPHONE = {
    "viewport": PHONE,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
    ),
}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="package", autouse=True)
def _orm_beside_playwright() -> Iterator[None]:
    """Let the ORM run in the thread where Playwright's event loop is marked as running.

    Between sync calls Playwright leaves its loop registered as this thread's running loop, so the
    test's own queries and the database flush after each test would raise SynchronousOnlyOperation.
    No async code shares a connection with them: the loop only talks to the browser. Set for this
    package only, so the rest of the suite keeps Django's check.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One Chromium for all the browser tests (they all live in this package).

    Package scope, not session: Playwright's loop stays registered as running until it stops, and
    the async tests collected after this package (pytest-asyncio) could not start their own.
    """
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """`new_page(viewport=PHONE)`: a page in a fresh browser context (own cookies), closed after."""
    contexts = []

    def make(*, viewport: dict = DESKTOP, **context_options) -> Page:
        context = browser.new_context(viewport=viewport, **context_options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot() -> Callable[[Page, str], None]:
    """`screenshot(page, "shop-desktop")` writes docs/screenshots/shop-desktop.png, only when
    LIVESHOP_SCREENSHOTS=1, so that test runs (and CI) never rewrite the committed images."""

    def save(page: Page, name: str) -> None:
        if os.environ.get("LIVESHOP_SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=SCREENSHOTS / f"{name}.png")

    return save


@pytest.fixture
def asgi_server(transactional_db) -> Iterator[servers.Server]:
    """daphne serving this project (HTTP and websockets) against the test database, in its own
    process; `asgi_server.http` is its base URL. Stopped before the database is flushed.

    Pages with a live show need it: `live_server` speaks WSGI only. The test writes data with the
    ORM (transactional, so the server sees it at once); uploads go to this test's MEDIA_ROOT, which
    the server serves too. Viewer counts are reported every half second.
    """
    with servers.asgi_server(
        LIVESHOP_PRESENCE_INTERVAL="0.5", MEDIA_ROOT=str(settings.MEDIA_ROOT)
    ) as server:
        yield server


def sign_in(context: BrowserContext, server: servers.Server, user) -> None:
    """Give the browser context a session of `user` on `server`, as if they had logged in."""
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": server.http}]
    )
