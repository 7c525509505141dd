"""Stripe, with the real `stripe` library against a local fake of its API, and signed webhooks.

Nothing leaves the machine: the fake server runs in a thread, and webhook payloads are signed with
the library's own signing code.
"""

import json
import time
import uuid
from datetime import timedelta

import pytest
import stripe
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from checkout import payments
from checkout.cart import cart_add
from checkout.errors import PaymentUnavailable
from checkout.models import Order, PaymentEvent, Reservation
from checkout.orders import StartedCheckout, checkout_start
from checkout.payment_outcomes import refunds_retry
from checkout.release import orders_release_expired
from tests.checkout import fake_stripe
from tests.checkout.conftest import CONTACT, run_before_query, run_in_threads

Status = Order.Status
SECRET = "whsec_test"
WEBHOOK = "/stripe/webhook/"


@pytest.fixture
def stripe_api(settings):
    """The fake Stripe API, and the settings that point the provider at it."""
    fake, server = fake_stripe.serve()
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_x"
    settings.STRIPE_API_BASE = fake.url
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    yield fake
    fake_stripe.stop(fake, server)


def stock(variant) -> tuple[int, int]:
    """(stock on hand, reserved)."""
    variant.refresh_from_db()
    return variant.stock_on_hand, variant.reserved


def checkout(event, shopper, *items) -> StartedCheckout:
    for variant, quantity in items:
        cart_add(event=event, shopper=shopper, variant_id=variant.pk, quantity=quantity)
    return checkout_start(event=event, shopper=shopper, contact=dict(CONTACT))


def stripe_event(kind: str, intent_id: str, event_id: str | None = None) -> str:
    """A webhook payload as Stripe sends it."""
    if kind.startswith("charge."):
        obj = {"id": f"ch_{uuid.uuid4().hex}", "object": "charge", "payment_intent": intent_id}
    else:
        obj = {"id": intent_id, "object": "payment_intent"}
    return json.dumps(
        {
            "id": event_id or f"evt_{uuid.uuid4().hex}",
            "object": "event",
            "type": kind,
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": obj},
        }
    )


def deliver(payload: str, *, secret=SECRET, timestamp=None, signature=None, client=None):
    """POST a webhook, signed with the library's own code unless `signature` is given."""
    if signature is None:
        signature = stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp)
    headers = {"stripe-signature": signature} if signature else {}
    return (client or Client()).post(
        WEBHOOK, data=payload, content_type="application/json", headers=headers
    )


def webhook(kind: str, order: Order, event_id: str | None = None):
    return deliver(stripe_event(kind, order.payment_intent_id, event_id))


def state(order: Order, variant) -> dict:
    order.refresh_from_db()
    return {
        "status": order.status,
        "stock": stock(variant),
        "reservations": list(order.reservations.values_list("state", flat=True)),
    }


@pytest.fixture
def started(stripe_api, live_event, shopper, vacuum) -> Order:
    """A checkout of 2 of the 3 vacuums, paid with Stripe."""
    return checkout(live_event, shopper, (vacuum, 2)).order


# --- Which provider ------------------------------------------------------------------------------


def test_with_stripe_keys_payments_go_to_stripe(stripe_api):
    provider = payments.get_provider()

    assert (provider.name, provider.test_mode, provider.publishable_key) == (
        "stripe",
        True,
        "pk_test_x",
    )


def test_a_live_key_is_not_test_mode(settings):
    settings.STRIPE_SECRET_KEY = "sk_live_x"

    assert payments.get_provider().test_mode is False


def test_without_keys_the_embedded_test_mode_completes_payments(settings):
    provider = payments.get_provider()

    assert (provider.name, provider.test_mode) == ("test", True)


def test_test_mode_refuses_to_run_unless_allowed(settings):
    settings.PAYMENTS_ALLOW_TEST_MODE = False

    with pytest.raises(ImproperlyConfigured) as refused:
        payments.get_provider()

    assert "Set STRIPE_SECRET_KEY" in str(refused.value)
    assert "PAYMENTS_ALLOW_TEST_MODE=true" in str(refused.value)


# --- Creating the payment -------------------------------------------------------------------------


