"""The Content-Security-Policy in Chromium: the pages run under it without a single violation.

A live show with the video playing (hls.js and its worker), the host console featuring products,
a whole test-mode purchase, the shop and the Shopping Manager. Every page reports each violation
to a `securitypolicyviolation` listener installed before its own scripts run, and Chromium names
the policy in a console error; both must stay empty. An inline script, which an injected piece of
HTML would be, is refused.
"""

import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import Page, expect

from catalog.demo import seed_waltmart
from catalog.models import Product
from events.demo import seed_shows
from tests.e2e.conftest import sign_in
from tests.e2e.test_checkout import fill_shipping
from tests.e2e.test_live_show import (
    LIVE,
    wait_for_progress,
    wait_until_connected,
    wait_until_playing,
)

pytestmark = pytest.mark.browser

# Installed in every document before its own scripts: each violation, as one readable line.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
    window.cspViolations.push(
        `${event.effectiveDirective} refused ${event.blockedURI}`
        + ` in ${event.sourceFile || document.URL}:${event.lineNumber}`
    );
});
"""


@pytest.fixture
def demo(asgi_server):
    """The Waltmart demo (catalog, photos, the live show) on `asgi_server`, test-mode payments."""
    seeded = seed_waltmart()
    live, _ = seed_shows(seeded["merchant"])
    return SimpleNamespace(
        server=asgi_server, merchant=seeded["merchant"], owner=seeded["owner"], live=live
    )


@pytest.fixture
def watched(new_page):
    """`watched(path, user=None, **context)`: a page opened at `path`, watched for violations."""
    pages = []

    def open_page(server, path: str, *, user=None, **context) -> Page:
        page = new_page(**context)
        page.csp_console = []
        page.on(
            "console",
            lambda message: (
                page.csp_console.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        page.add_init_script(RECORD_VIOLATIONS)
        if user is not None:
            sign_in(page.context, server, user)
        response = page.goto(f"{server.http}{path}")
        assert response.status == 200, path
        policy = response.header_value("content-security-policy") or ""
        assert "script-src 'self'" in policy, f"{path} has no policy: {policy!r}"
        pages.append(page)
        return page

    yield open_page


def assert_no_violation(page: Page) -> None:
    assert page.evaluate("window.cspViolations") == [], page.url
    assert page.csp_console == [], page.url


def test_a_live_show_plays_and_follows_the_host_without_a_violation(demo, watched):
    # given the host's console and a viewer on the live show, the video playing through hls.js
    host = watched(demo.server, f"/events/{LIVE}/console/", user=demo.owner)
    wait_until_connected(host)
    viewer = watched(demo.server, f"/events/{LIVE}/")
    wait_until_connected(viewer)
    started = wait_until_playing(viewer)
    assert viewer.evaluate("Boolean(window.Hls)"), "the stream should play through hls.js"

    # when the host features a product and pins an announcement
    host.get_by_role("button", name="Feature Robot Vacuum", exact=True).click()
    host.get_by_label("Pinned announcement").fill("Free shipping tonight")
    host.get_by_role("button", name="Pin", exact=True).click()

    # then the viewer follows, the video plays on, and neither page met the policy
    expect(viewer.locator("#banner-title")).to_have_text("Robot Vacuum")
    expect(viewer.locator("#announcement")).to_have_text("Free shipping tonight")
    wait_for_progress(viewer, started + 1)
    viewer.get_by_role("tab", name="Chat").click()
    assert_no_violation(viewer)
    assert_no_violation(host)

    # and an inline script, as injected HTML would carry, does not run and is reported
    ran = viewer.evaluate(
        """() => {
            window.injected = false;
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.append(script);
            return window.injected;
        }"""
    )
    assert ran is False
    viewer.wait_for_function("() => window.cspViolations.length > 0")
    [violation] = viewer.evaluate("window.cspViolations")
    assert violation.startswith("script-src-elem refused inline")


def test_a_test_mode_purchase_meets_no_violation(demo, watched):
    viewer = watched(demo.server, f"/events/{LIVE}/")
    wait_until_connected(viewer)
    wait_until_playing(viewer)

    # the viewer buys the robot vacuum, through cart, shipping and the test payment
    viewer.get_by_role("button", name="Buy Robot Vacuum").click()
    viewer.get_by_role("button", name="Add to cart").click()
    viewer.get_by_role("button", name="Checkout").click()
    fill_shipping(viewer)
    viewer.get_by_role("button", name="Continue to payment").click()
    expect(viewer.locator(".test-mode")).to_be_visible()
    viewer.get_by_role("button", name="Pay (test)").click()
    expect(viewer.locator("#buy-confirmation-text")).to_have_text(re.compile(r"is confirmed"))

    assert_no_violation(viewer)


def test_the_shop_and_the_shopping_manager_meet_no_violation(demo, watched):
    vacuum = Product.objects.get(merchant=demo.merchant, slug="robot-vacuum")
    pages = [
        watched(demo.server, "/"),
        watched(demo.server, "/shop/waltmart/"),
        watched(demo.server, vacuum.get_absolute_url()),
        watched(demo.server, "/accounts/login/"),
        watched(demo.server, "/admin/", user=demo.owner),
        watched(demo.server, f"/admin/catalog/product/{vacuum.pk}/change/", user=demo.owner),
    ]
    # the shop's first photo (uploaded media) loads
    pages[1].wait_for_function(
        "() => document.querySelector('main img')?.complete"
        " && document.querySelector('main img').naturalWidth > 0"
    )
    # the admin's own scripts run: the inline formsets offer to add a row
    expect(pages[-1].get_by_role("button", name=re.compile("Add another"))).to_have_count(2)
    for page in pages:
        assert_no_violation(page)
