"""The Shopping Manager (Django's admin) as a merchant uses it on a laptop, in Chromium: pages fit
1440 px without sideways scrolling, prices read as money, and a chosen photo survives an error."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from catalog.demo import seed_waltmart
from catalog.models import MerchantApplication, Product, ProductImage
from checkout.models import Order, OrderLine
from events.demo import seed_shows
from events.models import Platform
from tests.conftest import image_bytes
from tests.e2e.conftest import DESKTOP, PHONE, sign_in

pytestmark = pytest.mark.browser

# The page's width against the window's, and every box that scrolls sideways inside the page (the
# admin puts its lists in one, `.results`, so a list can be too wide while the page is not).
WIDTHS = """
() => ({
    page: document.scrollingElement.scrollWidth,
    window: document.scrollingElement.clientWidth,
    scrolling: [...document.querySelectorAll("body *")]
        .filter(el => ["auto", "scroll"].includes(getComputedStyle(el).overflowX))
        .filter(el => el.scrollWidth > el.clientWidth + 1)
        .map(el => `${el.tagName.toLowerCase()}.${el.className} ${el.scrollWidth}>${el.clientWidth}`),
})
"""

SHOPPERS = [
    "margaret.hamilton@example.com",
    "grace.hopper.navy.reserve@example.org",
    "katherine.johnson@nasa-langley.example.com",
    "ada@example.com",
    "edsger.w.dijkstra.eindhoven@example.nl",
    "barbara.liskov@example.com",
    "radia.perlman.networking@example.com",
    "frances.allen@example.com",
]


@pytest.fixture
def waltmart(transactional_db):
    demo = seed_waltmart()
    shows = seed_shows(demo["merchant"])
    jacket = Product.objects.get(merchant=demo["merchant"], slug="puffer-jacket")
    variants = list(jacket.variants.all())
    # several orders, from the live show and from the shop, some refunded in part
    for n, email in enumerate(SHOPPERS):
        order = Order.objects.create(
            merchant=demo["merchant"],
            event=shows[n % 2] if n % 3 else None,
            platform=[Platform.DESKTOP, Platform.IOS][n % 2],
            email=email,
            shipping_name="Ada Lovelace",
            shipping_line1="1 Main Street",
            shipping_city="Springfield",
            shipping_postal_code="62701",
            shipping_country="US",
            currency="USD",
            total=131899 - n * 1000,
            amount_refunded=1899 if n % 3 == 1 else 0,
            status=Order.Status.PARTIALLY_REFUNDED if n % 3 == 1 else Order.Status.PAID,
            payment_provider="test",
            reserved_until=timezone.now() + timedelta(minutes=10),
        )
        variant = variants[n % len(variants)]
        OrderLine.objects.create(
            order=order,
            variant=variant,
            product_title=jacket.title,
            variant_label=variant.option_label,
            sku=variant.sku,
            unit_price=variant.price,
            currency=variant.currency,
            quantity=1,
        )
    return SimpleNamespace(**demo, jacket=jacket)


def owner_page(new_page, live_server, owner) -> Page:
    page = new_page(viewport=DESKTOP)
    sign_in(page.context, SimpleNamespace(http=live_server.url), owner)
    return page


def assert_fits(page: Page) -> None:
    widths = page.evaluate(WIDTHS)
    assert widths["page"] <= widths["window"], widths
    assert widths["scrolling"] == [], widths


def test_the_product_page_with_its_variants_fits_a_laptop_and_shows_money(
    live_server, waltmart, new_page, screenshot
):
    page = owner_page(new_page, live_server, waltmart.owner)

    page.goto(f"{live_server.url}/admin/catalog/product/{waltmart.jacket.pk}/change/")

    # eight variants, each price typed as money
    prices = page.locator('input[name^="variants-"][name$="-price"]:not([name*="__prefix__"])')
    expect(prices).to_have_count(waltmart.jacket.variants.count() + 1)  # and one empty row
    expect(prices.first).to_have_value("129.00")
    assert_fits(page)
    screenshot(page, "admin-product-desktop")


def test_the_orders_list_fits_a_laptop_and_shows_money(live_server, waltmart, new_page, screenshot):
    page = owner_page(new_page, live_server, waltmart.owner)

    page.goto(f"{live_server.url}/admin/checkout/order/")

    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(len(SHOPPERS))
    expect(page.locator("#result_list")).to_contain_text("$1,318.99")
    expect(page.locator("#result_list")).to_contain_text("$18.99")
    # every column in view: the last one too
    expect(page.locator("#result_list thead th").last).to_be_in_viewport()
    screenshot(page, "admin-orders-desktop")
    assert_fits(page)


def test_the_product_list_fits_a_laptop_for_platform_staff_too(live_server, waltmart, new_page):
    page = owner_page(new_page, live_server, waltmart.admin)

    for path in ("catalog/product/", "checkout/order/"):
        page.goto(f"{live_server.url}/admin/{path}")
        assert_fits(page)


def test_a_chosen_photo_survives_an_error_elsewhere(live_server, waltmart, new_page):
    product = Product.objects.get(merchant=waltmart.merchant, slug="wool-beanie")
    photos_before = product.images.count()
    page = owner_page(new_page, live_server, waltmart.owner)
    page.goto(f"{live_server.url}/admin/catalog/product/{product.pk}/change/")

    # the owner picks a photo for the product, and mistypes a price
    new_row = f"images-{photos_before}"
    page.locator(f'input[name="{new_row}-image"]').set_input_files(
        {"name": "beanie-side.jpg", "mimeType": "image/jpeg", "buffer": image_bytes(size=(120, 90))}
    )
    page.locator(f'input[name="{new_row}-alt_text"]').fill("Beanie, side")
    price = page.locator('input[name="variants-0-price"]')
    price.fill("abc")
    page.get_by_role("button", name="Save", exact=True).click()

    # then the price is marked, and the photo is kept, shown beside its field
    expect(page.locator(".errorlist").first).to_contain_text("'abc' is not a price")
    kept = page.locator(".kept-upload")
    expect(kept).to_contain_text("beanie-side.jpg is kept")
    expect(kept.locator("img")).to_have_js_property("complete", True)
    assert kept.locator("img").evaluate("img => img.naturalWidth") > 0

    # when they fix the price and save
    page.locator('input[name="variants-0-price"]').fill("24.99")
    page.get_by_role("button", name="Save", exact=True).click()

    # then the product is saved with the photo
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert product.images.count() == photos_before + 1
    added = ProductImage.objects.filter(product=product).latest("pk")
    assert (added.alt_text, added.width, added.height) == ("Beanie, side", 120, 90)
    assert product.variants.order_by("position").first().price == 2499


def test_the_sell_form_starts_on_the_browsers_time_zone(live_server, transactional_db, new_page):
    # a business in Vilnius (not among the common zones) applies from its own browser
    page = new_page(viewport=PHONE, timezone_id="Europe/Vilnius")
    page.goto(f"{live_server.url}/sell/")

    zone = page.get_by_label("Time zone")
    expect(zone).to_have_value("Europe/Vilnius")
    page.get_by_label("Business name").fill("Gintaras Amber")
    page.get_by_label("Website").fill("gintaras.example")
    page.get_by_label("Your name").fill("Rūta Kazlauskienė")
    page.get_by_label("Contact email").fill("ruta@gintaras.example")
    page.get_by_label("What do you sell?").fill("Amber jewellery, shown live.")
    page.get_by_role("button", name="Send application").click()

    expect(page).to_have_url(f"{live_server.url}/sell/thanks/")
    assert MerchantApplication.objects.get().time_zone == "Europe/Vilnius"
