"""The public shop page and product pages: what a visitor sees, and what it costs to build."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from catalog import images
from catalog.models import Product
from tests.conftest import image_bytes


def shop_url(slug="merchant-a"):
    return reverse("catalog:shop", args=[slug])


def product_url(product):
    return reverse("catalog:product", args=[product.merchant.slug, product.slug])


def add_photo(product):
    return images.image_store(
        product=product,
        upload=ContentFile(image_bytes(size=(1200, 900)), name="p.jpg"),
        alt_text=product.title,
    )


def test_shop_page_shows_active_products_with_price_availability_and_image(
    client, merchant_a, make_product
):
    beanie = make_product(merchant_a, "Wool Beanie", variants=[{"price": 2400, "stock_on_hand": 3}])
    make_product(
        merchant_a,
        "Puffer Jacket",
        variants=[{"price": 12900, "stock_on_hand": 0}, {"price": 14900, "stock_on_hand": 0}],
    )
    make_product(merchant_a, "Secret Draft", status=Product.Status.DRAFT)
    make_product(merchant_a, "Old Archived", status=Product.Status.ARCHIVED)
    photo = add_photo(beanie)

    page = client.get(shop_url()).content.decode()

    assert "Wool Beanie" in page and "$24.00" in page and "In stock" in page
    assert "Puffer Jacket" in page and "From $129.00" in page and "Sold out" in page
    assert "Secret Draft" not in page and "Old Archived" not in page
    assert photo.image.storage.url(photo.thumbnails["480"]) in page


def test_shop_page_does_not_list_another_merchants_products(
    client, merchant_a, merchant_b, make_product
):
    make_product(merchant_b, "Other Brand Lamp")

    assert "Other Brand Lamp" not in client.get(shop_url()).content.decode()


@pytest.mark.parametrize("count", [1, 12])
def test_shop_page_query_count_does_not_grow_with_products(
    client, merchant_a, make_product, django_assert_num_queries, count
):
    for n in range(count):
        add_photo(
            make_product(merchant_a, f"Product {n}", variants=[{"price": 100 + n}, {"price": 900}])
        )

    # merchant, products with prices and stock, cover images
    with django_assert_num_queries(3):
        response = client.get(shop_url())

    assert response.content.decode().count('class="product-card"') == count


@pytest.mark.parametrize("variant_count", [1, 6])
def test_product_page_query_count_is_constant(
    client, merchant_a, make_product, django_assert_num_queries, variant_count
):
    product = make_product(merchant_a, variants=[{"price": 2400 + n} for n in range(variant_count)])
    add_photo(product)
    add_photo(product)

    # merchant, product, variants, images
    with django_assert_num_queries(4):
        response = client.get(product_url(product))

    assert response.status_code == 200


def test_product_page_shows_options_prices_stock_and_photos(client, merchant_a, make_product):
    product = make_product(
        merchant_a,
        "Fleece Hoodie",
        variants=[
            {
                "size": "S",
                "color": "Navy",
                "price": 4500,
                "compare_at_price": 6000,
                "stock_on_hand": 40,
            },
            {"size": "M", "color": "Navy", "price": 4500, "stock_on_hand": 2},
            {"size": "L", "color": "Navy", "price": 4500, "stock_on_hand": 0},
        ],
    )
    photo = add_photo(product)

    page = client.get(product_url(product)).content.decode()

    assert "<h1>Fleece Hoodie</h1>" in page
    assert "S / Navy" in page and "$45.00" in page and "$60.00" in page
    assert "In stock" in page and "Only 2 left" in page and "Sold out" in page
    assert photo.image.storage.url(photo.thumbnails["960"]) in page


@pytest.mark.parametrize("status", [Product.Status.DRAFT, Product.Status.ARCHIVED])
def test_unpublished_products_have_no_page(client, merchant_a, make_product, status):
    product = make_product(merchant_a, status=status)

    assert client.get(product_url(product)).status_code == 404


def test_a_product_is_only_found_under_its_own_merchant(
    client, merchant_a, merchant_b, make_product
):
    product = make_product(merchant_b, "Other Brand Lamp")

    response = client.get(reverse("catalog:product", args=["merchant-a", product.slug]))

    assert response.status_code == 404


def test_shop_pages_are_publicly_cacheable_and_carry_no_session(client, merchant_a, make_product):
    product = make_product(merchant_a)

    for url in (shop_url(), product_url(product)):
        response = client.get(url)
        assert "public" in response["Cache-Control"] and "max-age=60" in response["Cache-Control"]
        assert "Cookie" not in response.get("Vary", "")
        assert not response.cookies


def test_text_from_merchants_is_escaped(client, merchant_a, make_product):
    make_product(merchant_a, "<script>alert(1)</script>")

    page = client.get(shop_url()).content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
