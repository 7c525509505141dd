"""Buying during a live show in Chromium, on a real daphne server with the Waltmart demo: the
in-page cart, checkout and test-mode payment on a laptop, an iPhone and by keyboard; Android
watches only; sold-out stock. The video must keep playing through every purchase."""

import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import Page, expect

from catalog.demo import seed_waltmart
from catalog.models import Product, Variant
from catalog.templatetags.catalog_tags import money
from checkout.models import Cart, CartLine, Order, Reservation
from events.demo import seed_shows
from events.models import LiveEvent, ShowProduct
from tests.e2e.conftest import IPHONE
from tests.e2e.test_live_show import (
    LIVE,
    UNNAMED_CONTROLS,
    listed_products,
    open_console,
    open_show,
    run_of_show,
    wait_until_playing,
)

pytestmark = pytest.mark.browser

# What a site sees of a Pixel 8 in Chrome.
ANDROID = {
    "viewport": {"width": 412, "height": 915},
    "is_mobile": True,
    "has_touch": True,
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Mobile Safari/537.36"
    ),
}

SHIPPING = {
    "Email": "ada@example.com",
    "Full name": "Ada Lovelace",
    "Address": "12 Analytical Way",
    "City": "Springfield",
    "State or region": "IL",
    "Postal code": "62701",
}

# From now on, add up how far the video plays (a jump back to the start when the 24 s demo clip
# loops counts as playing on), and record any step back, any stop or restart, and a marker that a
# reload would lose. A purchase takes longer than what is left of one turn of the clip.
WATCH_PLAYBACK = """() => {
    const video = document.getElementById("video");
    window.sameDocument = true;
    window.videoPlayed = 0;
    window.videoBackwards = [];
    window.videoStops = [];
    let last = video.currentTime;
    video.addEventListener("timeupdate", () => {
        const now = video.currentTime;
        if (now >= last) window.videoPlayed += now - last;
        else if (last > video.duration - 1.5 && now < 1.5) window.videoPlayed += video.duration - last + now;
        else window.videoBackwards.push([last, now]);
        last = now;
    });
    for (const type of ["pause", "ended", "emptied", "abort", "loadstart", "error"]) {
        video.addEventListener(type, () => window.videoStops.push(type));
    }
}"""

# POST JSON from the page itself, as our own script would: same cookies, same User-Agent, with
# the CSRF token from its cookie. Returns the status and the JSON answer.
POST_FROM_PAGE = """async ([url, body]) => {
    const token = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/)?.[1] ?? "";
    const response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": token},
        body: JSON.stringify(body),
    });
    return {
        status: response.status,
        type: response.headers.get("Content-Type"),
        body: await response.json(),
    };
}"""


@pytest.fixture
def demo(asgi_server):
    """The Waltmart demo: its catalog and the live show, on `asgi_server`."""
    seeded = seed_waltmart()
    live, _ = seed_shows(seeded["merchant"])
    return SimpleNamespace(
        server=asgi_server, merchant=seeded["merchant"], owner=seeded["owner"], live=live
    )


def product(demo, slug: str) -> Product:
    return Product.objects.get(merchant=demo.merchant, slug=slug)


def watch_video(page: Page) -> float:
    """Wait until the video plays, then follow it (WATCH_PLAYBACK); return how far it played."""
    wait_until_playing(page)
    page.evaluate(WATCH_PLAYBACK)
    return played(page)


def played(page: Page) -> float:
    return page.evaluate("window.videoPlayed")


def wait_for_more_play(page: Page, since: float) -> float:
    """Wait until the video has played on since `since` (seconds played); return the new total."""
    page.wait_for_function("since => window.videoPlayed > since + 0.2", arg=since)
    return played(page)


def assert_video_kept_playing(page: Page) -> None:
    """Since WATCH_PLAYBACK: same document, never a step back, never stopped, still playing."""
    assert page.evaluate("window.sameDocument") is True, "the page was reloaded"
    assert page.evaluate("window.videoBackwards") == []
    assert page.evaluate("window.videoStops") == []
    assert page.evaluate("document.getElementById('video').paused") is False


