"""Demo data: the Waltmart brand, its catalog with generated photos, and three demo users."""

import functools
import io
import random

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, ImageDraw, ImageFont

from catalog import images
from catalog.models import Category, Membership, Merchant, Product, Variant

DEMO_PASSWORD = "liveshop-demo"

# (title, category, base price in cents, sizes, colors)
WALTMART_PRODUCTS = [
    ("Noise-Cancelling Headphones", Category.ELECTRONICS, 19900, [], ["Black", "Silver"]),
    ("4K Streaming Stick", Category.ELECTRONICS, 4900, [], []),
    ("Smart Speaker Mini", Category.ELECTRONICS, 3999, [], ["Charcoal", "Chalk"]),
    ("Wireless Earbuds Pro", Category.ELECTRONICS, 12900, [], ["White", "Black"]),
    ("55-inch OLED TV", Category.ELECTRONICS, 129900, [], []),
    ("Portable Power Bank 20K", Category.ELECTRONICS, 3499, [], ["Blue", "Black"]),
    ("Fitness Tracker Band", Category.ELECTRONICS, 7999, ["S/M", "L/XL"], ["Black"]),
    ("Cast Iron Dutch Oven", Category.HOME_GOODS, 7999, [], ["Cherry", "Navy"]),
    ("Robot Vacuum", Category.HOME_GOODS, 24900, [], []),
    ("Memory Foam Pillow Set", Category.HOME_GOODS, 5999, ["Standard", "King"], []),
    ("Espresso Machine", Category.HOME_GOODS, 39900, [], ["Steel"]),
    ("Weighted Blanket", Category.HOME_GOODS, 8999, ["15 lb", "20 lb"], ["Grey", "Sage"]),
    ("Air Fryer XL", Category.HOME_GOODS, 11900, [], ["Black"]),
    ("Pre-Lit Christmas Tree 7 ft", Category.SEASONAL_DECOR, 19900, [], []),
    (
        "LED String Lights",
        Category.SEASONAL_DECOR,
        1999,
        ["33 ft", "66 ft"],
        ["Warm white", "Multicolor"],
    ),
    ("Velvet Stocking", Category.SEASONAL_DECOR, 1499, [], ["Red", "Green"]),
    ("Holiday Wreath", Category.SEASONAL_DECOR, 4499, [], []),
    ("Ceramic Nutcracker", Category.SEASONAL_DECOR, 2999, [], []),
    ("Snowflake Table Runner", Category.SEASONAL_DECOR, 2499, [], ["Silver", "Gold"]),
    ("Puffer Jacket", Category.APPAREL, 12900, ["S", "M", "L", "XL"], ["Black", "Olive"]),
    ("Cashmere Scarf", Category.APPAREL, 6900, [], ["Camel", "Grey"]),
    ("Fleece Hoodie", Category.APPAREL, 4500, ["S", "M", "L"], ["Heather", "Navy"]),
    ("Holiday Pajama Set", Category.APPAREL, 3900, ["S", "M", "L"], ["Plaid"]),
    ("Wool Beanie", Category.APPAREL, 2400, [], ["Red", "Cream"]),
]

PALETTE = {
    Category.ELECTRONICS: ((28, 45, 92), (76, 141, 245)),
    Category.HOME_GOODS: ((120, 72, 40), (236, 178, 110)),
    Category.SEASONAL_DECOR: ((128, 20, 36), (32, 110, 70)),
    Category.APPAREL: ((60, 30, 90), (230, 120, 170)),
}


def product_photo(title: str, category: str, size: int = 800) -> ContentFile:
    """A generated square 'photo': a gradient, a shape and the product's name."""
    return ContentFile(_photo_bytes(title, category, size), name=f"{title}.jpg")


@functools.cache
def _photo_bytes(title: str, category: str, size: int) -> bytes:
    """The same picture every run, so drawn once per process (the tests seed the demo often)."""
    top, bottom = PALETTE[category]
    image = Image.new("RGB", (size, size))
    draw = ImageDraw.Draw(image)
    for y in range(size):
        t = y / size
        draw.line(
            [(0, y), (size, y)],
            fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)),
        )
    rng = random.Random(title)  # the same picture every run
    cx, cy, r = size // 2, size // 2 - 40, size // 4
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=(255, 255, 255), width=10)
    for _ in range(12):
        x, y = rng.randrange(size), rng.randrange(size)
        draw.ellipse([x - 6, y - 6, x + 6, y + 6], fill=(255, 255, 255))
    font = ImageFont.load_default(size=44)
    text = title if len(title) <= 26 else title[:25] + "…"
    width = draw.textlength(text, font=font)
    draw.text(((size - width) / 2, size - 170), text, font=font, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def _user(username: str, *, email: str, **flags):
    User = get_user_model()
    user, _ = User.objects.get_or_create(username=username, defaults={"email": email})
    for name, value in flags.items():
        setattr(user, name, value)
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


@transaction.atomic
def seed_waltmart() -> dict:
    """Create or refresh the demo. Safe to run again: it never duplicates anything."""
    admin = _user("admin", email="admin@liveshop.localhost", is_staff=True, is_superuser=True)
    merchant, _ = Merchant.objects.update_or_create(
        slug="waltmart",
        defaults={
            "name": "Waltmart",
            "website": "https://waltmart.example",
            "contact_email": "live@waltmart.example",
            "description": "Everyday low prices, live. Electronics, home, holiday and more.",
            "is_verified": True,
        },
    )
    if merchant.verified_at is None:
        merchant.verified_at = timezone.now()
        merchant.save(update_fields=["verified_at"])
    owner = _user("waltmart", email="owner@waltmart.example", is_staff=True, is_superuser=False)
    Membership.objects.update_or_create(
        user=owner, defaults={"merchant": merchant, "role": Membership.Role.OWNER}
    )
    viewer = _user("viewer", email="viewer@liveshop.localhost", is_staff=False, is_superuser=False)

    for position, (title, category, price, sizes, colors) in enumerate(WALTMART_PRODUCTS):
        product, created = Product.objects.get_or_create(
            merchant=merchant,
            slug=slugify(title),
            defaults={
                "title": title,
                "category": category,
                "status": Product.Status.ACTIVE,
                "description": f"{title} from Waltmart. Featured in our live shows.",
            },
        )
        if created:
            _variants(product, position, price, sizes, colors)
        if not product.images.exists():
            images.image_store(
                product=product, upload=product_photo(title, category), alt_text=title
            )
    return {"admin": admin, "owner": owner, "viewer": viewer, "merchant": merchant}


def _variants(
    product: Product, position: int, price: int, sizes: list[str], colors: list[str]
) -> None:
    options = [(s, c) for s in (sizes or [""]) for c in (colors or [""])]
    rng = random.Random(product.slug)
    for index, (size, color) in enumerate(options):
        code = slugify(f"{size} {color}").upper()
        Variant.objects.create(
            product=product,
            merchant=product.merchant,
            sku=f"WM-{position + 1:03d}" + (f"-{code}" if code else ""),
            size=size,
            color=color,
            price=price,
            compare_at_price=price * 5 // 4 if index == 0 and position % 3 == 0 else None,
            stock_on_hand=rng.choice([0, 3, 12, 25, 40, 60]) if position % 7 else 5,
            position=index,
        )
