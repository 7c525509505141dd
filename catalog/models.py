"""Merchants (brands), their staff, onboarding applications, and their catalogs."""

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from catalog.local_time import DEFAULT_TIME_ZONE, validate_time_zone


class MerchantApplication(models.Model):
    """A business asking to sell on Liveshop, reviewed by platform staff."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    business_name = models.CharField(max_length=120)
    website = models.URLField(max_length=300)
    contact_name = models.CharField(max_length=120)
    contact_email = models.EmailField()
    what_they_sell = models.TextField(
        max_length=2000, help_text="What the business sells and how it would use live shows."
    )
    time_zone = models.CharField(
        max_length=64,
        default=DEFAULT_TIME_ZONE,
        validators=[validate_time_zone],
        help_text="Where the business schedules its live shows.",
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING, db_index=True)
    rejection_reason = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    merchant = models.OneToOneField(
        "Merchant", null=True, blank=True, on_delete=models.SET_NULL, related_name="application"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.business_name} ({self.get_status_display()})"


class Merchant(models.Model):
    """A brand that sells on Liveshop. Only verified merchants sell or host live shows."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    website = models.URLField(max_length=300, blank=True)
    contact_email = models.EmailField(blank=True)
    description = models.TextField(blank=True)
    is_verified = models.BooleanField(
        default=False, help_text="Only verified merchants can sell and host live shows."
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    time_zone = models.CharField(
        max_length=64,
        default=DEFAULT_TIME_ZONE,
        validators=[validate_time_zone],
        help_text="Show times are entered and shown in this zone in the Shopping Manager.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:shop", args=[self.slug])


class Membership(models.Model):
    """A user's role at a merchant. A user works for at most one merchant."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        CATALOG_MANAGER = "catalog_manager", "Catalog manager"
        HOST = "host", "Host"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["merchant", "role"]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.merchant}"


class Category(models.TextChoices):
    ELECTRONICS = "electronics", "Electronics"
    HOME_GOODS = "home_goods", "Home goods"
    SEASONAL_DECOR = "seasonal_decor", "Seasonal décor"
    APPAREL = "apparel", "Apparel"


class Currency(models.TextChoices):
    USD = "USD", "US dollar"
    EUR = "EUR", "Euro"
    GBP = "GBP", "Pound sterling"
    CAD = "CAD", "Canadian dollar"


class Product(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        ARCHIVED = "archived", "Archived"

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="products")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=20, choices=Category)
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "slug"],
                name="product_slug_unique_per_merchant",
                violation_error_message="This merchant already has a product with this slug.",
            )
        ]
        indexes = [models.Index(fields=["merchant", "status", "title"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("catalog:product", args=[self.merchant.slug, self.slug])


sku_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._\-/]*$",
    "A SKU may hold letters, digits, dots, dashes, underscores and slashes, and starts with a "
    "letter or digit.",
)


class Variant(models.Model):
    """One buyable version of a product (a size and colour). Prices are in minor units (cents)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    # Copied from the product so that SKUs can be unique per merchant in the database.
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    sku = models.CharField("SKU", max_length=64, validators=[sku_validator])
    size = models.CharField(max_length=40, blank=True)
    color = models.CharField(max_length=40, blank=True)
    price = models.PositiveIntegerField(help_text="In minor units: 1999 means 19.99.")
    compare_at_price = models.PositiveIntegerField(
        null=True, blank=True, help_text="Optional 'was' price, in minor units."
    )
    currency = models.CharField(max_length=3, choices=Currency, default=Currency.USD)
    stock_on_hand = models.PositiveIntegerField(default=0, validators=[MinValueValidator(0)])
    # Units held for shoppers who are paying. Both stock columns are written only by catalog/stock.py.
    reserved = models.PositiveIntegerField(default=0, editable=False)
    position = models.PositiveSmallIntegerField(default=0)

    # What a merchant sets for a variant, wherever it is edited: the Shopping Manager's forms, the
    # catalog CSV's columns.
    MERCHANT_FIELDS = (
        "sku",
        "size",
        "color",
        "price",
        "compare_at_price",
        "currency",
        "stock_on_hand",
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "sku"],
                name="variant_sku_unique_per_merchant",
                violation_error_message="This merchant already has a variant with this SKU.",
            ),
            models.CheckConstraint(
                condition=Q(reserved__lte=models.F("stock_on_hand")),
                name="variant_reserved_within_stock",
                violation_error_message=(
                    "Stock on hand cannot be lower than the units reserved by shoppers paying now."
                ),
            ),
            models.CheckConstraint(
                condition=Q(compare_at_price__isnull=True)
                | Q(compare_at_price__gt=models.F("price")),
                name="variant_compare_at_above_price",
                violation_error_message="The compare-at price must be higher than the price.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} — {self.option_label or self.product.title}"

    @property
    def available(self) -> int:
        return self.stock_on_hand - self.reserved

    @property
    def option_label(self) -> str:
        return " / ".join(option for option in (self.size, self.color) if option)


def product_image_path(instance: "ProductImage", filename: str) -> str:
    return f"products/{instance.product.merchant_id}/{filename}"


class ProductImage(models.Model):
    """A re-encoded, EXIF-free product photo and its thumbnails (see catalog/images.py)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(
        upload_to=product_image_path, width_field="width", height_field="height", max_length=300
    )
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    # {"160": "products/1/abc_160.webp", ...}: storage names of the generated thumbnails.
    thumbnails = models.JSONField(default=dict, blank=True, editable=False)
    alt_text = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.alt_text or self.image.name

    def thumbnail_url(self, size: int) -> str:
        """URL of the smallest thumbnail at least `size` pixels wide, else of the image itself."""
        for width in sorted(int(w) for w in self.thumbnails):
            if width >= size:
                return self.image.storage.url(self.thumbnails[str(width)])
        return self.image.url