def test_checkout_creates_one_payment_intent_for_the_servers_amount(
    stripe_api, live_event, shopper, vacuum, headphones
):
    begun = checkout(live_event, shopper, (vacuum, 2), (headphones, 1))

    [call] = stripe_api.calls
    assert (call.method, call.path) == ("POST", "/v1/payment_intents")
    assert call.idempotency_key == f"liveshop-order-{begun.order.number}"
    assert call.params["amount"] == str(2 * 24900 + 19900)
    assert call.params["currency"] == "usd"
    assert call.params["receipt_email"] == "ada@example.com"
    assert call.params["metadata[order]"] == str(begun.order.number)
    assert call.params["metadata[event]"] == live_event.slug
    [intent] = stripe_api.intents.values()
    assert begun.intent.id == intent["id"] == Order.objects.get().payment_intent_id
    assert begun.intent.client_secret == intent["client_secret"]
    assert begun.order.payment_provider == "stripe"


def test_the_page_gets_what_the_payment_element_needs(stripe_api, live_event, vacuum):
    client = Client()
    client.post(
        reverse("checkout:cart_add", args=[live_event.slug]),
        data={"variant_id": vacuum.pk, "quantity": 1, "price": 1},
        content_type="application/json",
    )

    response = client.post(
        reverse("checkout:checkout_start", args=[live_event.slug]),
        data={**CONTACT, "amount": 1},
        content_type="application/json",
    )

    [intent] = stripe_api.intents.values()
    assert intent["amount"] == 24900
    assert response.json()["payment"] == {
        "provider": "stripe",
        "test_mode": True,
        "client_secret": intent["client_secret"],
        "publishable_key": "pk_test_x",
    }


def test_a_double_submit_creates_no_second_intent(stripe_api, live_event, shopper, vacuum):
    first = checkout(live_event, shopper, (vacuum, 2))
    second = checkout_start(event=live_event, shopper=shopper, contact=dict(CONTACT))

    assert len(stripe_api.intents) == 1
    assert second.order.pk == first.order.pk
    assert second.intent == first.intent
    keys = {call.idempotency_key for call in stripe_api.calls_to("/v1/payment_intents")}
    assert keys == {f"liveshop-order-{first.order.number}"}
    assert stock(vacuum) == (3, 2)


def test_a_changed_cart_cancels_the_replaced_payment(
    stripe_api, live_event, shopper, vacuum, headphones
):
    first = checkout(live_event, shopper, (vacuum, 1))

    second = checkout(live_event, shopper, (headphones, 1))

    assert stripe_api.cancelled == [first.intent.id]
    assert second.intent.id != first.intent.id
    assert stripe_api.intents[second.intent.id]["amount"] == 24900 + 19900


def test_when_stripe_refuses_the_checkout_fails_clearly_and_the_stock_goes_back(
    stripe_api, live_event, shopper, vacuum
):
    stripe_api.fail_with = 400

    with pytest.raises(PaymentUnavailable) as refused:
        checkout(live_event, shopper, (vacuum, 2))

    assert refused.value.message == "The payment service is not answering; try again in a moment."
    order = Order.objects.get()
    assert (order.status, order.status_reason) == (Status.CANCELLED, "Payment service unavailable.")
    assert stock(vacuum) == (3, 0)


def test_when_stripe_hangs_checkout_answers_unavailable_within_the_timeout(
    stripe_api, live_event, vacuum, settings
):
    # given a Stripe that takes requests but never answers, and a one-second timeout
    settings.STRIPE_TIMEOUT_SECONDS = 1
    stripe_api.hang = True
    client = Client()
    client.post(
        reverse("checkout:cart_add", args=[live_event.slug]),
        data={"variant_id": vacuum.pk, "quantity": 2},
        content_type="application/json",
    )

    # when the buyer checks out
    began = time.monotonic()
    response = client.post(
        reverse("checkout:checkout_start", args=[live_event.slug]),
        data=CONTACT,
        content_type="application/json",
    )
    elapsed = time.monotonic() - began

    # then the page is told at once (no network retries stretch the wait) that payments are down
    assert elapsed < 3, f"the checkout waited {elapsed:.1f} s"
    assert response.status_code == 503
    assert response.json() == {
        "error": "The payment service is not answering; try again in a moment.",
        "code": "payment_unavailable",
    }
    # and nothing stays held
    order = Order.objects.get()
    assert (order.status, order.status_reason) == (Status.CANCELLED, "Payment service unavailable.")
    assert stock(vacuum) == (3, 0)


