"""Who may buy during a show, from which platform, and at what price.

These rules sit below both the event page (events) and buying (checkout), so the banner, the
purchase tab, the options, the cart, the order and the payment all ask the same functions.
"""

import re

from django.http import HttpRequest

from catalog.models import Merchant, Variant
from events.models import LiveEvent, Platform, ShowProduct, default_purchase_platforms

ANDROID = re.compile(r"\bAndroid\b", re.IGNORECASE)
IOS = re.compile(r"\b(iPhone|iPad|iPod)\b|\bCFNetwork/.*\bDarwin/", re.IGNORECASE)


class PurchaseRefused(Exception):
    """A refused purchase step; `message` is for a person, `code` for a program."""

    code = "invalid"
    http_status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PlatformNotAllowed(PurchaseRefused):
    code = "platform_not_allowed"
    http_status = 403


class ShowClosed(PurchaseRefused):
    code = "show_closed"
    http_status = 409


def platform_of(request: HttpRequest) -> str:
    """`android`, `ios` or `desktop`, from the User-Agent and the Sec-CH-UA-Platform client hint.

    Android is checked first: it is the platform that may not buy, so any sign of it wins.
    """
    agent = request.headers.get("User-Agent", "")
    hint = request.headers.get("Sec-CH-UA-Platform", "").strip('"').lower()
    if ANDROID.search(agent) or hint == "android":
        return Platform.ANDROID
    if IOS.search(agent) or hint == "ios":
        return Platform.IOS
    return Platform.DESKTOP


def require_can_buy(*, event: LiveEvent, platform: str) -> None:
    """Raises PlatformNotAllowed or ShowClosed. Buying stays open after the show: replays sell."""
    if platform not in event.purchase_platforms:
        allowed = " and ".join(Platform(p).label for p in event.purchase_platforms) or "no device"
        raise PlatformNotAllowed(
            f"Buying during this show is available on {allowed}. On this device you can watch."
        )
    if event.status == LiveEvent.Status.CANCELLED:
        raise ShowClosed("This show was cancelled, so its products cannot be bought here.")
    if not event.merchant.is_verified:
        raise ShowClosed("This brand cannot sell right now.")


def require_shop_can_buy(*, merchant: Merchant, platform: str) -> None:
    """The shop's rule, as a show's: buying on the platforms shows sell on, from a verified brand.
    Raises PlatformNotAllowed or ShowClosed."""
    allowed = default_purchase_platforms()
    if platform not in allowed:
        names = " and ".join(Platform(p).label for p in allowed)
        raise PlatformNotAllowed(f"Buying is available on {names}. On this device you can look.")
    if not merchant.is_verified:
        raise ShowClosed("This brand cannot sell right now.")


def deal_is_on(*, status: str, live_price: int | None) -> bool:
    """A flash deal's live price holds only while the show is live."""
    return status == LiveEvent.Status.LIVE and live_price is not None


def viewer_price(*, status: str, live_price: int | None, catalog_price: int) -> int:
    """The one price rule: what a viewer sees and pays for a variant of a show's product.

    `status` is the show's, `live_price` the run of show's flash price for the product (or None),
    `catalog_price` the variant's own price (or, for a product's "from" price, its lowest).
    """
    return live_price if deal_is_on(status=status, live_price=live_price) else catalog_price


def unit_price(*, event: LiveEvent, entry: ShowProduct, variant: Variant) -> int:
    """What one unit of `variant` costs a viewer of `event` now (`entry`: its run of show row)."""
    return viewer_price(
        status=event.status, live_price=entry.live_price, catalog_price=variant.price
    )
