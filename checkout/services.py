"""Buying during a show: cart, checkout, payment outcomes, expiry.

The server computes every amount. Stock moves only through checkout/inventory.py, inside these
transactions; payment providers are called only outside them, so no database lock is ever held
across the network.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.template.loader import render_to_string
from django.utils import timezone

from catalog.models import Product, Variant
from catalog.signals import stock_changed_on_commit
from checkout import inventory
from checkout.models import Cart, CartLine, Order, OrderLine, PaymentEvent, Reservation
from checkout.payments import PaymentError, PaymentIntent, get_provider
from events.models import LiveEvent, Platform, ShowProduct

log = logging.getLogger(__name__)

Status = Order.Status


class CheckoutError(Exception):
    """A refused purchase step; `message` is for a person, `code` for a program."""

    code = "invalid"
    http_status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PlatformNotAllowed(CheckoutError):
    code = "platform_not_allowed"
    http_status = 403


class ShowClosed(CheckoutError):
    code = "show_closed"
    http_status = 409


class SoldOut(CheckoutError):
    code = "sold_out"
    http_status = 409


class PaymentUnavailable(CheckoutError):
    code = "payment_unavailable"
    http_status = 503


@dataclass(frozen=True)
class Shopper:
    """Who is buying: a signed-in user, or a guest's session; and from which platform."""

    user: AbstractBaseUser | None
    session_key: str
    platform: str

    def owns(self, prefix: str = "") -> Q:
        """Filter for the carts and orders (through `prefix`) that belong to this shopper."""
        if self.user is not None:
            return Q(**{f"{prefix}user": self.user})
        return Q(**{f"{prefix}user__isnull": True, f"{prefix}session_key": self.session_key})


@dataclass(frozen=True)
class StartedCheckout:
    order: Order
    intent: PaymentIntent


# --- Who may buy what ---------------------------------------------------------------------------


def require_can_buy(*, event: LiveEvent, shopper: Shopper) -> None:
    """Raises PlatformNotAllowed or ShowClosed. Buying stays open after the show: replays sell."""
    if shopper.platform not in event.purchase_platforms:
        allowed = " and ".join(Platform(p).label for p in event.purchase_platforms) or "no device"
        raise PlatformNotAllowed(
            f"Buying during this show is available on {allowed}. On this device you can watch."
        )
    if event.status == LiveEvent.Status.CANCELLED:
        raise ShowClosed("This show was cancelled, so its products cannot be bought here.")
    if not event.merchant.is_verified:
        raise ShowClosed("This brand cannot sell right now.")


def _offer(event: LiveEvent, variant_id) -> tuple[Variant, ShowProduct]:
    """The variant, if it is an active product in this show's run of show."""
    variant_id = _int(variant_id)
    if variant_id is None:
        raise CheckoutError("Choose an option of a product in this show.")
    variant = (
        Variant.objects.select_related("product")
        .filter(pk=variant_id, product__status=Product.Status.ACTIVE)
        .first()
    )
    entry = (
        ShowProduct.objects.filter(event=event, product_id=variant.product_id).first()
        if variant
        else None
    )
    if entry is None:
        raise CheckoutError("That option is not part of this show.")
    return variant, entry


def unit_price(*, event: LiveEvent, entry: ShowProduct, variant: Variant) -> int:
    """The live-only flash price while the show is live, else the catalog price."""
    if event.status == LiveEvent.Status.LIVE and entry.live_price is not None:
        return entry.live_price
    return variant.price


def _quantity(value) -> int:
    most = settings.CHECKOUT_MAX_QUANTITY
    quantity = _int(value)
    if quantity is None or not 1 <= quantity <= most:
        raise CheckoutError(f"Choose a quantity from 1 to {most}.")
    return quantity


