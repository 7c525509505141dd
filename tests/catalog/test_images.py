"""Product image uploads: only real photos are stored, without metadata, with thumbnails.

Each bad file is tried at the service (images.image_prepare / image_store) and through both admin
pages that accept uploads; every time the person sees why, and nothing is stored.
"""

import functools
import html
import io
import struct
import zlib
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from PIL import Image, ImageCms, PngImagePlugin

from catalog import images
from catalog.images import image_prepare, image_store
from catalog.models import ProductImage
from catalog.money import money_plain
from tests.conftest import image_bytes

NOT_AN_IMAGE = "This file is not a JPEG, PNG or WebP image, or it is damaged."
BOMB = "This image unpacks to far too many pixels to be a product photo."
CAMERA = "SpyCam 3000"

# --- Files to upload ------------------------------------------------------------------------------


def photo_with_gps_and_rotation() -> bytes:
    """A 64x48 JPEG, red on the left and blue on the right, whose EXIF says 'rotate 90° clockwise'
    and holds the camera and the GPS position where it was taken."""
    image = Image.new("RGB", (64, 48), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 32, 48))
    exif = Image.Exif()
    exif[0x010F] = CAMERA  # Make
    exif[0x0110] = "Model 7"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif.get_ifd(0x8825).update({1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 39.0)})
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes(), quality=95)
    return buffer.getvalue()


def gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, format="GIF")
    return buffer.getvalue()


