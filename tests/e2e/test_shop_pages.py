"""The Waltmart shop as a person sees it in Chromium, on a laptop and on a phone."""

import pytest
from playwright.sync_api import Page, expect

from catalog.demo import WALTMART_PRODUCTS, seed_waltmart
from catalog.models import Product
from catalog.templatetags.catalog_tags import money
from tests.e2e.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

# naturalWidth of every product image that is at least partly inside the viewport; loading="lazy"
# images further down have not been asked for yet. A broken image reports 0.
VISIBLE_IMAGE_WIDTHS = """
selector => [...document.querySelectorAll(selector)]
    .filter(img => {
        const box = img.getBoundingClientRect();
        return box.bottom > 0 && box.top < window.innerHeight && box.width > 0;
    })
    .map(img => ({alt: img.alt, width: img.naturalWidth}))
"""
VISIBLE_IMAGES_SETTLED = """
selector => [...document.querySelectorAll(selector)]
    .filter(img => {
        const box = img.getBoundingClientRect();
        return box.bottom > 0 && box.top < window.innerHeight && box.width > 0;
    })
    .every(img => img.complete)
"""
CARD_IMAGES = ".product-grid img"


@pytest.fixture
def waltmart(transactional_db):
    return seed_waltmart()["merchant"]


def expected_cards() -> list[tuple[str, str, str]]:
    """(title, price, availability) for every demo product, from the database."""
    cards = []
    for product in Product.objects.filter(merchant__slug="waltmart").prefetch_related("variants"):
        variants = list(product.variants.all())
        prices = {variant.price for variant in variants}
        price = money(min(prices), variants[0].currency)
        in_stock = any(variant.stock_on_hand > 0 for variant in variants)
        cards.append(
            (
                product.title,
                price if len(prices) == 1 else f"From {price}",
                "In stock" if in_stock else "Sold out",
            )
        )
    return sorted(cards)


def visible_images_loaded(page: Page, selector: str) -> list[dict]:
    """Wait until the images in view have finished (loading or failing); return their widths."""
    page.wait_for_function(VISIBLE_IMAGES_SETTLED, arg=selector)
    images = page.evaluate(VISIBLE_IMAGE_WIDTHS, selector)
    assert images, f"no {selector} in view"
    return images


def assert_shop_page(page: Page) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Waltmart")
    cards = page.get_by_role("list", name="Products").get_by_role("listitem")
    expect(cards).to_have_count(len(WALTMART_PRODUCTS))
    seen = sorted(
        (
            card.get_by_role("heading", level=2).inner_text(),
            card.locator(".price").inner_text(),
            card.locator(".availability").inner_text(),
        )
        for card in cards.all()
    )
    assert seen == expected_cards()
    # spot checks a person would make, independent of the computation above
    earbuds = cards.filter(has_text="Wireless Earbuds Pro")
    expect(earbuds).to_contain_text("$129.00")
    expect(earbuds).to_contain_text("In stock")
    air_fryer = cards.filter(has_text="Air Fryer XL")
    expect(air_fryer).to_contain_text("$119.00")
    expect(air_fryer).to_contain_text("Sold out")
    expect(cards.filter(has_text="55-inch OLED TV")).to_contain_text("$1,299.00")

    images = visible_images_loaded(page, CARD_IMAGES)
    assert all(image["width"] > 0 for image in images), images


@pytest.mark.parametrize(
    ("viewport", "shot"),
    [(DESKTOP, "shop-desktop"), (PHONE, "shop-phone")],
    ids=["desktop", "phone"],
)
def test_shop_page_shows_products_prices_stock_and_photos(
    live_server, waltmart, new_page, screenshot, viewport, shot
):
    page = new_page(viewport=viewport)

    response = page.goto(f"{live_server.url}/shop/waltmart/")

    assert response.status == 200
    assert_shop_page(page)
    # nothing is wider than the screen: no sideways scrolling on a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    screenshot(page, shot)


def test_every_product_photo_loads_when_scrolled_into_view(live_server, waltmart, new_page):
    page = new_page(viewport=PHONE)
    page.goto(f"{live_server.url}/shop/waltmart/")

    images = page.locator(CARD_IMAGES)
    expect(images).to_have_count(len(WALTMART_PRODUCTS))
    for image in images.all():
        image.scroll_into_view_if_needed()
        expect(image).to_have_js_property("complete", True)
        assert image.evaluate("img => img.naturalWidth") > 0, image.get_attribute("alt")


def test_product_page_from_the_shop(live_server, waltmart, new_page, screenshot):
    page = new_page(viewport=DESKTOP)
    page.goto(f"{live_server.url}/shop/waltmart/")

    # when a shopper clicks a product in the grid
    page.get_by_role("heading", level=2, name="Wireless Earbuds Pro").click()

    # then its page shows the title, each option's price and availability, and the photo
    expect(page).to_have_url(f"{live_server.url}/shop/waltmart/wireless-earbuds-pro/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Wireless Earbuds Pro")
    expect(page).to_have_title("Wireless Earbuds Pro — Waltmart")
    options = page.get_by_role("table", name="Options").locator("tbody tr")
    expect(options).to_have_count(2)
    expect(options.nth(0)).to_contain_text("White")
    expect(options.nth(0)).to_contain_text("$129.00")
    expect(options.nth(0)).to_contain_text("Only 3 left")
    expect(options.nth(1)).to_contain_text("Black")
    expect(options.nth(1)).to_contain_text("$129.00")
    expect(options.nth(1)).to_contain_text("In stock")
    photo = page.get_by_role("img", name="Wireless Earbuds Pro")
    expect(photo).to_be_visible()
    images = visible_images_loaded(page, ".gallery img")
    assert all(image["width"] > 0 for image in images), images
    screenshot(page, "product-desktop")


def test_sold_out_product_page_says_so(live_server, waltmart, new_page):
    page = new_page(viewport=PHONE)

    page.goto(f"{live_server.url}/shop/waltmart/air-fryer-xl/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Air Fryer XL")
    row = page.get_by_role("table", name="Options").locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("$119.00")
    expect(row).to_contain_text("Sold out")
