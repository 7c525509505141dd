"""Fixtures for viewer accounts: signing up through the page, the emails it sends, and orders a
guest placed."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from checkout.models import Order, OrderLine

PASSWORD = "a-long-viewer-passphrase"
User = get_user_model()


@pytest.fixture(autouse=True)
def _counts_start_at_zero():
    """Rate limits count in the cache: each test starts from none. Redis (the PostgreSQL leg) is
    shared with other test runs and never flushed: there each run has its own key prefix, and the
    tests that count use rates of their own."""
    if isinstance(caches["default"], LocMemCache):
        caches["default"].clear()


def committed(call, *args, **kwargs):
    """Make a request, and run what it left for after its commit (emails, claims): each test runs
    inside a transaction that never commits."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return call(*args, **kwargs)


def sign_up(client: Client, email: str, password: str = PASSWORD, **extra):
    data = {"email": email, "password": password, **extra}
    return committed(client.post, reverse("accounts:sign_up"), data)


def link_in(message, path_prefix: str) -> str:
    """The path of the first link in an email's body that starts with `path_prefix`."""
    found = re.search(r"https?://[^/\s]+(" + re.escape(path_prefix) + r"\S+)", message.body)
    assert found, f"no {path_prefix} link in: {message.body}"
    return found.group(1)


def verify_link(email: str) -> str:
    """The verification link of the last email sent to `email`."""
    sent = [m for m in mail.outbox if m.to == [email] and "Verify" in m.subject]
    assert sent, f"no verification email to {email}"
    return link_in(sent[-1], "/accounts/verify/")


@pytest.fixture
def make_buyer(db):
    def make(username: str):
        return User.objects.create_user(username, f"{username}@example.com", PASSWORD)

    return make


@pytest.fixture
def unverified(client, db):
    """`unverified(email)`: sign up through the page and leave the emailed link unopened; the
    client is not signed in (`signed_in=True`: it is, as a session from before sign-up waited for
    the link could be)."""

    def make(email: str = "ada@example.com", *, signed_in: bool = False):
        response = sign_up(client, email)
        assert response.status_code == 200, response.content.decode()
        assert "Check your email" in response.content.decode()
        if signed_in:
            client.force_login(User.objects.get(username=email.lower()))
        return client

    return make


@pytest.fixture
def signed_up(client, unverified):
    """`signed_up(email)`: sign up through the page and open the emailed link, which signs the
    client in."""

    def make(email: str = "ada@example.com"):
        unverified(email)
        response = committed(client.get, verify_link(email), follow=True)
        assert response.status_code == 200, response.content.decode()
        return client

    return make


@pytest.fixture
def make_order(merchant_a):
    """`make_order(email, user=None)`: a paid order of Merchant A, placed as a guest unless
    `user`, with one line: 2 Wool Beanies at 24.00."""

    def make(email: str, *, user=None, status=Order.Status.PAID, session_key="guest-key") -> Order:
        order = Order.objects.create(
            merchant=merchant_a,
            user=user,
            session_key="" if user else session_key,
            platform="desktop",
            email=email,
            shipping_name="Ada Lovelace",
            shipping_line1="12 Analytical Row",
            shipping_city="London",
            shipping_postal_code="N1 9GU",
            shipping_country="GB",
            currency="USD",
            total=4800,
            status=status,
            payment_provider="test",
            reserved_until=timezone.now() + timedelta(minutes=10),
        )
        OrderLine.objects.create(
            order=order,
            product_title="Wool Beanie",
            variant_label="Navy",
            sku="BEANIE-NAVY",
            unit_price=2400,
            currency="USD",
            quantity=2,
        )
        return order

    return make
