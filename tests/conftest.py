"""Shared fixtures: merchants, their staff, products, and image files to upload."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.utils.text import slugify
from PIL import Image

from catalog.models import Category, Membership, Merchant, Product, Variant

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Every test writes uploads to its own folder, never to the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _pages_read_afresh():
    """Each test's shows are its own: the per-process copies of shows and snapshots start empty."""
    from events import show_cache

    show_cache.CACHE.clear()


@pytest.fixture(autouse=True)
def _every_frame_sent_matches_the_protocol():
    """A websocket frame the server sent during the test that events/protocol.py does not describe
    fails the test (LIVESHOP_PROTOCOL_CHECKS, tests/settings.py)."""
    from events import protocol

    protocol.violations.clear()
    yield
    found, protocol.violations[:] = list(protocol.violations), []
    assert found == [], "\n".join(found)


@pytest.fixture
def make_merchant(db):
    def make(slug: str, *, verified: bool = True) -> Merchant:
        return Merchant.objects.create(
            name=slug.replace("-", " ").title(), slug=slug, is_verified=verified
        )

    return make


@pytest.fixture
def make_staff(db):
    """A staff account of `merchant` with `role` (it can log in to the Shopping Manager)."""

    def make(merchant: Merchant, role: str = Membership.Role.OWNER, username: str | None = None):
        user = get_user_model().objects.create_user(
            username=username or f"{merchant.slug}-{role}",
            email=f"{role}@{merchant.slug}.example",
            password=PASSWORD,
            is_staff=True,
        )
        Membership.objects.create(user=user, merchant=merchant, role=role)
        return user

    return make


@pytest.fixture
def platform_staff(db):
    return get_user_model().objects.create_superuser(
        "platform", "platform@liveshop.example", PASSWORD
    )


@pytest.fixture
def make_product(db):
    def make(
        merchant: Merchant,
        title: str = "Wool Beanie",
        *,
        status: str = Product.Status.ACTIVE,
        category: str = Category.APPAREL,
        variants: list[dict] | None = None,
    ) -> Product:
        product = Product.objects.create(
            merchant=merchant,
            title=title,
            slug=slugify(title) or "product",
            category=category,
            status=status,
        )
        for index, spec in enumerate(variants or [{"price": 2400, "stock_on_hand": 5}]):
            Variant.objects.create(
                product=product,
                merchant=merchant,
                sku=spec.pop("sku", f"{product.slug}-{index}".upper()),
                position=index,
                **spec,
            )
        return product

    return make


@pytest.fixture
def merchant_a(make_merchant):
    return make_merchant("merchant-a")


@pytest.fixture
def merchant_b(make_merchant):
    return make_merchant("merchant-b")


@pytest.fixture
def client_for(client):
    """A test client logged in as `user`."""

    def login(user):
        client.force_login(user)
        return client

    return login


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (64, 48), **save_options) -> bytes:
    buffer = io.BytesIO()
    mode = "RGBA" if fmt == "PNG" else "RGB"
    Image.new(mode, size, (200, 30, 60)).save(buffer, format=fmt, **save_options)
    return buffer.getvalue()
