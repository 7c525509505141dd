"""Verifying an email: the signed link emailed at sign-up verifies the account's address and, the
first time, signs in whoever opened it; an altered, expired or outdated link verifies nothing (and
says so); a viewer still signed in from before they verified is asked to, and may ask for a new
link, a few times an hour."""

import time

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts import selectors, verification
from accounts.models import ViewerAccount
from tests.accounts.conftest import PASSWORD, committed, sign_up, verify_link

User = get_user_model()


def signed_in_user(client: Client):
    return client.get(reverse("checkout:account_orders")).wsgi_request.user


def test_the_emailed_link_verifies_the_address_and_signs_in(unverified):
    client = unverified("Ada@example.com")
    user = User.objects.get()
    assert selectors.verified_email(user) is None
    assert selectors.verification_pending(user)

    response = committed(client.get, verify_link("Ada@example.com"), follow=True)

    assert response.status_code == 200
    assert "Ada@example.com is verified" in response.content.decode()
    assert "See your orders" in response.content.decode()
    assert selectors.verified_email(user) == "Ada@example.com"
    assert not selectors.verification_pending(user)
    assert ViewerAccount.objects.get().verified_at is not None
    assert signed_in_user(client) == user


def test_the_link_signs_in_only_the_browser_that_signed_up(unverified):
    """Not one someone was tricked into opening it in: that browser's guest orders would join
    the account of whoever sent the link."""
    unverified("ada@example.com")
    elsewhere = Client()

    response = committed(elsewhere.get, verify_link("ada@example.com"), follow=True)

    assert "Sign in to see your orders" in response.content.decode()
    assert not signed_in_user(elsewhere).is_authenticated
    assert selectors.verified_email(User.objects.get()) == "ada@example.com"
    # verified, the account signs in with its password anywhere
    credentials = {"username": "ada@example.com", "password": PASSWORD}
    assert elsewhere.post(reverse("login"), credentials).status_code == 302


def test_the_link_signs_in_only_the_first_time(unverified):
    client = unverified("ada@example.com")
    link = verify_link("ada@example.com")
    committed(client.get, link, follow=True)
    client.post(reverse("logout"))

    response = committed(client.get, link)

    assert response.status_code == 200
    assert "Sign in to see your orders" in response.content.decode()
    assert not signed_in_user(client).is_authenticated


def test_the_link_verifies_but_signs_nobody_out(unverified, make_buyer):
    browser = unverified("ada@example.com")
    bob = make_buyer("bob")
    browser.force_login(bob)

    response = committed(browser.get, verify_link("ada@example.com"), follow=True)

    assert "Sign in to see your orders" in response.content.decode()
    assert signed_in_user(browser) == bob
    assert selectors.verified_email(User.objects.get(username="ada@example.com"))


@pytest.mark.parametrize(
    "alter",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: token.split(":")[0],
        lambda token: "nonsense",
        lambda token: "a" * 300,
    ],
)
def test_an_altered_link_verifies_nothing_and_says_so(unverified, alter):
    client = unverified("ada@example.com")
    token = verify_link("ada@example.com").rstrip("/").rsplit("/", 1)[-1]

    response = client.get(reverse("accounts:verify_email", args=[alter(token)]))

    assert response.status_code == 400
    assert "This link is not valid" in response.content.decode()
    assert selectors.verified_email(User.objects.get()) is None


def test_a_link_signed_for_another_purpose_verifies_nothing(unverified, make_order):
    """A link from an order email (signed with another salt) is no verification link."""
    from checkout.order_links import order_link_token

    client = unverified("ada@example.com")
    token = order_link_token(make_order("ada@example.com"))

    response = client.get(reverse("accounts:verify_email", args=[token]))

    assert response.status_code == 400


@pytest.mark.parametrize(
    ("signed_in", "offer"), [(False, "Sign up again"), (True, "Send a new link")]
)
def test_an_expired_link_says_so_and_offers_a_new_one(unverified, monkeypatch, signed_in, offer):
    client = unverified("ada@example.com", signed_in=signed_in)
    link = verify_link("ada@example.com")
    later = time.time() + verification.VERIFY_LINK_MAX_AGE.total_seconds() + 60
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)

    response = client.get(link)

    assert response.status_code == 410
    page = response.content.decode()
    assert "This link has expired" in page and offer in page
    assert selectors.verified_email(User.objects.get()) is None


