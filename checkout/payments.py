"""Payment providers behind one small interface: Stripe, and a built-in test mode.

With Stripe keys configured, payments are Stripe PaymentIntents confirmed in the page by the Payment
Element, and their outcome arrives by signed webhook (checkout/webhooks.py). With no keys (the
embedded default) the test-mode provider completes payments locally, so anyone can buy end to end;
it refuses to run with DEBUG off unless PAYMENTS_ALLOW_TEST_MODE is set on purpose.

Stripe is a neighbour that can be slow or down: every call gives up after STRIPE_TIMEOUT_SECONDS
(the library's default is 80 s). The one call a buyer waits for, creating the payment, is made
once, so checkout answers "payment unavailable" within that time; the calls made by background
tasks (cancels, refunds) are retried by the library a few times with the same idempotency key,
then by the task queue (checkout/tasks.py).
"""

import secrets
import uuid
from dataclasses import dataclass
from functools import cache
from typing import Protocol

import stripe
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from checkout.models import Order


class PaymentError(Exception):
    """The provider could not be reached or refused the request; safe to show the message."""

    def __init__(
        self, message: str = "The payment service is not answering; try again in a moment."
    ):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PaymentIntent:
    id: str
    client_secret: str


class PaymentProvider(Protocol):
    name: str
    test_mode: bool
    publishable_key: str

    def create_intent(self, *, order: Order) -> PaymentIntent:
        """Ask for `order.total` in `order.currency`; idempotent per order. Raises PaymentError."""

    def cancel_intent(self, *, intent_id: str) -> None:
        """Stop a payment that will not be completed (the reservation expired). Raises PaymentError
        only when the provider could not be reached, so that the task tries again."""

    def calculate_tax(
        self, *, currency: str, items: list[tuple[str, int]], shipping: int, address: dict
    ) -> int:
        """The tax to add to `items` (reference, amount) and `shipping` delivered to `address`
        (the shipping_* fields). Raises PaymentError."""

    def refund(self, *, order: Order, attempt: str = "") -> None:
        """Give a paid order's money back; idempotent per order and `attempt`. Raises PaymentError.

        Stripe replays the saved answer of a key, errors included, so a retry after a failure
        needs a new `attempt`; a second refund of a refunded payment is refused by Stripe.
        """


