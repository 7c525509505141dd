"""System checks: a process that would take orders must have a way to take their payments.

Registered in CheckoutConfig.ready(). They run with `manage.py check` (`--deploy` too), before every
management command that checks (migrate, seed_demo, ...), and when the ASGI application starts
(liveshop/asgi.py), so a misconfigured server refuses to start instead of failing at checkout.
"""

from django.conf import settings
from django.core.checks import Error, Tags, register

STRIPE_VARIABLES = "STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET"


@register(Tags.security)
def payment_provider_check(app_configs, **kwargs) -> list[Error]:
    """Stripe fully configured, or the test-mode provider allowed (checkout/payments.py)."""
    if not settings.STRIPE_SECRET_KEY:
        if settings.PAYMENTS_ALLOW_TEST_MODE:
            return []
        return [
            Error(
                "No payment provider: STRIPE_SECRET_KEY is not set, and the test-mode provider "
                "(which takes no real payment) is not allowed: PAYMENTS_ALLOW_TEST_MODE is off, "
                "as it is by default when DEBUG is off.",
                hint=f"Set {STRIPE_VARIABLES}; or, for a demo that takes no real payment, "
                "PAYMENTS_ALLOW_TEST_MODE=true.",
                id="checkout.E001",
            )
        ]
    errors = []
    if not settings.STRIPE_WEBHOOK_SECRET:
        errors.append(
            Error(
                "STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is not: payments would be "
                "taken but never confirmed, since their outcome arrives by signed webhook.",
                hint="Set STRIPE_WEBHOOK_SECRET to the signing secret (whsec_...) of the "
                "webhook endpoint /stripe/webhook/.",
                id="checkout.E002",
            )
        )
    if not settings.STRIPE_PUBLISHABLE_KEY:
        errors.append(
            Error(
                "STRIPE_SECRET_KEY is set but STRIPE_PUBLISHABLE_KEY is not: the payment form "
                "cannot load in the page.",
                hint="Set STRIPE_PUBLISHABLE_KEY (pk_...) from the same Stripe account.",
                id="checkout.E003",
            )
        )
    return errors
