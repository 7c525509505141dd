"""Signing up with an email and a password: the email names the account in any case, Django's
password validators apply, the viewer is signed in at once and emailed a link to verify."""

import smtplib

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import ViewerAccount
from catalog.models import Membership
from catalog.services import staff_invite
from tests.accounts.conftest import PASSWORD, sign_up

User = get_user_model()


def signed_in_user(client: Client):
    return client.get(reverse("checkout:account_orders")).wsgi_request.user


def test_a_viewer_signs_up_and_is_signed_in_and_emailed_a_link(client, db):
    response = sign_up(client, "Ada.Lovelace@Example.COM", next="/events/")

    assert response.status_code == 302
    assert response["Location"] == "/events/"
    user = User.objects.get()
    assert user.username == "ada.lovelace@example.com"
    assert user.email == "Ada.Lovelace@example.com"
    assert user.check_password(PASSWORD)
    assert not user.is_staff
    assert ViewerAccount.objects.get(user=user).verified_email == ""
    assert signed_in_user(client) == user
    (email,) = mail.outbox
    assert email.to == ["Ada.Lovelace@example.com"]
    assert email.subject == "Verify your Liveshop email"
    assert "/accounts/verify/" in email.body


def test_the_sign_up_page_offers_the_email_it_was_given(client, db):
    page = client.get(reverse("accounts:sign_up"), {"email": "ada@example.com"}).content.decode()

    assert 'value="ada@example.com"' in page
    assert 'autocomplete="new-password"' in page


@pytest.mark.parametrize("typed", ["ada@example.com", "ADA@example.com", "Ada@Example.Com"])
def test_an_address_that_has_an_account_in_any_case_is_refused(client, signed_up, typed):
    signed_up("ada@example.com")
    other = Client()

    response = sign_up(other, typed)

    assert response.status_code == 400
    assert "An account with this email already exists." in response.content.decode()
    assert User.objects.count() == 1


def test_a_merchant_staff_address_cannot_become_a_viewer_account(client, merchant_a, make_staff):
    owner = make_staff(merchant_a)
    staff_invite(
        merchant=merchant_a,
        email="Host@Merchant-A.example",
        role=Membership.Role.HOST,
        invited_by=owner,
    )

    response = sign_up(client, "host@merchant-a.example")

    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    assert not ViewerAccount.objects.exists()


def test_a_merchant_cannot_invite_an_address_a_viewer_uses(signed_up, merchant_a, make_staff):
    signed_up("ada@example.com")
    owner = make_staff(merchant_a)

    with pytest.raises(Exception, match="already has a Liveshop account"):
        staff_invite(merchant=merchant_a, email="ADA@example.com", role="host", invited_by=owner)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1", "This password is too short."),
        ("12345678901", "This password is entirely numeric."),
        ("password123", "This password is too common."),
        ("ada.lovelace.example", "The password is too similar to the"),
    ],
)
def test_djangos_password_validators_refuse_weak_passwords(client, db, password, message):
    response = sign_up(client, "ada.lovelace@example.com", password)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not User.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"email": "", "password": ""},
        {"email": "not-an-address", "password": PASSWORD},
        {"email": "a" * 200 + "@example.com", "password": PASSWORD},
        {"email": "ada@example.com"},
    ],
)
def test_bad_input_gets_the_form_back_with_errors(client, db, data):
    response = client.post(reverse("accounts:sign_up"), data)

    assert response.status_code == 400
    assert (
        'class="field-error"' in response.content.decode() or "errors" in response.content.decode()
    )
    assert not User.objects.exists()


def test_signing_up_needs_the_csrf_token(db):
    client = Client(enforce_csrf_checks=True)

    response = sign_up(client, "ada@example.com")

    assert response.status_code == 403
    assert not User.objects.exists()


def test_a_next_address_on_another_site_is_ignored(client, db):
    response = sign_up(client, "ada@example.com", next="https://evil.example/")

    assert response["Location"] == "/"


def test_a_mail_server_that_fails_does_not_undo_the_sign_up(client, db, monkeypatch):
    def refuse(*args, **kwargs):
        raise smtplib.SMTPException("mail server down")

    monkeypatch.setattr("accounts.services.send_mail", refuse)

    response = sign_up(client, "ada@example.com")

    assert response.status_code == 302
    assert User.objects.filter(username="ada@example.com").exists()


def test_sign_ups_from_one_address_are_limited(client, db, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "signup": {"ip": "2/h"}}

    answers = [sign_up(Client(), f"viewer{n}@example.com").status_code for n in range(3)]

    assert answers == [302, 302, 429]
    assert User.objects.count() == 2


def test_a_signed_in_viewer_opening_sign_up_goes_on(signed_up):
    client = signed_up("ada@example.com")

    response = client.get(reverse("accounts:sign_up"), {"next": "/events/"})

    assert response.status_code == 302
    assert response["Location"] == "/events/"


@pytest.mark.parametrize("typed", ["ada@example.com", "ADA@Example.com"])
def test_a_viewer_signs_in_with_their_email_in_any_case(signed_up, typed):
    signed_up("Ada@example.com")
    client = Client()

    response = client.post(reverse("login"), {"username": typed, "password": PASSWORD})

    assert response.status_code == 302
    assert signed_in_user(client).username == "ada@example.com"


def test_a_wrong_password_in_another_case_does_not_sign_in(signed_up):
    signed_up("ada@example.com")
    client = Client()

    response = client.post(reverse("login"), {"username": "ADA@example.com", "password": "nope"})

    assert response.status_code == 200
    assert not signed_in_user(client).is_authenticated


def test_usernames_that_differ_only_in_case_sign_in_only_exactly(db):
    # accounts made before sign-up existed (the demo's, the admin's) may differ only in case
    User.objects.create_user("Sam", "sam1@example.com", PASSWORD)
    User.objects.create_user("sam", "sam2@example.com", "another-passphrase")

    def sign_in(username):
        client = Client()
        client.post(reverse("login"), {"username": username, "password": PASSWORD})
        return signed_in_user(client)

    assert not sign_in("SAM").is_authenticated
    assert sign_in("Sam").username == "Sam"