def truncated_jpeg() -> bytes:
    """The first half of a detailed JPEG: the header is fine, the pixel data stops midway."""
    image = Image.effect_mandelbrot((64, 48), (-2.0, -1.5, 1.0, 1.5), 100).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=95)
    data = buffer.getvalue()
    return data[: len(data) // 2]


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.cache
def decompression_bomb(width: int = 20_000, height: int = 20_000) -> bytes:
    """A valid black-and-white PNG, 20000x20000 (400 megapixels) unless told, that compresses to
    a few dozen KB."""
    compressor = zlib.compressobj(9)
    row = b"\x00" + bytes(width // 8)  # filter byte, then 1 bit per pixel
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


BAD_FILES = {
    "gif": ("anim.gif", gif, NOT_AN_IMAGE),
    "text": ("notes.txt", lambda: b"Just some words, no pixels.\n", NOT_AN_IMAGE),
    "html renamed .jpg": (
        "photo.jpg",
        lambda: b"<!doctype html><html><script>alert(document.cookie)</script></html>",
        NOT_AN_IMAGE,
    ),
    "png signature then html": (
        "photo.png",
        lambda: b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>",
        NOT_AN_IMAGE,
    ),
    "truncated jpeg": ("photo.jpg", truncated_jpeg, NOT_AN_IMAGE),
    "empty file": ("photo.jpg", lambda: b"", "This file is empty."),
    "decompression bomb": ("bomb.png", decompression_bomb, BOMB),
}


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def open_stored(name: str) -> tuple[Image.Image, bytes]:
    with default_storage.open(name) as file:
        data = file.read()
    image = Image.open(io.BytesIO(data))
    image.load()
    return image, data


@pytest.fixture
def product(merchant_a, make_product):
    return make_product(merchant_a, "Wool Beanie")


# --- The service ------------------------------------------------------------------------------------


def test_stored_photo_has_no_exif_or_gps_and_is_turned_upright(product):
    # given a phone photo carrying GPS, the camera model and a rotation in its EXIF
    original = photo_with_gps_and_rotation()
    assert b"Exif" in original and CAMERA.encode() in original
    # when it is stored
    stored = image_store(product=product, upload=upload("IMG_0001.jpg", original))
    # then the stored file is a JPEG with no metadata left at all
    image, data = open_stored(stored.image.name)
    assert image.format == "JPEG"
    assert dict(image.getexif()) == {}
    assert b"Exif" not in data and CAMERA.encode() not in data and b"Model 7" not in data
    # and the rotation was applied to the pixels: 64x48 becomes 48x64, the red left half on top
    assert (stored.width, stored.height) == (48, 64) == image.size
    red, _, blue = image.convert("RGB").getpixel((24, 8))
    assert red > 200 and blue < 60
    red, _, blue = image.convert("RGB").getpixel((24, 56))
    assert blue > 200 and red < 60
    # and the row records what was stored
    stored.refresh_from_db()
    assert (stored.width, stored.height) == (48, 64)
    assert stored.product == product


def test_thumbnails_are_made_in_the_standard_sizes_without_metadata(product):
    # given a large photo with EXIF
    exif = Image.Exif()
    exif[0x010F] = CAMERA
    data = image_bytes(size=(1200, 900), exif=exif.tobytes())
    # when it is stored
    stored = image_store(product=product, upload=upload("big.jpg", data))
    # then there is a WebP thumbnail 160, 480 and 960 pixels wide, each in storage
    assert set(stored.thumbnails) == {"160", "480", "960"}
    for width, name in stored.thumbnails.items():
        assert default_storage.exists(name)
        thumbnail, thumbnail_data = open_stored(name)
        assert thumbnail.format == "WEBP"
        assert thumbnail.size == (int(width), int(width) * 3 // 4)
        assert CAMERA.encode() not in thumbnail_data
    assert (stored.width, stored.height) == (1200, 900)
    assert stored.thumbnail_url(400).endswith(stored.thumbnails["480"])


def test_no_thumbnail_is_larger_than_the_original(product):
    stored = image_store(product=product, upload=upload("mid.jpg", image_bytes(size=(600, 400))))
    assert set(stored.thumbnails) == {"160", "480"}
    for name in stored.thumbnails.values():
        thumbnail, _ = open_stored(name)
        assert thumbnail.width <= 600
    # a larger size is served by the original itself
    assert stored.thumbnail_url(960) == stored.image.url


@pytest.mark.parametrize(
    ("fmt", "name"), [("PNG", "logo.png"), ("WEBP", "photo.webp"), ("JPEG", "photo.jpeg")]
)
def test_png_webp_and_jpeg_are_accepted_and_keep_their_format(product, fmt, name):
    stored = image_store(product=product, upload=upload(name, image_bytes(fmt, size=(300, 200))))
    image, _ = open_stored(stored.image.name)
    assert image.format == fmt
    assert image.size == (300, 200)
    assert ProductImage.objects.filter(product=product).count() == 1


def test_png_transparency_is_kept(product):
    buffer = io.BytesIO()
    Image.new("RGBA", (20, 20), (255, 0, 0, 0)).save(buffer, format="PNG")
    stored = image_store(product=product, upload=upload("clear.png", buffer.getvalue()))
    image, _ = open_stored(stored.image.name)
    assert image.mode == "RGBA"
    assert image.getpixel((5, 5))[3] == 0


def test_bytes_after_the_image_data_are_not_stored(product):
    # given a JPEG with a script appended after its end-of-image marker
    data = image_bytes() + b"<script>alert(document.cookie)</script>"
    stored = image_store(product=product, upload=upload("photo.jpg", data))
    _, stored_data = open_stored(stored.image.name)
    assert b"<script>" not in stored_data
    assert stored_data.endswith(b"\xff\xd9")


def test_text_hidden_in_a_jpeg_comment_or_png_chunks_is_not_stored(product):
    jpeg = image_bytes(comment=b"<script>alert(1)</script>")
    stored = image_store(product=product, upload=upload("photo.jpg", jpeg))
    _, data = open_stored(stored.image.name)
    assert b"<script>" not in data

    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "<script>alert(2)</script>")
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    png = image_bytes("PNG", pnginfo=text, icc_profile=profile)
    stored = image_store(product=product, upload=upload("logo.png", png))
    image, data = open_stored(stored.image.name)
    assert b"<script>" not in data
    assert "icc_profile" not in image.info


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_file_is_refused_with_a_message_and_nothing_is_stored(settings, product, case):
    name, make, message = BAD_FILES[case]
    with pytest.raises(ValidationError) as caught:
        image_store(product=product, upload=upload(name, make()))
    assert caught.value.messages == [message]
    assert not ProductImage.objects.exists()
    assert stored_files(settings) == []


def test_an_animated_image_is_refused(product):
    frames = [Image.new("RGB", (10, 10), (index * 80, 0, 0)) for index in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="WEBP", save_all=True, append_images=frames[1:])
    with pytest.raises(ValidationError) as caught:
        image_prepare(upload("anim.webp", buffer.getvalue()))
    assert caught.value.messages == ["Animated images are not accepted; upload a still image."]


def test_a_file_over_the_byte_limit_is_refused(settings, product):
    settings.IMAGE_UPLOAD_MAX_BYTES = 1024 * 1024
    data = image_bytes() + bytes(1536 * 1024)  # a valid JPEG, padded to 1.5 MB
    with pytest.raises(ValidationError) as caught:
        image_store(product=product, upload=upload("huge.jpg", data))
    assert caught.value.messages == ["This file is 1.5 MB; images can be at most 1.0 MB."]
    assert not ProductImage.objects.exists()
    assert stored_files(settings) == []


def test_a_file_exactly_at_the_byte_limit_is_accepted(settings, product):
    data = image_bytes()
    settings.IMAGE_UPLOAD_MAX_BYTES = len(data)
    assert image_prepare(upload("photo.jpg", data)).width == 64


def test_a_file_whose_size_is_unknown_is_still_measured(settings):
    settings.IMAGE_UPLOAD_MAX_BYTES = 1024 * 1024
    file = upload("huge.jpg", image_bytes() + bytes(1536 * 1024))
    file.size = None  # a streamed upload that did not say how large it is
    with pytest.raises(ValidationError) as caught:
        image_prepare(file)
    assert caught.value.messages == ["This file is larger than 1.0 MB, the most an image can be."]


def test_an_image_over_the_pixel_limit_is_refused(settings, product):
    settings.IMAGE_UPLOAD_MAX_PIXELS = 1_000_000
    data = image_bytes(size=(1001, 1000))
    with pytest.raises(ValidationError) as caught:
        image_store(product=product, upload=upload("wide.jpg", data))
    assert caught.value.messages == [
        "This image is 1001×1000 pixels; images can have at most 1 megapixels."
    ]
    assert stored_files(settings) == []
    # one pixel row fewer is accepted
    assert image_prepare(upload("ok.jpg", image_bytes(size=(1000, 1000)))).height == 1000


def test_by_default_an_image_may_have_at_most_25_megapixels():
    # a 5001x5000 picture: small as a file, 25,005,000 pixels once decoded
    with pytest.raises(ValidationError) as caught:
        image_prepare(upload("poster.png", decompression_bomb(5001, 5000)))
    assert caught.value.messages == [
        "This image is 5001×5000 pixels; images can have at most 25 megapixels."
    ]


def test_if_storage_fails_midway_no_row_and_no_file_is_left(settings, product, monkeypatch):
    # given storage that writes the image, then fails on the next file (the first thumbnail)
    calls = []
    real_save = FileSystemStorage.save

    def flaky_save(self, name, content, max_length=None):
        calls.append(name)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_save(self, name, content, max_length=max_length)

    monkeypatch.setattr(FileSystemStorage, "save", flaky_save)
    # when a photo is stored
    with pytest.raises(OSError, match="disk full"):
        image_store(product=product, upload=upload("big.jpg", image_bytes(size=(1200, 900))))
    # then the image written before the failure is gone again, and there is no row
    assert len(calls) == 2
    assert stored_files(settings) == []
    assert not ProductImage.objects.exists()


def test_if_a_later_thumbnail_fails_every_file_already_written_is_removed(
    settings, product, monkeypatch
):
    calls = []
    real_save = FileSystemStorage.save

    def flaky_save(self, name, content, max_length=None):
        calls.append(name)
        if len(calls) == 4:  # image, 160, 480 written; 960 fails
            raise OSError("network gone")
        return real_save(self, name, content, max_length=max_length)

    monkeypatch.setattr(FileSystemStorage, "save", flaky_save)
    with pytest.raises(OSError):
        image_store(product=product, upload=upload("big.jpg", image_bytes(size=(1200, 900))))
    assert stored_files(settings) == []
    assert not ProductImage.objects.exists()


def test_a_prepared_image_can_be_stored_as_is(product):
    prepared = image_prepare(ContentFile(image_bytes(size=(200, 100)), name="p.jpg"))
    stored = image_store(product=product, upload=prepared, alt_text="Front", position=2)
    stored.refresh_from_db()
    assert (stored.width, stored.height, stored.alt_text, stored.position) == (200, 100, "Front", 2)
    assert stored.image.name.startswith(f"products/{product.merchant_id}/")


# --- Through the Shopping Manager (the admin) -----------------------------------------------------


@pytest.fixture
def owner_client(client_for, make_staff, merchant_a):
    return client_for(make_staff(merchant_a))


def product_change_data(product, *, image=None, alt_text="") -> dict:
    """The product change form as the browser posts it, with one new photo in the image inline."""
    data = {
        "title": product.title,
        "slug": product.slug,
        "description": product.description,
        "category": product.category,
        "status": product.status,
        "variants-TOTAL_FORMS": str(product.variants.count()),
        "variants-INITIAL_FORMS": str(product.variants.count()),
        "variants-MIN_NUM_FORMS": "0",
        "variants-MAX_NUM_FORMS": "1000",
        "images-TOTAL_FORMS": "1",
        "images-INITIAL_FORMS": "0",
        "images-MIN_NUM_FORMS": "0",
        "images-MAX_NUM_FORMS": "1000",
        "images-0-product": str(product.pk),
        "images-0-alt_text": alt_text,
        "images-0-position": "0",
        "_save": "Save",
    }
    for index, variant in enumerate(product.variants.all()):
        prefix = f"variants-{index}-"
        data |= {
            prefix + "id": str(variant.pk),
            prefix + "product": str(product.pk),
            prefix + "sku": variant.sku,
            prefix + "size": variant.size,
            prefix + "color": variant.color,
            prefix + "price": money_plain(variant.price),
            prefix + "compare_at_price": "",
            prefix + "currency": variant.currency,
            prefix + "stock_on_hand": str(variant.stock_on_hand),
            prefix + "position": str(variant.position),
        }
    if image is not None:
        data["images-0-image"] = image
    return data


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def test_owner_adds_a_photo_in_the_product_page_and_it_is_stored_clean(
    owner_client, product, django_capture_on_commit_callbacks
):
    url = reverse("admin:catalog_product_change", args=[product.pk])
    form = owner_client.get(url).content.decode()
    assert 'name="images-TOTAL_FORMS"' in form and 'name="images-0-image"' in form

    with django_capture_on_commit_callbacks(execute=True):  # the thumbnails, once committed
        response = owner_client.post(
            url,
            product_change_data(
                product,
                image=upload("IMG_0001.jpg", photo_with_gps_and_rotation()),
                alt_text="Front",
            ),
        )

    assert response.status_code == 302
    stored = ProductImage.objects.get(product=product)
    assert (stored.alt_text, stored.width, stored.height) == ("Front", 48, 64)
    image, data = open_stored(stored.image.name)
    assert dict(image.getexif()) == {} and CAMERA.encode() not in data
    assert stored.thumbnails and all(default_storage.exists(n) for n in stored.thumbnails.values())


def test_owner_adds_a_photo_on_the_image_page(owner_client, product):
    response = owner_client.post(
        reverse("admin:catalog_productimage_add"),
        {
            "product": str(product.pk),
            "image": upload("IMG_0001.jpg", photo_with_gps_and_rotation()),
            "alt_text": "Side",
            "position": "1",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    stored = ProductImage.objects.get(product=product)
    assert (stored.alt_text, stored.position, stored.width, stored.height) == ("Side", 1, 48, 64)
    _, data = open_stored(stored.image.name)
    assert b"Exif" not in data


@pytest.mark.parametrize("case", [*BAD_FILES, "oversized", "too many pixels"])
def test_a_bad_file_in_the_product_page_shows_why_and_stores_nothing(
    settings, owner_client, product, case
):
    name, make, message = _admin_bad_file(settings, case)
    response = owner_client.post(
        reverse("admin:catalog_product_change", args=[product.pk]),
        product_change_data(product, image=upload(name, make()), alt_text="Front"),
    )
    assert response.status_code == 200
    assert message in page_text(response)
    assert not ProductImage.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.parametrize("case", [*BAD_FILES, "oversized", "too many pixels"])
def test_a_bad_file_on_the_image_page_shows_why_and_stores_nothing(
    settings, owner_client, product, case
):
    name, make, message = _admin_bad_file(settings, case)
    response = owner_client.post(
        reverse("admin:catalog_productimage_add"),
        {"product": str(product.pk), "image": upload(name, make()), "position": "0"},
    )
    assert response.status_code == 200
    assert message in page_text(response)
    assert not ProductImage.objects.exists()
    assert stored_files(settings) == []


def _admin_bad_file(settings, case: str):
    if case == "oversized":
        settings.IMAGE_UPLOAD_MAX_BYTES = 1024 * 1024
        return (
            "huge.jpg",
            lambda: image_bytes() + bytes(1536 * 1024),
            "This file is 1.5 MB; images can be at most 1.0 MB.",
        )
    if case == "too many pixels":
        settings.IMAGE_UPLOAD_MAX_PIXELS = 1_000_000
        return (
            "wide.png",
            lambda: image_bytes("PNG", size=(1001, 1000)),
            "This image is 1001×1000 pixels; images can have at most 1 megapixels.",
        )
    if case == "empty file":
        # Django's file field refuses it before Pillow sees it, in its own words.
        return "photo.jpg", lambda: b"", "The submitted file is empty."
    return BAD_FILES[case]


def test_the_image_page_without_a_file_asks_for_one(settings, owner_client, product):
    response = owner_client.post(
        reverse("admin:catalog_productimage_add"),
        {"product": str(product.pk), "alt_text": "Front", "position": "0"},
    )
    assert response.status_code == 200
    assert "This field is required." in page_text(response)
    assert not ProductImage.objects.exists()
    assert stored_files(settings) == []


def test_a_merchant_cannot_add_a_photo_to_another_merchants_product(
    settings, owner_client, merchant_b, make_product
):
    theirs = make_product(merchant_b, "Their Lamp")
    response = owner_client.post(
        reverse("admin:catalog_productimage_add"),
        {"product": str(theirs.pk), "image": upload("p.jpg", image_bytes()), "position": "0"},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in page_text(response)
    assert not ProductImage.objects.exists()
    # nothing reaches their product: the photo only waits, for this form, among kept uploads
    assert [path.parent.name for path in stored_files(settings)] == ["kept-uploads"]


# --- Thumbnails are made once the Shopping Manager's transaction has committed ----------------------


@pytest.fixture
def thumbnails_made(monkeypatch) -> list[bool]:
    """For each thumbnail made, whether a database transaction was open at that moment."""
    made = []
    real_thumbnail = images._thumbnail

    def watched(image, width):
        made.append(connection.in_atomic_block)
        return real_thumbnail(image, width)

    monkeypatch.setattr(images, "_thumbnail", watched)
    return made


def test_the_product_page_makes_thumbnails_after_its_transaction_commits(
    transactional_db, owner_client, product, thumbnails_made
):
    response = owner_client.post(
        reverse("admin:catalog_product_change", args=[product.pk]),
        product_change_data(
            product, image=upload("big.jpg", image_bytes(size=(1200, 900))), alt_text="Front"
        ),
    )

    assert response.status_code == 302
    # three thumbnails, none made while the admin's transaction held its locks
    assert thumbnails_made == [False, False, False]
    stored = ProductImage.objects.get(product=product)
    assert set(stored.thumbnails) == {"160", "480", "960"}
    assert all(default_storage.exists(name) for name in stored.thumbnails.values())
    assert stored.alt_text == "Front" and (stored.width, stored.height) == (1200, 900)


def test_the_image_page_makes_thumbnails_after_its_transaction_commits(
    transactional_db, owner_client, product, thumbnails_made
):
    response = owner_client.post(
        reverse("admin:catalog_productimage_add"),
        {
            "product": str(product.pk),
            "image": upload("mid.jpg", image_bytes(size=(600, 400))),
            "alt_text": "Side",
            "position": "1",
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    assert thumbnails_made == [False, False]
    stored = ProductImage.objects.get(product=product)
    assert set(stored.thumbnails) == {"160", "480"}


def test_when_thumbnails_fail_after_the_commit_the_photo_is_kept_and_serves_every_size(
    transactional_db, settings, owner_client, product, monkeypatch, caplog
):
    def broken(image, width):
        raise OSError("disk full")

    monkeypatch.setattr(images, "_thumbnail", broken)

    response = owner_client.post(
        reverse("admin:catalog_product_change", args=[product.pk]),
        product_change_data(product, image=upload("big.jpg", image_bytes(size=(1200, 900)))),
    )

    # the product was saved with its photo; the photo itself serves every size
    assert response.status_code == 302
    stored = ProductImage.objects.get(product=product)
    assert stored.thumbnails == {}
    assert stored.thumbnail_url(160) == stored.thumbnail_url(960) == stored.image.url
    assert stored_files(settings) == [Path(settings.MEDIA_ROOT) / stored.image.name]
    assert "thumbnails" in caplog.text and "disk full" in caplog.text


def test_thumbnails_of_a_photo_deleted_meanwhile_are_not_kept(settings, product):
    prepared = image_prepare(upload("big.jpg", image_bytes(size=(1200, 900))))
    stored = image_store(product=product, upload=prepared, defer_thumbnails=True)
    assert stored.thumbnails == {}  # the test's transaction has not committed
    ProductImage.objects.filter(pk=stored.pk).delete()

    images.thumbnails_make(stored, prepared)

    assert stored_files(settings) == [Path(settings.MEDIA_ROOT) / stored.image.name]


# --- Files per request ------------------------------------------------------------------------------


def test_more_files_than_allowed_in_one_form_are_refused_with_a_message(
    settings, owner_client, product
):
    # given a product page whose photo rows carry 21 files, one more than allowed
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES == 20
    data = product_change_data(product)
    data["images-TOTAL_FORMS"] = "21"
    for index in range(21):
        data |= {
            f"images-{index}-product": str(product.pk),
            f"images-{index}-image": upload(f"photo{index}.jpg", image_bytes()),
            f"images-{index}-position": str(index),
        }
    url = reverse("admin:catalog_product_change", args=[product.pk])

    # when they are sent
    response = owner_client.post(url, data)

    # then the page comes back saying what happened, and nothing was stored
    assert response.status_code == 302 and response.url == url
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Nothing was saved: the form sent more than 20 files at once. "
        "Add at most 20 photos, save, then add the rest."
    ]
    assert not ProductImage.objects.exists()
    assert stored_files(settings) == []
    page = owner_client.get(url)
    assert "the form sent more than 20 files" in page_text(page)
