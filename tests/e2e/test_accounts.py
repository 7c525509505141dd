"""Viewer accounts in Chromium: a guest opens their order from the confirmation email, creates an
account with its email, opens the emailed link (which verifies it and signs them in), is back on the
order and finds it in "Your orders", with the header on one line of a phone; signing out; resetting
a forgotten password."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from catalog.models import Merchant
from checkout import emails
from checkout.models import Order, OrderLine
from tests.e2e.conftest import DESKTOP, PHONE, sign_in

pytestmark = pytest.mark.browser

PASSWORD = "a-long-viewer-passphrase"
# The top of each link and button of the header's menu that is shown.
ITEM_TOPS = """nav => [...nav.querySelectorAll("a, button")]
    .filter(item => item.offsetWidth)
    .map(item => Math.round(item.getBoundingClientRect().top))"""


def emailed_link(to: str, path: str) -> str:
    """The path of the `path` link in the last email sent to `to` (Django's outbox: the live server
    runs in this process)."""
    sent = [message for message in mail.outbox if message.to == [to]]
    assert sent, f"no email to {to}"
    found = re.search(r"https?://[^/\s]+(" + re.escape(path) + r"\S+)", sent[-1].body)
    assert found, sent[-1].body
    return found.group(1)


@pytest.fixture
def guest_order(transactional_db) -> Order:
    merchant = Merchant.objects.create(name="Waltmart", slug="waltmart", is_verified=True)
    order = Order.objects.create(
        merchant=merchant,
        platform="ios",
        session_key="a-guest",
        email="ada@example.com",
        shipping_name="Ada Lovelace",
        shipping_line1="12 Analytical Way",
        shipping_city="Springfield",
        shipping_region="IL",
        shipping_postal_code="62701",
        shipping_country="US",
        currency="USD",
        total=19900,
        status=Order.Status.PAID,
        payment_provider="test",
        reserved_until=timezone.now() + timedelta(minutes=10),
    )
    OrderLine.objects.create(
        order=order,
        product_title="Noise-Cancelling Headphones",
        sku="HEADPHONES",
        unit_price=19900,
        currency="USD",
        quantity=1,
    )
    emails.order_email_send(order_pk=order.pk, kind="paid")
    return order


def header_fits_one_line(page: Page) -> None:
    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= 48
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    nav = page.get_by_role("navigation", name="Main")
    assert nav.evaluate("nav => nav.scrollWidth <= nav.clientWidth")  # every link in view
    tops = nav.evaluate(ITEM_TOPS)
    assert max(tops) - min(tops) <= 4, tops  # one line


def test_a_guest_keeps_their_order_by_signing_up_with_its_email_on_a_phone(
    live_server, new_page, guest_order, screenshot
):
    page = new_page(viewport=PHONE)

    # the link in the confirmation email shows the order, without signing in
    page.goto(live_server.url + emailed_link("ada@example.com", "/orders/link/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your order from Waltmart")
    expect(page.locator("main")).to_contain_text("Noise-Cancelling Headphones")
    expect(page.locator("main")).to_contain_text("$199.00")
    expect(page.locator("main")).to_contain_text("12 Analytical Way")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Sign in")).to_be_visible()
    header_fits_one_line(page)
    screenshot(page, "order-link-phone")

    # it offers an account with the order's email, which the sign-up form already has
    page.get_by_role("link", name="Create an account with ada@example.com").click()
    expect(page.get_by_label("Email")).to_have_value("ada@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()

    # told to check their email, not yet signed in: the order is not theirs yet
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(page.get_by_role("status")).to_contain_text("We sent an email to ada@example.com.")
    expect(nav.get_by_role("link", name="Sign in")).to_be_visible()
    header_fits_one_line(page)
    screenshot(page, "sign-up-sent-phone")
    guest_order.refresh_from_db()
    assert guest_order.user is None

    # the emailed link verifies the email, signs them in, and the order is theirs
    page.goto(live_server.url + emailed_link("ada@example.com", "/accounts/verify/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Email verified")
    expect(nav.get_by_role("link", name="Your orders")).to_be_visible()
    expect(nav.get_by_role("button", name="Sign out")).to_be_visible()
    header_fits_one_line(page)
    screenshot(page, "account-verified-phone")
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your order from Waltmart")
    expect(page.locator("main")).to_contain_text("This order is in")

    nav.get_by_role("link", name="Your orders").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your orders")
    expect(page.locator(".order-card")).to_contain_text("Noise-Cancelling Headphones")
    expect(page.locator("main")).to_contain_text(str(guest_order.number))

    # signing out
    nav.get_by_role("button", name="Sign out").click()
    expect(nav.get_by_role("link", name="Sign in")).to_be_visible()
    expect(nav.get_by_role("link", name="Your orders")).to_have_count(0)


@pytest.mark.parametrize(
    ("staff", "links"),
    [
        (False, ("Live shows", "Sell on Liveshop", "Your orders")),
        (True, ("Live shows", "Shopping Manager")),  # their own orders: on wider screens
    ],
)
def test_the_signed_in_header_fits_one_line_on_a_phone(
    live_server, new_page, transactional_db, staff, links
):
    user = get_user_model().objects.create_user(
        "ada@example.com", "ada@example.com", PASSWORD, is_staff=staff
    )
    page = new_page(viewport=PHONE)
    sign_in(page.context, SimpleNamespace(http=live_server.url), user)

    page.goto(live_server.url + "/")

    nav = page.get_by_role("navigation", name="Main")
    for name in links:
        expect(nav.get_by_role("link", name=name)).to_be_in_viewport()
    expect(nav.get_by_role("button", name="Sign out")).to_be_in_viewport()
    assert nav.get_by_role("link").count() == len(links)
    header_fits_one_line(page)


def test_the_signed_in_header_reads_in_full_on_a_laptop(live_server, new_page, transactional_db):
    staff = get_user_model().objects.create_user(
        "ada@example.com", "ada@example.com", PASSWORD, is_staff=True
    )
    page = new_page(viewport=DESKTOP)
    sign_in(page.context, SimpleNamespace(http=live_server.url), staff)

    page.goto(live_server.url + "/")

    nav = page.get_by_role("navigation", name="Main")
    for name in ("Your orders", "Shopping Manager"):
        expect(nav.get_by_role("link", name=name)).to_have_text(name, use_inner_text=True)
    expect(nav.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_viewer_resets_a_forgotten_password(live_server, new_page, transactional_db):
    get_user_model().objects.create_user("ada@example.com", "ada@example.com", PASSWORD)
    page = new_page(viewport=PHONE)

    page.goto(live_server.url + "/accounts/password_reset/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
    page.get_by_label("Email").fill("Ada@Example.com")
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

    page.goto(live_server.url + emailed_link("ada@example.com", "/accounts/reset/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    page.get_by_label("New password", exact=True).fill("a-brand-new-passphrase")
    page.get_by_label("New password confirmation").fill("a-brand-new-passphrase")
    page.get_by_role("button", name="Save password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Password saved")

    page.get_by_role("link", name="Sign in", exact=True).last.click()
    page.locator("#id_username").fill("ada@example.com")
    page.locator("#id_password").fill("a-brand-new-passphrase")
    page.locator("main").get_by_role("button", name="Sign in").click()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Your orders")).to_be_visible()