def fill_shipping(page: Page) -> None:
    for label, value in SHIPPING.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Country", exact=True).select_option("US")


def confirmation_of(order: Order) -> re.Pattern:
    total = re.escape(money(order.total, order.currency))
    return re.compile(rf"Order {str(order.number)[:8]} is confirmed: {total}\.")


def test_desktop_viewer_buys_while_the_host_switches_products_and_the_video_plays(
    demo, new_page, screenshot
):
    # given the earbuds, 1 white and 4 black left, in the run of show; the headphones featured
    earbuds = product(demo, "wireless-earbuds-pro")
    white, black = earbuds.variants.order_by("position")
    Variant.objects.filter(pk=white.pk).update(stock_on_hand=1)
    Variant.objects.filter(pk=black.pk).update(stock_on_hand=4)
    vacuum, tv = product(demo, "robot-vacuum"), product(demo, "55-inch-oled-tv")
    host = open_console(new_page, demo)
    viewer = open_show(new_page, demo)  # a guest on a laptop
    listed = viewer.locator("#show-products > li").filter(has_text="Wireless Earbuds Pro")
    expect(listed.locator(".stock")).to_have_text("Only 5 left")
    expect(viewer.locator("#banner-title")).to_have_text("Noise-Cancelling Headphones")
    start = watch_video(viewer)

    # when the viewer clicks Buy on the earbuds in the purchase tab
    listed.get_by_role("button", name="Buy Wireless Earbuds Pro").click()
    # then the Cart tab opens on their options, beside the video
    expect(viewer.get_by_role("tab", name=re.compile(r"^Cart"))).to_have_attribute(
        "aria-selected", "true"
    )
    picker = viewer.locator("#buy-add")
    expect(picker.get_by_role("heading", name="Wireless Earbuds Pro")).to_be_visible()
    expect(viewer.locator(".test-mode")).to_contain_text("Test mode")
    # and they pick black, 2 of them
    viewer.get_by_label("Option", exact=True).select_option(str(black.pk))
    viewer.get_by_label("Quantity").fill("2")

    # meanwhile the host features the robot vacuum: the viewer's banner follows
    host.get_by_role("button", name="Feature Robot Vacuum", exact=True).click()
    expect(viewer.locator("#banner-title")).to_have_text("Robot Vacuum")
    expect(picker).to_be_visible()  # the open picker is untouched
    expect(viewer.get_by_label("Option", exact=True)).to_have_value(str(black.pk))
    during_pick = wait_for_more_play(viewer, start)

    # when they add to the cart
    viewer.get_by_role("button", name="Add to cart").click()
    # then the cart shows the line with the server's total
    total = money(2 * black.price, black.currency)
    line = viewer.locator("#buy-cart-lines > li")
    expect(line).to_have_count(1)
    expect(line).to_contain_text("Wireless Earbuds Pro (Black)")
    expect(line.locator(".quantity")).to_have_text("2")
    expect(viewer.locator("#buy-cart-total")).to_have_text(f"Total {total}")
    expect(viewer.locator("#cart-count")).to_have_text("2")
    expect(picker).to_be_hidden()

    # the host moves on to the TV before the viewer checks out
    host.get_by_role("button", name="Feature 55-inch OLED TV", exact=True).click()
    expect(viewer.locator("#banner-title")).to_have_text("55-inch OLED TV")

    # when the viewer checks out with their shipping address
    viewer.get_by_role("button", name="Checkout").click()
    expect(viewer.get_by_role("heading", name="Shipping")).to_be_visible()
    # (sent empty, the form says what is missing, from the first field)
    viewer.get_by_role("button", name="Continue to payment").click()
    expect(viewer.locator("#buy-contact-error")).to_have_text("Check the highlighted fields.")
    email = viewer.get_by_label("Email", exact=True)
    expect(email).to_be_focused()
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description("This field is required.")
    assert not Order.objects.exists()
    fill_shipping(viewer)
    expect(email).not_to_have_attribute("aria-invalid", "true")
    expect(viewer.locator(".field-error:not(:empty)")).to_have_count(0)
    expect(viewer.locator("#buy-step-contact")).to_contain_text(total)  # what they are paying for
    screenshot(viewer, "checkout-desktop")
    viewer.get_by_role("button", name="Continue to payment").click()
    # then the payment step, plainly in test mode, asks for the server's total
    expect(viewer.get_by_role("heading", name="Review and pay")).to_be_visible()
    expect(viewer.locator("#buy-payment-total")).to_have_text(total)
    expect(viewer.locator(".test-mode")).to_be_visible()
    # and the reservation already reached the page as stock, without a reload
    expect(listed.locator(".stock")).to_have_text("Only 3 left")
    during_payment = wait_for_more_play(viewer, during_pick)

    # when they pay
    viewer.get_by_role("button", name="Pay (test)").click()

    # then the page confirms the order with the total the server computed
    order = Order.objects.get()
    confirmation = viewer.locator("#buy-confirmation-text")
    expect(confirmation).to_have_text(confirmation_of(order))
    expect(confirmation).to_contain_text("ada@example.com")
    expect(viewer.locator("#cart-count")).to_have_text("0")
    # and the order is paid, a snapshot of what was bought, credited to the vacuum on screen
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert (order.event, order.platform, order.total) == (demo.live, "desktop", 2 * black.price)
    assert order.shipping_name == "Ada Lovelace"
    [bought] = order.lines.all()
    assert (bought.product_title, bought.variant_label, bought.sku) == (
        "Wireless Earbuds Pro",
        "Black",
        black.sku,
    )
    assert (bought.unit_price, bought.currency, bought.quantity) == (black.price, "USD", 2)
    assert bought.featured_product == vacuum != tv
    assert not CartLine.objects.exists()
    # the two units left the stock, and the page shows what is left without a reload
    black.refresh_from_db()
    assert (black.stock_on_hand, black.reserved) == (2, 0)
    viewer.get_by_role("tab", name="Products").click()
    expect(listed.locator(".stock")).to_have_text("Only 3 left")
    # the video played on through all of it, in the same page
    wait_for_more_play(viewer, during_payment)
    assert_video_kept_playing(viewer)


