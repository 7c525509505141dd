"""Signing up with an email and a password: the email names the account in any case, Django's
password validators apply, and the answer is the same whether or not the address has an account
(only its mailbox learns: a link that signs the new account in, or a note to the account it has)."""

import smtplib
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import ViewerAccount
from catalog.models import Membership
from catalog.services import staff_invite
from tests.accounts.conftest import PASSWORD, committed, sign_up, verify_link

User = get_user_model()


def signed_in_user(client: Client):
    return client.get(reverse("checkout:account_orders")).wsgi_request.user


def test_a_viewer_signs_up_and_the_emailed_link_signs_them_in(client, db):
    response = sign_up(client, "Ada.Lovelace@Example.COM", next="/events/")

    assert response.status_code == 200
    assert "We sent an email to Ada.Lovelace@Example.COM." in response.content.decode()
    user = User.objects.get()
    assert user.username == "ada.lovelace@example.com"
    assert user.email == "Ada.Lovelace@example.com"
    assert user.check_password(PASSWORD)
    assert not user.is_staff
    assert ViewerAccount.objects.get(user=user).verified_email == ""
    assert not signed_in_user(client).is_authenticated
    (email,) = mail.outbox
    assert email.to == ["Ada.Lovelace@example.com"]
    assert email.subject == "Verify your Liveshop email"

    page = committed(
        client.get, verify_link("Ada.Lovelace@example.com"), follow=True
    ).content.decode()

    assert signed_in_user(client) == user
    assert '<a class="button" href="/events/">Continue</a>' in page


def test_the_sign_up_page_offers_the_email_it_was_given(client, db):
    page = client.get(reverse("accounts:sign_up"), {"email": "ada@example.com"}).content.decode()

    assert 'value="ada@example.com"' in page
    assert 'autocomplete="new-password"' in page


def answer(email: str) -> tuple[int, str]:
    """A sign-up's status and page, from a new browser, with the address typed taken out."""
    response = sign_up(Client(), email)
    page = response.content.decode().replace(email, "<email>").replace(quote(email), "<email>")
    return response.status_code, page


def sent_to(email: str) -> list[str]:
    return [m.subject for m in mail.outbox if [to.lower() for to in m.to] == [email.lower()]]


@pytest.mark.parametrize("typed", ["ada@example.com", "ADA@example.com", "Ada@Example.Com"])
def test_an_address_that_has_an_account_gets_the_same_answer_and_its_owner_a_note(signed_up, typed):
    signed_up("ada@example.com")
    mail.outbox.clear()

    assert answer(typed) == answer("someone.new@example.com")
    assert User.objects.filter(username__iexact="ada@example.com").count() == 1
    assert User.objects.get(username="ada@example.com").check_password(PASSWORD)
    (note,) = [message for message in mail.outbox if message.to == ["ada@example.com"]]
    assert note.subject == "You already have a Liveshop account"
    assert "/accounts/login/" in note.body and "/accounts/password_reset/" in note.body
    assert "/accounts/verify/" not in note.body


def test_a_weak_password_is_refused_alike_for_an_address_with_an_account(signed_up):
    signed_up("ada@example.com")
    mail.outbox.clear()

    existing = sign_up(Client(), "ada@example.com", "short1")
    new = sign_up(Client(), "someone.new@example.com", "short1")

    assert existing.status_code == new.status_code == 400
    assert "This password is too short." in existing.content.decode()
    assert mail.outbox == []


def test_signing_up_again_and_again_sends_one_note_in_ten_minutes(signed_up):
    signed_up("ada@example.com")
    mail.outbox.clear()

    for _ in range(3):
        sign_up(Client(), "ada@example.com")

    assert sent_to("ada@example.com") == ["You already have a Liveshop account"]


def test_signing_up_again_before_opening_the_link_sends_a_new_link(unverified):
    unverified("ada@example.com")
    mail.outbox.clear()

    browser = Client()

    assert sign_up(browser, "ada@example.com").status_code == 200
    assert sent_to("ada@example.com") == ["Verify your Liveshop email"]
    assert User.objects.count() == 1
    committed(browser.get, verify_link("ada@example.com"), follow=True)
    assert signed_in_user(browser).username == "ada@example.com"


def test_a_new_account_signs_in_with_its_password_only_once_verified(unverified):
    unverified("ada@example.com")
    credentials = {"username": "ada@example.com", "password": PASSWORD}

    before = Client().post(reverse("login"), credentials)
    wrong = Client().post(reverse("login"), {**credentials, "password": "not-the-password"})

    # refused exactly as a wrong password is: sign-up and then sign-in tell nobody it was new
    assert before.status_code == wrong.status_code == 200
    assert "That email address and password do not match an account." in before.content.decode()
    assert "Just created an account? Open the link we emailed you first" in before.content.decode()
    assert before.content.decode().count("do not match") == wrong.content.decode().count(
        "do not match"
    )
    committed(Client().get, verify_link("ada@example.com"), follow=True)
    after = Client()
    assert after.post(reverse("login"), credentials).status_code == 302
    assert signed_in_user(after).username == "ada@example.com"


def test_a_merchant_staff_address_gets_the_same_answer_and_no_viewer_account(
    client, merchant_a, make_staff
):
    owner = make_staff(merchant_a)
    staff_invite(
        merchant=merchant_a,
        email="Host@Merchant-A.example",
        role=Membership.Role.HOST,
        invited_by=owner,
    )
    mail.outbox.clear()

    assert answer("host@merchant-a.example") == answer("someone.new@example.com")
    assert sent_to("Host@Merchant-A.example") == ["You already have a Liveshop account"]
    assert not ViewerAccount.objects.filter(user__email__iexact="host@merchant-a.example").exists()


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
    sign_up(client, "ada@example.com", next="https://evil.example/")

    link = verify_link("ada@example.com")
    assert "next=" not in link
    page = committed(client.get, link, {"next": "https://evil.example/"}).content.decode()
    assert "evil.example" not in page


def test_a_mail_server_that_fails_does_not_undo_the_sign_up(client, db, monkeypatch):
    def refuse(*args, **kwargs):
        raise smtplib.SMTPException("mail server down")

    monkeypatch.setattr("accounts.services.send_mail", refuse)

    response = sign_up(client, "ada@example.com")

    assert response.status_code == 200
    assert User.objects.filter(username="ada@example.com").exists()


def test_sign_ups_from_one_address_are_limited(client, db, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "signup": {"ip": "2/h"}}

    answers = [sign_up(Client(), f"viewer{n}@example.com").status_code for n in range(3)]

    assert answers == [200, 200, 429]
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
