"""Buying from the shop and product pages, and after the show (issue 9)."""

import re

import pytest
from playwright.sync_api import expect

from checkout.models import Order
from events.models import LiveEvent
from events.services import event_transition
from tests.e2e.conftest import IPHONE
from tests.e2e.test_checkout import ANDROID, demo, fill_shipping, product  # noqa: F401
from tests.e2e.test_live_show import LIVE

pytestmark = pytest.mark.browser


def shop_url(demo) -> str:  # noqa: F811
    return f"{demo.server.http}/shop/{demo.merchant.slug}/"


def test_a_shopper_buys_from_the_shop_page_at_the_catalog_price(
    demo,  # noqa: F811
    new_page,
    screenshot,
):
    headphones = product(demo, "noise-cancelling-headphones")
    page = new_page()
    page.goto(shop_url(demo))

    page.get_by_role("button", name="Buy Noise-Cancelling Headphones").click()
    cart = page.get_by_role("complementary", name="Cart")
    expect(cart).to_be_in_viewport()
    expect(page.get_by_label("Option", exact=True)).to_be_focused()
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#cart-count")).to_have_text("1")
    screenshot(page, "shop-cart-desktop")
    page.get_by_role("button", name="Checkout").click()
    fill_shipping(page)
    page.get_by_role("button", name="Continue to payment").click()
    expect(page.locator("#buy-payment-total")).to_have_text("$199.00")
    page.get_by_role("button", name="Pay (test)").click()

    order = Order.objects.get()
    expect(page.locator("#buy-confirmation-text")).to_contain_text(str(order.number)[:8])
    order.refresh_from_db()
    assert (order.status, order.event, order.merchant) == (
        Order.Status.PAID,
        None,  # bought in the shop, not in a show
        demo.merchant,
    )
    assert order.lines.get().unit_price == headphones.variants.order_by("position").first().price
    page.get_by_role("button", name="Keep shopping").click()
    expect(cart).not_to_be_in_viewport()


def test_on_an_iphone_a_product_page_sells_its_options_beside_it(
    demo,  # noqa: F811
    new_page,
    screenshot,
):
    page = new_page(**IPHONE)
    page.goto(f"{shop_url(demo)}noise-cancelling-headphones/")

    expect(page.get_by_role("heading", name="Buy")).to_be_visible()
    option = page.get_by_label("Option", exact=True)
    expect(option).to_have_value(re.compile(r"\d+"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="Add to cart").tap()
    expect(page.locator("#buy-cart-lines > li")).to_contain_text("Noise-Cancelling Headphones")
    # the options stay, for another colour
    expect(page.get_by_role("button", name="Add to cart")).to_be_visible()
    screenshot(page, "product-buy-phone")
    page.get_by_role("button", name="Checkout").tap()
    fill_shipping(page)
    page.get_by_role("button", name="Continue to payment").tap()
    page.get_by_role("button", name="Pay (test)").tap()
    expect(page.get_by_role("heading", name="Order confirmed")).to_be_visible()
    order = Order.objects.get()
    assert (order.status, order.platform, order.event) == (Order.Status.PAID, "ios", None)


def test_android_sees_the_shop_but_is_told_buying_is_on_ios_and_desktop(
    demo,  # noqa: F811
    new_page,
):
    page = new_page(**ANDROID)
    page.goto(f"{shop_url(demo)}noise-cancelling-headphones/")

    expect(page.get_by_role("note")).to_have_text(
        "Buying is available on iOS and Desktop. On this device you can look."
    )
    expect(page.get_by_role("button", name="Add to cart")).to_be_hidden()
    page.goto(shop_url(demo))
    expect(page.get_by_role("button", name="Buy Noise-Cancelling Headphones")).to_be_hidden()


def test_after_the_show_its_page_sells_its_products_at_catalog_prices_attributed_to_it(
    demo,  # noqa: F811
    new_page,
):
    event_transition(event=demo.live, to=LiveEvent.Status.ENDED, by=demo.owner)
    page = new_page()
    page.goto(f"{demo.server.http}/events/{LIVE}/")

    expect(page.get_by_text("This show has ended")).to_be_visible()
    expect(page.locator("#purchase-banner")).to_be_hidden()
    expect(page.get_by_role("button", name="Watch the replay")).to_be_hidden()  # none yet
    page.get_by_role("tabpanel", name="Products").get_by_role(
        "button", name="Buy Noise-Cancelling Headphones"
    ).click()
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("button", name="Checkout").click()
    fill_shipping(page)
    page.get_by_role("button", name="Continue to payment").click()
    page.get_by_role("button", name="Pay (test)").click()
    expect(page.get_by_role("heading", name="Order confirmed")).to_be_visible()
    order = Order.objects.get()
    assert (order.status, order.event) == (Order.Status.PAID, demo.live)


def test_once_the_ended_show_has_a_replay_its_viewers_watch_it_in_the_page(
    demo,  # noqa: F811
    new_page,
):
    from events.scheduling import event_update
    from tests.e2e.test_live_show import open_show, wait_until_playing

    # the show ended and its recording is set (the Shopping Manager's path)
    event_transition(event=demo.live, to=LiveEvent.Status.ENDED, by=demo.owner)
    event_update(event=demo.live, by=demo.owner, replay_url=demo.live.stream_url)
    viewer = open_show(new_page, demo)
    expect(viewer.get_by_text("This show has ended")).to_be_visible()
    viewer.get_by_role("button", name="Watch the replay").click()

    expect(viewer.get_by_text("This show has ended")).to_be_hidden()
    wait_until_playing(viewer)
    expect(viewer.get_by_role("button", name="Pause")).to_be_focused()
    expect(viewer.locator("#live-badge")).to_be_hidden()
    # the products are still for sale beside it
    expect(
        viewer.get_by_role("tabpanel", name="Products").get_by_role(
            "button", name="Buy Noise-Cancelling Headphones"
        )
    ).to_be_enabled()
