"""Reads: who works for which merchant, and what a shop page shows."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Exists, F, Max, Min, OuterRef, Prefetch, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from catalog.models import Membership, Merchant, Product, ProductImage, Variant


def is_platform_staff(user: AbstractBaseUser) -> bool:
    """Platform staff (Liveshop employees) see and change every merchant's data."""
    return bool(user.is_active and user.is_superuser)


def membership_for(user: AbstractBaseUser) -> Membership | None:
    """The user's membership of a verified merchant, cached on the user object for the request."""
    if not (user.is_authenticated and user.is_active):
        return None
    if not hasattr(user, "_liveshop_membership"):
        user._liveshop_membership = (
            Membership.objects.select_related("merchant")
            .filter(user=user, merchant__is_verified=True)
            .first()
        )
    return user._liveshop_membership


def merchant_for(user: AbstractBaseUser) -> Merchant | None:
    membership = membership_for(user)
    return membership.merchant if membership else None


def listed_shops() -> QuerySet[Merchant]:
    """The shops the public sees: verified brands, by name."""
    return Merchant.objects.filter(is_verified=True).order_by("name")


def shop_merchant(slug: str) -> Merchant:
    """The verified merchant behind a public shop page, or 404."""
    return get_object_or_404(Merchant, slug=slug, is_verified=True)


def shop_products(*, merchant: Merchant) -> QuerySet[Product]:
    """Active products with a price, annotated for the shop grid.

    `from_price`/`max_price`/`currency`, `in_stock`, and `cover_images` (the first image only).
    """
    variants = Variant.objects.filter(product=OuterRef("pk"))
    return (
        Product.objects.filter(merchant=merchant, status=Product.Status.ACTIVE)
        .annotate(
            from_price=Min("variants__price"),
            max_price=Max("variants__price"),
            currency=Subquery(variants.order_by("price").values("currency")[:1]),
            in_stock=Exists(variants.filter(stock_on_hand__gt=F("reserved"))),
        )
        .filter(from_price__isnull=False)
        .prefetch_related(
            Prefetch(
                "images",
                queryset=ProductImage.objects.filter(
                    pk__in=Subquery(
                        ProductImage.objects.filter(product=OuterRef("product"))
                        .order_by("position", "id")
                        .values("pk")[:1]
                    )
                ),
                to_attr="cover_images",
            )
        )
        .order_by("title")
    )


def product_for_viewer(*, merchant: Merchant, slug: str) -> Product:
    """An active product with its variants and images, or 404."""
    return get_object_or_404(
        Product.objects.filter(merchant=merchant, status=Product.Status.ACTIVE).prefetch_related(
            "variants", "images"
        ),
        slug=slug,
    )
