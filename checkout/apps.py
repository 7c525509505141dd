from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "checkout"
    verbose_name = "Checkout"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from accounts.signals import email_verified
        from checkout import (
            checks,  # noqa: F401 (registers the payment provider check)
            selectors,
        )
        from infrastructure import page_extras

        page_extras.register(page_extras.EVENT_PAGE, selectors.event_page_buying)
        page_extras.register(page_extras.SHOP_PAGE, selectors.shop_page_buying)
        user_logged_in.connect(_claim_guest_purchases, dispatch_uid="checkout.claim_guest")
        email_verified.connect(_claim_email_orders, dispatch_uid="checkout.claim_email")


def _claim_guest_purchases(sender, request, user, **kwargs):
    from checkout.shoppers import GUEST_KEY, email_claim, guest_claim

    if request is not None and hasattr(request, "session"):
        guest_claim(user=user, key=request.session.get(GUEST_KEY) or "")
    email_claim(user=user)


def _claim_email_orders(sender, user, **kwargs):
    from checkout.shoppers import email_claim

    email_claim(user=user)