def test_iphone_viewer_buys_from_the_banner_after_a_declined_payment(demo, new_page, screenshot):
    headphones = product(demo, "noise-cancelling-headphones")
    black = headphones.variants.order_by("position").first()
    viewer = open_show(new_page, demo, **IPHONE)
    drawer = viewer.locator("#side")
    expect(drawer).not_to_be_in_viewport()
    start = watch_video(viewer)

    # when the viewer taps Buy in the purchase banner under the video
    viewer.get_by_role("button", name="Buy Noise-Cancelling Headphones").tap()

    # then the drawer opens over the page on the Cart tab, with the product's options
    expect(drawer).to_be_in_viewport(ratio=0.99)
    expect(viewer.get_by_role("tab", name=re.compile(r"^Cart"))).to_have_attribute(
        "aria-selected", "true"
    )
    expect(viewer.get_by_role("heading", name="Noise-Cancelling Headphones")).to_be_visible()
    expect(viewer.get_by_label("Option", exact=True)).to_have_value(str(black.pk))
    expect(viewer.get_by_label("Option", exact=True)).to_be_focused()
    assert viewer.evaluate("document.documentElement.scrollWidth") <= IPHONE["viewport"]["width"]
    screenshot(viewer, "checkout-phone")
    viewer.get_by_role("button", name="Add to cart").tap()
    expect(viewer.locator("#buy-cart-lines > li")).to_contain_text(
        "Noise-Cancelling Headphones (Black)"
    )
    viewer.get_by_role("button", name="Checkout").tap()
    fill_shipping(viewer)
    viewer.get_by_role("button", name="Continue to payment").tap()
    expect(viewer.get_by_role("button", name="Pay (test)")).to_be_visible()
    # the unit is held while they pay
    black.refresh_from_db()
    assert black.reserved == 1

    # when the test payment is declined
    viewer.get_by_role("button", name="Decline (test)").tap()

    # then they read why, the item is still in their cart, and the unit is free again
    expect(viewer.get_by_role("alert").filter(has_text="did not go through")).to_have_text(
        "The payment did not go through."
    )
    expect(viewer.locator("#buy-cart-lines > li")).to_have_count(1)
    expect(viewer.get_by_role("button", name="Checkout")).to_be_visible()
    declined = Order.objects.get()
    assert declined.status == Order.Status.CANCELLED
    assert declined.reservations.get().state == Reservation.State.RELEASED
    black.refresh_from_db()
    assert (black.stock_on_hand, black.reserved) == (5, 0)
    after_decline = wait_for_more_play(viewer, start)

    # when they try again and the payment goes through
    viewer.get_by_role("button", name="Checkout").tap()
    expect(viewer.get_by_label("Email", exact=True)).to_have_value("ada@example.com")  # kept
    viewer.get_by_role("button", name="Continue to payment").tap()
    viewer.get_by_role("button", name="Pay (test)").tap()

    # then the drawer confirms it, and the video played on behind it
    paid = Order.objects.exclude(pk=declined.pk).get()
    expect(viewer.locator("#buy-confirmation-text")).to_have_text(confirmation_of(paid))
    paid.refresh_from_db()
    assert (paid.status, paid.platform, paid.total) == (Order.Status.PAID, "ios", black.price)
    black.refresh_from_db()
    assert (black.stock_on_hand, black.reserved) == (4, 0)
    wait_for_more_play(viewer, after_decline)
    assert_video_kept_playing(viewer)
    # "Keep watching" closes the drawer and gives the video back
    viewer.get_by_role("button", name="Keep watching").tap()
    expect(drawer).not_to_be_in_viewport()
    assert_video_kept_playing(viewer)


