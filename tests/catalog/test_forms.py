"""Forms with missing or clashing input: each field says what is wrong, and nothing is saved."""

import html
import re

import pytest
from django.core import mail
from django.urls import reverse

from catalog.models import MerchantApplication, Product

SELL_FIELDS = ["business_name", "website", "contact_name", "contact_email", "what_they_sell"]


def field_error(page: str, field: str) -> str | None:
    """The error text shown under `field` on the public sell form, if any."""
    match = re.search(rf'<div class="field-error" id="id_{field}_error"[^>]*>(.*?)</div>', page)
    return html.unescape(match.group(1)) if match else None


def test_sell_form_sent_empty_marks_every_field_and_saves_nothing(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("catalog:sell"), dict.fromkeys(SELL_FIELDS, ""))

    assert response.status_code == 400
    page = response.content.decode()
    assert {field: field_error(page, field) for field in SELL_FIELDS} == dict.fromkeys(
        SELL_FIELDS, "This field is required."
    )
    # every field is marked, and the form is shown again to be corrected
    assert page.count('class="field has-error"') == len(SELL_FIELDS)
    assert '<button type="submit">Send application</button>' in page
    assert not MerchantApplication.objects.exists()
    assert mail.outbox == []


def test_sell_form_keeps_what_was_typed_and_explains_the_rest(client, db):
    response = client.post(
        reverse("catalog:sell"),
        {
            "business_name": "!!!",
            "website": "not a website",
            "contact_name": "Ada Lovelace",
            "contact_email": "",
            "what_they_sell": "Candles.",
        },
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert field_error(page, "business_name") == (
        "Use at least one letter or digit in the business name."
    )
    assert field_error(page, "website") == "Enter a valid URL."
    assert field_error(page, "contact_email") == "This field is required."
    assert field_error(page, "contact_name") is None
    assert 'value="Ada Lovelace"' in page
    assert not MerchantApplication.objects.exists()


# --- Product slugs in the Shopping Manager ----------------------------------------------------------


def product_add_data(merchant, **overrides) -> dict:
    return {
        "merchant": str(merchant.pk),
        "title": "Wool Beanie",
        "slug": "wool-beanie",
        "description": "",
        "category": "apparel",
        "status": "draft",
        "variants-TOTAL_FORMS": "0",
        "variants-INITIAL_FORMS": "0",
        "variants-MIN_NUM_FORMS": "0",
        "variants-MAX_NUM_FORMS": "1000",
        "images-TOTAL_FORMS": "0",
        "images-INITIAL_FORMS": "0",
        "images-MIN_NUM_FORMS": "0",
        "images-MAX_NUM_FORMS": "1000",
        "_save": "Save",
        **overrides,
    }


def slug_errors(response) -> str:
    page = html.unescape(response.content.decode())
    match = re.search(r'<div class="form-row[^"]*field-slug[^"]*">(.*?)</div>\s*</div>', page, re.S)
    assert match, "the page has no slug row"
    return " ".join(re.findall(r"<li>(.*?)</li>", match.group(1)))


@pytest.fixture
def owner_client(client_for, make_staff, merchant_a):
    return client_for(make_staff(merchant_a))


def test_owner_adding_a_product_with_a_taken_slug_is_told_so(
    owner_client, merchant_a, make_product
):
    # given merchant A already sells a wool beanie
    make_product(merchant_a, "Wool Beanie")
    # when an owner adds another product with the same slug
    response = owner_client.post(
        reverse("admin:catalog_product_add"), product_add_data(merchant_a, title="Beanie Two")
    )
    # then the slug field says why, and no product is added
    assert response.status_code == 200
    assert "Merchant A already has a product with the slug 'wool-beanie'." in slug_errors(response)
    assert list(Product.objects.values_list("title", flat=True)) == ["Wool Beanie"]


def test_owner_adds_a_product_in_the_shopping_manager(owner_client, merchant_a):
    response = owner_client.post(reverse("admin:catalog_product_add"), product_add_data(merchant_a))
    assert response.status_code == 302
    assert Product.objects.get().merchant == merchant_a


def test_owner_renaming_a_slug_to_a_taken_one_is_told_so(owner_client, merchant_a, make_product):
    make_product(merchant_a, "Wool Beanie")
    lamp = make_product(merchant_a, "Desk Lamp", variants=[])
    data = product_add_data(merchant_a, title="Desk Lamp")
    del data["merchant"]  # read-only once the product exists

    response = owner_client.post(reverse("admin:catalog_product_change", args=[lamp.pk]), data)

    assert response.status_code == 200
    assert "Merchant A already has a product with the slug 'wool-beanie'." in slug_errors(response)
    lamp.refresh_from_db()
    assert lamp.slug == "desk-lamp"


def test_the_same_slug_at_another_merchant_is_fine(
    client_for, platform_staff, merchant_a, merchant_b, make_product
):
    make_product(merchant_a, "Wool Beanie")
    response = client_for(platform_staff).post(
        reverse("admin:catalog_product_add"), product_add_data(merchant_b)
    )
    assert response.status_code == 302
    assert Product.objects.filter(slug="wool-beanie").count() == 2


def test_platform_staff_adding_a_taken_slug_is_told_so_once(
    client_for, platform_staff, merchant_a, make_product
):
    make_product(merchant_a, "Wool Beanie")
    response = client_for(platform_staff).post(
        reverse("admin:catalog_product_add"), product_add_data(merchant_a, title="Beanie Two")
    )
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "Merchant A already has a product with the slug 'wool-beanie'." in slug_errors(response)
    # the same clash is not reported a second time in other words at the top of the form
    assert "This merchant already has a product with this slug." not in page
    assert Product.objects.count() == 1
