"""Checkout's background tasks, run eagerly as in the embedded default (no broker): what they do,
that each acts once however often it runs, and that a failing neighbour never breaks a sale.

tests/checkout/test_tasks_worker.py runs them on a real worker, through Redis.
"""

import smtplib
from datetime import timedelta

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from checkout import emails, tasks
from checkout.models import Order
from liveshop.celery import app
from tests.checkout.test_stripe import (  # noqa: F401
    checkout,
    started,
    stock,
    stripe_api,
    webhook,
)

Status = Order.Status


@pytest.fixture
def sold_out_while_paying(stripe_api, started, live_event, guest, vacuum, mailoutbox):  # noqa: F811
    """`started` expired, its units were bought by a guest, then its payment went through while
    Stripe refused the refund: it waits for a refund."""
    tasks.orders_release_expired.delay()  # nothing expired yet
    started.__class__.objects.filter(pk=started.pk).update(
        reserved_until=timezone.now() - timedelta(seconds=1)
    )
    tasks.orders_release_expired.delay()
    webhook("payment_intent.succeeded", checkout(live_event, guest, (vacuum, 3)).order)
    stripe_api.fail_with = 500
    assert webhook("payment_intent.succeeded", started).content == b"sold out, refunding"
    stripe_api.fail_with = None
    mailoutbox.clear()
    return started


# --- The schedule ---------------------------------------------------------------------------------


def test_beat_runs_the_sweep_of_expired_reservations_every_minute():
    schedule = app.conf.beat_schedule

    assert schedule["release-expired-reservations"] == {
        "task": "checkout.tasks.orders_release_expired",
        "schedule": 60.0,
    }
    assert "checkout.tasks.orders_release_expired" in app.tasks


def test_without_a_broker_tasks_run_where_they_are_queued_and_their_failures_stay_there():
    assert app.conf.task_always_eager is True
    assert app.conf.task_eager_propagates is False


@pytest.mark.parametrize(
    ("task", "retried_on"),
    [
        (tasks.refund_sold_out, "PaymentError"),
        (tasks.cancel_intent, "PaymentError"),
        (tasks.order_email_send, "SMTPException"),
    ],
)
def test_tasks_talking_to_a_neighbour_retry_with_backoff(task, retried_on):
    assert retried_on in {kind.__name__ for kind in task.autoretry_for}
    assert task.retry_backoff and task.retry_jitter
    assert task.max_retries >= 5


# --- The sweep ------------------------------------------------------------------------------------


def test_the_sweep_gives_back_the_stock_of_an_abandoned_checkout_and_cancels_its_payment(
    stripe_api,  # noqa: F811
    started,  # noqa: F811
    vacuum,
):
    Order.objects.filter(pk=started.pk).update(reserved_until=timezone.now())

    tasks.orders_release_expired.delay()

    started.refresh_from_db()
    assert (started.status, started.status_reason) == (
        Status.CANCELLED,
        "The reservation expired before payment.",
    )
    assert stock(vacuum) == (3, 0)
    assert stripe_api.cancelled == [started.payment_intent_id]


# --- Refunds --------------------------------------------------------------------------------------


def test_a_refund_task_run_twice_refunds_once_and_tells_the_buyer_once(
    sold_out_while_paying,
    stripe_api,  # noqa: F811
    mailoutbox,
):
    order = sold_out_while_paying

    tasks.refund_sold_out.delay(order_pk=order.pk, attempt="a")
    # run again before Stripe's webhook says it is refunded, with another idempotency key
    tasks.refund_sold_out.delay(order_pk=order.pk, attempt="b")

    assert [r["payment_intent"] for r in stripe_api.refunds] == [order.payment_intent_id]
    assert [e.subject for e in mailoutbox] == ["Your Liveshop order could not be completed"]


def test_a_refund_task_for_a_refunded_order_asks_for_nothing(
    sold_out_while_paying,
    stripe_api,  # noqa: F811
    mailoutbox,
):
    order = sold_out_while_paying
    webhook("charge.refunded", order)
    asked = len(stripe_api.calls)

    tasks.refund_sold_out.delay(order_pk=order.pk, attempt="late")

    assert len(stripe_api.calls) == asked
    assert mailoutbox == []


# --- A failing neighbour never breaks a sale ------------------------------------------------------


def test_a_mail_server_that_fails_does_not_break_the_sale(stripe_api, started, vacuum, monkeypatch):  # noqa: F811
    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("the mail server went away")

    monkeypatch.setattr(emails, "send_mail", refuse)

    response = webhook("payment_intent.succeeded", started)

    assert (response.status_code, response.content) == (200, b"paid")
    started.refresh_from_db()
    assert started.status == Status.PAID
    assert stock(vacuum) == (1, 0)


def test_a_broker_that_cannot_be_reached_does_not_break_the_sale(
    stripe_api,  # noqa: F811
    started,  # noqa: F811
    vacuum,
    monkeypatch,
    caplog,
):
    def unreachable(**kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.order_email_send, "delay", unreachable)

    response = webhook("payment_intent.succeeded", started)

    assert (response.status_code, response.content) == (200, b"paid")
    started.refresh_from_db()
    assert started.status == Status.PAID
    assert "Could not queue checkout.tasks.order_email_send" in caplog.text


def test_an_order_email_task_run_twice_sends_once(stripe_api, started, mailoutbox):  # noqa: F811
    webhook("payment_intent.succeeded", started)
    assert len(mailoutbox) == 1

    tasks.order_email_send.delay(order_pk=started.pk, kind="paid")

    assert len(mailoutbox) == 1