def test_android_viewer_watches_and_the_server_refuses_its_purchases(demo, new_page, screenshot):
    viewer = open_show(new_page, demo, **ANDROID)
    wait_until_playing(viewer)  # the stream plays

    # the banner shows the featured product with its price, no Buy button, and says where to buy
    banner = viewer.locator("#purchase-banner")
    expect(banner).to_be_visible()
    expect(banner.locator("#banner-title")).to_have_text("Noise-Cancelling Headphones")
    expect(banner.locator("#banner-price")).to_have_text("$199.00")
    expect(banner.locator("#banner-note")).to_be_visible()
    expect(banner.locator("#banner-note")).to_have_text(
        "Buying during this show is available on iOS and Desktop. On this device you can watch."
    )
    # the purchase tab lists every product with its price, and says why there is no Buy button
    viewer.get_by_role("button", name=re.compile(r"^Shop")).tap()
    expect(viewer.locator("#side")).to_be_in_viewport(ratio=0.99)
    expect(viewer.locator("#show-products > li")).to_have_count(8)
    assert listed_products(viewer) == run_of_show(demo.live)
    message = viewer.locator("#watch-only")
    expect(message).to_be_visible()
    expect(message).to_have_text(
        "Buying during this show is available on iOS and Desktop. On this device you can watch."
    )
    # and nothing anywhere offers to buy
    expect(viewer.get_by_role("button", name=re.compile(r"\bBuy\b"))).to_have_count(0)
    expect(viewer.locator(".buy, #banner-buy, #panel-cart")).to_have_count(0)
    expect(viewer.get_by_role("tab", name=re.compile(r"^Cart"))).to_have_count(0)
    assert viewer.evaluate("document.documentElement.scrollWidth") <= ANDROID["viewport"]["width"]
    assert viewer.evaluate(UNNAMED_CONTROLS) == []
    screenshot(viewer, "android-watch-only")

    # when the same session posts to the purchase endpoints directly, with a valid CSRF token
    variant = product(demo, "robot-vacuum").variants.get()
    added = viewer.evaluate(
        POST_FROM_PAGE, [f"/events/{LIVE}/buy/cart/add/", {"variant_id": variant.pk, "quantity": 1}]
    )
    contact = {
        "email": "droid@example.com",
        "shipping_name": "Andy Droid",
        "shipping_line1": "1 Main St",
        "shipping_city": "Springfield",
        "shipping_region": "IL",
        "shipping_postal_code": "62701",
        "shipping_country": "US",
    }
    checkout = viewer.evaluate(POST_FROM_PAGE, [f"/events/{LIVE}/buy/checkout/", contact])

    # then both are refused with a reason a person can read, and nothing was created or held
    for answer in (added, checkout):
        assert answer["status"] == 403
        assert answer["type"] == "application/json"
        assert answer["body"] == {
            "error": (
                "Buying during this show is available on iOS and Desktop. "
                "On this device you can watch."
            ),
            "code": "platform_not_allowed",
        }
    assert not Cart.objects.exists()
    assert not CartLine.objects.exists()
    assert not Order.objects.exists()
    assert not Variant.objects.filter(reserved__gt=0).exists()