def test_a_link_for_an_address_the_account_no_longer_has_verifies_nothing(unverified):
    client = unverified("ada@example.com")
    link = verify_link("ada@example.com")
    User.objects.update(email="lovelace@example.com")

    response = client.get(link)

    assert response.status_code == 400
    assert selectors.verified_email(User.objects.get()) is None


def test_verification_links_need_a_get(unverified):
    client = unverified("ada@example.com")

    assert client.post(verify_link("ada@example.com")).status_code == 405


# --- Signed in from before, asked to verify, and a new link -----------------------------------


def test_the_orders_page_asks_an_unverified_viewer_to_verify(unverified):
    client = unverified("ada@example.com", signed_in=True)

    page = client.get(reverse("checkout:account_orders")).content.decode()
    assert "Verify your email, ada@example.com" in page

    committed(client.get, verify_link("ada@example.com"), follow=True)
    page = client.get(reverse("checkout:account_orders")).content.decode()
    assert "Verify your email" not in page


def test_a_viewer_asks_for_a_new_link_and_it_verifies(unverified):
    client = unverified("ada@example.com", signed_in=True)
    mail.outbox.clear()

    response = client.post(
        reverse("accounts:verify_email_resend"), {"next": "/account/orders/"}, follow=True
    )

    assert response.redirect_chain == [("/account/orders/", 302)]
    assert "We sent a new link to ada@example.com." in response.content.decode()
    assert committed(client.get, verify_link("ada@example.com"), follow=True).status_code == 200
    assert selectors.verified_email(User.objects.get()) == "ada@example.com"


def test_new_links_are_limited_per_viewer(unverified, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "verify_email": {"shopper": "2/h"}}
    client = unverified("ada@example.com", signed_in=True)
    mail.outbox.clear()

    answers = [client.post(reverse("accounts:verify_email_resend")).status_code for _ in range(3)]

    assert answers == [302, 302, 429]
    assert len(mail.outbox) == 2


def test_a_verified_viewer_gets_no_new_link(signed_up):
    client = signed_up("ada@example.com")
    mail.outbox.clear()

    response = client.post(reverse("accounts:verify_email_resend"), follow=True)

    assert "Your email is already verified." in response.content.decode()
    assert mail.outbox == []


def test_a_new_link_needs_a_signed_in_viewer_a_post_and_the_csrf_token(unverified):
    client = unverified("ada@example.com", signed_in=True)
    mail.outbox.clear()

    assert client.get(reverse("accounts:verify_email_resend")).status_code == 405
    anonymous = Client().post(reverse("accounts:verify_email_resend"))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    forged = Client(enforce_csrf_checks=True)
    forged.cookies = client.cookies
    assert forged.post(reverse("accounts:verify_email_resend")).status_code == 403
    assert mail.outbox == []


def test_a_mail_server_that_fails_gets_a_clear_message(unverified, monkeypatch):
    import smtplib

    client = unverified("ada@example.com", signed_in=True)

    def refuse(*args, **kwargs):
        raise smtplib.SMTPException("down")

    monkeypatch.setattr("accounts.services.send_mail", refuse)

    response = client.post(reverse("accounts:verify_email_resend"), follow=True)

    assert response.status_code == 200
    assert "We could not send the email just now" in response.content.decode()


def test_merchant_staff_are_never_asked_to_verify(merchant_a, make_staff):
    owner = make_staff(merchant_a)

    assert not selectors.verification_pending(owner)
    assert selectors.verified_email(owner) is None


def test_two_accounts_cannot_verify_one_address(db):
    """Only one account may hold a verified address (it alone claims that address's orders)."""
    sign_up(Client(), "ada@example.com")
    first = User.objects.get()
    committed(Client().get, verify_link("ada@example.com"), follow=True)
    # an account made some other way (the admin) with the same address, in another case
    other = User.objects.create_user("ada-2", "ADA@example.com", PASSWORD)
    ViewerAccount.objects.create(user=other)
    token = verification.verify_token(other)

    response = committed(Client().get, reverse("accounts:verify_email", args=[token]))

    assert response.status_code == 400
    assert selectors.verified_email(other) is None
    assert selectors.verified_email(first) == "ada@example.com"
