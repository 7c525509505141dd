"""Where a buyer buys: a show's page, or a merchant's shop (its shop and product pages).

A show sells its run of show at the show's prices (a live deal while it is live) within its
limits; a shop sells the merchant's active catalog at catalog prices. Both share the cart, the
checkout, the payment and the platform rule; an order from a shop has no show.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.urls import reverse

from catalog.models import Merchant, Product, Variant
from checkout.errors import CheckoutError
from events.models import LiveEvent, ShowProduct
from events.purchase_rules import require_can_buy, require_shop_can_buy, unit_price


@dataclass(frozen=True)
class Storefront:
    merchant: Merchant
    event: LiveEvent | None = None

    @classmethod
    def of(cls, *, event: LiveEvent | None = None, shop: Merchant | None = None) -> "Storefront":
        if (event is None) == (shop is None):
            raise ValueError("A storefront is a show or a shop.")
        return cls(merchant=event.merchant, event=event) if event else cls(merchant=shop)

    @classmethod
    def of_order(cls, order) -> "Storefront":
        """Where `order` was placed: its show, or its merchant's shop."""
        return cls(merchant=order.merchant, event=order.event)

    @property
    def place(self) -> str:
        """How messages name it: "this show", "this shop"."""
        return "this show" if self.event is not None else "this shop"

    @property
    def where(self) -> dict:
        """The keyword the buying services take: `event=` or `shop=`."""
        return {"event": self.event} if self.event is not None else {"shop": self.merchant}

    def get_absolute_url(self) -> str:
        if self.event is not None:
            return self.event.get_absolute_url()
        return reverse("catalog:shop", args=[self.merchant.slug])

    def buy_url(self) -> str:
        """Where this storefront's buying endpoints start (checkout/urls.py)."""
        if self.event is not None:
            return reverse("checkout:cart", args=[self.event.slug]).removesuffix("cart/")
        return reverse("checkout:shop_cart", args=[self.merchant.slug]).removesuffix("cart/")

    def require_can_buy(self, platform: str) -> None:
        """Raises PlatformNotAllowed or ShowClosed."""
        if self.event is not None:
            require_can_buy(event=self.event, platform=platform)
        else:
            require_shop_can_buy(merchant=self.merchant, platform=platform)

    def carts(self) -> Q:
        """Filter for the carts of this storefront."""
        if self.event is not None:
            return Q(event=self.event)
        return Q(event__isnull=True, merchant=self.merchant)

    def orders(self, prefix: str = "") -> Q:
        """Filter for the orders (through `prefix`) placed here."""
        if self.event is not None:
            return Q(**{f"{prefix}event": self.event})
        return Q(**{f"{prefix}event__isnull": True, f"{prefix}merchant": self.merchant})

    def cart_fields(self) -> dict:
        return {"event": self.event} if self.event is not None else {"merchant": self.merchant}

    @property
    def featured_product_id(self) -> int | None:
        return self.event.featured_product_id if self.event is not None else None

    def products(self):
        """The active products sold here."""
        active = Product.objects.filter(status=Product.Status.ACTIVE)
        if self.event is not None:
            return active.filter(show_entries__event=self.event)
        return active.filter(merchant=self.merchant)

    def entries(self, product_ids) -> dict[int, ShowProduct | None]:
        """{product id: its run of show row} for those sold here (a shop has none: None)."""
        if self.event is not None:
            return {
                entry.product_id: entry
                for entry in ShowProduct.objects.filter(
                    event=self.event,
                    product_id__in=product_ids,
                    product__status=Product.Status.ACTIVE,
                )
            }
        sold = self.products().filter(pk__in=product_ids).values_list("pk", flat=True)
        return dict.fromkeys(sold)

    def offer(self, variant_id: int | None) -> tuple[Variant, ShowProduct | None]:
        """The variant, if its product is sold here. Raises CheckoutError."""
        variant = (
            Variant.objects.select_related("product")
            .filter(pk=variant_id, product__status=Product.Status.ACTIVE)
            .first()
            if variant_id is not None
            else None
        )
        if variant_id is None:
            raise CheckoutError(f"Choose an option of a product in {self.place}.")
        entries = self.entries([variant.product_id]) if variant else {}
        if variant is None or variant.product_id not in entries:
            raise CheckoutError(f"That option is not part of {self.place}.")
        return variant, entries[variant.product_id]

    def unit_price(self, variant: Variant, entry: ShowProduct | None) -> int:
        """What a buyer pays here for one unit now: the one price rule for a show; the catalog
        price in the shop."""
        if self.event is None or entry is None:
            return variant.price
        return unit_price(event=self.event, entry=entry, variant=variant)
