"""A viewer's cart for one show or shop, and the limits every cart and order obeys."""

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from catalog.models import Merchant, Variant
from checkout.errors import CheckoutError, SignInRequired, SoldOut
from checkout.models import Cart, CartLine, Order, OrderLine
from checkout.release import orders_release_expired
from checkout.shoppers import Shopper
from checkout.storefronts import Storefront
from events.models import LiveEvent, ShowProduct

Status = Order.Status
# Orders whose units the buyer has: they count toward a deal's limit per customer (a partial
# refund or a dispute does not give the units back).
BOUGHT = (Status.PAID, Status.PARTIALLY_REFUNDED, Status.DISPUTED)


def parse_quantity(value) -> int:
    most = settings.CHECKOUT_MAX_QUANTITY
    quantity = parse_int(value)
    if quantity is None or not 1 <= quantity <= most:
        raise CheckoutError(f"Choose a quantity from 1 to {most}.")
    return quantity


def parse_int(value) -> int | None:
    """A whole number (an int or its digits), else None: never a bool, never a truncated 2.5."""
    if isinstance(value, bool | float):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _units_already_bought(*, store: Storefront, shopper: Shopper, product_id: int) -> int:
    """Units in the shopper's bought orders (BOUGHT), and in orders still waiting for payment.

    The checkout in progress (its reservation still running) is not counted: its units are the
    cart's own, which the next checkout replaces, and the cart is counted on its own.
    """
    return (
        OrderLine.objects.filter(
            shopper.owns("order__"),
            Q(order__status__in=BOUGHT)
            | Q(order__status=Status.PENDING_PAYMENT, order__reserved_until__lte=timezone.now()),
            store.orders("order__"),
            variant__product_id=product_id,
        ).aggregate(units=Sum("quantity"))["units"]
        or 0
    )


def deal_limit_passed(order: Order) -> ShowProduct | None:
    """The deal whose limit per customer paying `order` would pass, with the units the buyer's
    other bought orders of the show hold (a checkout replaced while its payment was on its way,
    paid late beside the one that replaced it); None when it passes none."""
    if order.event_id is None or order.user_id is None:
        return None  # a shop's order, or a guest's (a limited deal is only sold to accounts)
    lines = OrderLine.objects.filter(order=order, variant__isnull=False)
    units = dict(
        lines.values_list("variant__product_id").annotate(units=Sum("quantity")).order_by()
    )
    limited = ShowProduct.objects.filter(
        event_id=order.event_id, product_id__in=units, per_customer_limit__isnull=False
    )
    for entry in limited:
        elsewhere = (
            OrderLine.objects.filter(
                order__user_id=order.user_id,
                order__event_id=order.event_id,
                order__status__in=BOUGHT,
                variant__product_id=entry.product_id,
            )
            .exclude(order=order)
            .aggregate(units=Sum("quantity"))["units"]
            or 0
        )
        if units[entry.product_id] + elsewhere > entry.per_customer_limit:
            return entry
    return None


def check_limits(
    *,
    store: Storefront,
    shopper: Shopper,
    cart: Cart,
    entry: ShowProduct | None,
    variant: Variant,
    quantity: int,
) -> None:
    """Raises SoldOut or CheckoutError when `quantity` units of `variant` may not be bought.
    `entry`: the product's run of show row (a show's deal limit), None in a shop."""
    if quantity > settings.CHECKOUT_MAX_QUANTITY:
        raise CheckoutError(f"At most {settings.CHECKOUT_MAX_QUANTITY} of one option per order.")
    if quantity > variant.available:
        if variant.available <= 0:
            raise SoldOut(f"{variant.product.title} is sold out.")
        raise SoldOut(f"Only {variant.available} of {variant.product.title} left.")
    if entry is not None and entry.per_customer_limit is not None:
        if shopper.user is None:
            raise SignInRequired(
                f"This deal is limited to {entry.per_customer_limit} per customer: sign in to buy it."
            )
        in_cart = (
            CartLine.objects.filter(cart=cart, variant__product_id=entry.product_id)
            .exclude(variant=variant)
            .aggregate(units=Sum("quantity"))["units"]
            or 0
        )
        bought = _units_already_bought(store=store, shopper=shopper, product_id=entry.product_id)
        if in_cart + bought + quantity > entry.per_customer_limit:
            raise CheckoutError(f"This deal is limited to {entry.per_customer_limit} per customer.")


def cart_of(*, store: Storefront, shopper: Shopper) -> Cart:
    """The shopper's cart for this show or shop, created on first use."""
    owner = (
        {"user": shopper.user}
        if shopper.user is not None
        else {
            "user": None,
            "session_key": shopper.session_key,
        }
    )
    cart, _ = Cart.objects.get_or_create(**store.cart_fields(), **owner)
    return cart


def cart_add(
    *,
    event: LiveEvent | None = None,
    shop: Merchant | None = None,
    shopper: Shopper,
    variant_id,
    quantity,
) -> Cart:
    """Add units of a variant sold by this show or shop. Raises PurchaseRefused and its
    subclasses."""
    store = Storefront.of(event=event, shop=shop)
    store.require_can_buy(shopper.platform)
    quantity = parse_quantity(quantity)
    variant, entry = store.offer(parse_int(variant_id))
    if quantity > variant.available:
        # Units held by abandoned checkouts may be free again.
        orders_release_expired()
        variant.refresh_from_db(fields=["stock_on_hand", "reserved"])
    with transaction.atomic():
        cart = cart_of(store=store, shopper=shopper)
        line = CartLine.objects.filter(cart=cart, variant=variant).first()
        total = quantity + (line.quantity if line else 0)
        check_limits(
            store=store, shopper=shopper, cart=cart, entry=entry, variant=variant, quantity=total
        )
        if line is None:
            CartLine.objects.create(
                cart=cart,
                variant=variant,
                quantity=total,
                featured_product_id=store.featured_product_id,
            )
        else:
            CartLine.objects.filter(pk=line.pk).update(quantity=total)
    return cart


def cart_set_quantity(
    *,
    event: LiveEvent | None = None,
    shop: Merchant | None = None,
    shopper: Shopper,
    line_id,
    quantity,
) -> Cart:
    """Change a line's quantity; 0 removes it."""
    store = Storefront.of(event=event, shop=shop)
    store.require_can_buy(shopper.platform)
    with transaction.atomic():
        cart = cart_of(store=store, shopper=shopper)
        line = (
            CartLine.objects.select_related("variant__product")
            .filter(cart=cart, pk=parse_int(line_id))
            .first()
        )
        if line is None:
            raise CheckoutError("That item is not in your cart.")
        if parse_int(quantity) == 0:
            line.delete()
            return cart
        quantity = parse_quantity(quantity)
        _, entry = store.offer(line.variant_id)
        check_limits(
            store=store,
            shopper=shopper,
            cart=cart,
            entry=entry,
            variant=line.variant,
            quantity=quantity,
        )
        CartLine.objects.filter(pk=line.pk).update(quantity=quantity)
    return cart
