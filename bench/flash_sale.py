"""Flash sale on PostgreSQL over HTTP: one variant with U units, B buyers at once, two processes.

Each buyer is a guest with its own session and keep-alive connection, from one of many 127.0.0.x
addresses (the per-IP rate limits count per address). All of them add one unit to the cart at once;
then, the deal dropping, all of them start checkout at once (test-mode payments). A 503 with
Retry-After is sent again after that long, as the page does. Exactly U checkouts must succeed and
every other buyer be told it sold out; at the end the database must hold U units reserved, U
pending orders, and stock never below zero. Successful reservations per second (U over the time
from the checkouts' start to the last success) is compared with pgbench running the same
transaction (a conditional stock UPDATE and an order INSERT) on the same PostgreSQL in the same
run; both phases' rates and latencies are reported.
"""

import asyncio
import html
import json
import re
import secrets
import subprocess
import tempfile
import time
from collections import Counter
from urllib.parse import urlsplit

from bench import lib

CONTACT = {
    "email": "buyer@example.com",
    "shipping_name": "Ada Lovelace",
    "shipping_line1": "12 Analytical Row",
    "shipping_line2": "",
    "shipping_city": "London",
    "shipping_region": "",
    "shipping_postal_code": "N1 9GU",
    "shipping_country": "GB",
}

SETUP = """
import django, json; django.setup()
from events.models import LiveEvent
from catalog.models import Variant
event = LiveEvent.objects.get(slug=%(slug)r)
product_id = event.run_of_show.values_list('product_id', flat=True).first()
variant = Variant.objects.filter(product_id=product_id).order_by('pk').first()
# Bench set-up, before any server runs: this variant alone has stock, %(units)d units, none held.
Variant.objects.filter(pk=variant.pk).update(stock_on_hand=%(units)d, reserved=0)
print(json.dumps({"variant": variant.pk, "platforms": event.purchase_platforms}))
"""

CHECK = """
import django, json; django.setup()
from catalog.models import Variant
from checkout.models import Order, Reservation
v = Variant.objects.get(pk=%(variant)d)
print(json.dumps({
    "stock_on_hand": v.stock_on_hand, "reserved": v.reserved,
    "pending_orders": Order.objects.filter(status=Order.Status.PENDING_PAYMENT).count(),
    "held": Reservation.objects.filter(state=Reservation.State.HELD, variant=v).count(),
}))
"""

# A buyer who has no answer after this long has given up (counted as a timeout).
BUYER_TIMEOUT = 120.0

USER_AGENTS = {
    "desktop": "Mozilla/5.0 (X11; Linux x86_64) bench",
    "ios": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) bench",
}


async def buyers(ports: list[int], n: int, variant: int, user_agent: str, slug: str) -> dict:
    """Every buyer adds the item to the cart, all at once; then, when the last cart is filled (the
    deal drops), every buyer checks out at once. Both phases are timed; the reservations per
    second are the second's."""
    outcomes: Counter = Counter()
    waits: list[float] = []
    clients = [
        lib.HTTPClient(ports[i % len(ports)], lib.SOURCES[i % len(lib.SOURCES)], retry_busy=True)
        for i in range(n)
    ]
    headers = []
    for client in clients:
        token = secrets.token_hex(16)  # a CSRF secret of our own, as the cookie and the header
        client.cookies["csrftoken"] = token
        headers.append(
            {"Content-Type": "application/json", "X-CSRFToken": token, "User-Agent": user_agent}
        )

    async def phase(step) -> tuple[list[bool], float, list[float]]:
        start = time.perf_counter()
        finished: list[float] = []

        async def one(i: int) -> bool:
            began = time.perf_counter()
            try:
                async with asyncio.timeout(BUYER_TIMEOUT):
                    ok = await step(clients[i], headers[i])
            except TimeoutError:
                outcomes["timeout"] += 1
                ok = False
            except Exception as exc:
                outcomes[f"error {type(exc).__name__}"] += 1
                ok = False
            waits.append((time.perf_counter() - began) * 1000)
            if ok:
                finished.append(time.perf_counter() - start)
            return ok

        results = await asyncio.gather(*(one(i) for i in range(n)))
        return list(results), time.perf_counter() - start, finished

    async def add(client, headers) -> bool:
        status, body = await client.request(
            "POST",
            f"/events/{slug}/buy/cart/add/",
            json.dumps({"variant_id": variant, "quantity": 1}).encode(),
            headers,
        )
        if status != 200:
            outcomes[f"cart {status} {_code(body)}"] += 1
        return status == 200

    async def checkout(client, headers) -> bool:
        status, body = await client.request(
            "POST", f"/events/{slug}/buy/checkout/", json.dumps(CONTACT).encode(), headers
        )
        if status == 200:
            outcomes["reserved"] += 1
        else:
            outcomes[f"checkout {status} {_code(body)}"] += 1
        return status == 200

    try:
        added, add_seconds, _ = await phase(add)
        waits_add, waits[:] = list(waits), []
        _, checkout_seconds, successes = await phase(checkout)
    finally:
        await asyncio.gather(*(c.close() for c in clients))
    return {
        "outcomes": dict(outcomes),
        "carts_filled": sum(added),
        "add_seconds": round(add_seconds, 3),
        "adds_per_second": round(n / add_seconds, 1),
        "add_ms": lib.latency_summary(waits_add),
        "seconds_to_last_success": round(max(successes), 3) if successes else None,
        "checkout_seconds": round(checkout_seconds, 3),
        "seconds_total": round(add_seconds + checkout_seconds, 3),
        "checkout_ms": lib.latency_summary(waits),
        "busy_retries": sum(c.busy_retries for c in clients),
    }


