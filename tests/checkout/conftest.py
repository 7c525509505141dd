"""Fixtures for buying: shoppers, contact details, a limited product, and threads with their own
database connections."""

import threading
from contextlib import contextmanager

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from checkout.shoppers import Shopper
from events.models import Platform
from tests.events import conftest as shows

# The live show, its brand, products, host and viewer: the live shows' own fixtures.
brand = shows.brand
show_products = shows.show_products
make_event = shows.make_event
live_event = shows.live_event
host = shows.host
viewer = shows.viewer
published = shows.published

CONTACT = {
    "email": "ada@example.com",
    "shipping_name": "Ada Lovelace",
    "shipping_line1": "12 Analytical Row",
    "shipping_line2": "",
    "shipping_city": "London",
    "shipping_region": "",
    "shipping_postal_code": "N1 9GU",
    "shipping_country": "GB",
}

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
DESKTOP = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0 Safari/537.36"
)
ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36"
)


@pytest.fixture(autouse=True)
def _test_mode_payments(settings):
    """Unless a test configures Stripe, payments go through the built-in test mode."""
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_PUBLISHABLE_KEY = ""
    settings.STRIPE_API_BASE = ""
    settings.STRIPE_WEBHOOK_SECRET = ""
    settings.PAYMENTS_ALLOW_TEST_MODE = True
    settings.CHECKOUT_MAX_QUANTITY = 10
    settings.CHECKOUT_RESERVATION_MINUTES = 10


@pytest.fixture
def contact() -> dict:
    return dict(CONTACT)


@pytest.fixture
def make_buyer(db):
    def make(username: str):
        return get_user_model().objects.create_user(
            username, f"{username}@example.com", "buyer-password"
        )

    return make


@pytest.fixture
def shopper(viewer) -> Shopper:
    """The signed-in viewer, buying from a desktop browser."""
    return Shopper(user=viewer, session_key="", platform=Platform.DESKTOP)


@pytest.fixture
def guest() -> Shopper:
    return Shopper(user=None, session_key="guest-session-1", platform=Platform.IOS)


@pytest.fixture
def headphones(show_products):
    """In the live show, plenty of stock: 40 units at 199.00."""
    return show_products[0].variants.get()


@pytest.fixture
def vacuum(show_products):
    """In the live show, 3 units at 249.00."""
    return show_products[1].variants.get()


@pytest.fixture
def air_fryer(show_products):
    """In the live show, sold out."""
    return show_products[2].variants.get()


def run_in_threads(count: int, work) -> list:
    """Run `work(index)` in `count` threads released at the same moment; return each one's result
    (or the exception it raised), in index order. Each thread has its own database connection."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish"
    return results


@contextmanager
def run_before_query(sql_prefix: str, competitor):
    """Run `competitor` once, on this connection, exactly before the next SQL statement that
    starts with `sql_prefix` is executed: a competing write lands between two steps of the code
    under test, deterministically."""
    pending = [competitor]

    def wrapper(execute, sql, params, many, context):
        if pending and sql.startswith(sql_prefix):
            pending.pop()()
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield
    assert not pending, "the competing write never ran"
