"""Product image uploads: validate with Pillow, re-encode (dropping EXIF/GPS), make thumbnails.

Everything is written through Django's storage API, so S3 works unchanged. A file is accepted only
when Pillow fully decodes it as JPEG, PNG or WebP within the byte and pixel limits; re-encoding keeps
only pixels, so metadata and anything smuggled after the image data never reach storage. The pixel
limit (IMAGE_UPLOAD_MAX_PIXELS, 25 megapixels) is checked from the header, before any decoding.
"""

import io
import logging
import uuid
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from PIL import Image, ImageOps, UnidentifiedImageError

from catalog.models import Product, ProductImage

ACCEPTED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PreparedImage:
    """A re-encoded image, ready to store."""

    content: ContentFile
    width: int
    height: int
    format: str


def image_prepare(upload: UploadedFile) -> PreparedImage:
    """Validate an upload and re-encode it. Raises ValidationError with a message for a person."""
    max_bytes = settings.IMAGE_UPLOAD_MAX_BYTES
    if upload.size is not None and upload.size > max_bytes:
        raise ValidationError(
            f"This file is {_megabytes(upload.size)}; images can be at most {_megabytes(max_bytes)}.",
            code="too_large",
        )
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationError(
            f"This file is larger than {_megabytes(max_bytes)}, the most an image can be.",
            code="too_large",
        )
    if not data:
        raise ValidationError("This file is empty.", code="empty")

    image = _decode(data)
    original_format = image.format
    # Apply the camera's rotation before the EXIF that carries it is dropped.
    image = ImageOps.exif_transpose(image)
    # Keep only the pixels: Pillow writes a JPEG comment or a PNG colour profile found in `info`
    # back out, and either can carry text the uploader did not mean to publish.
    image.info = {key: value for key, value in image.info.items() if key == "transparency"}
    out_format = original_format if original_format in ACCEPTED_FORMATS else "PNG"
    content = ContentFile(
        _encode(image, out_format), name=f"{uuid.uuid4().hex}.{ACCEPTED_FORMATS[out_format]}"
    )
    return PreparedImage(content=content, width=image.width, height=image.height, format=out_format)


def _decode(data: bytes) -> Image.Image:
    max_pixels = settings.IMAGE_UPLOAD_MAX_PIXELS
    not_an_image = ValidationError(
        "This file is not a JPEG, PNG or WebP image, or it is damaged.", code="not_an_image"
    )
    try:
        with warnings.catch_warnings():
            # Pillow warns, then raises, on huge images; treat both as a decompression bomb.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS)) as probe:
                if probe.width * probe.height > max_pixels:
                    raise _too_many_pixels(probe.width, probe.height, max_pixels)
                if getattr(probe, "n_frames", 1) > 1:
                    raise ValidationError(
                        "Animated images are not accepted; upload a still image.", code="animated"
                    )
                probe.load()  # decode every pixel: truncated or corrupt data fails here
                image = probe.copy()
                image.format = probe.format
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            "This image unpacks to far too many pixels to be a product photo.", code="bomb"
        ) from None
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise not_an_image from None
    return image


def _too_many_pixels(width: int, height: int, max_pixels: int) -> ValidationError:
    return ValidationError(
        f"This image is {width}×{height} pixels; images can have at most "
        f"{max_pixels / 1_000_000:g} megapixels.",
        code="too_many_pixels",
    )


def _encode(image: Image.Image, fmt: str) -> bytes:
    """Encode pixels only: no EXIF, XMP, ICC-embedded GPS or trailing bytes survive."""
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    elif fmt in ("PNG", "WEBP") and image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert(
            "RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB"
        )
    buffer = io.BytesIO()
    options = {
        "JPEG": {"quality": 88, "optimize": True},
        "WEBP": {"quality": 85},
        "PNG": {"optimize": True},
    }
    image.save(buffer, format=fmt, **options[fmt])
    return buffer.getvalue()