class StripeProvider:
    name = "stripe"

    # Network tries after the first one, for calls nobody waits for (cancels, refunds).
    BACKGROUND_RETRIES = 2

    def __init__(
        self, *, secret_key: str, publishable_key: str, api_base: str = "", timeout: float = 5
    ):
        options = {"base_addresses": {"api": api_base}} if api_base else {}
        self.client = stripe.StripeClient(
            secret_key,
            max_network_retries=self.BACKGROUND_RETRIES,
            http_client=stripe.RequestsClient(timeout=timeout),
            **options,
        )
        self.publishable_key = publishable_key
        self.test_mode = secret_key.startswith("sk_test_")

    def create_intent(self, *, order: Order) -> PaymentIntent:
        try:
            intent = self.client.v1.payment_intents.create(
                params={
                    "amount": order.total,
                    "currency": order.currency.lower(),
                    "automatic_payment_methods": {"enabled": True},
                    "receipt_email": order.email,
                    "metadata": {
                        "order": str(order.number),
                        "event": order.event.slug if order.event else "",
                    },
                },
                # The buyer is waiting: one try, at most the timeout; they can press again.
                options={
                    "idempotency_key": f"liveshop-order-{order.number}",
                    "max_network_retries": 0,
                },
            )
        except stripe.StripeError as exc:
            raise PaymentError() from exc
        return PaymentIntent(id=intent.id, client_secret=intent.client_secret)

    def calculate_tax(
        self, *, currency: str, items: list[tuple[str, int]], shipping: int, address: dict
    ) -> int:
        try:
            calculation = self.client.v1.tax.calculations.create(
                params={
                    "currency": currency.lower(),
                    "line_items": [
                        {"amount": amount, "reference": reference, "tax_behavior": "exclusive"}
                        for reference, amount in items
                    ],
                    "shipping_cost": {"amount": shipping, "tax_behavior": "exclusive"},
                    "customer_details": {
                        "address": {
                            "line1": address["shipping_line1"],
                            "line2": address.get("shipping_line2", ""),
                            "city": address["shipping_city"],
                            "state": address.get("shipping_region", ""),
                            "postal_code": address["shipping_postal_code"],
                            "country": address["shipping_country"],
                        },
                        "address_source": "shipping",
                    },
                },
                options={"max_network_retries": 0},  # the buyer is waiting, as for the payment
            )
        except stripe.InvalidRequestError as exc:
            raise PaymentError(
                "The tax for this address could not be found; check the shipping address."
            ) from exc
        except stripe.StripeError as exc:
            raise PaymentError("The tax could not be calculated; try again in a moment.") from exc
        return calculation.tax_amount_exclusive

    def cancel_intent(self, *, intent_id: str) -> None:
        try:
            self.client.v1.payment_intents.cancel(intent_id)
        except (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError) as exc:
            raise PaymentError() from exc
        except stripe.StripeError:
            pass  # it succeeded or was cancelled meanwhile: the webhook tells us which

    def refund(self, *, order: Order, attempt: str = "") -> None:
        key = f"liveshop-refund-{order.number}" + (f"-{attempt}" if attempt else "")
        try:
            self.client.v1.refunds.create(
                params={"payment_intent": order.payment_intent_id},
                options={"idempotency_key": key},
            )
        except stripe.InvalidRequestError as exc:
            if exc.code == "charge_already_refunded":  # an earlier try went through after all
                return
            raise PaymentError() from exc
        except stripe.StripeError as exc:
            raise PaymentError() from exc


class TestModeProvider:
    """Completes payments locally: the page's test-mode form decides whether a payment succeeds."""

    name = "test"
    test_mode = True
    publishable_key = ""

    def __init__(self):
        if not settings.PAYMENTS_ALLOW_TEST_MODE:
            raise ImproperlyConfigured(
                "No Stripe keys are set and the test-mode payment provider is off (DEBUG is off). "
                "Set STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET, or "
                "PAYMENTS_ALLOW_TEST_MODE=true for a demo."
            )

    def create_intent(self, *, order: Order) -> PaymentIntent:
        intent_id = f"testpi_{uuid.uuid5(uuid.NAMESPACE_URL, str(order.number)).hex}"
        return PaymentIntent(
            id=intent_id, client_secret=f"{intent_id}_secret_{secrets.token_urlsafe(16)}"
        )

    def calculate_tax(
        self, *, currency: str, items: list[tuple[str, int]], shipping: int, address: dict
    ) -> int:
        raise PaymentError("Stripe Tax needs Stripe keys; the test-mode provider has none.")

    def cancel_intent(self, *, intent_id: str) -> None:
        pass

    def refund(self, *, order: Order, attempt: str = "") -> None:
        pass


@cache
def _provider(key: tuple) -> PaymentProvider:
    secret_key, publishable_key, api_base, timeout, _ = key
    if secret_key:
        return StripeProvider(
            secret_key=secret_key,
            publishable_key=publishable_key,
            api_base=api_base,
            timeout=timeout,
        )
    return TestModeProvider()


def get_provider() -> PaymentProvider:
    """The configured provider: Stripe when STRIPE_SECRET_KEY is set, else test mode."""
    return _provider(
        (
            settings.STRIPE_SECRET_KEY,
            settings.STRIPE_PUBLISHABLE_KEY,
            settings.STRIPE_API_BASE,
            settings.STRIPE_TIMEOUT_SECONDS,
            settings.PAYMENTS_ALLOW_TEST_MODE,
        )
    )