def _units_already_bought(*, event: LiveEvent, shopper: Shopper, product_id: int) -> int:
    """Units in the shopper's paid orders, and in orders still waiting for their payment.

    The checkout in progress (its reservation still running) is not counted: its units are the
    cart's own, which the next checkout replaces, and the cart is counted on its own.
    """
    return (
        OrderLine.objects.filter(
            shopper.owns("order__"),
            Q(order__status=Status.PAID)
            | Q(order__status=Status.PENDING_PAYMENT, order__reserved_until__lte=timezone.now()),
            order__event=event,
            variant__product_id=product_id,
        ).aggregate(units=Sum("quantity"))["units"]
        or 0
    )


def _check_limits(
    *, event, shopper, cart: Cart, entry: ShowProduct, variant: Variant, quantity: int
) -> None:
    if quantity > settings.CHECKOUT_MAX_QUANTITY:
        raise CheckoutError(f"At most {settings.CHECKOUT_MAX_QUANTITY} of one option per order.")
    if quantity > variant.available:
        if variant.available <= 0:
            raise SoldOut(f"{variant.product.title} is sold out.")
        raise SoldOut(f"Only {variant.available} of {variant.product.title} left.")
    if entry.per_customer_limit is not None:
        in_cart = (
            CartLine.objects.filter(cart=cart, variant__product_id=entry.product_id)
            .exclude(variant=variant)
            .aggregate(units=Sum("quantity"))["units"]
            or 0
        )
        bought = _units_already_bought(event=event, shopper=shopper, product_id=entry.product_id)
        if in_cart + bought + quantity > entry.per_customer_limit:
            raise CheckoutError(f"This deal is limited to {entry.per_customer_limit} per customer.")


# --- Cart -----------------------------------------------------------------------------------------


def cart_add(*, event: LiveEvent, shopper: Shopper, variant_id, quantity) -> Cart:
    """Add units of a variant of this show. Raises CheckoutError and its subclasses."""
    require_can_buy(event=event, shopper=shopper)
    quantity = _quantity(quantity)
    variant, entry = _offer(event, variant_id)
    if quantity > variant.available:
        # Units held by abandoned checkouts may be free again.
        orders_release_expired()
        variant.refresh_from_db(fields=["stock_on_hand", "reserved"])
    with transaction.atomic():
        cart = _cart(event=event, shopper=shopper)
        line = CartLine.objects.filter(cart=cart, variant=variant).first()
        total = quantity + (line.quantity if line else 0)
        _check_limits(
            event=event, shopper=shopper, cart=cart, entry=entry, variant=variant, quantity=total
        )
        if line is None:
            CartLine.objects.create(
                cart=cart,
                variant=variant,
                quantity=total,
                featured_product_id=event.featured_product_id,
            )
        else:
            CartLine.objects.filter(pk=line.pk).update(quantity=total)
    return cart


def cart_set_quantity(*, event: LiveEvent, shopper: Shopper, line_id, quantity) -> Cart:
    """Change a line's quantity; 0 removes it."""
    require_can_buy(event=event, shopper=shopper)
    with transaction.atomic():
        cart = _cart(event=event, shopper=shopper)
        line = (
            CartLine.objects.select_related("variant__product")
            .filter(cart=cart, pk=_int(line_id))
            .first()
        )
        if line is None:
            raise CheckoutError("That item is not in your cart.")
        if _int(quantity) == 0:
            line.delete()
            return cart
        quantity = _quantity(quantity)
        _, entry = _offer(event, line.variant_id)
        _check_limits(
            event=event,
            shopper=shopper,
            cart=cart,
            entry=entry,
            variant=line.variant,
            quantity=quantity,
        )
        CartLine.objects.filter(pk=line.pk).update(quantity=quantity)
    return cart


def _cart(*, event: LiveEvent, shopper: Shopper) -> Cart:
    if shopper.user is not None:
        cart, _ = Cart.objects.get_or_create(event=event, user=shopper.user)
    else:
        cart, _ = Cart.objects.get_or_create(
            event=event, user=None, session_key=shopper.session_key
        )
    return cart