def test_guest_cannot_buy_what_is_sold_out_even_when_it_sells_out_after_the_pick(demo, new_page):
    # given the air fryer, sold out, is the featured product
    air_fryer, vacuum = product(demo, "air-fryer-xl"), product(demo, "robot-vacuum")
    assert not air_fryer.variants.filter(stock_on_hand__gt=0).exists()
    LiveEvent.objects.filter(pk=demo.live.pk).update(featured_product=air_fryer)
    viewer = open_show(new_page, demo)  # a guest

    # then its Buy buttons, in the banner and in the purchase tab, are disabled
    expect(viewer.locator("#banner-stock")).to_have_text("Sold out")
    expect(viewer.locator("#banner-buy")).to_be_disabled()
    listed = viewer.locator("#show-products > li").filter(has_text="Air Fryer XL")
    expect(listed.locator(".stock")).to_have_text("Sold out")
    expect(listed.get_by_role("button", name="Buy Air Fryer XL")).to_be_disabled()

    # when the viewer picks the vacuum, and its last units sell elsewhere before they add it
    viewer.get_by_role("button", name="Buy Robot Vacuum").click()
    expect(viewer.get_by_label("Option", exact=True)).to_contain_text("Standard — $249.00")
    expect(viewer.get_by_role("button", name="Add to cart")).to_be_enabled()
    Variant.objects.filter(product=vacuum).update(stock_on_hand=0)
    viewer.get_by_role("button", name="Add to cart").click()

    # then they read that it is sold out, the option says so, and the cart stays empty
    expect(viewer.locator("#buy-add-error")).to_have_text("Robot Vacuum is sold out.")
    shown = viewer.get_by_label("Option", exact=True).evaluate(
        "select => select.selectedOptions[0]?.textContent"
    )
    assert shown == "Standard — $249.00 (sold out)"
    expect(viewer.get_by_role("button", name="Add to cart")).to_be_disabled()
    expect(viewer.locator("#buy-cart-empty")).to_be_visible()
    expect(viewer.locator("#buy-cart-lines > li")).to_have_count(0)
    expect(viewer.get_by_role("button", name="Checkout")).to_be_hidden()
    expect(viewer.locator("#cart-count")).to_have_text("0")
    assert not CartLine.objects.exists()
    assert not Order.objects.exists()


def press_tab_until(page: Page, locator, *, limit: int = 40) -> None:
    """Press Tab until `locator` has the focus (at most `limit` times)."""
    for _ in range(limit):
        if locator.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    expect(locator).to_be_focused()


