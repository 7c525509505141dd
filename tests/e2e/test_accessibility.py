"""axe-core (from npm, pinned in package-lock.json) finds no serious or critical violation on the
pages people use: home, event, every checkout step, shop, product, account pages and the console,
at desktop and phone sizes."""

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DESKTOP, IPHONE, sign_in
from tests.e2e.test_checkout import demo, fill_shipping  # noqa: F401 (fixture)
from tests.e2e.test_live_show import LIVE, wait_until_connected

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

SERIOUS = """async () => {
    const { violations } = await axe.run(document, { resultTypes: ["violations"] });
    return violations
        .filter((v) => v.impact === "serious" || v.impact === "critical")
        .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).slice(0, 5).join(", ")}`);
}"""


def serious_violations(page: Page) -> list[str]:
    page.wait_for_timeout(300)  # transitions (the drawer) have ended
    page.add_script_tag(path=str(AXE))
    return page.evaluate(SERIOUS)


@pytest.fixture
def audit(new_page, demo):  # noqa: F811
    """`audit(viewport)`: a page that may load axe-core (the site's CSP allows only its own
    scripts), and a report of what axe found on each page visited."""
    found: dict[str, list[str]] = {}

    def make(context: dict, *, user=None) -> tuple[Page, callable]:
        page = new_page(bypass_csp=True, **context)
        if user is not None:
            sign_in(page.context, demo.server, user)

        def check(name: str) -> None:
            found[name] = serious_violations(page)

        return page, check

    yield make
    assert {name: v for name, v in found.items() if v} == {}


@pytest.mark.parametrize("context", [{"viewport": DESKTOP}, IPHONE], ids=["desktop", "iphone"])
def test_viewer_pages_and_every_checkout_step(audit, demo, context):  # noqa: F811
    page, check = audit(context)
    base = demo.server.http
    page.goto(f"{base}/")
    check("home")
    page.goto(f"{base}/events/")
    check("shows")
    page.goto(f"{base}/shop/{demo.merchant.slug}/")
    check("shop")
    page.goto(f"{base}/shop/{demo.merchant.slug}/noise-cancelling-headphones/")
    expect(page.get_by_label("Option", exact=True)).to_be_visible()
    check("product")

    page.goto(f"{base}/events/{LIVE}/")
    wait_until_connected(page)
    check("event")
    page.locator("#banner-buy").click()
    expect(page.get_by_role("button", name="Add to cart")).to_be_visible()
    check("checkout: options")
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("button", name="Checkout").click()
    check("checkout: shipping")
    page.get_by_role("button", name="Continue to payment").click()  # empty: the errors
    expect(page.locator("#buy-contact-error")).not_to_be_empty()
    check("checkout: shipping with errors")
    fill_shipping(page)
    page.get_by_role("button", name="Continue to payment").click()
    expect(page.get_by_role("button", name="Pay (test)")).to_be_visible()
    check("checkout: review and pay")
    page.get_by_role("button", name="Pay (test)").click()
    expect(page.get_by_role("heading", name="Order confirmed")).to_be_visible()
    check("checkout: confirmation")
    page.get_by_role("tab", name="Chat").click()
    check("chat")


def test_account_pages_and_the_console(audit, demo):  # noqa: F811
    page, check = audit({"viewport": DESKTOP})
    base = demo.server.http
    for path, name in [
        ("/accounts/login/", "sign in"),
        ("/accounts/sign-up/", "sign up"),
        ("/accounts/password_reset/", "password reset"),
        ("/sell/", "sell"),
    ]:
        page.goto(f"{base}{path}")
        check(name)

    viewer = get_user_model().objects.create_user(
        "ada@example.com", "ada@example.com", "pw-1234567"
    )
    page, check = audit({"viewport": DESKTOP}, user=viewer)
    page.goto(f"{base}/account/orders/")
    check("your orders")

    page, check = audit({"viewport": DESKTOP}, user=demo.owner)
    page.goto(f"{base}/events/{LIVE}/console/")
    wait_until_connected(page)
    check("console")
    page, check = audit(IPHONE, user=demo.owner)
    page.goto(f"{base}/events/{LIVE}/console/")
    wait_until_connected(page)
    check("console on a phone")


def test_the_audit_reports_what_it_should(new_page, demo):  # noqa: F811
    page = new_page(bypass_csp=True)
    page.goto(f"{demo.server.http}/")
    page.evaluate("document.querySelector('main').append(document.createElement('button'))")

    assert any(v.startswith("button-name (critical)") for v in serious_violations(page))