def _thumbnail(image: Image.Image, width: int) -> bytes:
    thumb = image.copy()
    thumb.thumbnail((width, width * 4))
    if thumb.mode not in ("RGB", "RGBA"):
        thumb = thumb.convert("RGBA" if "A" in thumb.getbands() else "RGB")
    buffer = io.BytesIO()
    thumb.save(buffer, format="WEBP", quality=82)
    return buffer.getvalue()


def image_store(
    *,
    product: Product,
    upload: UploadedFile | PreparedImage,
    alt_text: str = "",
    position: int = 0,
    defer_thumbnails: bool = False,
) -> ProductImage:
    """Store a product image and its thumbnails. Raises ValidationError for a bad upload.

    If anything fails, the files already written are deleted and no row is left behind.

    With `defer_thumbnails`, the thumbnails are made once the caller's transaction has committed
    (`thumbnails_make` on commit; at once outside a transaction), so resizing and uploading them
    holds no database lock: the Shopping Manager saves a whole product in one transaction. Until
    then, or if making them fails, the image itself serves every size.
    """
    prepared = upload if isinstance(upload, PreparedImage) else image_prepare(upload)
    product_image = ProductImage(product=product, alt_text=alt_text, position=position)
    written: list[str] = []
    try:
        with transaction.atomic():
            product_image.image.save(prepared.content.name, prepared.content, save=False)
            written.append(product_image.image.name)
            if not defer_thumbnails:
                product_image.thumbnails = _thumbnails_store(product_image, prepared, written)
            product_image.save()
    except BaseException:
        for name in written:
            product_image.image.storage.delete(name)
        raise
    if defer_thumbnails:
        transaction.on_commit(lambda: thumbnails_make(product_image, prepared))
    return product_image


def thumbnails_make(product_image: ProductImage, prepared: PreparedImage) -> None:
    """Make the thumbnails of a stored image and record them on its row (that column only).

    Never raises: when making them fails, or the image was deleted meanwhile, the thumbnails
    written are removed again, and the image goes on serving every size itself.
    """
    written: list[str] = []
    try:
        thumbnails = _thumbnails_store(product_image, prepared, written)
        recorded = ProductImage.objects.filter(pk=product_image.pk).update(thumbnails=thumbnails)
    except Exception:
        log.exception("Could not make the thumbnails of product image %s", product_image.pk)
        recorded = 0
    if not recorded:
        for name in written:
            try:
                product_image.image.storage.delete(name)
            except Exception:
                log.exception("Could not delete the unused thumbnail %s", name)
        return
    product_image.thumbnails = thumbnails


def _thumbnails_store(
    product_image: ProductImage, prepared: PreparedImage, written: list[str]
) -> dict[str, str]:
    storage = product_image.image.storage
    stem = product_image.image.name.rsplit(".", 1)[0]
    prepared.content.seek(0)
    with Image.open(prepared.content) as image:
        image.load()
        thumbnails = {}
        for width in settings.IMAGE_THUMBNAIL_SIZES:
            if width >= image.width and thumbnails:
                break  # no upscaling; the original serves larger sizes
            name = storage.save(f"{stem}_{width}.webp", ContentFile(_thumbnail(image, width)))
            written.append(name)
            thumbnails[str(width)] = name
    return thumbnails


def image_delete(product_image: ProductImage) -> None:
    """Delete a product image; its files go once the deletion has committed."""
    product_image.delete()
    transaction.on_commit(lambda: image_delete_files(product_image))


def images_delete(product_images: QuerySet[ProductImage]) -> None:
    """Delete these product images; their files go once the deletion has committed."""
    doomed = list(product_images)
    product_images.delete()
    transaction.on_commit(lambda: [image_delete_files(image) for image in doomed])


def image_delete_files(product_image: ProductImage) -> None:
    """Remove an image's files from storage (after its row is deleted)."""
    storage = product_image.image.storage
    for name in [product_image.image.name, *product_image.thumbnails.values()]:
        if name:
            storage.delete(name)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
