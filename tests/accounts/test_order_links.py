"""An order from the link in its confirmation email, without signing in; keeping guest orders by
signing up with their email: only a verified email claims, and never another address's orders."""

import time

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from checkout import emails, order_links
from checkout.models import Order
from tests.accounts.conftest import PASSWORD, committed, link_in, sign_up, verify_link

User = get_user_model()


def order_link(order: Order) -> str:
    """The order link of the order's confirmation email, as the buyer receives it."""
    mail.outbox.clear()
    emails.order_email_send(order_pk=order.pk, kind="paid")
    (message,) = mail.outbox
    return link_in(message, "/orders/link/")


def test_the_confirmation_email_links_to_the_order(make_order, settings):
    settings.SITE_URL = "https://shop.example"
    order = make_order("ada@example.com")

    emails.order_email_send(order_pk=order.pk, kind="paid")

    (message,) = mail.outbox
    assert "See this order any time in the next 30 days" in message.body
    assert "https://shop.example/orders/link/" in message.body


def test_the_link_shows_the_order_without_signing_in(client, make_order):
    order = make_order("ada@example.com")

    response = client.get(order_link(order))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Your order from Merchant A" in page
    assert "Paid" in page
    assert "Wool Beanie (Navy)" in page and "$24.00" in page and "$48.00" in page
    assert "Ada Lovelace" in page and "12 Analytical Row" in page and "N1 9GU London" in page
    assert str(order.number) in page
    assert "no-store" in response["Cache-Control"]


def test_the_order_page_shows_what_was_paid_for_items_shipping_and_tax(client, make_order):
    order = make_order("ada@example.com")
    Order.objects.filter(pk=order.pk).update(
        subtotal=4800, shipping=500, tax=396, tax_label="Tax (8.25%)", total=5696
    )

    page = client.get(order_link(order)).content.decode()

    assert "<dt>Items</dt><dd>$48.00</dd>" in page
    assert "<dt>Shipping</dt><dd>$5.00</dd>" in page
    assert "<dt>Tax (8.25%)</dt><dd>$3.96</dd>" in page
    assert "$56.96" in page


def test_tax_included_and_free_shipping_read_as_such(client, make_order):
    order = make_order("ada@example.com")
    Order.objects.filter(pk=order.pk).update(subtotal=4800, tax_label="Tax included")

    page = client.get(order_link(order)).content.decode()

    assert "<dt>Shipping</dt><dd>Free</dd>" in page
    assert "<dt>Tax included</dt><dd></dd>" in page


@pytest.mark.parametrize(
    "alter",
    [
        lambda token: token[:-2] + "xx",
        lambda token: token.split(":")[0] + "::",
        lambda token: "bm90LWFuLW9yZGVy",
        lambda token: str(order_links.uuid.uuid4()),
    ],
)
def test_an_altered_link_shows_no_order(client, make_order, alter):
    order = make_order("ada@example.com")
    token = order_link(order).rstrip("/").rsplit("/", 1)[-1]

    response = client.get(reverse("checkout:order_link", args=[alter(token)]))

    assert response.status_code == 400
    page = response.content.decode()
    assert "This order link is not valid" in page
    assert "Ada Lovelace" not in page and "Wool Beanie" not in page


def test_a_link_of_an_order_that_is_gone_shows_nothing(client, make_order):
    order = make_order("ada@example.com")
    link = order_link(order)
    order.delete()

    assert client.get(link).status_code == 400


def test_a_link_older_than_30_days_has_expired(client, make_order, monkeypatch):
    link = order_link(make_order("ada@example.com"))
    later = time.time() + 31 * 24 * 3600
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)

    response = client.get(link)

    assert response.status_code == 410
    page = response.content.decode()
    assert "This order link has expired" in page and "Ada Lovelace" not in page


def test_a_verification_link_is_no_order_link(signed_up, make_order):
    client = signed_up("ada@example.com")
    token = verify_link("ada@example.com").rstrip("/").rsplit("/", 1)[-1]

    assert client.get(reverse("checkout:order_link", args=[token])).status_code == 400


# --- Keeping guest orders in an account -----------------------------------------------------------


def test_a_guest_signs_up_with_the_orders_email_and_verifies_to_keep_their_orders(
    client, make_order
):
    first = make_order("ada@example.com")
    second = make_order("ADA@Example.com", session_key="another-browser")
    someone_elses = make_order("bob@example.com")
    link = order_link(first)

    # the order's page offers an account with its email
    page = client.get(link).content.decode()
    assert "Create an account with ada@example.com" in page
    sign_up_url = reverse("accounts:sign_up")
    assert f"{sign_up_url}?email=ada%40example.com&amp;next=" in page

    # signing up claims nothing before the emailed link is opened
    response = sign_up(client, "ada@example.com", next=link)
    assert "Check your email" in response.content.decode()
    assert Order.objects.filter(user__isnull=False).count() == 0

    # the link verifies the email, which claims every guest order placed with it and only those,
    # signs the guest in, and goes on to the order
    page = committed(client.get, verify_link("ada@example.com"), follow=True).content.decode()
    assert f'<a class="button" href="{link}">Continue</a>' in page
    viewer = User.objects.get(username="ada@example.com")
    assert set(Order.objects.filter(user=viewer)) == {first, second}
    someone_elses.refresh_from_db()
    assert someone_elses.user is None

    orders_page = client.get(reverse("checkout:account_orders")).content.decode()
    assert str(first.number) in orders_page and str(second.number) in orders_page
    assert str(someone_elses.number) not in orders_page
    assert "This order is in" in client.get(link).content.decode()


