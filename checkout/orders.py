"""Checking out: the cart's stock is held, the order created, and its payment asked for.

The server computes every amount. Stock moves only through checkout/inventory.py, inside these
transactions; payment providers are called only outside them, so no database lock is ever held
across the network.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from catalog.models import Merchant
from catalog.signals import stock_changed_on_commit
from checkout import inventory, tasks
from checkout.cart import cart_of, check_limits
from checkout.errors import CheckoutError, PaymentUnavailable, SoldOut
from checkout.models import Cart, CartLine, Order, OrderLine, Reservation
from checkout.payments import PaymentError, PaymentIntent, get_provider
from checkout.pricing import Amounts, order_amounts
from checkout.release import order_release, orders_release_expired
from checkout.shoppers import Shopper
from checkout.storefronts import Storefront
from events.models import LiveEvent, ShowProduct

Status = Order.Status


@dataclass(frozen=True)
class StartedCheckout:
    order: Order
    intent: PaymentIntent


def checkout_start(
    *,
    event: LiveEvent | None = None,
    shop: Merchant | None = None,
    shopper: Shopper,
    contact: dict,
) -> StartedCheckout:
    """Reserve the cart's stock, create the order and its payment.

    `contact`: email and shipping_* fields, already validated. A second call while the same order
    is still waiting for payment returns that order and its payment (a double submit buys once,
    even when it arrives while the first one is still asking the provider). A call with other
    contact details, other items or prices that changed meanwhile replaces the waiting order.
    Raises CheckoutError, SoldOut, PlatformNotAllowed, ShowClosed, PaymentUnavailable.
    """
    store = Storefront.of(event=event, shop=shop)
    store.require_can_buy(shopper.platform)
    provider = get_provider()
    # Stock held by abandoned checkouts comes back here too, between two sweeps of the scheduler.
    orders_release_expired()
    # Shipping and tax first, outside the transaction: Stripe Tax is a call over the network.
    cart = cart_of(store=store, shopper=shopper)
    lines = _cart_lines(cart)
    _, prices = _priced(store, lines)
    amounts = _amounts(store, lines, prices, contact, provider)
    with transaction.atomic():
        # One checkout at a time per cart: a concurrent double submit waits here for the first.
        cart = Cart.objects.select_for_update().get(pk=cart.pk)
        lines = _cart_lines(cart)
        entries, prices = _priced(store, lines)
        if sum(prices[line.variant_id] * line.quantity for line in lines) != amounts.subtotal:
            raise CheckoutError("Your cart changed while you checked out; check it and try again.")
        order = _pending_order(store=store, shopper=shopper)
        if order is None:
            _require_hold_allowed(shopper)
        created = order is None or not _same_order(order, lines, prices, contact, amounts)
        replaced = order if created else None
        if created:
            _require_address_may_hold(shopper, sum(line.quantity for line in lines), replaced)
            if replaced is not None:
                order_release(replaced, reason="Replaced by a new checkout.")
                lines = _cart_lines(cart)  # read again: the released units are free again
            order = _order_create(
                store=store,
                shopper=shopper,
                contact=contact,
                cart=cart,
                lines=lines,
                entries=entries,
                prices=prices,
                amounts=amounts,
                provider=provider.name,
            )
            try:
                inventory.reserve(
                    order=order,
                    quantities={line.variant_id: line.quantity for line in lines},
                    until=order.reserved_until,
                )
            except inventory.OutOfStock as exc:
                title = next(
                    line.variant.product.title
                    for line in lines
                    if line.variant_id == exc.variant_id
                )
                raise SoldOut(f"{title} just sold out. Update your cart and try again.") from None
            stock_changed_on_commit(line.variant.product_id for line in lines)

    if replaced is not None and replaced.payment_intent_id:
        # It can no longer be paid; the buyer does not wait for the provider to hear it.
        tasks.enqueue(tasks.cancel_intent, intent_id=replaced.payment_intent_id)
    # Idempotent per order: asked again for a double submit, the provider gives the same payment.
    try:
        intent = provider.create_intent(order=order)
    except PaymentError as exc:
        if created:
            with transaction.atomic():
                order_release(
                    Order.objects.select_for_update().get(pk=order.pk),
                    reason="Payment service unavailable.",
                )
        raise PaymentUnavailable(exc.message) from exc
    if order.payment_intent_id != intent.id:
        Order.objects.filter(pk=order.pk).update(payment_intent_id=intent.id)
        order.payment_intent_id = intent.id
    return StartedCheckout(order=order, intent=intent)


def _priced(
    store: Storefront, lines: list[CartLine]
) -> tuple[dict[int, ShowProduct | None], dict[int, int]]:
    """({variant_id: its run of show entry}, {variant_id: unit price now}). Raises CheckoutError
    for an empty cart or an item no longer sold here."""
    if not lines:
        raise CheckoutError("Your cart is empty.")
    entries = _entries(store, lines)
    prices = {
        line.variant_id: store.unit_price(line.variant, entries[line.variant_id]) for line in lines
    }
    return entries, prices


def _amounts(
    store: Storefront, lines: list[CartLine], prices: dict[int, int], contact: dict, provider
) -> Amounts:
    currencies = {line.variant.currency for line in lines}
    if len(currencies) != 1:
        raise CheckoutError("Items in different currencies must be bought separately.")
    try:
        return order_amounts(
            merchant=store.merchant,
            currency=currencies.pop(),
            items=[
                (line.variant.sku or str(line.variant_id), prices[line.variant_id] * line.quantity)
                for line in lines
            ],
            address=contact,
            provider=provider,
        )
    except PaymentError as exc:
        raise PaymentUnavailable(exc.message) from exc


def _require_hold_allowed(shopper: Shopper) -> None:
    """Each waiting checkout holds stock: one shopper may have only a few at once."""
    most = settings.CHECKOUT_MAX_HOLDS
    waiting = Order.objects.filter(
        shopper.owns(), status=Status.PENDING_PAYMENT, reserved_until__gt=timezone.now()
    ).count()
    if waiting >= most:
        raise CheckoutError(
            f"You have {waiting} checkouts waiting for payment; pay for or cancel one first."
        )


def _require_address_may_hold(shopper: Shopper, units: int, replaced: Order | None) -> None:
    """However many browsers (cookie jars) a client uses, one address holds at most
    CHECKOUT_MAX_UNITS_HELD_PER_ADDRESS units in checkouts waiting for payment (0: no limit).
    The units of the checkout being replaced are not counted: they go back."""
    most = settings.CHECKOUT_MAX_UNITS_HELD_PER_ADDRESS
    if not most or not shopper.ip:
        return
    held = (
        Reservation.objects.filter(
            state=Reservation.State.HELD,
            order__client_ip=shopper.ip,
            order__status=Status.PENDING_PAYMENT,
            order__reserved_until__gt=timezone.now(),
        )
        .exclude(order=replaced)
        .aggregate(units=Sum("quantity"))["units"]
        or 0
    )
    if held + units > most:
        raise CheckoutError(
            "Too many items are held for checkouts from your network right now; "
            "try again in a few minutes."
        )


def _cart_lines(cart: Cart) -> list[CartLine]:
    return list(cart.lines.select_related("variant__product").order_by("variant_id"))


def _entries(store: Storefront, lines: list[CartLine]) -> dict[int, ShowProduct | None]:
    """{variant_id: its run of show entry (None in a shop)}. Raises CheckoutError for an item no
    longer sold here."""
    entries = store.entries({line.variant.product_id for line in lines})
    found = {}
    for line in lines:
        if line.variant.product_id not in entries:
            raise CheckoutError(f"{line.variant.product.title} is no longer part of {store.place}.")
        found[line.variant_id] = entries[line.variant.product_id]
    return found


def _pending_order(*, store: Storefront, shopper: Shopper) -> Order | None:
    return (
        Order.objects.select_for_update()
        .filter(
            shopper.owns(),
            store.orders(),
            status=Status.PENDING_PAYMENT,
            reserved_until__gt=timezone.now(),
        )
        .first()
    )


def _same_order(
    order: Order, lines: list[CartLine], prices: dict[int, int], contact: dict, amounts: Amounts
) -> bool:
    """Would a new order be this one: same items, prices, contact details, shipping and tax?"""
    ordered = sorted(order.lines.values_list("variant_id", "quantity", "unit_price"))
    wanted = sorted((line.variant_id, line.quantity, prices[line.variant_id]) for line in lines)
    return (
        ordered == wanted
        and all(getattr(order, k) == v for k, v in contact.items())
        and (order.shipping, order.tax, order.total)
        == (amounts.shipping, amounts.tax, amounts.total)
    )


def _order_create(
    *,
    store: Storefront,
    shopper: Shopper,
    contact: dict,
    cart: Cart,
    lines: list[CartLine],
    entries: dict[int, ShowProduct | None],
    prices: dict[int, int],
    amounts: Amounts,
    provider: str,
) -> Order:
    """The order and its lines, at `prices`, once each line passes the limits again."""
    for line in lines:
        check_limits(
            store=store,
            shopper=shopper,
            cart=cart,
            entry=entries[line.variant_id],
            variant=line.variant,
            quantity=line.quantity,
        )
    order = Order.objects.create(
        merchant=store.merchant,
        event=store.event,  # None: bought in the shop
        user=shopper.user,
        session_key="" if shopper.user else shopper.session_key,
        platform=shopper.platform,
        client_ip=shopper.ip or None,
        currency=lines[0].variant.currency,  # one currency: checked with the amounts
        subtotal=amounts.subtotal,
        shipping=amounts.shipping,
        tax=amounts.tax,
        tax_label=amounts.tax_label,
        total=amounts.total,
        payment_provider=provider,
        reserved_until=timezone.now() + timedelta(minutes=settings.CHECKOUT_RESERVATION_MINUTES),
        **contact,
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            variant=line.variant,
            product_title=line.variant.product.title,
            variant_label=line.variant.option_label,
            sku=line.variant.sku,
            unit_price=prices[line.variant_id],
            currency=line.variant.currency,
            quantity=line.quantity,
            featured_product_id=line.featured_product_id,
        )
        for line in lines
    )
    return order


def order_cancel(*, order: Order, shopper: Shopper) -> Order:
    """The buyer gives up before paying: the stock goes back at once."""
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(shopper.owns(), pk=order.pk).first()
        if order is None:
            raise CheckoutError("That order does not exist.")
        if order.status == Status.PENDING_PAYMENT:
            order_release(order, reason="Cancelled by the buyer.")
    if order.payment_intent_id:
        transaction.on_commit(
            lambda: tasks.enqueue(tasks.cancel_intent, intent_id=order.payment_intent_id)
        )
    return order