def _code(body: bytes) -> str:
    """The JSON error code, or the exception named in a DEBUG error page's title."""
    try:
        return json.loads(body).get("code", "")
    except ValueError:
        kind = re.search(rb'<meta name="robots"[^>]*>\s*<title>(\S+)', body)
        value = re.search(rb'<pre class="exception_value">(.*?)</pre>', body, re.S)
        found = b" ".join(m.group(1) for m in (kind, value) if m)
        return " ".join(html.unescape(found.decode(errors="replace")).split())[:160]


PGBENCH_SETUP = """
DROP TABLE IF EXISTS bench_stock, bench_orders;
CREATE TABLE bench_stock (id int PRIMARY KEY, stock_on_hand int NOT NULL, reserved int NOT NULL,
  CHECK (reserved >= 0 AND reserved <= stock_on_hand));
CREATE TABLE bench_orders (id bigserial PRIMARY KEY, buyer int NOT NULL, quantity int NOT NULL,
  created_at timestamptz NOT NULL);
INSERT INTO bench_stock VALUES (1, 2000000000, 0);
"""

PGBENCH_SCRIPT = """\\set buyer random(1, 1000000)
BEGIN;
UPDATE bench_stock SET reserved = reserved + 1 WHERE id = 1 AND stock_on_hand >= reserved + 1;
INSERT INTO bench_orders (buyer, quantity, created_at) VALUES (:buyer, 1, now());
END;
"""


def pgbench(database_url: str, *, seconds: int, clients: int = 16) -> dict:
    """Transactions per second of the reservation alone, in PostgreSQL (one hot row, as in the
    sale; the stock is large enough that every UPDATE reserves)."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(PGBENCH_SETUP)
    url = urlsplit(database_url)
    with tempfile.NamedTemporaryFile("w", suffix=".sql") as script:
        script.write(PGBENCH_SCRIPT)
        script.flush()
        args = ["pgbench", "-n", "-f", script.name, "-c", str(clients), "-j", "1"]
        args += ["-T", str(seconds), "-h", url.hostname or "127.0.0.1", "-p", str(url.port or 5432)]
        args += ["-U", url.username or "postgres", url.path.lstrip("/")]
        out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    tps = next(
        float(line.split("=")[1].split()[0]) for line in out.splitlines() if line.startswith("tps")
    )
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("DROP TABLE bench_stock, bench_orders")
    return {"tps": round(tps, 1), "clients": clients, "seconds": seconds}


def run(shop: lib.Liveshop, *, units: int, n: int, pgbench_seconds: int) -> dict:
    setup = json.loads(
        lib.django_script(shop.env, SETUP % {"slug": lib.SLUG, "units": units}).splitlines()[-1]
    )
    agent = USER_AGENTS["desktop" if "desktop" in setup["platforms"] else "ios"]
    with lib.server("daphne", shop.env) as a, lib.server("daphne", shop.env) as b:
        sale = asyncio.run(buyers([a.port, b.port], n, setup["variant"], agent, lib.SLUG))
    db = json.loads(lib.django_script(shop.env, CHECK % setup).splitlines()[-1])
    floor = pgbench(shop.env["DATABASE_URL"], seconds=pgbench_seconds)
    reserved = sale["outcomes"].get("reserved", 0)
    sold_out = sum(v for k, v in sale["outcomes"].items() if k.endswith(" sold_out"))
    rate = reserved / sale["seconds_to_last_success"] if reserved else 0.0
    return {
        "units": units,
        "buyers": n,
        "processes": 2,
        **sale,
        "database": db,
        "reserved": reserved,
        "refused_sold_out": sold_out,
        "reservations_per_second": round(rate, 1),
        "checkouts_per_second": round(n / sale["checkout_seconds"], 1),
        "pgbench": floor,
        # Exactly `units` winners, every other buyer told it sold out, nothing else.
        "correct": reserved == units
        and reserved + sold_out == n
        and db["reserved"] == units
        and db["held"] == units
        and db["stock_on_hand"] >= db["reserved"] >= 0,
    }


def describe(r: dict) -> str:
    return (
        f"{'flash sale':>28}: {r['reserved']}/{r['units']} reserved by {r['buyers']} buyers "
        f"{r['outcomes']}; adds {r['add_seconds']} s, checkouts: last success "
        f"{r['seconds_to_last_success']} s, all {r['checkout_seconds']} s, "
        f"{r['busy_retries']} sent again; {r['reservations_per_second']}/s vs pgbench {r['pgbench']['tps']}/s, "
        f"db {r['database']}, correct {r['correct']}"
    )