def test_the_whole_purchase_works_with_the_keyboard_and_names_every_control(demo, new_page):
    earbuds = product(demo, "wireless-earbuds-pro")
    white, black = earbuds.variants.order_by("position")
    host = open_console(new_page, demo)
    page = open_show(new_page, demo)
    start = watch_video(page)
    role = page.get_by_role

    # Tab reaches the earbuds' Buy button in the purchase tab
    page.locator("body").focus()
    buy = role("button", name="Buy Wireless Earbuds Pro")
    press_tab_until(page, buy)
    # and the focus stays on it when the host features another product meanwhile
    host.get_by_role("button", name="Feature Robot Vacuum", exact=True).click()
    expect(page.locator("#banner-title")).to_have_text("Robot Vacuum")
    expect(buy).to_be_focused()

    # Enter opens the options, the focus on the first control
    page.keyboard.press("Enter")
    option = role("combobox", name="Option")
    expect(option).to_be_focused()
    expect(option).to_have_value(str(white.pk))
    assert page.evaluate(UNNAMED_CONTROLS) == []
    # the arrow keys choose the option and the quantity; Space on the button adds to the cart
    page.keyboard.press("ArrowDown")
    expect(option).to_have_value(str(black.pk))
    page.keyboard.press("Tab")
    quantity = role("spinbutton", name="Quantity")
    expect(quantity).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(quantity).to_have_value("2")
    page.keyboard.press("Tab")
    expect(role("button", name="Add to cart")).to_be_focused()
    page.keyboard.press("Space")
    expect(role("heading", name="Your cart")).to_be_focused()
    expect(page.locator("#buy-cart-lines > li")).to_contain_text("Wireless Earbuds Pro (Black)")
    expect(role("button", name="One more Wireless Earbuds Pro (Black)")).to_be_visible()
    assert page.evaluate(UNNAMED_CONTROLS) == []

    # Tab reaches Checkout; Enter opens the shipping form, the focus on its heading
    press_tab_until(page, role("button", name="Checkout"), limit=6)
    page.keyboard.press("Enter")
    expect(role("heading", name="Shipping")).to_be_focused()
    assert page.evaluate(UNNAMED_CONTROLS) == []
    # each field, in order, is one Tab further and says what it is
    for label, value in [
        ("Email", "ada@example.com"),
        ("Full name", "Ada Lovelace"),
        ("Address", "12 Analytical Way"),
        ("Apartment, suite (optional)", ""),
        ("City", "Toronto"),
        ("State or region", "ON"),
        ("Postal code", "M5V 2T6"),
    ]:
        page.keyboard.press("Tab")
        expect(role("textbox", name=label, exact=True)).to_be_focused()
        page.keyboard.type(value)
    page.keyboard.press("Tab")
    country = role("combobox", name="Country")
    expect(country).to_be_focused()
    page.keyboard.type("Canada")
    expect(country).to_have_value("CA")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Phone (optional)")).to_be_focused()
    page.keyboard.press("Tab")
    expect(role("button", name="Continue to payment")).to_be_focused()
    page.keyboard.press("Enter")

    # the summary takes the focus; Tab reaches "Change the address", then Pay; Space pays
    expect(role("heading", name="Review and pay")).to_be_focused()
    assert page.evaluate(UNNAMED_CONTROLS) == []
    page.keyboard.press("Tab")
    expect(role("button", name="Change the address")).to_be_focused()
    page.keyboard.press("Tab")
    expect(role("button", name="Pay (test)")).to_be_focused()
    page.keyboard.press("Space")

    # then the order is confirmed, focus on the confirmation, and the video played on
    order = Order.objects.get()
    expect(role("heading", name="Order confirmed")).to_be_focused()
    expect(page.locator("#buy-confirmation-text")).to_have_text(confirmation_of(order))
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert (order.shipping_city, order.shipping_postal_code, order.shipping_country) == (
        "Toronto",
        "M5V 2T6",
        "CA",
    )
    assert [(line.variant_id, line.quantity) for line in order.lines.all()] == [(black.pk, 2)]
    wait_for_more_play(page, start)
    assert_video_kept_playing(page)


