"""Reads for buying: what a viewer can pick, their cart, their orders."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.utils import timezone

from accounts.selectors import saved_address
from catalog.models import Merchant
from catalog.templatetags.catalog_tags import money
from checkout.forms import COUNTRIES, ContactForm
from checkout.models import Cart, Order
from checkout.payments import get_provider
from checkout.pricing import shipping_note
from checkout.shoppers import Shopper
from checkout.storefronts import Storefront
from events.models import LiveEvent
from events.purchase_rules import (
    PurchaseRefused,
    deal_is_on,
    platform_of,
)


def event_page_buying(request, event: LiveEvent) -> dict:
    """The event page's buying context (registered in CheckoutConfig.ready())."""
    return {
        # Whether this viewer may buy is decided here, and again by every purchase endpoint.
        "buying": buying_for(store=Storefront.of(event=event), platform=platform_of(request)),
        "contact_fields": contact_fields(),
        "countries": COUNTRIES,
    }


def shop_page_buying(request, merchant: Merchant) -> dict:
    """The shop and product pages' buying context (registered in CheckoutConfig.ready()).

    The same for every visitor, so shared caches may keep these pages: whether this visitor's
    device may buy comes with their cart (cart_json), and every purchase endpoint decides again.
    """
    try:
        buying = _buying_config(Storefront.of(shop=merchant))
    except ImproperlyConfigured:
        buying = {"allowed": False, "message": "Buying is not available right now."}
    return {"buying": buying, "contact_fields": contact_fields(), "countries": COUNTRIES}


def buying_for(*, store: Storefront, platform: str) -> dict:
    """What a page needs to offer buying: whether this viewer may, and how they pay."""
    may = may_buy(store=store, platform=platform)
    if not may["allowed"]:
        return may
    try:
        return _buying_config(store)
    except ImproperlyConfigured:
        return {"allowed": False, "message": "Buying is not available right now."}


def may_buy(*, store: Storefront, platform: str) -> dict:
    """{"allowed", "message"}: whether a device of `platform` may buy here, and if not, why."""
    try:
        store.require_can_buy(platform)
    except PurchaseRefused as exc:
        return {"allowed": False, "message": exc.message}
    return {"allowed": True, "message": None}


def _buying_config(store: Storefront) -> dict:
    provider = get_provider()
    return {
        "allowed": True,
        "message": None,
        # The buying endpoints of this show or shop: <base>cart/, <base>checkout/, ...
        "base": store.buy_url(),
        "max_quantity": settings.CHECKOUT_MAX_QUANTITY,
        "hold_minutes": settings.CHECKOUT_RESERVATION_MINUTES,
        "provider": provider.name,
        "test_mode": provider.test_mode,
        "publishable_key": provider.publishable_key,
    }


def contact_fields() -> list[tuple[str, str, str, str]]:
    """(name, label, input type, autocomplete) of the checkout form, for the page to render."""
    autocomplete = {
        "email": "email",
        "shipping_name": "name",
        "shipping_line1": "address-line1",
        "shipping_line2": "address-line2",
        "shipping_city": "address-level2",
        "shipping_region": "address-level1",
        "shipping_postal_code": "postal-code",
        "shipping_country": "country",
        "shipping_phone": "tel",
    }
    return [
        (
            name,
            field.label,
            {"email": "email", "shipping_phone": "tel"}.get(name, "text"),
            autocomplete[name],
        )
        for name, field in ContactForm.base_fields.items()
    ]