def test_signing_up_with_another_email_claims_nothing(client, make_order):
    order = make_order("ada@example.com")

    sign_up(client, "lovelace@example.com")
    committed(client.get, verify_link("lovelace@example.com"), follow=True)

    order.refresh_from_db()
    assert order.user is None


def test_an_unverified_account_claims_nothing_even_signed_in(unverified, make_order):
    client = unverified("ada@example.com", signed_in=True)
    order = make_order("ada@example.com")

    page = client.get(order_link(order)).content.decode()

    assert "Verify ada@example.com to keep this order" in page
    order.refresh_from_db()
    assert order.user is None


def test_orders_already_in_an_account_stay_there(client, make_order, make_buyer):
    bob = make_buyer("bob")
    kept = make_order("ada@example.com", user=bob)

    sign_up(client, "ada@example.com")
    committed(client.get, verify_link("ada@example.com"), follow=True)

    kept.refresh_from_db()
    assert kept.user == bob


def test_a_verified_viewer_gets_later_guest_orders_when_signing_in(signed_up, make_order):
    signed_up("ada@example.com")
    later = make_order("ada@example.com", session_key="phone-browser")

    committed(
        Client().post, reverse("login"), {"username": "ADA@example.com", "password": PASSWORD}
    )

    later.refresh_from_db()
    assert later.user.username == "ada@example.com"


def test_the_order_page_offers_sign_in_when_the_email_has_an_account(client, signed_up, make_order):
    signed_up("ada@example.com")
    order = make_order("ada@example.com")

    page = Client().get(order_link(order)).content.decode()

    assert "ada@example.com has a Liveshop account." in page
    assert "Create an account" not in page


def test_a_signed_in_verified_viewer_keeps_a_guest_order_from_its_page(signed_up, make_order):
    client = signed_up("ada@example.com")
    order = make_order("ada@example.com", session_key="phone-browser")
    link = order_link(order)
    assert "Keep it in your orders" in client.get(link).content.decode()

    response = client.post(link + "keep/")

    assert response.status_code == 302 and response["Location"] == "/account/orders/"
    order.refresh_from_db()
    assert order.user.username == "ada@example.com"


def test_nobody_else_can_keep_a_guest_order(signed_up, make_order, make_buyer):
    order = make_order("ada@example.com")
    link = order_link(order)
    client = signed_up("bob@example.com")

    response = client.post(link + "keep/")

    assert response.status_code == 302 and response["Location"] == link
    order.refresh_from_db()
    assert order.user is None
    assert Client().post(link + "keep/").status_code == 302  # to the sign-in page
    order.refresh_from_db()
    assert order.user is None


def test_keeping_an_order_needs_a_post_with_the_csrf_token(signed_up, make_order):
    client = signed_up("ada@example.com")
    order = make_order("ada@example.com", session_key="phone-browser")
    link = order_link(order)

    assert client.get(link + "keep/").status_code == 405
    forged = Client(enforce_csrf_checks=True)
    forged.cookies = client.cookies
    assert forged.post(link + "keep/").status_code == 403
    order.refresh_from_db()
    assert order.user is None


def test_keeping_with_an_altered_link_is_refused(signed_up, make_order):
    client = signed_up("ada@example.com")

    response = client.post(reverse("checkout:order_link_keep", args=["nonsense"]))

    assert response.status_code == 400


@pytest.mark.parametrize(
    ("victim", "look_alike"),
    [
        # a dotless i: PostgreSQL's UPPER() makes it "I", so iexact matched it with "i"
        ("ada@example.com", "ada@examp\u0131e.com"),
        ("ada@example.com", "\u0130da@example.com"),  # a dotted capital I
        ("kate@example.com", "\u212aate@example.com"),  # the Kelvin sign: lower() makes it "k"
    ],
)
def test_a_look_alike_email_claims_nothing(client, make_order, victim, look_alike):
    # given a guest order placed with one address, and one placed with the look-alike itself
    order = make_order(victim)
    its_own = make_order(look_alike)
    # when someone signs up with a look-alike of the first and verifies it (it is their mailbox)
    sign_up(client, look_alike)
    committed(client.get, verify_link(look_alike), follow=True)
    # then they get the orders of their own address, and never the other's
    order.refresh_from_db()
    assert order.user is None
    its_own.refresh_from_db()
    assert its_own.user is not None


def test_capitals_typed_in_ascii_still_claim(client, make_order):
    order = make_order("Ada.Lovelace@Example.COM")

    sign_up(client, "ada.lovelace@example.com")
    committed(client.get, verify_link("ada.lovelace@example.com"), follow=True)

    order.refresh_from_db()
    assert order.user is not None