def test_a_refund_to_a_hanging_stripe_gives_up_after_its_timeout_and_retries(
    stripe_api, started, settings
):
    # given a Stripe that stopped answering, and a half-second timeout
    settings.STRIPE_TIMEOUT_SECONDS = 0.5
    stripe_api.hang = True

    # when a refund is asked for (in a task: it may retry, with the same idempotency key)
    began = time.monotonic()
    with pytest.raises(payments.PaymentError):
        payments.get_provider().refund(order=started)

    # then it fails after its few network tries, not after the library's 80 s
    assert time.monotonic() - began < 5


def test_an_expired_reservation_cancels_its_payment(stripe_api, started, vacuum):
    orders_release_expired(now=timezone.now() + timedelta(minutes=11))

    assert stripe_api.cancelled == [started.payment_intent_id]
    assert stock(vacuum) == (3, 0)


# --- Webhook signatures ---------------------------------------------------------------------------


def test_a_signed_succeeded_event_pays_the_order(started, vacuum, mailoutbox):
    response = webhook("payment_intent.succeeded", started)

    assert (response.status_code, response.content) == (200, b"paid")
    assert state(started, vacuum) == {
        "status": Status.PAID,
        "stock": (1, 0),
        "reservations": ["sold"],
    }
    assert [email.subject for email in mailoutbox] == ["Your Liveshop order is confirmed"]


@pytest.mark.parametrize(
    "forgery",
    ["missing signature", "wrong secret", "altered body", "stale timestamp", "garbage header"],
)
def test_a_webhook_without_a_valid_signature_is_refused_and_changes_nothing(
    started, vacuum, forgery, mailoutbox
):
    payload = stripe_event("payment_intent.succeeded", started.payment_intent_id)
    if forgery == "missing signature":
        response = deliver(payload, signature="")
    elif forgery == "wrong secret":
        response = deliver(payload, secret="whsec_attacker")
    elif forgery == "altered body":
        signed = stripe.WebhookSignature.generate_signature_header(payload, SECRET)
        response = deliver(payload.replace("succeeded", "succeeded "), signature=signed)
    elif forgery == "stale timestamp":
        response = deliver(payload, timestamp=int(time.time()) - 301)
    else:
        response = deliver(payload, signature="t=yesterday,v1=nonsense")

    assert response.status_code == 400
    assert state(started, vacuum) == {
        "status": Status.PENDING_PAYMENT,
        "stock": (3, 2),
        "reservations": ["held"],
    }
    assert not PaymentEvent.objects.exists()
    assert mailoutbox == []


def test_a_replayed_webhook_with_its_old_signature_is_refused(started, vacuum):
    payload = stripe_event("payment_intent.succeeded", started.payment_intent_id)
    old = stripe.WebhookSignature.generate_signature_header(payload, SECRET, int(time.time()) - 600)

    assert deliver(payload, signature=old).status_code == 400
    assert state(started, vacuum)["status"] == Status.PENDING_PAYMENT


