"""The header's account links (Sign in; Your orders and a Sign out form), signing out by POST
only, and resetting a forgotten password in Liveshop's pages."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts import selectors
from tests.accounts.conftest import PASSWORD, committed, link_in

User = get_user_model()


def header(response) -> str:
    page = response.content.decode()
    return page[page.index('<header class="site-header">') : page.index("</header>")]


def test_a_guest_sees_sign_in_and_comes_back_to_the_page_after(client, db):
    nav = header(client.get("/events/"))

    assert '<a href="/accounts/login/?next=/events/">Sign in</a>' in nav
    assert "Your orders" not in nav and "Sign out" not in nav


def test_a_signed_in_viewer_sees_their_orders_and_a_sign_out_form(signed_up):
    client = signed_up("ada@example.com")

    nav = header(client.get("/events/"))

    assert 'href="/account/orders/" aria-label="Your orders"' in nav
    form = re.search(
        r'<form class="sign-out" method="post" action="/accounts/logout/">.*?</form>', nav
    )
    assert form and 'name="csrfmiddlewaretoken"' in form.group(0)
    assert ">Sign in<" not in nav


def test_signing_out_takes_a_post(signed_up):
    client = signed_up("ada@example.com")

    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert ">Sign in<" in header(client.get("/events/"))


def test_signing_out_needs_the_csrf_token(signed_up):
    client = signed_up("ada@example.com")
    forged = Client(enforce_csrf_checks=True)
    forged.cookies = client.cookies

    assert forged.post(reverse("logout")).status_code == 403
    assert "Sign out" in header(client.get("/events/"))


def test_a_visitor_without_a_session_costs_the_header_no_session(client, merchant_a):
    """Shop pages may be kept by shared caches: the header reads no session for a guest."""
    response = client.get(reverse("catalog:shop", args=[merchant_a.slug]))

    assert "Cookie" not in response.get("Vary", "")
    assert not response.cookies
    assert ">Sign in<" in header(response)


def test_a_signed_in_viewer_sees_their_links_on_shop_pages_too(signed_up, merchant_a):
    client = signed_up("ada@example.com")

    response = client.get(reverse("catalog:shop", args=[merchant_a.slug]))

    assert "Your orders" in header(response)
    assert "Cookie" in response["Vary"]  # a shared cache keeps it apart from others' pages


# --- Password reset -------------------------------------------------------------------------------


def test_a_viewer_resets_a_forgotten_password(signed_up):
    signed_up("ada@example.com")
    client = Client()

    form = client.get(reverse("password_reset"))
    assert form.status_code == 200
    assert "<h1>Reset your password</h1>" in form.content.decode()
    assert 'class="site-header"' in form.content.decode()  # Liveshop's page, not the admin's

    sent = client.post(reverse("password_reset"), {"email": "ADA@example.com"}, follow=True)
    assert "<h1>Check your email</h1>" in sent.content.decode()
    (message,) = mail.outbox[1:]
    assert message.subject == "Reset your Liveshop password"
    link = link_in(message, "/accounts/reset/")

    choose = client.get(link, follow=True)
    assert "<h1>Choose a new password</h1>" in choose.content.decode()
    set_url = choose.redirect_chain[-1][0]
    weak = client.post(set_url, {"new_password1": "123", "new_password2": "123"})
    assert weak.status_code == 200 and "This password is too short." in weak.content.decode()
    done = client.post(
        set_url,
        {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"},
        follow=True,
    )
    assert "<h1>Password saved</h1>" in done.content.decode()

    # the new password signs in, the old one no longer does, and the link is spent
    new = Client().post(
        reverse("login"), {"username": "ada@example.com", "password": "a-brand-new-passphrase"}
    )
    assert new.status_code == 302
    old = Client().post(reverse("login"), {"username": "ada@example.com", "password": PASSWORD})
    assert old.status_code == 200
    assert "This link no longer works" in Client().get(link, follow=True).content.decode()


def test_a_new_password_from_a_reset_verifies_an_unverified_address(unverified, make_order):
    # someone signed up with Ada's address and a password of theirs, and never had the link
    unverified("ada@example.com")
    order = make_order("ada@example.com")
    mail.outbox.clear()
    client = Client()

    client.post(reverse("password_reset"), {"email": "ada@example.com"})
    (message,) = mail.outbox
    set_url = client.get(link_in(message, "/accounts/reset/"), follow=True).redirect_chain[-1][0]
    new_password = "adas-own-passphrase"
    data = {"new_password1": new_password, "new_password2": new_password}
    committed(client.post, set_url, data)

    # the reset reached her mailbox: the account is verified, hers, and has her guest orders
    user = User.objects.get()
    assert selectors.verified_email(user) == "ada@example.com"
    credentials = {"username": "ada@example.com", "password": PASSWORD}
    assert Client().post(reverse("login"), credentials).status_code == 200
    credentials["password"] = new_password
    assert Client().post(reverse("login"), credentials).status_code == 302
    order.refresh_from_db()
    assert order.user == user


def test_the_reset_link_is_on_site_url_whatever_host_the_request_named(signed_up, settings):
    signed_up("ada@example.com")
    settings.SITE_URL = "https://shop.example"
    settings.ALLOWED_HOSTS = ["*"]  # a permissive deployment

    Client().post(
        reverse("password_reset"), {"email": "ada@example.com"}, HTTP_HOST="attacker.example"
    )

    (message,) = mail.outbox[1:]
    assert "https://shop.example/accounts/reset/" in message.body
    assert "attacker.example" not in message.body


def test_a_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"}, follow=True)

    assert "<h1>Check your email</h1>" in response.content.decode()
    assert mail.outbox == []


@pytest.mark.parametrize("data", [{}, {"email": "not-an-address"}, {"email": "x" * 300}])
def test_a_bad_reset_request_gets_the_form_back(client, db, data):
    response = client.post(reverse("password_reset"), data)

    assert response.status_code == 200
    assert 'class="field-error"' in response.content.decode()
    assert mail.outbox == []


def test_reset_requests_are_limited_per_address(db, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "password_reset": {"ip": "2/h"}}

    answers = [
        Client().post(reverse("password_reset"), {"email": "ada@example.com"}).status_code
        for _ in range(3)
    ]

    assert answers == [302, 302, 429]


def test_a_reset_link_that_was_altered_says_so(client, db):
    response = client.get("/accounts/reset/MQ/set-password/")

    assert response.status_code == 200
    assert "This link no longer works" in response.content.decode()


def test_the_sign_in_page_offers_an_account_and_keeps_where_to_go_after(client, db):
    page = client.get(reverse("login"), {"next": "/events/"}).content.decode()

    assert '<a href="/accounts/sign-up/?next=/events/">Create an account</a>' in page


def test_the_shopping_managers_sign_in_offers_no_viewer_account(client, db):
    page = client.get("/admin/login/").content.decode()

    assert "Create an account" not in page
