"""Payments never lose an order: failed handlers are retried, re-submits take the new details,
partial refunds and disputes have their own states, and a guest's orders follow them at sign-in."""

import json
import time
import uuid

import pytest
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from catalog.models import Membership
from checkout import payment_outcomes
from checkout.cart import cart_add
from checkout.models import Order, PaymentEvent
from checkout.orders import checkout_start
from events.models import ShowProduct
from tests.checkout.conftest import CONTACT, DESKTOP
from tests.checkout.test_stripe import checkout, deliver, stock, stripe_api  # noqa: F401

Status = Order.Status


def charge_event(kind: str, intent_id: str, **fields) -> str:
    """A `charge.*` webhook payload (a charge, or a dispute) with these fields on its object."""
    obj = {"id": f"obj_{uuid.uuid4().hex}", "payment_intent": intent_id, **fields}
    return json.dumps(
        {
            "id": f"evt_{uuid.uuid4().hex}",
            "object": "event",
            "type": kind,
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": obj},
        }
    )


def intent_event(kind: str, intent_id: str, event_id: str) -> str:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": kind,
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": {"id": intent_id, "object": "payment_intent"}},
        }
    )


@pytest.fixture
def paid(stripe_api, live_event, shopper, vacuum) -> Order:  # noqa: F811
    """2 vacuums (498.00), paid with Stripe."""
    order = checkout(live_event, shopper, (vacuum, 2)).order
    assert deliver(intent_event("payment_intent.succeeded", order.payment_intent_id, "evt_paid"))
    order.refresh_from_db()
    assert order.status == Status.PAID
    return order


# --- A handler that fails is delivered again ------------------------------------------------------


def test_a_handler_that_fails_answers_500_and_is_applied_once_on_retry(
    stripe_api,  # noqa: F811
    live_event,
    shopper,
    vacuum,
    monkeypatch,
):
    order = checkout(live_event, shopper, (vacuum, 2)).order
    real = payment_outcomes._HANDLERS["payment_intent.succeeded"]
    calls = []

    def fails_once(*args):
        calls.append(1)
        if len(calls) == 1:
            raise IntegrityError(
                'new row violates check constraint "variant_reserved_within_stock"'
            )
        return real(*args)

    monkeypatch.setitem(payment_outcomes._HANDLERS, "payment_intent.succeeded", fails_once)
    payload = intent_event("payment_intent.succeeded", order.payment_intent_id, "evt_once")

    first = deliver(payload)

    # Stripe is told to deliver it again, and nothing was recorded as done.
    assert first.status_code == 500
    assert not PaymentEvent.objects.filter(event_id="evt_once").exists()
    order.refresh_from_db()
    assert order.status == Status.PENDING_PAYMENT
    assert stock(vacuum) == (3, 2)

    retried = deliver(payload)
    again = deliver(payload)

    assert (retried.status_code, retried.content) == (200, b"paid")
    assert (again.status_code, again.content) == (200, b"duplicate")
    order.refresh_from_db()
    assert order.status == Status.PAID
    assert stock(vacuum) == (1, 0)
    assert PaymentEvent.objects.filter(event_id="evt_once").count() == 1


# --- Re-submitting checkout -------------------------------------------------------------------------


def test_a_resubmit_with_a_corrected_address_and_email_takes_the_new_details(
    live_event, shopper, vacuum
):
    cart_add(event=live_event, shopper=shopper, variant_id=vacuum.pk, quantity=2)
    first = checkout_start(event=live_event, shopper=shopper, contact=dict(CONTACT))
    corrected = {**CONTACT, "email": "ada@lovelace.example", "shipping_line1": "14 Analytical Row"}

    second = checkout_start(event=live_event, shopper=shopper, contact=corrected)

    assert second.order.pk != first.order.pk
    assert (second.order.email, second.order.shipping_line1) == (
        "ada@lovelace.example",
        "14 Analytical Row",
    )
    first.order.refresh_from_db()
    assert first.order.status == Status.CANCELLED
    # The units are held once, for the order that can be paid.
    assert stock(vacuum) == (3, 2)
    assert second.intent.id != first.intent.id


def test_a_resubmit_after_a_flash_deal_starts_charges_the_deal_price(
    live_event, shopper, headphones
):
    cart_add(event=live_event, shopper=shopper, variant_id=headphones.pk, quantity=1)
    first = checkout_start(event=live_event, shopper=shopper, contact=dict(CONTACT))
    ShowProduct.objects.filter(event=live_event, product=headphones.product).update(
        live_price=14900
    )

    second = checkout_start(event=live_event, shopper=shopper, contact=dict(CONTACT))

    assert first.order.total == 19900
    assert second.order.total == 14900
    assert second.order.lines.get().unit_price == 14900


