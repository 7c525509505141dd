"""Abuse limits: per IP and per shopper on buying, applying to sell and signing in; failed sign-ins
throttled per account; deals limited per customer need an account; few checkouts held at once."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from catalog.models import MerchantApplication
from checkout.models import CartLine, Order
from events.models import ShowProduct
from tests.checkout.conftest import CONTACT, DESKTOP
from tests.events import conftest as shows

brand = shows.brand
show_products = shows.show_products
make_event = shows.make_event
live_event = shows.live_event
viewer = shows.viewer


@pytest.fixture(autouse=True)
def fresh_counts(settings):
    """Counts start at zero, with small limits; payments in test mode."""
    cache.clear()
    settings.RATELIMITS = {
        "cart": {"ip": "1000/m", "shopper": "3/m"},
        "checkout": {"ip": "1000/m", "shopper": "2/h"},
        "sell": {"ip": "2/h"},
        "login": {"ip": "3/h"},
        "chat": {"ip": "1000/m"},
    }
    settings.STRIPE_SECRET_KEY = ""
    settings.PAYMENTS_ALLOW_TEST_MODE = True
    settings.CHECKOUT_MAX_HOLDS = 2
    yield
    cache.clear()


def post_json(client: Client, path: str, payload: dict, ip: str = "203.0.113.7"):
    return client.post(
        path,
        data=json.dumps(payload),
        content_type="application/json",
        headers={"user-agent": DESKTOP},
        REMOTE_ADDR=ip,
    )


def add(client, event, variant, ip="203.0.113.7"):
    return post_json(
        client,
        reverse("checkout:cart_add", args=[event.slug]),
        {"variant_id": variant.pk, "quantity": 1},
        ip,
    )


@pytest.fixture
def headphones(show_products):
    return show_products[0].variants.get()


# --- Buying ---------------------------------------------------------------------------------------


def test_one_shopper_adding_too_fast_gets_a_429_in_the_pages_error_shape(live_event, headphones):
    client = Client()
    answers = [add(client, live_event, headphones) for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.json() == {
        "error": "Too many requests; wait a moment and try again.",
        "code": "rate_limited",
    }
    assert 1 <= int(refused["Retry-After"]) <= 60
    # The refused request changed nothing.
    assert CartLine.objects.get().quantity == 3


def test_many_sessions_from_one_address_share_the_per_ip_limit(settings, live_event, headphones):
    settings.RATELIMITS["cart"] = {"ip": "2/h", "shopper": "100/m"}

    answers = [add(Client(), live_event, headphones).status_code for _ in range(3)]
    elsewhere = add(Client(), live_event, headphones, ip="198.51.100.1").status_code

    assert answers == [200, 200, 429]
    assert elsewhere == 200


def test_checkout_is_limited_per_shopper(live_event, headphones):
    client = Client()
    add(client, live_event, headphones)
    url = reverse("checkout:checkout_start", args=[live_event.slug])

    codes = [post_json(client, url, {**CONTACT, "shipping_city": f"City {n}"}) for n in range(3)]

    assert [c.status_code for c in codes] == [200, 200, 429]
    assert codes[-1].json()["code"] == "rate_limited"


def test_limits_fail_open_when_the_cache_is_down(monkeypatch, live_event, headphones):
    def down(*args, **kwargs):
        raise ConnectionError("Redis is restarting")

    monkeypatch.setattr(cache, "add", down)
    monkeypatch.setattr(cache, "incr", down)

    assert add(Client(), live_event, headphones).status_code == 200


# --- Deals per customer, holds per shopper ------------------------------------------------------------


def test_a_guest_adding_a_per_customer_deal_is_asked_to_sign_in(live_event, headphones):
    ShowProduct.objects.filter(event=live_event, product=headphones.product).update(
        per_customer_limit=1
    )

    refused = add(Client(), live_event, headphones)

    assert refused.status_code == 403
    body = refused.json()
    assert body["code"] == "sign_in_required"
    assert body["sign_in_url"] == f"/accounts/login/?next=%2Fevents%2F{live_event.slug}%2F"
    assert not CartLine.objects.exists()


def test_a_shopper_holds_only_a_few_checkouts_at_once(make_event, viewer, headphones, settings):
    settings.RATELIMITS["checkout"]["shopper"] = "100/m"
    client = Client()
    client.force_login(viewer)
    shows_ = [make_event(f"show-{n}") for n in range(3)]
    answers = []
    for show in shows_:
        add(client, show, headphones)
        answers.append(
            post_json(client, reverse("checkout:checkout_start", args=[show.slug]), CONTACT)
        )

    assert [a.status_code for a in answers] == [200, 200, 400]
    assert "2 checkouts waiting for payment" in answers[-1].json()["error"]
    assert Order.objects.filter(status=Order.Status.PENDING_PAYMENT).count() == 2
    # An expired hold no longer counts.
    Order.objects.update(reserved_until=timezone.now() - timedelta(minutes=1))
    retry = post_json(client, reverse("checkout:checkout_start", args=[shows_[2].slug]), CONTACT)
    assert retry.status_code == 200


def test_fresh_cookie_jars_from_one_address_hold_only_so_many_units(
    live_event, headphones, settings
):
    settings.CHECKOUT_MAX_UNITS_HELD_PER_ADDRESS = 2
    checkout = reverse("checkout:checkout_start", args=[live_event.slug])

    def jar(ip="203.0.113.7"):
        client = Client()  # a browser of its own: its own session, its own guest key
        add(client, live_event, headphones, ip)
        return post_json(client, checkout, CONTACT, ip)

    answers = [jar() for _ in range(3)]
    elsewhere = jar(ip="198.51.100.1")

    assert [a.status_code for a in answers] == [200, 200, 400]
    assert "from your network" in answers[-1].json()["error"]
    assert elsewhere.status_code == 200
    assert Order.objects.filter(status=Order.Status.PENDING_PAYMENT).count() == 3
    headphones.refresh_from_db()
    assert headphones.reserved == 3


# --- Applying to sell, signing in ---------------------------------------------------------------------


def test_applying_to_sell_is_limited_per_address_and_keeps_what_was_typed(db):
    client = Client()
    form = {
        "business_name": "Maple & Moss",
        "website": "https://maple-moss.example",
        "contact_name": "Ada",
        "contact_email": "ada@maple-moss.example",
        "what_they_sell": "Candles, shown live.",
    }
    answers = [
        client.post(reverse("catalog:sell"), form, REMOTE_ADDR="203.0.113.9") for _ in range(3)
    ]

    assert [a.status_code for a in answers] == [302, 302, 429]
    page = answers[-1].content.decode()
    assert "Too many applications from your address" in page
    assert "Candles, shown live." in page
    assert MerchantApplication.objects.count() == 2


def test_sign_in_attempts_are_limited_per_address(db):
    client = Client()
    answers = [
        client.post(reverse("login"), {"username": "x", "password": "y"}, REMOTE_ADDR="203.0.113.5")
        for _ in range(4)
    ]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert "Too many requests" in answers[-1].content.decode()


def test_failed_shopping_manager_sign_ins_lock_that_account_for_a_while(settings, db):
    settings.RATELIMITS["login"] = {"ip": "1000/m"}
    get_user_model().objects.create_user("owner", "owner@example.com", "the-right-passphrase")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("admin:login"), {"username": "owner", "password": "wrong"})

    # Even the right password is refused now, with a page that says why.
    locked = client.post(
        reverse("admin:login"), {"username": "owner", "password": "the-right-passphrase"}
    )

    assert locked.status_code == 429
    assert "Sign-in paused" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account from the same address is not locked.
    get_user_model().objects.create_user("other", "other@example.com", "another-passphrase")
    other = client.post(
        reverse("admin:login"), {"username": "other", "password": "another-passphrase"}
    )
    assert other.status_code in (200, 302)
    assert locked.status_code != 500


def test_changing_the_usernames_case_does_not_escape_the_lockout(settings, db):
    settings.RATELIMITS["login"] = {"ip": "1000/m"}
    get_user_model().objects.create_user(
        "ada@example.com", "ada@example.com", "the-right-passphrase"
    )
    client = Client()
    variants = ["ADA@example.com", "Ada@Example.com", "ada@EXAMPLE.com", "aDa@example.COM"]
    for n in range(settings.AXES_FAILURE_LIMIT):
        username = variants[n % len(variants)]
        client.post(reverse("login"), {"username": username, "password": "wrong"})

    locked = client.post(
        reverse("login"), {"username": "ada@example.com", "password": "the-right-passphrase"}
    )

    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
