"""Product images on S3: the storage liveshop/settings.py builds, against a local moto server."""

import io
import json
import runpy
import urllib.request
from pathlib import Path

import boto3
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from moto.server import ThreadedMotoServer
from PIL import Image
from storages.backends.s3 import S3Storage

from catalog.images import image_store
from catalog.models import ProductImage
from tests.conftest import image_bytes

SETTINGS_FILE = Path(__file__).resolve().parent.parent / "liveshop" / "settings.py"
BUCKET = "liveshop-media-test"


@pytest.fixture(scope="module")
def moto_endpoint():
    """A local S3 (moto) on a free port of 127.0.0.1, for this module's tests."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(moto_endpoint, monkeypatch, tmp_path):
    """A boto3 client for an empty bucket on moto; dummy credentials for everything in the test."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    # Never read the developer's ~/.aws files.
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    client = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    yield client
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


@pytest.fixture
def s3_storage(s3, moto_endpoint, monkeypatch, settings):
    """STORAGES["default"] exactly as liveshop/settings.py builds it for a bucket on moto."""
    monkeypatch.setenv("AWS_STORAGE_BUCKET_NAME", BUCKET)
    monkeypatch.setenv("AWS_S3_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_S3_REGION_NAME", "us-east-1")
    production_settings = runpy.run_path(str(SETTINGS_FILE))
    settings.STORAGES = {**settings.STORAGES, "default": production_settings["STORAGES"]["default"]}
    return settings.STORAGES["default"]


def public_read_policy(bucket: str) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }


def keys(client) -> set[str]:
    listing = client.list_objects_v2(Bucket=BUCKET)
    return {item["Key"] for item in listing.get("Contents", [])}


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc."  # Make
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)}  # GPS
    return image_bytes("JPEG", (1200, 900), exif=exif.tobytes())


def test_overriding_storages_switches_the_image_field_to_s3(s3_storage):
    # ImageField keeps Django's lazy default_storage; the setting change must reach it
    assert s3_storage["BACKEND"] == "storages.backends.s3.S3Storage"
    field_storage = ProductImage._meta.get_field("image").storage
    assert field_storage is default_storage
    assert isinstance(field_storage, S3Storage)
    assert field_storage.bucket_name == BUCKET


def test_product_image_is_stored_in_the_bucket_without_exif(
    s3, s3_storage, settings, merchant_a, make_product
):
    product = make_product(merchant_a, "Wool Beanie")
    upload = SimpleUploadedFile("beanie.jpg", jpeg_with_gps(), content_type="image/jpeg")

    product_image = image_store(product=product, upload=upload, alt_text="Red beanie")

    # the original and every thumbnail are objects in the bucket, and nothing else is
    product_image.refresh_from_db()
    assert set(product_image.thumbnails) == {"160", "480", "960"}
    expected = {product_image.image.name, *product_image.thumbnails.values()}
    assert keys(s3) == expected
    assert product_image.image.name.startswith(f"products/{merchant_a.pk}/")
    # the stored original is a JPEG with the camera's metadata gone
    stored = s3.get_object(Bucket=BUCKET, Key=product_image.image.name)["Body"].read()
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert image.size == (1200, 900)
        assert "exif" not in image.info
        assert len(image.getexif()) == 0
    assert b"SpyCam" not in stored
    # and nothing was written to local media instead
    assert not list(Path(settings.MEDIA_ROOT).rglob("*"))


def test_thumbnail_url_points_at_the_bucket_and_serves_the_thumbnail(
    s3, s3_storage, moto_endpoint, merchant_a, make_product
):
    product = make_product(merchant_a, "Wool Beanie")
    upload = SimpleUploadedFile("beanie.jpg", jpeg_with_gps(), content_type="image/jpeg")
    product_image = image_store(product=product, upload=upload)

    url = ProductImage.objects.get(pk=product_image.pk).thumbnail_url(480)

    # a plain, unsigned URL on the bucket (querystring_auth is off: pages stay cacheable)
    assert url == f"{moto_endpoint}/{BUCKET}/{product_image.thumbnails['480']}"
    # objects are written without an ACL, so a bucket policy makes them public (docs/deploy.md)
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(public_read_policy(BUCKET)))
    with urllib.request.urlopen(url, timeout=10) as response:  # what a browser gets
        assert response.status == 200
        with Image.open(io.BytesIO(response.read())) as image:
            assert image.format == "WEBP"
            assert image.width == 480