def product_options(*, store: Storefront, product_id) -> dict | None:
    """A product's variants with the price a buyer pays here now and what is left."""
    product = store.products().filter(pk=product_id).prefetch_related("variants").first()
    if product is None:
        return None
    entry = store.entries([product.pk])[product.pk]
    return {
        "id": product.pk,
        "title": product.title,
        "per_customer_limit": entry.per_customer_limit if entry else None,
        "deal": bool(
            entry
            and store.event
            and deal_is_on(status=store.event.status, live_price=entry.live_price)
        ),
        "variants": [
            {
                "id": variant.pk,
                "label": variant.option_label or "Standard",
                "price": (price := store.unit_price(variant, entry)),
                "price_display": money(price, variant.currency),
                "regular_price_display": money(variant.price, variant.currency),
                "available": max(variant.available, 0),
            }
            for variant in product.variants.all()
        ],
    }


def cart_json(*, store: Storefront, shopper: Shopper) -> dict:
    cart = Cart.objects.filter(shopper.owns(), store.carts()).first()
    lines = []
    if cart is not None:
        cart_lines = list(cart.lines.select_related("variant__product"))
        entries = store.entries({line.variant.product_id for line in cart_lines})
        for line in cart_lines:
            if line.variant.product_id not in entries:
                continue
            price = store.unit_price(line.variant, entries[line.variant.product_id])
            lines.append(
                {
                    "id": line.pk,
                    "title": line.variant.product.title,
                    "label": line.variant.option_label,
                    "quantity": line.quantity,
                    "unit_price": price,
                    "line_total": price * line.quantity,
                    "line_total_display": money(price * line.quantity, line.variant.currency),
                    "currency": line.variant.currency,
                }
            )
    total = sum(line["line_total"] for line in lines)
    currency = lines[0]["currency"] if lines else "USD"
    return {
        # Whether this shopper's device may buy here (pages shared by every visitor ask this).
        "buying": may_buy(store=store, platform=shopper.platform),
        # A signed-in viewer's email and saved address fill the shipping form (None for a guest).
        "prefill": contact_prefill(shopper),
        "lines": lines,
        "total": total,
        "total_display": money(total, currency),
        "currency": currency,
        "shipping_note": shipping_note(store.merchant, currency),
    }


def contact_prefill(shopper: Shopper) -> dict | None:
    if shopper.user is None:
        return None
    saved = saved_address(shopper.user) or {"email": shopper.user.email}
    return {name: saved[name] for name in ContactForm.base_fields if saved.get(name)}


def order_json(order: Order) -> dict:
    """The order as its buyer sees it: the summary before paying, then its status."""
    currency = order.currency
    return {
        "number": str(order.number),
        "status": order.status,
        "status_display": order.get_status_display(),
        "reason": order.status_reason,
        "subtotal_display": money(order.subtotal, currency),
        "shipping_display": money(order.shipping, currency) if order.shipping else "Free",
        "tax_label": order.tax_label or "Tax",
        "tax_display": money(order.tax, currency) if order.tax or not order.tax_label else "",
        "total": order.total,
        "total_display": money(order.total, currency),
        "email": order.email,
        # How long the items stay held, counted by the page's own clock (never compared with it).
        "seconds_left": max(0, int((order.reserved_until - timezone.now()).total_seconds())),
        "lines": [
            {
                "title": line.product_title,
                "label": line.variant_label,
                "quantity": line.quantity,
                "line_total_display": money(line.line_total, currency),
            }
            for line in order.lines.all()
        ],
        "ship_to": [
            line
            for line in (
                order.shipping_name,
                order.shipping_line1,
                order.shipping_line2,
                " ".join(
                    part
                    for part in (
                        order.shipping_city + ",",
                        order.shipping_region,
                        order.shipping_postal_code,
                    )
                    if part
                ),
                order.shipping_country,
                order.shipping_phone,
            )
            if line
        ],
        # The form as it was filled: a reload at the payment step starts the same checkout again.
        "contact": {name: getattr(order, name) for name in ContactForm.base_fields},
    }


def orders_of(user) -> QuerySet[Order]:
    return (
        Order.objects.filter(user=user)
        .exclude(status=Order.Status.PENDING_PAYMENT, payment_intent_id=None)
        .select_related("event", "merchant")
        .prefetch_related("lines")
    )
