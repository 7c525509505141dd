"""Merchant onboarding: the public application, platform review, the owner's first login."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from catalog import services
from catalog.models import Membership, Merchant, MerchantApplication
from infrastructure.site_url import site_root

APPLICATION = {
    "business_name": "Maple & Moss",
    "website": "maple-moss.example",
    "contact_name": "Ada Lovelace",
    "contact_email": "ada@maple-moss.example",
    "what_they_sell": "Handmade candles and seasonal décor.",
}


@pytest.fixture
def application(db):
    return MerchantApplication.objects.create(
        **{**APPLICATION, "website": "https://maple-moss.example"}
    )


def approve_url(application):
    return reverse("admin:catalog_merchantapplication_approve", args=[application.pk])


def reject_url(application):
    return reverse("admin:catalog_merchantapplication_reject", args=[application.pk])


def test_applicant_submits_the_sell_form_and_gets_a_confirmation(
    client, db, django_capture_on_commit_callbacks
):
    page = client.get(reverse("catalog:sell"))
    assert '<label for="id_business_name">Business name</label>' in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("catalog:sell"), APPLICATION)

    assert response.status_code == 302
    application = MerchantApplication.objects.get()
    assert application.status == MerchantApplication.Status.PENDING
    assert application.website == "https://maple-moss.example"
    assert [m.to for m in mail.outbox] == [["ada@maple-moss.example"]]


def test_sell_form_with_a_bad_email_and_no_name_keeps_nothing(client, db):
    response = client.post(
        reverse("catalog:sell"), {**APPLICATION, "business_name": "", "contact_email": "ada@"}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "This field is required." in page
    assert "Enter a valid email address." in page
    assert 'value="Ada Lovelace"' in page  # what was typed is kept
    assert not MerchantApplication.objects.exists()


def test_platform_staff_approves_and_the_owner_can_set_a_password(
    client_for, platform_staff, application, django_capture_on_commit_callbacks
):
    client = client_for(platform_staff)
    form = client.get(approve_url(application))
    assert 'value="maple-moss"' in form.content.decode()  # suggested shop address

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(approve_url(application), {"slug": "maple-moss"})

    assert response.status_code == 302
    merchant = Merchant.objects.get(slug="maple-moss")
    assert merchant.is_verified and merchant.verified_at is not None
    owner = get_user_model().objects.get(email="ada@maple-moss.example")
    assert owner.is_staff and not owner.is_superuser and not owner.has_usable_password()
    assert owner.membership.merchant == merchant
    assert owner.membership.role == Membership.Role.OWNER
    application.refresh_from_db()
    assert application.status == MerchantApplication.Status.APPROVED
    assert application.merchant == merchant and application.reviewed_by == platform_staff

    (email,) = mail.outbox
    assert email.to == ["ada@maple-moss.example"]
    # no SITE_URL in development: the address the reviewer's request came to
    assert "http://testserver/shop/maple-moss/" in email.body
    link = re.search(r"http://testserver(/accounts/set-password/\S+)", email.body).group(1)
    client.logout()

    # the link opens Liveshop's own page, which names the address to sign in with
    set_password_page = client.get(link, follow=True)
    page = set_password_page.content.decode()
    assert '<link rel="stylesheet" href="/static/css/site.css">' in page
    assert "<h1>Choose your password</h1>" in page
    assert "Your Shopping Manager account is <strong>ada@maple-moss.example</strong>" in page
    assert "Sign in with this email address" in page
    # choosing a password signs the owner in and lands them on Get started
    chosen = client.post(
        set_password_page.redirect_chain[-1][0],
        {"new_password1": "a-long-new-passphrase", "new_password2": "a-long-new-passphrase"},
    )
    assert chosen.status_code == 302
    assert chosen["Location"] == reverse("admin:get_started")
    get_started = client.get(chosen["Location"]).content.decode()
    assert "Welcome to the Shopping Manager of <strong>Maple &amp; Moss</strong>" in get_started
    # the link works once
    assert "This link no longer works" in client.get(link, follow=True).content.decode()

    # later: the Shopping Manager's own sign-in form asks for the email address (throttled by
    # django-axes, which needs the request)
    client.logout()
    sign_in_page = client.get(reverse("admin:login")).content.decode()
    assert '<label for="id_username">Email address</label>' in sign_in_page
    assert "<h1>Sign in to the Shopping Manager</h1>" in sign_in_page
    signed_in = client.post(
        reverse("admin:login"),
        {"username": "ada@maple-moss.example", "password": "a-long-new-passphrase"},
    )
    assert signed_in.status_code == 302
    assert client.get(reverse("admin:catalog_product_changelist")).status_code == 200


def test_the_set_password_page_refuses_a_forged_link(client, db):
    page = client.get("/accounts/set-password/MQ/not-a-token/", follow=True)

    assert page.status_code == 200
    assert "This link no longer works" in page.content.decode()
    assert "new_password1" not in page.content.decode()


def test_emails_link_to_site_url_when_it_is_set(
    client_for, platform_staff, application, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://shop.example.com"

    with django_capture_on_commit_callbacks(execute=True):
        client_for(platform_staff).post(approve_url(application), {"slug": "maple-moss"})

    (email,) = mail.outbox
    assert "https://shop.example.com/shop/maple-moss/" in email.body
    assert re.search(r"https://shop\.example\.com/accounts/set-password/\S+/\S+/", email.body)
    assert "127.0.0.1" not in email.body


def test_without_site_url_emails_link_to_the_address_the_request_came_to(
    platform_staff, application, settings, rf, django_capture_on_commit_callbacks
):
    # development on another machine of the network: no SITE_URL, the request's host
    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = ["192.168.1.20"]
    request = rf.get("/admin/", HTTP_HOST="192.168.1.20:8000")

    with django_capture_on_commit_callbacks(execute=True):
        services.application_approve(
            application=application,
            slug="maple-moss",
            reviewer=platform_staff,
            site=site_root(request),
        )

    (email,) = mail.outbox
    assert "http://192.168.1.20:8000/shop/maple-moss/" in email.body
    assert "http://192.168.1.20:8000/accounts/set-password/" in email.body


def test_approval_with_a_taken_slug_is_refused_and_creates_nothing(
    client_for, platform_staff, application, make_merchant
):
    make_merchant("maple-moss")
    response = client_for(platform_staff).post(approve_url(application), {"slug": "maple-moss"})

    assert response.status_code == 200
    assert "A merchant with this slug already exists" in response.content.decode()
    application.refresh_from_db()
    assert application.status == MerchantApplication.Status.PENDING
    assert Merchant.objects.count() == 1
    assert not get_user_model().objects.filter(email=APPLICATION["contact_email"]).exists()


def test_rejection_needs_a_reason_and_emails_it(
    client_for, platform_staff, application, django_capture_on_commit_callbacks
):
    client = client_for(platform_staff)
    empty = client.post(reject_url(application), {"reason": "  "})
    assert "This field is required." in empty.content.decode()
    application.refresh_from_db()
    assert application.status == MerchantApplication.Status.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reject_url(application), {"reason": "We could not verify your website."})

    application.refresh_from_db()
    assert application.status == MerchantApplication.Status.REJECTED
    assert application.rejection_reason == "We could not verify your website."
    (email,) = mail.outbox
    assert "We could not verify your website." in email.body
    assert not Merchant.objects.exists()


def test_an_application_is_reviewed_only_once(client_for, platform_staff, application):
    client = client_for(platform_staff)
    client.post(reject_url(application), {"reason": "Not a fit."})

    response = client.post(approve_url(application), {"slug": "maple-moss"}, follow=True)

    assert "already reviewed" in response.content.decode()
    assert not Merchant.objects.exists()


@pytest.mark.parametrize("role", list(Membership.Role))
def test_merchant_staff_cannot_review_applications(
    client_for, make_staff, merchant_a, application, role
):
    client = client_for(make_staff(merchant_a, role))

    assert client.get(reverse("admin:catalog_merchantapplication_changelist")).status_code == 403
    response = client.post(approve_url(application), {"slug": "maple-moss"})

    assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == MerchantApplication.Status.PENDING


def test_unverified_merchant_has_no_public_shop(client, make_merchant, make_product):
    merchant = make_merchant("pending-brand", verified=False)
    make_product(merchant)

    assert client.get(reverse("catalog:shop", args=["pending-brand"])).status_code == 404
