"""Carts, orders, stock reservations and processed payment events.

Amounts are integers in minor units, always computed by the server. Order and OrderLine keep a
snapshot of what was bought, so later catalog edits never change an order.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from accounts.email_addresses import email_key
from catalog.models import Currency, Merchant, Product, Variant
from events.models import LiveEvent, Platform


class Cart(models.Model):
    """A viewer's cart for one show, or for one merchant's shop: a signed-in user's, or a guest
    session's."""

    event = models.ForeignKey(
        LiveEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="carts"
    )
    # A shop's cart (bought from the shop and product pages) has a merchant and no show.
    merchant = models.ForeignKey(
        Merchant, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    session_key = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"],
                condition=Q(user__isnull=False),
                name="one_cart_per_user_and_event",
            ),
            models.UniqueConstraint(
                fields=["event", "session_key"],
                condition=Q(user__isnull=True),
                name="one_cart_per_guest_and_event",
            ),
            models.UniqueConstraint(
                fields=["merchant", "user"],
                condition=Q(user__isnull=False, event__isnull=True),
                name="one_shop_cart_per_user",
            ),
            models.UniqueConstraint(
                fields=["merchant", "session_key"],
                condition=Q(user__isnull=True, event__isnull=True),
                name="one_shop_cart_per_guest",
            ),
            models.CheckConstraint(
                condition=Q(event__isnull=False, merchant__isnull=True)
                | Q(event__isnull=True, merchant__isnull=False),
                name="cart_of_a_show_or_a_shop",
            ),
        ]

    def __str__(self) -> str:
        return f"Cart {self.pk} for {self.event}"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    # What the host was showing when the viewer added this (for analytics).
    featured_product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="one_line_per_variant")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.variant}"


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", "Pending payment"
        PAID = "paid", "Paid"
        PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
        REFUNDED = "refunded", "Refunded"
        DISPUTED = "disputed", "Disputed"
        CANCELLED = "cancelled", "Cancelled"

    number = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="orders")
    event = models.ForeignKey(
        LiveEvent, null=True, on_delete=models.SET_NULL, related_name="orders"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    session_key = models.CharField(max_length=40, blank=True)
    platform = models.CharField(max_length=10, choices=Platform)
    # Where the buyer checked out from: the stock one address may hold is limited.
    client_ip = models.GenericIPAddressField(null=True, blank=True, editable=False)
    email = models.EmailField()
    # The email as it is compared (accounts/email_addresses.py): a verified email claims the guest
    # orders whose key is its own (checkout/shoppers.email_claim).
    email_key = models.CharField(max_length=254, editable=False, default="")
    shipping_name = models.CharField(max_length=150)
    shipping_line1 = models.CharField("address", max_length=200)
    shipping_line2 = models.CharField("address line 2", max_length=200, blank=True)
    shipping_city = models.CharField("city", max_length=100)
    shipping_region = models.CharField("state or region", max_length=100, blank=True)
    shipping_postal_code = models.CharField("postal code", max_length=20)
    shipping_country = models.CharField("country", max_length=2)
    shipping_phone = models.CharField("phone", max_length=32, blank=True)
    currency = models.CharField(max_length=3, choices=Currency)
    # What the buyer saw before paying (checkout/pricing.py): total = subtotal + shipping + tax.
    subtotal = models.PositiveIntegerField(default=0)
    shipping = models.PositiveIntegerField(default=0)
    tax = models.PositiveIntegerField(default=0, help_text="Added to the total; 0 when included.")
    tax_label = models.CharField(max_length=60, blank=True)
    total = models.PositiveIntegerField()
    amount_refunded = models.PositiveIntegerField(default=0, help_text="In minor units.")
    status = models.CharField(max_length=20, choices=Status, default=Status.PENDING_PAYMENT)
    status_reason = models.CharField(max_length=200, blank=True)
    payment_provider = models.CharField(max_length=10)
    payment_intent_id = models.CharField(max_length=100, unique=True, null=True, blank=True)
    reserved_until = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "reserved_until"]),
            # A verified email claims its guest orders (checkout/shoppers.email_claim).
            models.Index(
                fields=["email_key"], condition=Q(user__isnull=True), name="guest_orders_by_key"
            ),
        ]

    def __str__(self) -> str:
        return f"Order {str(self.number)[:8]}"

    def save(self, *args, **kwargs):
        # The key follows the email on every save that writes it.
        self.email_key = email_key(self.email)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "email" in update_fields:
            kwargs["update_fields"] = {*update_fields, "email_key"}
        super().save(*args, **kwargs)


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, null=True, on_delete=models.SET_NULL, related_name="+")
    product_title = models.CharField(max_length=200)
    variant_label = models.CharField(max_length=100, blank=True)
    sku = models.CharField(max_length=64)
    unit_price = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, choices=Currency)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    featured_product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_title} {self.variant_label}".strip()

    @property
    def line_total(self) -> int:
        return self.unit_price * self.quantity


class Reservation(models.Model):
    """Units of a variant held for an order until it is paid, or released."""

    class State(models.TextChoices):
        HELD = "held", "Held"
        SOLD = "sold", "Sold"
        RELEASED = "released", "Released"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="reservations")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="reservations")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    state = models.CharField(max_length=10, choices=State, default=State.HELD)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["state", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.quantity} × variant {self.variant_id} ({self.get_state_display()})"


class PaymentEvent(models.Model):
    """A payment provider's webhook event, stored in the same transaction as its effect."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    order = models.ForeignKey(
        Order, null=True, on_delete=models.SET_NULL, related_name="payment_events"
    )
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class CheckoutSettings(models.Model):
    """A merchant's shipping rate and tax rule, set in the Shopping Manager."""

    class TaxMode(models.TextChoices):
        INCLUDED = "included", "Prices include tax"
        RATE = "rate", "Add my tax rate"
        STRIPE = "stripe", "Stripe Tax calculates it"

    merchant = models.OneToOneField(
        Merchant, on_delete=models.CASCADE, related_name="checkout_settings"
    )
    shipping_rate = models.PositiveIntegerField(
        "flat shipping rate", default=0, help_text="Per order. 0 for free shipping."
    )
    free_shipping_over = models.PositiveIntegerField(
        "free shipping from",
        null=True,
        blank=True,
        help_text="Orders of at least this subtotal ship free. Empty: never.",
    )
    tax_mode = models.CharField(max_length=10, choices=TaxMode, default=TaxMode.INCLUDED)
    tax_rate = models.DecimalField(
        "tax rate (%)",
        max_digits=6,
        decimal_places=3,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Used when tax is added at your rate, e.g. 8.25.",
    )

    class Meta:
        verbose_name = "shipping and tax"
        verbose_name_plural = "shipping and tax"

    def __str__(self) -> str:
        return f"Shipping and tax of {self.merchant}"
