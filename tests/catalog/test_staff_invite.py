"""Owners invite their staff; everyone else is refused, and stock edits reach live shows."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from catalog import signals
from catalog.models import Membership

INVITE = reverse("admin:catalog_membership_invite")


def test_owner_invites_a_host_who_sets_a_password(
    client_for, make_staff, merchant_a, django_capture_on_commit_callbacks
):
    client = client_for(make_staff(merchant_a, Membership.Role.OWNER))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(INVITE, {"email": "Host@Example.com", "role": "host"})

    assert response.status_code == 302
    invited = get_user_model().objects.get(email="Host@example.com")
    assert invited.is_staff and not invited.has_usable_password()
    assert (invited.membership.merchant, invited.membership.role) == (merchant_a, "host")
    (email,) = mail.outbox
    assert "invited you to Merchant A" in email.body
    # no SITE_URL in development: the address the owner's request came to
    link = re.search(r"http://testserver(/accounts/set-password/\S+)", email.body).group(1)
    client.logout()
    page = client.get(link, follow=True).content.decode()
    assert "Your Shopping Manager account is <strong>Host@example.com</strong>" in page
    assert "new_password1" in page


def test_inviting_an_existing_account_is_refused_and_changes_nothing(
    client_for, make_staff, merchant_a, merchant_b
):
    other = make_staff(merchant_b, Membership.Role.HOST)
    client = client_for(make_staff(merchant_a, Membership.Role.OWNER))

    response = client.post(INVITE, {"email": other.email, "role": "host"})

    assert "already has a Liveshop account" in response.content.decode()
    assert Membership.objects.get(user=other).merchant == merchant_b
    assert Membership.objects.filter(merchant=merchant_a).count() == 1


def test_invite_needs_an_email_and_a_role(client_for, make_staff, merchant_a):
    client = client_for(make_staff(merchant_a, Membership.Role.OWNER))

    page = client.post(INVITE, {"email": "not-an-email", "role": "emperor"}).content.decode()

    assert "Enter a valid email address." in page and "Select a valid choice." in page
    assert Membership.objects.count() == 1


@pytest.mark.parametrize("role", [Membership.Role.CATALOG_MANAGER, Membership.Role.HOST])
def test_only_owners_invite(client_for, make_staff, merchant_a, role):
    client = client_for(make_staff(merchant_a, role))

    assert client.post(INVITE, {"email": "x@example.com", "role": "owner"}).status_code == 403
    assert not get_user_model().objects.filter(email="x@example.com").exists()


def test_stock_edited_in_the_admin_is_announced_after_commit(
    client_for, make_staff, merchant_a, make_product, django_capture_on_commit_callbacks
):
    product = make_product(merchant_a, variants=[{"price": 2400, "stock_on_hand": 5}])
    variant = product.variants.get()
    heard = []
    signals.stock_changed.connect(
        lambda sender, product_ids, **kw: heard.append(product_ids),
        weak=False,
        dispatch_uid="test-heard",
    )
    client = client_for(make_staff(merchant_a, Membership.Role.OWNER))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                reverse("admin:catalog_variant_change", args=[variant.pk]),
                {
                    "product": product.pk,
                    "sku": variant.sku,
                    "size": "",
                    "color": "",
                    "price": 2400,
                    "compare_at_price": "",
                    "currency": "USD",
                    "stock_on_hand": 2,
                    "position": 0,
                },
            )
    finally:
        signals.stock_changed.disconnect(dispatch_uid="test-heard")

    variant.refresh_from_db()
    assert variant.stock_on_hand == 2
    assert heard == [{product.pk}]