def _int(value) -> int | None:
    """A whole number (an int or its digits), else None: never a bool, never a truncated 2.5."""
    if isinstance(value, bool | float):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- Checkout -------------------------------------------------------------------------------------


def checkout_start(*, event: LiveEvent, shopper: Shopper, contact: dict) -> StartedCheckout:
    """Reserve the cart's stock, create the order and its payment.

    `contact`: email and shipping_* fields, already validated. A second call while the same order
    is still waiting for payment returns that order and its payment (a double submit buys once,
    even when it arrives while the first one is still asking the provider).
    Raises CheckoutError, SoldOut, PlatformNotAllowed, ShowClosed, PaymentUnavailable.
    """
    require_can_buy(event=event, shopper=shopper)
    provider = get_provider()
    # Stock held by abandoned checkouts comes back here too, even where no scheduler runs
    # `release_expired_reservations`.
    orders_release_expired()
    with transaction.atomic():
        # One checkout at a time per cart: a concurrent double submit waits here for the first.
        cart = Cart.objects.select_for_update().get(pk=_cart(event=event, shopper=shopper).pk)
        lines = _cart_lines(cart)
        if not lines:
            raise CheckoutError("Your cart is empty.")
        order = _pending_order(event=event, shopper=shopper)
        created = order is None or not _same_items(order, lines)
        replaced = order if created else None
        if created:
            if replaced is not None:
                _release(replaced, reason="Replaced by a new checkout.")
                lines = _cart_lines(cart)  # read again: the released units are free again
            order = _order_create(
                event=event, shopper=shopper, contact=contact, lines=lines, provider=provider.name
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
        provider.cancel_intent(intent_id=replaced.payment_intent_id)  # it can no longer be paid
    # Idempotent per order: asked again for a double submit, the provider gives the same payment.
    try:
        intent = provider.create_intent(order=order)
    except PaymentError as exc:
        if created:
            with transaction.atomic():
                _release(
                    Order.objects.select_for_update().get(pk=order.pk),
                    reason="Payment service unavailable.",
                )
        raise PaymentUnavailable(exc.message) from exc
    if order.payment_intent_id != intent.id:
        Order.objects.filter(pk=order.pk).update(payment_intent_id=intent.id)
        order.payment_intent_id = intent.id
    return StartedCheckout(order=order, intent=intent)


def _cart_lines(cart: Cart) -> list[CartLine]:
    return list(cart.lines.select_related("variant__product").order_by("variant_id"))


def _pending_order(*, event: LiveEvent, shopper: Shopper) -> Order | None:
    return (
        Order.objects.select_for_update()
        .filter(
            shopper.owns(),
            event=event,
            status=Status.PENDING_PAYMENT,
            reserved_until__gt=timezone.now(),
        )
        .first()
    )


def _same_items(order: Order, lines: list[CartLine]) -> bool:
    ordered = sorted(order.lines.values_list("variant_id", "quantity"))
    return ordered == sorted((line.variant_id, line.quantity) for line in lines)


def _order_create(*, event, shopper, contact: dict, lines: list[CartLine], provider: str) -> Order:
    entries = {e.product_id: e for e in ShowProduct.objects.filter(event=event)}
    priced = []
    for line in lines:
        entry = entries.get(line.variant.product_id)
        if entry is None or line.variant.product.status != Product.Status.ACTIVE:
            raise CheckoutError(f"{line.variant.product.title} is no longer part of this show.")
        _check_limits(
            event=event,
            shopper=shopper,
            cart=line.cart,
            entry=entry,
            variant=line.variant,
            quantity=line.quantity,
        )
        priced.append((line, unit_price(event=event, entry=entry, variant=line.variant)))
    currencies = {line.variant.currency for line in lines}
    if len(currencies) != 1:
        raise CheckoutError("Items in different currencies must be bought separately.")
    order = Order.objects.create(
        merchant=event.merchant,
        event=event,
        user=shopper.user,
        session_key="" if shopper.user else shopper.session_key,
        platform=shopper.platform,
        currency=currencies.pop(),
        total=sum(price * line.quantity for line, price in priced),
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
            unit_price=price,
            currency=line.variant.currency,
            quantity=line.quantity,
            featured_product_id=line.featured_product_id,
        )
        for line, price in priced
    )
    return order


