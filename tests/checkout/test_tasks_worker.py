"""Background tasks on a real Celery worker, through Redis: the PostgreSQL + Redis leg of CI.

A server process (daphne) queues the tasks, `celery -A liveshop worker` runs them, and `celery -A
liveshop beat` runs the sweep on its schedule, all against this test run's database. They use the
Redis of REDIS_URL with another database number and a queue of this run's own, so nothing else
consumes their tasks. Without REDIS_URL (the embedded default) there is no broker: skipped.
"""

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
import redis
import stripe
from django.conf import settings
from django.utils import timezone

from checkout.models import Order
from checkout.release import orders_release_expired
from tests import servers
from tests.checkout.test_stripe import (  # noqa: F401
    SECRET,
    checkout,
    started,
    stock,
    stripe_api,
    stripe_event,
    webhook,
)
from tests.servers import ROOT, asgi_server

REDIS_URL = os.environ.get("REDIS_URL", "")

pytestmark = [
    pytest.mark.skipif(
        not REDIS_URL,
        reason="needs a broker: REDIS_URL is set in the PostgreSQL + Redis leg of .ci/run",
    ),
    pytest.mark.django_db(transaction=True),
]

Status = Order.Status


@pytest.fixture
def broker() -> Iterator[dict[str, str]]:
    """The environment that makes a process queue on (or consume) this test's own queue."""
    match = re.fullmatch(r"(redis://[^/]+)(?:/(\d+))?", REDIS_URL)
    assert match, f"REDIS_URL must look like redis://host:port/db, not {REDIS_URL!r}"
    url = f"{match[1]}/{(int(match[2] or 0) + 1) % 16}"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.ConnectionError:
        pytest.fail(f"REDIS_URL is set but Redis does not answer at {url}")
    queue = f"liveshop-test-{uuid.uuid4().hex[:12]}"
    yield {"REDIS_URL": url, "TEST_CELERY_QUEUE": queue}
    client = redis.Redis.from_url(url)
    client.delete(
        queue,
        *client.keys(f"*{queue}*"),
        *client.keys(f"{settings.LIVESHOP_REDIS_PREFIX}:*order-email-sent:*"),
    )
    client.close()


@contextmanager
def celery(*args: str, env: dict[str, str], ready: str) -> Iterator["Process"]:
    """`celery -A liveshop <args>` against the test database; returns once `ready` is printed."""
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "liveshop", *args],
            cwd=ROOT,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "tests.settings",
                "DATABASE_URL": servers.test_database_url(),
                **env,
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        running = Process(process, log)
        try:
            running.wait_for(ready, timeout=60)
            yield running
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)  # a warm shutdown: the current task finishes
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(10)


class Process:
    def __init__(self, process: subprocess.Popen, log):
        self.process, self.log = process, log

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output():
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"celery exited with {self.process.returncode}:\n{self.output()}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(f"celery never printed {text!r}:\n{self.output()[-4000:]}")
            time.sleep(0.1)


def worker(env: dict[str, str]):
    return celery(
        "worker",
        "--pool=solo",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        f"--queues={env['TEST_CELERY_QUEUE']}",
        f"--hostname={env['TEST_CELERY_QUEUE']}@%h",
        env=env,
        ready=" ready.",
    )


def eventually(check, *, timeout: float = 60, what: str = "", output=lambda: ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen within {timeout} s\n{output()[-4000:]}")


def test_beat_and_the_worker_give_back_an_abandoned_checkouts_stock(
    live_event, shopper, vacuum, broker, tmp_path
):
    # given a test-mode checkout of 2 of the 3 vacuums, abandoned: its reservation ran out
    order = checkout(live_event, shopper, (vacuum, 2)).order
    Order.objects.filter(pk=order.pk).update(reserved_until=timezone.now() - timedelta(seconds=1))
    assert stock(vacuum) == (3, 2)

    # when beat (its schedule shortened to a second) and a worker run, and nobody visits
    with (
        worker(broker) as running,
        celery(
            "beat",
            "--loglevel=INFO",
            f"--schedule={tmp_path / 'beat-schedule'}",
            env={**broker, "TEST_SWEEP_SECONDS": "1"},
            ready="beat: Starting",
        ),
    ):
        # then the worker's sweep gives the stock back
        eventually(
            lambda: Order.objects.get(pk=order.pk).status == Status.CANCELLED,
            what="the sweep",
            output=running.output,
        )
        running.wait_for("checkout.tasks.orders_release_expired", timeout=5)
    order.refresh_from_db()
    assert order.status_reason == "The reservation expired before payment."
    assert stock(vacuum) == (3, 0)


def test_a_sale_lost_while_paying_is_refunded_by_the_worker_which_retries(
    stripe_api,  # noqa: F811
    started,  # noqa: F811
    live_event,
    guest,
    vacuum,
    broker,
):
    # given a checkout whose reservation expired, whose units another buyer then bought
    orders_release_expired(now=timezone.now() + timedelta(minutes=11))
    webhook("payment_intent.succeeded", checkout(live_event, guest, (vacuum, 3)).order)
    # and a Stripe that fails the next request
    stripe_api.fail_times = 1
    stripe_env = {
        "STRIPE_SECRET_KEY": "sk_test_x",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_x",
        "STRIPE_WEBHOOK_SECRET": SECRET,
        "STRIPE_API_BASE": stripe_api.url,
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
    }
    env = {**broker, **stripe_env}

    with asgi_server(**env) as server, worker(env) as running:
        # when the late payment's webhook reaches a server process
        payload = stripe_event("payment_intent.succeeded", started.payment_intent_id)
        request = urllib.request.Request(
            f"{server.http}/stripe/webhook/",
            data=payload.encode(),
            headers={
                "Content-Type": "application/json",
                "Stripe-Signature": stripe.WebhookSignature.generate_signature_header(
                    payload, SECRET
                ),
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            # then it answers at once: the refund is the worker's
            assert response.read() == b"sold out, refunding"

        # and the worker refunds it, after retrying the failed try with a key of its own
        eventually(lambda: stripe_api.refunds, what="the refund", output=running.output)
        running.wait_for("Your Liveshop order could not be completed", timeout=30)

    assert [r["payment_intent"] for r in stripe_api.refunds] == [started.payment_intent_id]
    keys = [call.idempotency_key for call in stripe_api.calls_to("/v1/refunds")]
    first = f"liveshop-refund-{started.number}"
    assert keys[0] == first and keys[-1] == f"{first}-try1", keys
    assert set(keys) == {first, f"{first}-try1"}
    started.refresh_from_db()
    assert started.status == Status.CANCELLED  # until Stripe's charge.refunded webhook
    assert stock(vacuum) == (0, 0)