def test_webhooks_are_refused_when_no_secret_is_configured(started, vacuum, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""

    response = webhook("payment_intent.succeeded", started)

    assert response.status_code == 400
    assert state(started, vacuum)["status"] == Status.PENDING_PAYMENT


def test_the_webhook_only_accepts_post(stripe_api):
    assert Client().get(WEBHOOK).status_code == 405


# --- Each event once ------------------------------------------------------------------------------


def test_the_same_event_delivered_twice_is_applied_once(started, vacuum, mailoutbox):
    first = webhook("payment_intent.succeeded", started, event_id="evt_once")
    again = webhook("payment_intent.succeeded", started, event_id="evt_once")

    assert (first.content, again.content) == (b"paid", b"duplicate")
    assert again.status_code == 200  # Stripe must stop retrying
    assert state(started, vacuum)["stock"] == (1, 0)
    assert PaymentEvent.objects.count() == 1
    assert len(mailoutbox) == 1


def test_a_redelivery_racing_past_the_duplicate_check_is_still_applied_once(
    started, vacuum, mailoutbox
):
    payload = stripe_event("payment_intent.succeeded", started.payment_intent_id, "evt_race")

    # when the first delivery commits after the second checked "seen before?" and before the
    # second opens its transaction
    def first_delivery():
        assert deliver(payload).content == b"paid"

    with run_before_query("SAVEPOINT", first_delivery):
        second = deliver(payload)

    # then the event id, stored with the effect, stops the second one
    assert second.content == b"duplicate"
    assert state(started, vacuum)["stock"] == (1, 0)
    assert PaymentEvent.objects.count() == 1
    assert len(mailoutbox) == 1


def test_another_event_of_the_same_payment_is_not_a_duplicate(started, vacuum):
    webhook("payment_intent.succeeded", started, event_id="evt_1")
    refunded = webhook("charge.refunded", started, event_id="evt_2")

    assert refunded.content == b"refunded"
    assert PaymentEvent.objects.count() == 2


# --- Whatever the order of delivery ---------------------------------------------------------------


def test_a_failure_reported_after_the_success_changes_nothing(started, vacuum):
    webhook("payment_intent.succeeded", started)

    assert webhook("payment_intent.payment_failed", started).content == b"not pending"
    assert webhook("payment_intent.canceled", started).content == b"not pending"

    assert state(started, vacuum) == {
        "status": Status.PAID,
        "stock": (1, 0),
        "reservations": ["sold"],
    }


def test_a_refund_reported_before_the_success_leaves_the_order_refunded(started, vacuum):
    assert webhook("charge.refunded", started).content == b"refunded"
    assert state(started, vacuum) == {
        "status": Status.REFUNDED,
        "stock": (3, 0),
        "reservations": ["released"],
    }

    assert webhook("payment_intent.succeeded", started).content == b"already settled"

    assert state(started, vacuum)["status"] == Status.REFUNDED
    assert state(started, vacuum)["stock"] == (3, 0)


def test_a_refund_of_a_paid_order_marks_it_refunded(started, vacuum):
    webhook("payment_intent.succeeded", started)

    webhook("charge.refunded", started)

    # the goods may have shipped: putting them back on sale is the merchant's call
    assert state(started, vacuum) == {
        "status": Status.REFUNDED,
        "stock": (1, 0),
        "reservations": ["sold"],
    }


def test_a_failed_attempt_gives_the_stock_back_and_a_later_success_takes_it_again(started, vacuum):
    assert webhook("payment_intent.payment_failed", started).content == b"released"
    assert state(started, vacuum)["stock"] == (3, 0)

    # the buyer tries another card on the same payment
    assert webhook("payment_intent.succeeded", started).content == b"paid"

    assert state(started, vacuum) == {
        "status": Status.PAID,
        "stock": (1, 0),
        "reservations": ["sold"],
    }


def test_a_success_after_the_payment_was_cancelled_takes_the_free_stock(started, vacuum):
    assert webhook("payment_intent.canceled", started).content == b"released"

    assert webhook("payment_intent.succeeded", started).content == b"paid"

    assert state(started, vacuum) == {
        "status": Status.PAID,
        "stock": (1, 0),
        "reservations": ["sold"],
    }


def test_a_success_after_expiry_when_the_stock_was_sold_is_refunded_and_the_buyer_told(
    stripe_api, started, live_event, guest, vacuum, mailoutbox
):
    # given an order whose reservation expired, and whose units another buyer then bought
    orders_release_expired(now=timezone.now() + timedelta(minutes=11))
    other = checkout(live_event, guest, (vacuum, 3)).order
    webhook("payment_intent.succeeded", other)
    mailoutbox.clear()

    # when the late payment succeeds anyway
    response = webhook("payment_intent.succeeded", started)

    # then Stripe is asked to refund it, once, and the buyer is told
    assert response.content == b"sold out, refunding"
    assert [r["payment_intent"] for r in stripe_api.refunds] == [started.payment_intent_id]
    [refund_call] = stripe_api.calls_to("/v1/refunds")
    assert refund_call.idempotency_key == f"liveshop-refund-{started.number}"
    assert [(e.to, e.subject) for e in mailoutbox] == [
        (["ada@example.com"], "Your Liveshop order could not be completed")
    ]
    started.refresh_from_db()
    assert started.status == Status.CANCELLED
    assert started.status_reason == "Sold out while you paid; your payment is refunded."
    # and the other buyer keeps the units
    assert stock(vacuum) == (0, 0)

    # when Stripe confirms the refund, the order is refunded
    assert webhook("charge.refunded", started).content == b"refunded"
    assert state(started, vacuum)["status"] == Status.REFUNDED
    assert stock(vacuum) == (0, 0)


def test_a_refund_that_failed_can_be_retried_from_the_order_list(
    stripe_api, started, live_event, guest, vacuum, mailoutbox
):
    # given a late payment for units sold meanwhile, whose refund Stripe refused at first
    orders_release_expired(now=timezone.now() + timedelta(minutes=11))
    webhook("payment_intent.succeeded", checkout(live_event, guest, (vacuum, 3)).order)
    mailoutbox.clear()
    stripe_api.fail_with = 500
    webhook("payment_intent.succeeded", started)
    assert stripe_api.refunds == [] and mailoutbox == []

    # when Stripe is back and staff retry the refunds of these orders
    stripe_api.fail_with = None
    retried = refunds_retry(orders=Order.objects.all())

    # then the refund is asked again (for this order only) and the buyer is told
    assert retried == 1
    assert [r["payment_intent"] for r in stripe_api.refunds] == [started.payment_intent_id]
    assert [e.subject for e in mailoutbox] == ["Your Liveshop order could not be completed"]
    # and once refunded, a retry does nothing
    webhook("charge.refunded", started)
    assert refunds_retry(orders=Order.objects.all()) == 0


@pytest.mark.parametrize(
    "kind",
    [
        "payment_intent.created",
        "payment_intent.processing",
        "payment_intent.requires_action",
        "payment_intent.amount_capturable_updated",
        "charge.succeeded",
        "charge.pending",
    ],
)
def test_only_a_succeeded_payment_fulfils_an_order(started, vacuum, kind, mailoutbox):
    response = webhook(kind, started)

    assert (response.status_code, response.content) == (200, b"ignored")
    assert state(started, vacuum) == {
        "status": Status.PENDING_PAYMENT,
        "stock": (3, 2),
        "reservations": ["held"],
    }
    assert mailoutbox == []


def test_an_event_for_an_unknown_payment_is_acknowledged_and_changes_nothing(started, vacuum):
    response = deliver(stripe_event("payment_intent.succeeded", "pi_someone_elses"))

    assert (response.status_code, response.content) == (200, b"unknown payment")
    assert state(started, vacuum)["status"] == Status.PENDING_PAYMENT
    assert state(started, vacuum)["stock"] == (3, 2)


def test_a_charge_event_without_a_payment_is_acknowledged(started, vacuum):
    payload = json.loads(stripe_event("charge.refunded", "pi_x"))
    payload["data"]["object"]["payment_intent"] = None

    response = deliver(json.dumps(payload))

    assert response.status_code == 200
    assert state(started, vacuum)["status"] == Status.PENDING_PAYMENT


# --- Twenty deliveries at once --------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_same_event_delivered_twenty_times_at_once_is_applied_once(
    stripe_api, live_event, shopper, vacuum, mailoutbox
):
    order = checkout(live_event, shopper, (vacuum, 2)).order
    payload = stripe_event("payment_intent.succeeded", order.payment_intent_id, "evt_storm")

    responses = run_in_threads(20, lambda n: deliver(payload))

    assert all(r.status_code == 200 for r in responses), responses
    assert sorted(r.content for r in responses) == [b"duplicate"] * 19 + [b"paid"]
    assert PaymentEvent.objects.count() == 1
    assert state(order, vacuum) == {
        "status": Status.PAID,
        "stock": (1, 0),
        "reservations": ["sold"],
    }
    assert Reservation.objects.filter(state=Reservation.State.SOLD).count() == 1
    assert len(mailoutbox) == 1
