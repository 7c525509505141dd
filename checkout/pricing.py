"""What an order costs before it is paid: its items, the merchant's shipping rate, and tax.

Each merchant sets its rule in the Shopping Manager (CheckoutSettings): a flat shipping rate per
order, free from a subtotal if it likes; and tax either included in its prices, added at its own
rate (on the items), or calculated by Stripe Tax from the shipping address.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from catalog.models import Merchant, Variant
from catalog.templatetags.catalog_tags import money
from checkout.models import CheckoutSettings
from checkout.payments import PaymentProvider

TaxMode = CheckoutSettings.TaxMode


@dataclass(frozen=True)
class Amounts:
    subtotal: int
    shipping: int
    tax: int
    tax_label: str

    @property
    def total(self) -> int:
        return self.subtotal + self.shipping + self.tax


def checkout_settings(merchant: Merchant) -> CheckoutSettings:
    """The merchant's rule; one that never set it ships free with tax included."""
    found = CheckoutSettings.objects.filter(merchant=merchant).first()
    return found or CheckoutSettings(merchant=merchant)


def shipping_cost(rule: CheckoutSettings, subtotal: int) -> int:
    if rule.free_shipping_over is not None and subtotal >= rule.free_shipping_over:
        return 0
    return rule.shipping_rate


def tax_at_rate(subtotal: int, rate: Decimal) -> int:
    return int((Decimal(subtotal) * rate / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def order_amounts(
    *,
    merchant: Merchant,
    currency: str,
    items: list[tuple[str, int]],
    address: dict,
    provider: PaymentProvider,
) -> Amounts:
    """`items`: (reference, line total) pairs; `address`: the shipping_* fields.

    With Stripe Tax this calls Stripe: never inside a transaction. Raises PaymentError.
    """
    rule = checkout_settings(merchant)
    subtotal = sum(amount for _, amount in items)
    shipping = shipping_cost(rule, subtotal)
    if rule.tax_mode == TaxMode.RATE:
        rate = rule.tax_rate.normalize()
        return Amounts(subtotal, shipping, tax_at_rate(subtotal, rate), f"Tax ({rate:f}%)")
    if rule.tax_mode == TaxMode.STRIPE:
        tax = provider.calculate_tax(
            currency=currency, items=items, shipping=shipping, address=address
        )
        return Amounts(subtotal, shipping, tax, "Tax")
    return Amounts(subtotal, shipping, 0, "Tax included")


def merchant_currency(merchant: Merchant) -> str:
    """The currency the merchant sells in (its variants'), for amounts not tied to an order."""
    return (
        Variant.objects.filter(merchant=merchant).values_list("currency", flat=True).first()
        or "USD"
    )


def shipping_note(merchant: Merchant, currency: str) -> str:
    """What the cart says about shipping before the address is known."""
    rule = checkout_settings(merchant)
    if rule.shipping_rate == 0:
        return "Free shipping."
    note = f"Shipping {money(rule.shipping_rate, currency)}"
    if rule.free_shipping_over is not None:
        note += f", free from {money(rule.free_shipping_over, currency)}"
    return note + "."
