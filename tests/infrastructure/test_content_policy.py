"""The Content-Security-Policy header: every page allows exactly what it loads.

Scripts and styles only from this site (no inline code), the video through hls.js (blob: media and
worker), the show's websocket on this host, images from this site, data: and the media storage, the
show's streaming host on its own page, and Stripe.js only when payments go to Stripe.
"""

import pytest
from django.urls import reverse

from events import scheduling
from events.models import LiveEvent

STRIPE_SOURCES = {"https://js.stripe.com", "https://api.stripe.com", "https://hooks.stripe.com"}


def policy(response) -> dict[str, list[str]]:
    """The response's policy as {directive: [sources]}; fails when there is none."""
    header = response.headers.get("Content-Security-Policy")
    assert header, "the response has no Content-Security-Policy header"
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def all_sources(directives: dict[str, list[str]]) -> set[str]:
    return {source for sources in directives.values() for source in sources}


@pytest.fixture
def stripe_mode(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_x"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_x"


@pytest.fixture
def test_mode(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_PUBLISHABLE_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""
    settings.PAYMENTS_ALLOW_TEST_MODE = True


@pytest.fixture
def live_show(merchant_a, make_product):
    event = LiveEvent.objects.create(
        merchant=merchant_a,
        title="Cyber Week Live",
        slug="cyber-week-live",
        host_name="Jason Derulo",
        scheduled_start="2030-01-01T19:00:00Z",
        stream_url="https://stream.example/live/index.m3u8",
        poster_url="https://img.stream.example/live/poster.jpg",
        status=LiveEvent.Status.LIVE,
    )
    scheduling.run_of_show_set(event=event, product_ids=[make_product(merchant_a).pk])
    return event


def test_the_event_page_allows_its_own_scripts_video_and_websocket_only(
    client, live_show, test_mode
):
    response = client.get(live_show.get_absolute_url())

    assert response.status_code == 200
    csp = policy(response)
    # scripts and styles: this site's files only, no inline code, no eval
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert "'unsafe-inline'" not in all_sources(csp) and "'unsafe-eval'" not in all_sources(csp)
    # hls.js: the playlist and segments from the show's streaming host, fed to the video as blob:
    # URLs by a blob: worker
    assert set(csp["connect-src"]) == {"'self'", "ws://testserver", "https://stream.example"}
    assert set(csp["media-src"]) == {"'self'", "blob:", "https://stream.example"}
    assert set(csp["worker-src"]) == {"'self'", "blob:"}
    # images: this site, data: (the empty favicon) and the show's poster
    assert set(csp["img-src"]) == {"'self'", "data:", "https://img.stream.example"}
    # nothing may frame the site, load plugins or move the base URL
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    # and in test mode nothing of Stripe
    assert not any("stripe" in source for source in all_sources(csp))


def test_in_stripe_mode_stripe_js_may_load_its_script_frames_and_api(
    client, live_show, stripe_mode
):
    page = client.get(live_show.get_absolute_url())

    csp = policy(page)
    assert "https://js.stripe.com" in csp["script-src"]
    assert {"https://js.stripe.com", "https://hooks.stripe.com"} <= set(csp["frame-src"])
    assert "https://api.stripe.com" in csp["connect-src"]
    # still no inline code
    assert "'unsafe-inline'" not in all_sources(csp)


@pytest.mark.parametrize("mode", ["test_mode", "stripe_mode"])
def test_every_page_sends_the_policy(client, request, merchant_a, make_product, mode):
    request.getfixturevalue(mode)
    product = make_product(merchant_a)
    for url in [
        reverse("events:home"),
        reverse("catalog:shop", args=[merchant_a.slug]),
        reverse("catalog:product", args=[merchant_a.slug, product.slug]),
        reverse("events:list"),
        reverse("login"),
        reverse("admin:login"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        csp = policy(response)
        assert csp["script-src"][0] == "'self'", url
        has_stripe = bool(STRIPE_SOURCES & all_sources(csp))
        assert has_stripe is (mode == "stripe_mode"), url


def test_only_the_shows_page_allows_its_streaming_host(client, live_show, test_mode):
    shop = policy(client.get(reverse("catalog:shop", args=[live_show.merchant.slug])))

    assert "https://stream.example" not in all_sources(shop)
    assert "https://img.stream.example" not in all_sources(shop)


def test_a_stream_on_this_site_adds_no_host(client, live_show, test_mode):
    LiveEvent.objects.filter(pk=live_show.pk).update(
        stream_url="/static/demo/clip/index.m3u8", poster_url="/static/demo/clip/poster.jpg"
    )

    csp = policy(client.get(live_show.get_absolute_url()))

    assert set(csp["media-src"]) == {"'self'", "blob:"}
    assert set(csp["img-src"]) == {"'self'", "data:"}


def test_https_pages_allow_the_secure_websocket(client, live_show, test_mode):
    csp = policy(client.get(live_show.get_absolute_url(), secure=True))

    assert "wss://testserver" in csp["connect-src"]
    assert "ws://testserver" not in csp["connect-src"]


def test_images_on_s3_behind_a_custom_domain_are_allowed(client, merchant_a, settings):
    settings.STORAGES = settings.STORAGES | {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "liveshop-media",
                "custom_domain": "media.shop.example.com",
                "querystring_auth": False,
            },
        }
    }

    csp = policy(client.get(reverse("catalog:shop", args=[merchant_a.slug])))

    assert set(csp["img-src"]) == {"'self'", "data:", "https://media.shop.example.com"}
