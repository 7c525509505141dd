"""One price rule: during a flash deal the banner, the purchase tab, the options, the cart, the order
and the payment all show and charge the live price; before and after the show, the catalog price."""

import pytest

from checkout import selectors
from checkout.cart import cart_add
from checkout.orders import checkout_start
from checkout.storefronts import Storefront
from events import selectors as show_selectors
from events.models import LiveEvent, ShowProduct
from tests.checkout.conftest import CONTACT


@pytest.fixture
def deal(live_event, headphones):
    """Headphones (catalog 199.00) at a live-only 149.00, featured in the banner."""
    ShowProduct.objects.filter(event=live_event, product=headphones.product).update(
        live_price=14900
    )
    LiveEvent.objects.filter(pk=live_event.pk).update(featured_product=headphones.product)
    live_event.refresh_from_db()
    return headphones


def prices_everywhere(event, shopper, variant) -> dict:
    state = show_selectors.event_state(event)
    [in_tab] = [p for p in state["products"] if p["id"] == variant.product_id]
    store = Storefront.of(event=event)
    options = selectors.product_options(store=store, product_id=variant.product_id)
    cart = selectors.cart_json(store=store, shopper=shopper)
    return {
        "banner": state["featured"]["price"],
        "tab": in_tab["price"],
        "options": options["variants"][0]["price"],
        "cart": cart["lines"][0]["unit_price"],
    }


def test_a_live_deal_has_one_price_from_banner_to_payment(live_event, shopper, deal):
    cart_add(event=live_event, shopper=shopper, variant_id=deal.pk, quantity=2)

    seen = prices_everywhere(live_event, shopper, deal)
    started = checkout_start(event=live_event, shopper=shopper, contact=dict(CONTACT))

    assert seen == {"banner": 14900, "tab": 14900, "options": 14900, "cart": 14900}
    assert started.order.lines.get().unit_price == 14900
    assert started.order.total == 2 * 14900
    state = show_selectors.event_state(live_event)
    assert state["featured"]["price_display"] == "$149.00"
    assert state["featured"]["deal"] is True
    assert state["featured"]["regular_price_display"] == "$199.00"


@pytest.mark.parametrize("status", [LiveEvent.Status.SCHEDULED, LiveEvent.Status.ENDED])
def test_outside_the_live_show_every_place_shows_the_catalog_price(
    live_event, shopper, deal, status
):
    cart_add(event=live_event, shopper=shopper, variant_id=deal.pk, quantity=1)
    LiveEvent.objects.filter(pk=live_event.pk).update(status=status)
    live_event.refresh_from_db()

    seen = prices_everywhere(live_event, shopper, deal)

    assert seen == {"banner": 19900, "tab": 19900, "options": 19900, "cart": 19900}
    assert show_selectors.event_state(live_event)["featured"]["deal"] is False