def test_a_double_submit_with_the_same_details_is_still_one_order(live_event, shopper, vacuum):
    cart_add(event=live_event, shopper=shopper, variant_id=vacuum.pk, quantity=1)
    first = checkout_start(event=live_event, shopper=shopper, contact=dict(CONTACT))

    second = checkout_start(event=live_event, shopper=shopper, contact=dict(CONTACT))

    assert second.order.pk == first.order.pk
    assert Order.objects.count() == 1


# --- Partial refunds and disputes --------------------------------------------------------------------


def test_a_partial_refund_has_its_own_state_and_amount(paid):
    response = deliver(
        charge_event("charge.refunded", paid.payment_intent_id, amount=49800, amount_refunded=10000)
    )

    assert response.content == b"partially refunded"
    paid.refresh_from_db()
    assert (paid.status, paid.amount_refunded) == (Status.PARTIALLY_REFUNDED, 10000)

    rest = deliver(
        charge_event("charge.refunded", paid.payment_intent_id, amount=49800, amount_refunded=49800)
    )

    assert rest.content == b"refunded"
    paid.refresh_from_db()
    assert (paid.status, paid.amount_refunded) == (Status.REFUNDED, 49800)


def test_a_late_partial_refund_event_never_undoes_a_larger_one(paid):
    deliver(
        charge_event("charge.refunded", paid.payment_intent_id, amount=49800, amount_refunded=20000)
    )
    late = deliver(
        charge_event("charge.refunded", paid.payment_intent_id, amount=49800, amount_refunded=10000)
    )

    assert late.content == b"already refunded"
    paid.refresh_from_db()
    assert paid.amount_refunded == 20000


def test_a_dispute_marks_the_order_and_a_won_dispute_restores_it(paid):
    opened = deliver(
        charge_event("charge.dispute.created", paid.payment_intent_id, reason="fraudulent")
    )

    assert opened.content == b"disputed"
    paid.refresh_from_db()
    assert paid.status == Status.DISPUTED
    assert "fraudulent" in paid.status_reason

    deliver(charge_event("charge.dispute.closed", paid.payment_intent_id, status="won"))

    paid.refresh_from_db()
    assert paid.status == Status.PAID


def test_the_merchant_sees_disputed_orders(paid, brand, make_staff):
    deliver(charge_event("charge.dispute.created", paid.payment_intent_id, reason="fraudulent"))
    owner = make_staff(brand, Membership.Role.OWNER, username="owner")
    client = Client()
    client.force_login(owner)

    page = client.get(reverse("admin:checkout_order_changelist")).content.decode()
    filtered = client.get(
        reverse("admin:checkout_order_changelist") + "?status__exact=disputed"
    ).content.decode()

    assert "Disputed" in page
    assert "$498.00" in page  # money, as people read it
    assert str(paid.number) in filtered


# --- A guest's orders follow them into their account -----------------------------------------------


def test_a_guests_order_and_cart_follow_them_when_they_sign_in(live_event, viewer, vacuum):
    browser = Client()
    post = lambda name, args, payload: browser.post(  # noqa: E731
        reverse(f"checkout:{name}", args=args),
        data=json.dumps(payload),
        content_type="application/json",
        headers={"user-agent": DESKTOP},
    )
    post("cart_add", [live_event.slug], {"variant_id": vacuum.pk, "quantity": 1})
    number = post("checkout_start", [live_event.slug], CONTACT).json()["order"]["number"]
    assert post("test_mode_pay", [number], {"outcome": "succeed"}).json()["status"] == "paid"
    post("cart_add", [live_event.slug], {"variant_id": vacuum.pk, "quantity": 1})

    # Signing in with the real login form changes the session key (Django's session fixation guard).
    signed_in = browser.post(
        reverse("login"), {"username": "viewer", "password": "viewer-password"}
    )

    assert signed_in.status_code == 302
    orders_page = browser.get(reverse("checkout:account_orders")).content.decode()
    assert number in orders_page
    assert Order.objects.get(number=number).user == viewer
    cart = browser.get(reverse("checkout:cart", args=[live_event.slug])).json()
    assert [line["quantity"] for line in cart["lines"]] == [1]