def test_a_live_deal_has_the_same_price_on_the_banner_in_the_tab_and_in_the_order(
    demo, new_page, screenshot
):
    # given the featured headphones (199.00 in the catalog) at a live-only 149.00
    headphones = product(demo, "noise-cancelling-headphones")
    black = headphones.variants.order_by("position").first()
    ShowProduct.objects.filter(event=demo.live, product=headphones).update(live_price=14900)
    viewer = open_show(new_page, demo)
    start = watch_video(viewer)

    # then the banner and the purchase tab show the deal price, the catalog price struck through
    banner = viewer.locator("#banner-price")
    expect(banner.locator(".now")).to_have_text("$149.00")
    expect(banner.locator(".was")).to_have_text(f"{money(black.price, 'USD')}")
    expect(banner.locator(".deal")).to_have_text("Live deal")
    listed = viewer.locator("#show-products > li").filter(has_text="Noise-Cancelling Headphones")
    expect(listed.locator(".price .now")).to_have_text("$149.00")
    screenshot(viewer, "live-deal-desktop")

    # when they buy it from the banner
    viewer.locator("#banner-buy").click()
    expect(viewer.get_by_label("Option", exact=True)).to_contain_text("$149.00")
    viewer.get_by_role("button", name="Add to cart").click()
    expect(viewer.locator("#buy-cart-total")).to_have_text("Total $149.00")
    viewer.get_by_role("button", name="Checkout").click()
    fill_shipping(viewer)
    viewer.get_by_role("button", name="Continue to payment").click()
    expect(viewer.locator("#buy-payment-total")).to_have_text("$149.00")
    viewer.get_by_role("button", name="Pay (test)").click()

    # then the order charged the price they saw, and the video played on
    order = Order.objects.get()
    expect(viewer.locator("#buy-confirmation-text")).to_have_text(confirmation_of(order))
    order.refresh_from_db()
    assert (order.status, order.total) == (Order.Status.PAID, 14900)
    assert order.lines.get().unit_price == 14900
    wait_for_more_play(viewer, start)
    assert_video_kept_playing(viewer)


def test_a_guest_is_asked_to_sign_in_for_a_deal_limited_per_customer_and_keeps_watching(
    demo, new_page
):
    headphones = product(demo, "noise-cancelling-headphones")
    ShowProduct.objects.filter(event=demo.live, product=headphones).update(per_customer_limit=1)
    viewer = open_show(new_page, demo)
    start = watch_video(viewer)

    viewer.locator("#banner-buy").click()
    viewer.get_by_role("button", name="Add to cart").click()

    # the panel says why, with a sign-in link that opens beside the show
    error = viewer.locator("#buy-add-error")
    expect(error).to_contain_text("This deal is limited to 1 per customer: sign in to buy it.")
    link = error.get_by_role("link", name="Sign in")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("href", f"/accounts/login/?next=%2Fevents%2F{demo.live.slug}%2F")
    assert not CartLine.objects.exists()
    wait_for_more_play(viewer, start)
    assert_video_kept_playing(viewer)


def test_a_busy_server_turns_the_add_away_once_and_the_page_sends_it_again(demo, new_page):
    # given a crowd: the server answers the first add to cart as infrastructure/admission.py does when
    # its queue is full (nothing ran)
    viewer = open_show(new_page, demo)
    sent = []

    def busy_once(route):
        sent.append(route.request.url)
        if len(sent) == 1:
            route.fulfill(
                status=503,
                headers={"Retry-After": "1", "Content-Type": "application/json"},
                body='{"error": "Liveshop is very busy right now.", "code": "busy"}',
            )
        else:
            route.continue_()

    viewer.route("**/buy/cart/add/", busy_once)

    # when the viewer adds the vacuum
    viewer.get_by_role("button", name="Buy Robot Vacuum").click()
    viewer.get_by_role("button", name="Add to cart").click()

    # then the page waits and sends it again: one unit in the cart, no error shown
    expect(viewer.locator("#cart-count")).to_have_text("1", timeout=10_000)
    assert len(sent) == 2
    expect(viewer.locator("#buy-add-error")).to_have_text("")
    assert CartLine.objects.get().quantity == 1
