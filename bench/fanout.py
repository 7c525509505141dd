"""Fan-out benchmark: from a host's click to the last of N viewers, Liveshop against the floor.

N viewers connect to one server process. Each round the host features a product; we time from the
moment the host's command is sent to the moment the last viewer has the `featured` message, and
count viewers that never got it. The same client (one asyncio process, `websockets`) measures the
Liveshop server (daphne, one process, the embedded default: SQLite and the in-memory channel layer)
and the floor (bench/floor_server.py: a minimal `websockets` broadcast server) in the same run.

    python bench/fanout.py [--viewers 1000] [--rounds 25]

Prints p50/p99 for both and their ratio; docs/benchmarks.md records the results.
"""

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import websockets

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers import daphne_command, free_port, wait_until_listening  # noqa: E402

ORIGIN = "http://127.0.0.1"
CONNECT_CONCURRENCY = 50


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


@contextmanager
def process(args: list[str], *, env: dict, port: int):
    proc = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_until_listening(proc, port)
        yield proc
    finally:
        proc.terminate()
        proc.wait(10)


def liveshop_env(workdir: Path) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "liveshop.settings",
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "MEDIA_ROOT": str(workdir / "media"),
        "ENV_FILE": str(workdir / "no.env"),
        "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
        # Viewer counts would interleave their own messages; this measures the host's changes.
        "LIVESHOP_PRESENCE_INTERVAL": "3600",
    }


def prepare_liveshop(env: dict) -> tuple[str, list[int], str]:
    """Migrate and seed the demo; return the host's session cookie, product ids, show slug."""
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [python, "manage.py", "seed_demo"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )
    script = (
        "import django, json; django.setup();"
        "from django.test import Client; from django.contrib.auth.models import User;"
        "from events.models import LiveEvent;"
        "c = Client(); c.force_login(User.objects.get(username='waltmart'));"
        "e = LiveEvent.objects.get(slug='cyber-week-live');"
        "print(json.dumps([c.cookies['sessionid'].value, list(e.run_of_show.values_list('product_id', flat=True))]))"
    )
    out = subprocess.run(
        [python, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    session, products = json.loads(out.stdout.strip().splitlines()[-1])
    return f"sessionid={session}", products, "cyber-week-live"


async def connect_viewers(url: str, count: int) -> list:
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def one():
        async with gate:
            socket = await websockets.connect(
                url, origin=ORIGIN, max_size=2**22, ping_interval=None, open_timeout=60
            )
            await socket.recv()  # the state snapshot
            return socket

    return await asyncio.gather(*(one() for _ in range(count)))


async def run_rounds(
    url: str, host_headers: dict, viewers: int, rounds: int, products: list[int]
) -> dict:
    sockets = await connect_viewers(url, viewers)
    host = await websockets.connect(
        url + "?console=1", origin=ORIGIN, additional_headers=host_headers, ping_interval=None
    )
    await host.recv()
    arrivals: dict[int, list[float]] = {}

    async def listen(socket):
        async for text in socket:
            message = json.loads(text)
            if message.get("type") == "featured":
                arrivals.setdefault(message["product"]["id"], []).append(time.perf_counter())

    listeners = [asyncio.create_task(listen(s)) for s in sockets]
    latencies, lost = [], 0
    try:
        for n in range(rounds):
            product = products[n % len(products)]
            arrivals.pop(product, None)
            await asyncio.sleep(0.6)  # the host stays within the websocket flood limit
            sent = time.perf_counter()
            await host.send(json.dumps({"type": "feature", "product_id": product}))
            deadline = time.monotonic() + 10
            while len(arrivals.get(product, ())) < viewers and time.monotonic() < deadline:
                await asyncio.sleep(0.001)
            got = arrivals.get(product, [])
            lost += viewers - len(got)
            if got:
                latencies.append((max(got) - sent) * 1000)
    finally:
        for task in listeners:
            task.cancel()
        await asyncio.gather(*(s.close() for s in [*sockets, host]), return_exceptions=True)
    return {"latencies": latencies, "lost": lost}


def summary(name: str, result: dict) -> dict:
    values = result["latencies"]
    row = {
        "name": name,
        "p50": statistics.median(values),
        "p99": percentile(values, 99),
        "max": max(values),
        "lost": result["lost"],
    }
    print(
        f"{name:>10}: p50 {row['p50']:7.1f} ms  p99 {row['p99']:7.1f} ms  max {row['max']:7.1f} ms  lost {row['lost']}"
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=25)
    args = parser.parse_args()
    print(f"fan-out to {args.viewers} viewers on one server process, {args.rounds} rounds")

    with tempfile.TemporaryDirectory() as tmp:
        env = liveshop_env(Path(tmp))
        cookie, products, slug = prepare_liveshop(env)

        port = free_port()
        floor_cmd = [sys.executable, "bench/floor_server.py", str(port)]
        with process(floor_cmd, env=os.environ.copy(), port=port):
            floor = asyncio.run(
                run_rounds(f"ws://127.0.0.1:{port}/", {}, args.viewers, args.rounds, products)
            )

        port = free_port()
        daphne_cmd = daphne_command(port)
        with process(daphne_cmd, env=env, port=port):
            ours = asyncio.run(
                run_rounds(
                    f"ws://127.0.0.1:{port}/ws/events/{slug}/",
                    {"Cookie": cookie},
                    args.viewers,
                    args.rounds,
                    products,
                )
            )

    floor_row, ours_row = summary("floor", floor), summary("liveshop", ours)
    print(
        f"     ratio: p50 {ours_row['p50'] / floor_row['p50']:.2f}x  p99 {ours_row['p99'] / floor_row['p99']:.2f}x  (target p99 <= 1.5x, nothing lost)"
    )


if __name__ == "__main__":
    main()