def order_cancel(*, order: Order, shopper: Shopper) -> Order:
    """The buyer gives up before paying: the stock goes back at once."""
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(shopper.owns(), pk=order.pk).first()
        if order is None:
            raise CheckoutError("That order does not exist.")
        if order.status == Status.PENDING_PAYMENT:
            _release(order, reason="Cancelled by the buyer.")
    if order.payment_intent_id:
        transaction.on_commit(
            lambda: get_provider().cancel_intent(intent_id=order.payment_intent_id)
        )
    return order


def orders_release_expired(*, now=None) -> int:
    """Cancel orders whose reservation ran out, giving their stock back. Returns how many."""
    now = now or timezone.now()
    expired = list(
        Order.objects.filter(status=Status.PENDING_PAYMENT, reserved_until__lte=now).values_list(
            "pk", flat=True
        )
    )
    released = []
    for pk in expired:
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=pk)
            if order.status == Status.PENDING_PAYMENT and order.reserved_until <= now:
                _release(order, reason="The reservation expired before payment.")
                released.append(order)
    provider = get_provider()
    for order in released:
        if order.payment_intent_id:
            provider.cancel_intent(intent_id=order.payment_intent_id)
    return len(released)


def _release(order: Order, *, reason: str, status: str = Status.CANCELLED) -> None:
    """Inside a transaction, with the order locked: stock back, order closed."""
    reservations = list(order.reservations.filter(state=Reservation.State.HELD))
    inventory.release(reservations=reservations)
    Order.objects.filter(pk=order.pk).update(status=status, status_reason=reason)
    order.status, order.status_reason = status, reason
    stock_changed_on_commit(
        Variant.objects.filter(pk__in=[r.variant_id for r in reservations]).values_list(
            "product_id", flat=True
        )
    )


# --- Payment outcomes (webhooks, or the test-mode form) ----------------------------------------------


def payment_event_apply(*, event_id: str, event_type: str, intent_id: str) -> str:
    """Apply a payment provider's event exactly once, whatever the order of delivery.

    The event id is stored in the same transaction as its effect; a second delivery, even a
    concurrent one, fails on the unique id and changes nothing. Returns what happened.
    """
    handler = _HANDLERS.get(event_type)
    if handler is None:
        return "ignored"
    if PaymentEvent.objects.filter(event_id=event_id).exists():
        return "duplicate"
    after_commit = []
    try:
        with transaction.atomic():
            order = Order.objects.select_for_update().filter(payment_intent_id=intent_id).first()
            PaymentEvent.objects.create(event_id=event_id, type=event_type, order=order)
            if order is None:
                return "unknown payment"
            outcome = handler(order, after_commit)
    except IntegrityError:
        return "duplicate"
    for action in after_commit:
        action()
    return outcome


def _on_succeeded(order: Order, after_commit: list) -> str:
    if order.status in (Status.PAID, Status.REFUNDED):
        return "already settled"
    try:
        with transaction.atomic():
            inventory.sell(order=order)
    except inventory.OutOfStock:
        # The reservation expired and the units were sold to someone else: give the money back.
        Order.objects.filter(pk=order.pk).update(
            status=Status.CANCELLED,
            status_reason="Sold out while you paid; your payment is refunded.",
        )
        after_commit.append(lambda: _refund_sold_out(order.pk))
        return "sold out, refunding"
    now = timezone.now()
    Order.objects.filter(pk=order.pk).update(status=Status.PAID, paid_at=now, status_reason="")
    CartLine.objects.filter(
        Q(cart__user=order.user)
        if order.user_id
        else Q(cart__session_key=order.session_key, cart__user=None),
        cart__event_id=order.event_id,
        variant_id__in=order.lines.values("variant_id"),
    ).delete()
    stock_changed_on_commit(order.lines.values_list("variant__product_id", flat=True))
    after_commit.append(
        lambda: _email_order(
            order.pk, "checkout/email/order_paid.txt", "Your Liveshop order is confirmed"
        )
    )
    return "paid"


