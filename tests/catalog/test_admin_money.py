"""The Shopping Manager's catalog in money: typed and shown as "24.99", listed as "$1,318.99"."""

import html
import re

import pytest
from django.urls import reverse

from catalog.models import Variant


@pytest.fixture
def owner_client(merchant_a, make_staff, client_for):
    return client_for(make_staff(merchant_a))


@pytest.fixture
def beanie(merchant_a, make_product):
    return make_product(
        merchant_a,
        "Wool Beanie",
        variants=[
            {"sku": "BEANIE-S", "price": 2499, "compare_at_price": 2999, "stock_on_hand": 5},
            {"sku": "BEANIE-L", "price": 131899, "stock_on_hand": 2},
        ],
    )


def page(response) -> str:
    return html.unescape(response.content.decode())


def input_value(text: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', text)
    assert match, f"no input {name}"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


def variant_data(variant: Variant, **typed) -> dict:
    return {
        "product": variant.product_id,
        "sku": variant.sku,
        "size": variant.size,
        "color": variant.color,
        "price": "24.99",
        "compare_at_price": "",
        "currency": variant.currency,
        "stock_on_hand": str(variant.stock_on_hand),
        "position": str(variant.position),
    } | typed


def product_data(product, variants: list[dict]) -> dict:
    data = {
        "title": product.title,
        "slug": product.slug,
        "description": "",
        "category": product.category,
        "status": product.status,
        "variants-TOTAL_FORMS": str(len(variants)),
        "variants-INITIAL_FORMS": str(len(variants)),
        "variants-MIN_NUM_FORMS": "0",
        "variants-MAX_NUM_FORMS": "1000",
        "images-TOTAL_FORMS": "0",
        "images-INITIAL_FORMS": "0",
        "images-MIN_NUM_FORMS": "0",
        "images-MAX_NUM_FORMS": "1000",
    }
    for n, fields in enumerate(variants):
        data |= {f"variants-{n}-{name}": value for name, value in fields.items()}
    return data


def inline_row(variant: Variant, **typed) -> dict:
    return {
        "id": str(variant.pk),
        "product": str(variant.product_id),
        "sku": variant.sku,
        "size": "",
        "color": "",
        "price": f"{variant.price / 100:.2f}",
        "compare_at_price": ""
        if variant.compare_at_price is None
        else f"{variant.compare_at_price / 100:.2f}",
        "currency": variant.currency,
        "stock_on_hand": str(variant.stock_on_hand),
        "position": str(variant.position),
    } | typed


def test_the_variant_form_shows_prices_as_money(owner_client, beanie):
    small = beanie.variants.get(sku="BEANIE-S")

    text = page(owner_client.get(reverse("admin:catalog_variant_change", args=[small.pk])))

    assert input_value(text, "price") == "24.99"
    assert input_value(text, "compare_at_price") == "29.99"


def test_the_product_page_shows_its_variants_prices_as_money(owner_client, beanie):
    text = page(owner_client.get(reverse("admin:catalog_product_change", args=[beanie.pk])))

    assert input_value(text, "variants-0-price") == "24.99"
    assert input_value(text, "variants-0-compare_at_price") == "29.99"
    assert input_value(text, "variants-1-price") == "1318.99"
    assert input_value(text, "variants-1-compare_at_price") == ""


def test_a_price_typed_as_money_is_stored_in_minor_units(owner_client, beanie):
    small = beanie.variants.get(sku="BEANIE-S")

    response = owner_client.post(
        reverse("admin:catalog_variant_change", args=[small.pk]),
        variant_data(small, price="19.5", compare_at_price="1,299.00"),
    )

    assert response.status_code == 302
    small.refresh_from_db()
    assert (small.price, small.compare_at_price) == (1950, 129900)


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("abc", "'abc' is not a price; write it like 19.99."),
        ("-1", "'-1' is not a price of 0 or more."),
        ("1.234", "'1.234' has more than two decimal places."),
        ("", "This field is required."),
    ],
)
def test_a_bad_price_is_a_field_error_on_the_variant_form(owner_client, beanie, typed, error):
    small = beanie.variants.get(sku="BEANIE-S")

    response = owner_client.post(
        reverse("admin:catalog_variant_change", args=[small.pk]), variant_data(small, price=typed)
    )

    assert response.status_code == 200
    assert error in page(response)
    assert input_value(page(response), "price") == typed  # what was typed stays in the box
    small.refresh_from_db()
    assert small.price == 2499


@pytest.mark.parametrize(
    ("field", "typed", "error"),
    [
        ("price", "abc", "'abc' is not a price; write it like 19.99."),
        ("price", "-1", "'-1' is not a price of 0 or more."),
        ("compare_at_price", "1.234", "'1.234' has more than two decimal places."),
        ("price", "", "This field is required."),
        ("compare_at_price", "20.00", "The compare-at price must be higher than the price."),
    ],
)
def test_a_bad_price_is_a_field_error_on_the_product_page(
    owner_client, beanie, field, typed, error
):
    small, large = beanie.variants.order_by("position")

    response = owner_client.post(
        reverse("admin:catalog_product_change", args=[beanie.pk]),
        product_data(beanie, [inline_row(small, **{field: typed}), inline_row(large)]),
    )

    assert response.status_code == 200
    assert error in page(response)
    assert list(beanie.variants.order_by("position").values_list("price", "compare_at_price")) == [
        (2499, 2999),
        (131899, None),
    ]


def test_the_product_page_saves_prices_typed_as_money(owner_client, beanie):
    small, large = beanie.variants.order_by("position")

    response = owner_client.post(
        reverse("admin:catalog_product_change", args=[beanie.pk]),
        product_data(beanie, [inline_row(small, price="21.00"), inline_row(large)]),
    )

    assert response.status_code == 302
    assert list(beanie.variants.order_by("position").values_list("price", flat=True)) == [
        2100,
        131899,
    ]


def test_lists_show_prices_as_money_in_the_variants_currency(
    owner_client, merchant_a, make_product, beanie
):
    make_product(
        merchant_a, "Tea Towel", variants=[{"sku": "TOWEL", "price": 850, "currency": "EUR"}]
    )

    products = page(owner_client.get(reverse("admin:catalog_product_changelist")))
    variants = page(owner_client.get(reverse("admin:catalog_variant_changelist")))

    assert "$24.99 – $1,318.99" in products
    assert "€8.50" in products
    assert "$1,318.99" in variants and "$24.99" in variants and "€8.50" in variants
    assert "131899" not in products + variants and "1,318.99 USD" not in variants
