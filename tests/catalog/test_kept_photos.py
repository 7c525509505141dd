"""A photo chosen in the Shopping Manager survives an error elsewhere in the form: it is kept for the
person's session and saved when the form is sent again, never chosen twice."""

import html
import os
import re
import time
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from catalog import kept_uploads
from catalog.models import ProductImage
from tests.catalog.test_images import photo_with_gps_and_rotation, product_change_data, upload

GONE = "The photo chosen before could not be kept; choose it again."


@pytest.fixture
def owner(make_staff, merchant_a):
    return make_staff(merchant_a)


@pytest.fixture
def owner_client(client_for, owner):
    return client_for(owner)


@pytest.fixture
def product(make_product, merchant_a):
    return make_product(merchant_a, "Desk Lamp", variants=[{"sku": "LAMP-1", "price": 2000}])


def page(response) -> str:
    return html.unescape(response.content.decode())


def text_of(response) -> str:
    """What a person reads: the page without its tags."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page(response)))


def kept_token(text: str, name: str = "images-0-image") -> str:
    match = re.search(rf'<input type="hidden" name="{name}_kept" value="([^"]+)"', text)
    assert match, "the photo was not kept"
    return match.group(1)


def kept_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "kept-uploads"
    return sorted(root.iterdir()) if root.exists() else []


def change(client, product, **data):
    return client.post(reverse("admin:catalog_product_change", args=[product.pk]), data)


def with_bad_price(product, **extra) -> dict:
    return product_change_data(product, alt_text="Front", **extra) | {"variants-0-price": "abc"}


def test_a_photo_survives_an_error_elsewhere_and_is_saved_with_the_fix(
    settings, owner_client, product, django_capture_on_commit_callbacks
):
    # given the owner picks a photo and mistypes the price
    refused = change(
        owner_client,
        product,
        **with_bad_price(product, image=upload("IMG_0001.jpg", photo_with_gps_and_rotation())),
    )

    # then the page says what is wrong, and that the photo is kept (shown, not chosen again)
    assert refused.status_code == 200
    text = page(refused)
    assert "'abc' is not a price; write it like 19.99." in text
    assert "IMG_0001.jpg is kept and will be saved with the product." in text_of(refused)
    token = kept_token(text)
    assert not ProductImage.objects.exists()
    assert len(kept_files(settings)) == 1

    # when they fix the price and save, sending no file, only the kept photo's token
    fixed = product_change_data(product, alt_text="Front") | {"images-0-image_kept": token}
    with django_capture_on_commit_callbacks(execute=True):
        saved = change(owner_client, product, **fixed)

    # then the product has the photo, re-encoded as before, and the kept copy is gone
    assert saved.status_code == 302
    stored = ProductImage.objects.get(product=product)
    assert (stored.alt_text, stored.width, stored.height) == ("Front", 48, 64)
    assert stored.image.name.startswith(f"products/{product.merchant_id}/")
    assert default_storage.exists(stored.image.name) and stored.thumbnails
    assert kept_files(settings) == []


def test_a_kept_photo_stays_kept_through_a_second_error(owner_client, product):
    first = change(
        owner_client,
        product,
        **with_bad_price(product, image=upload("lamp.jpg", photo_with_gps_and_rotation())),
    )
    token = kept_token(page(first))

    second = change(
        owner_client, product, **(with_bad_price(product) | {"images-0-image_kept": token})
    )

    assert second.status_code == 200
    assert "lamp.jpg is kept" in text_of(second)
    assert kept_token(page(second)) == token


def test_a_newly_chosen_file_replaces_the_kept_one(owner_client, product):
    first = change(
        owner_client,
        product,
        **with_bad_price(product, image=upload("first.jpg", photo_with_gps_and_rotation())),
    )
    token = kept_token(page(first))

    second = change(
        owner_client,
        product,
        **(
            with_bad_price(product, image=upload("second.jpg", photo_with_gps_and_rotation()))
            | {"images-0-image_kept": token}
        ),
    )

    assert "second.jpg is kept" in text_of(second)
    assert kept_token(page(second)) != token


def test_another_session_cannot_use_a_kept_photo(owner, owner_client, product):
    refused = change(
        owner_client,
        product,
        **with_bad_price(product, image=upload("lamp.jpg", photo_with_gps_and_rotation())),
    )
    token = kept_token(page(refused))
    # the same owner, signed in elsewhere (another session)
    elsewhere = Client()
    elsewhere.force_login(owner)

    response = change(
        elsewhere, product, **(product_change_data(product) | {"images-0-image_kept": token})
    )

    assert response.status_code == 200
    assert GONE in page(response)
    assert not ProductImage.objects.exists()


@pytest.mark.parametrize(
    "token",
    [
        "forged",
        "eyJuIjoia2VwdC11cGxvYWRzLy4uLy4uL3NldHRpbmdzLnB5In0:1vOT4h:AAAA",
        "",
    ],
)
def test_a_forged_token_is_refused(owner_client, product, token):
    response = change(
        owner_client, product, **(product_change_data(product) | {"images-0-image_kept": token})
    )

    if token:
        assert response.status_code == 200
        assert GONE in page(response)
    else:
        assert response.status_code == 302  # no photo at all: an empty extra row, ignored
    assert not ProductImage.objects.exists()


def test_an_old_kept_photo_is_refused_and_cleared(settings, monkeypatch, owner_client, product):
    refused = change(
        owner_client,
        product,
        **with_bad_price(product, image=upload("lamp.jpg", photo_with_gps_and_rotation())),
    )
    token = kept_token(page(refused))
    (old,) = kept_files(settings)

    # a token past its age is refused
    monkeypatch.setattr(kept_uploads, "KEPT_MAX_AGE", -1)
    late = change(
        owner_client, product, **(product_change_data(product) | {"images-0-image_kept": token})
    )
    assert GONE in page(late)

    # and a photo kept later clears the copies older than that age
    monkeypatch.setattr(kept_uploads, "KEPT_MAX_AGE", 60 * 60)
    day_ago = time.time() - 24 * 60 * 60
    os.utime(old, (day_ago, day_ago))
    change(
        owner_client,
        product,
        **with_bad_price(product, image=upload("new.jpg", photo_with_gps_and_rotation())),
    )
    assert old not in kept_files(settings) and len(kept_files(settings)) == 1


def test_the_image_page_keeps_the_photo_and_drops_the_required_mark(
    owner_client, product, make_product, merchant_b
):
    theirs = make_product(merchant_b, "Their Lamp")
    url = reverse("admin:catalog_productimage_add")

    # an error elsewhere: a product that is not theirs
    refused = owner_client.post(
        url,
        {
            "product": str(theirs.pk),
            "image": upload("side.jpg", photo_with_gps_and_rotation()),
            "position": "0",
        },
    )
    text = page(refused)
    assert "side.jpg is kept" in text_of(refused)
    file_input = re.search(r'<input type="file" name="image"[^>]*>', text).group(0)
    assert "required" not in file_input  # the browser lets the form go without a new file

    saved = owner_client.post(
        url,
        {
            "product": str(product.pk),
            "image_kept": kept_token(text, "image"),
            "alt_text": "Side",
            "position": "0",
            "_save": "Save",
        },
    )
    assert saved.status_code == 302
    assert ProductImage.objects.get().product == product
