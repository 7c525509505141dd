"""A viewer's cart for one show, and the limits every cart and order obeys."""

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from catalog.models import Product, Variant
from checkout.errors import CheckoutError, SignInRequired, SoldOut
from checkout.models import Cart, CartLine, Order, OrderLine
from checkout.release import orders_release_expired
from checkout.shoppers import Shopper
from events.models import LiveEvent, ShowProduct
from events.purchase_rules import require_can_buy

Status = Order.Status


def offer(event: LiveEvent, variant_id) -> tuple[Variant, ShowProduct]:
    """The variant, if it is an active product in this show's run of show."""
    variant_id = parse_int(variant_id)
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


def check_limits(
    *, event, shopper, cart: Cart, entry: ShowProduct, variant: Variant, quantity: int
) -> None:
    """Raises SoldOut or CheckoutError when `quantity` units of `variant` may not be bought."""
    if quantity > settings.CHECKOUT_MAX_QUANTITY:
        raise CheckoutError(f"At most {settings.CHECKOUT_MAX_QUANTITY} of one option per order.")
    if quantity > variant.available:
        if variant.available <= 0:
            raise SoldOut(f"{variant.product.title} is sold out.")
        raise SoldOut(f"Only {variant.available} of {variant.product.title} left.")
    if entry.per_customer_limit is not None:
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
        bought = _units_already_bought(event=event, shopper=shopper, product_id=entry.product_id)
        if in_cart + bought + quantity > entry.per_customer_limit:
            raise CheckoutError(f"This deal is limited to {entry.per_customer_limit} per customer.")


def cart_of(*, event: LiveEvent, shopper: Shopper) -> Cart:
    """The shopper's cart for this show, created on first use."""
    if shopper.user is not None:
        cart, _ = Cart.objects.get_or_create(event=event, user=shopper.user)
    else:
        cart, _ = Cart.objects.get_or_create(
            event=event, user=None, session_key=shopper.session_key
        )
    return cart


def cart_add(*, event: LiveEvent, shopper: Shopper, variant_id, quantity) -> Cart:
    """Add units of a variant of this show. Raises PurchaseRefused and its subclasses."""
    require_can_buy(event=event, platform=shopper.platform)
    quantity = parse_quantity(quantity)
    variant, entry = offer(event, variant_id)
    if quantity > variant.available:
        # Units held by abandoned checkouts may be free again.
        orders_release_expired()
        variant.refresh_from_db(fields=["stock_on_hand", "reserved"])
    with transaction.atomic():
        cart = cart_of(event=event, shopper=shopper)
        line = CartLine.objects.filter(cart=cart, variant=variant).first()
        total = quantity + (line.quantity if line else 0)
        check_limits(
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
    require_can_buy(event=event, platform=shopper.platform)
    with transaction.atomic():
        cart = cart_of(event=event, shopper=shopper)
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
        _, entry = offer(event, line.variant_id)
        check_limits(
            event=event,
            shopper=shopper,
            cart=cart,
            entry=entry,
            variant=line.variant,
            quantity=quantity,
        )
        CartLine.objects.filter(pk=line.pk).update(quantity=quantity)
    return cart
