"""Reads for buying: what a viewer can pick, their cart, their orders."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.utils import timezone

from catalog.templatetags.catalog_tags import money
from checkout.forms import COUNTRIES, ContactForm
from checkout.models import Cart, Order
from checkout.payments import get_provider
from checkout.pricing import shipping_note
from checkout.shoppers import Shopper
from events.models import LiveEvent, ShowProduct
from events.purchase_rules import (
    PurchaseRefused,
    deal_is_on,
    platform_of,
    require_can_buy,
    unit_price,
)


def event_page_buying(request, event: LiveEvent) -> dict:
    """The event page's buying context (registered in CheckoutConfig.ready())."""
    return {
        # Whether this viewer may buy is decided here, and again by every purchase endpoint.
        "buying": buying_for(event=event, platform=platform_of(request)),
        "contact_fields": contact_fields(),
        "countries": COUNTRIES,
    }


def buying_for(*, event: LiveEvent, platform: str) -> dict:
    """What the event page needs to offer buying: whether this viewer may, and how they pay."""
    try:
        require_can_buy(event=event, platform=platform)
        provider = get_provider()
    except PurchaseRefused as exc:
        return {"allowed": False, "message": exc.message}
    except ImproperlyConfigured:
        return {"allowed": False, "message": "Buying is not available right now."}
    return {
        "allowed": True,
        "message": None,
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
    }
    return [
        (name, field.label, "email" if name == "email" else "text", autocomplete[name])
        for name, field in ContactForm.base_fields.items()
    ]


def product_options(*, event: LiveEvent, product_id) -> dict | None:
    """A show product's variants with the price a viewer pays now and what is left."""
    entry = (
        ShowProduct.objects.select_related("product")
        .prefetch_related("product__variants")
        .filter(event=event, product_id=product_id, product__status="active")
        .first()
    )
    if entry is None:
        return None
    product = entry.product
    return {
        "id": product.pk,
        "title": product.title,
        "per_customer_limit": entry.per_customer_limit,
        "deal": deal_is_on(status=event.status, live_price=entry.live_price),
        "variants": [
            {
                "id": variant.pk,
                "label": variant.option_label or "Standard",
                "price": (price := unit_price(event=event, entry=entry, variant=variant)),
                "price_display": money(price, variant.currency),
                "regular_price_display": money(variant.price, variant.currency),
                "available": max(variant.available, 0),
            }
            for variant in product.variants.all()
        ],
    }


def cart_for(*, event: LiveEvent, shopper: Shopper) -> Cart | None:
    return Cart.objects.filter(shopper.owns(), event=event).first()


def cart_json(*, event: LiveEvent, shopper: Shopper) -> dict:
    cart = cart_for(event=event, shopper=shopper)
    lines = []
    if cart is not None:
        entries = {e.product_id: e for e in ShowProduct.objects.filter(event=event)}
        for line in cart.lines.select_related("variant__product"):
            entry = entries.get(line.variant.product_id)
            if entry is None:
                continue
            price = unit_price(event=event, entry=entry, variant=line.variant)
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
        "lines": lines,
        "total": total,
        "total_display": money(total, currency),
        "currency": currency,
        "shipping_note": shipping_note(event.merchant, currency),
    }


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