def _on_failed(order: Order, after_commit: list) -> str:
    if order.status != Status.PENDING_PAYMENT:
        return "not pending"
    _release(order, reason="The payment did not go through.")
    return "released"


def _on_canceled(order: Order, after_commit: list) -> str:
    if order.status != Status.PENDING_PAYMENT:
        return "not pending"
    _release(order, reason="The payment was cancelled.")
    return "released"


def _on_refunded(order: Order, after_commit: list) -> str:
    if order.status == Status.REFUNDED:
        return "already refunded"
    if order.status == Status.PENDING_PAYMENT:
        _release(order, reason="Refunded.", status=Status.REFUNDED)
    else:
        Order.objects.filter(pk=order.pk).update(status=Status.REFUNDED)
    return "refunded"


_HANDLERS = {
    "payment_intent.succeeded": _on_succeeded,
    "payment_intent.payment_failed": _on_failed,
    "payment_intent.canceled": _on_canceled,
    "charge.refunded": _on_refunded,
}


def refunds_retry(*, orders) -> int:
    """Ask again for the refunds of paid-but-sold-out orders whose refund failed. Returns how many
    were retried; only orders whose payment succeeded and that are not refunded yet qualify."""
    pending = orders.filter(
        status=Status.CANCELLED, payment_events__type="payment_intent.succeeded"
    ).distinct()
    retried = 0
    attempt = f"retry-{int(timezone.now().timestamp())}"
    for order in pending:
        if _refund_sold_out(order.pk, attempt=attempt):
            retried += 1
    return retried


def _refund_sold_out(order_pk: int, *, attempt: str = "") -> bool:
    order = Order.objects.get(pk=order_pk)
    provider = get_provider()
    try:
        provider.refund(order=order, attempt=attempt)
    except PaymentError:
        log.exception(
            "Refund of order %s failed; retry it from the admin's order list", order.number
        )
        return False
    if provider.name == "test":  # no webhook will come: settle it here
        payment_event_apply(
            event_id=f"test-refund-{order.number}",
            event_type="charge.refunded",
            intent_id=order.payment_intent_id,
        )
    _email_order(
        order.pk, "checkout/email/order_refunded.txt", "Your Liveshop order could not be completed"
    )
    return True


def _email_order(order_pk: int, template: str, subject: str) -> None:
    order = (
        Order.objects.prefetch_related("lines").select_related("event", "merchant").get(pk=order_pk)
    )
    send_mail(subject, render_to_string(template, {"order": order}), None, [order.email])


def test_mode_pay(*, order: Order, shopper: Shopper, succeed: bool) -> str:
    """The test-mode provider's payment form: settle the payment as a webhook would."""
    if order.payment_provider != "test" or get_provider().name != "test":
        raise CheckoutError("This order is not paid in test mode.")
    if not Order.objects.filter(shopper.owns(), pk=order.pk).exists():
        raise CheckoutError("That order does not exist.")
    require_can_buy(event=order.event, shopper=shopper)
    # A real card is charged once per attempt: a declined or replaced order cannot be paid later.
    if not Order.objects.filter(pk=order.pk, status=Status.PENDING_PAYMENT).exists():
        raise CheckoutError("This order is no longer waiting for payment; check out again.")
    kind = "payment_intent.succeeded" if succeed else "payment_intent.payment_failed"
    return payment_event_apply(
        event_id=f"test-{kind}-{order.number}", event_type=kind, intent_id=order.payment_intent_id
    )
