"""What every benchmark shares: server processes, the Liveshop data, clients, source addresses, stats.

The client (this process) runs on CPU 1 and every server on CPU 0 (`taskset`), so a 2-core machine
measures the server, not the two fighting over one core. Connections come from many 127.0.0.x
source addresses: one address would run into the per-address limits (200 websockets per process,
the per-IP rate limits) and the ephemeral ports of one address.
"""

import asyncio
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import cycle
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import websockets

from tests import servers
from tests.servers import free_port, wait_until_listening

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
ORIGIN = "http://127.0.0.1"
SLUG = "cyber-week-live"
HOST_USER = "waltmart"
# 100 addresses: 10,000 viewers are 100 per address, under the 200 sockets one address may hold.
SOURCES = [f"127.0.0.{n}" for n in range(2, 102)]
SERVER_CPU, CLIENT_CPU = "0", 1
BENCH_DB = "bench"
BENCH_REDIS_DB = 7


def setup_process() -> None:
    """Pin this process (the client) to its CPU and raise its open-files limit to the hard one."""
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(0, {CLIENT_CPU})
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _raise_nofile() -> None:  # runs in each server process before exec
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def sources() -> Iterator[str]:
    return cycle(SOURCES)


# --- Statistics ----------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def latency_summary(values_ms: list[float]) -> dict:
    if not values_ms:
        return {"p50": None, "p99": None, "max": None, "n": 0}
    return {
        "p50": round(statistics.median(values_ms), 2),
        "p99": round(percentile(values_ms, 99), 2),
        "max": round(max(values_ms), 2),
        "n": len(values_ms),
    }


# --- Server processes ----------------------------------------------------------------------------


def server_command(kind: str, port: int, *, snapshot_bytes: int = 0) -> list[str]:
    """The command line of one server process of `kind`, pinned to the server CPU."""
    pin = ["taskset", "-c", SERVER_CPU] if shutil.which("taskset") else []
    if kind == "floor":
        args = [PYTHON, "bench/floor_server.py", str(port), "--snapshot-bytes", str(snapshot_bytes)]
    elif kind == "daphne":  # exactly as `make run` serves it
        args = [PYTHON, "-m", "daphne", "-e", f"tcp:port={port}:interface=127.0.0.1:backlog=4096"]
        args += ["--websocket-max-message-size", "65536", "liveshop.asgi:application"]
    elif kind == "uvicorn":
        args = [PYTHON, "-m", "uvicorn", "liveshop.asgi:application", "--host", "127.0.0.1"]
        args += ["--port", str(port), "--log-level", "warning", "--ws", "websockets"]
        args += ["--ws-max-size", "65536", "--ws-ping-interval", "0", "--backlog", "4096"]
        args += ["--lifespan", "off"]
    elif kind == "granian":
        args = [PYTHON, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1"]
        args += ["--port", str(port), "--workers", "1", "--log-level", "warning"]
        # The default backpressure (backlog / workers) caps open websockets at 1,024.
        args += ["--backlog", "4096", "--backpressure", "20000", "liveshop.asgi:application"]
    else:
        raise ValueError(kind)
    return pin + args


@dataclass
class Server(servers.Server):
    """A server process (the tests' own), of `kind`, whose memory can be read."""

    kind: str

    def rss(self) -> int:
        """Resident memory of the server and its child processes, in bytes."""
        return sum(_rss(pid) for pid in _tree(self.process.pid))


def _tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


@contextmanager
def server(kind: str, env: dict, *, snapshot_bytes: int = 0) -> Iterator[Server]:
    port = free_port()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            server_command(kind, port, snapshot_bytes=snapshot_bytes),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_raise_nofile,
        )
        srv = Server(port, process, log, kind)
        try:
            wait_until_listening(process, port, output=srv.output, timeout=60)
            yield srv
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(5)


# --- The Liveshop side: environments and data ----------------------------------------------------


@dataclass
class Liveshop:
    """A prepared Liveshop database: the demo, a host session, the show's products."""

    name: str  # "embedded" or "postgres+redis"
    env: dict
    host_cookie: str = ""
    products: list[int] = field(default_factory=list)

    @property
    def multiprocess(self) -> bool:
        return bool(self.env.get("REDIS_URL"))


def base_env(workdir: Path) -> dict:
    workdir.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "DEBUG": "true",  # the settings fail closed otherwise; see docs/benchmarks.md
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "MEDIA_ROOT": str(workdir / "media"),
        "ENV_FILE": str(workdir / "no.env"),
        "LOG_LEVEL": "WARNING",
        # Viewer counts would interleave their own messages; the benchmarks time the host's.
        "LIVESHOP_PRESENCE_INTERVAL": "3600",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def embedded_env(workdir: Path) -> dict:
    return {
        **base_env(workdir),
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "REDIS_URL": "",
    }


def production_urls() -> tuple[str, str] | None:
    """PostgreSQL and Redis for the production-like runs, from DATABASE_URL and REDIS_URL.

    The benchmarks use their own database (`bench`, dropped and created per run) and Redis database
    7 (flushed) on those servers, never the ones named.
    """
    database, redis = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database.startswith("postgres") or not redis.startswith("redis"):
        return None
    db = urlsplit(database)._replace(path=f"/{BENCH_DB}")
    rd = urlsplit(redis)._replace(path=f"/{BENCH_REDIS_DB}")
    return urlunsplit(db), urlunsplit(rd)


def postgres_env(workdir: Path, database_url: str, redis_url: str) -> dict:
    return {**base_env(workdir), "DATABASE_URL": database_url, "REDIS_URL": redis_url}


def reset_stores(database_url: str, redis_url: str) -> None:
    import psycopg
    import redis

    admin = urlsplit(database_url)._replace(path="/postgres")
    with psycopg.connect(urlunsplit(admin), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")
    redis.Redis.from_url(redis_url).flushdb()


PREPARE = """
import django, json; django.setup()
from django.test import Client
from django.contrib.auth.models import User
from events.models import LiveEvent
c = Client(); c.force_login(User.objects.get(username=%r))
e = LiveEvent.objects.get(slug=%r)
print(json.dumps([c.cookies['sessionid'].value,
                  list(e.run_of_show.values_list('product_id', flat=True))]))
"""


def prepare(name: str, env: dict) -> Liveshop:
    """Migrate, seed the demo; return the host's session cookie and the show's products."""
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [PYTHON, "manage.py", "seed_demo"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )
    out = django_script(env, PREPARE % (HOST_USER, SLUG))
    session, products = json.loads(out.strip().splitlines()[-1])
    return Liveshop(name, env, f"sessionid={session}", products)


def django_script(env: dict, script: str) -> str:
    done = subprocess.run(
        [PYTHON, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


# --- Websocket clients ---------------------------------------------------------------------------


async def ws_connect(url: str, source: str, *, headers: dict | None = None, timeout: float = 60):
    return await websockets.connect(
        url,
        origin=ORIGIN,
        additional_headers=headers,
        max_size=2**22,
        ping_interval=None,
        close_timeout=1,
        open_timeout=timeout,
        max_queue=None,
        local_addr=(source, 0),
    )


def viewer_url(srv: Server, liveshop: bool) -> str:
    return f"{srv.ws}/ws/events/{SLUG}/" if liveshop else f"{srv.ws}/"


async def snapshot_size(srv: Server) -> int:
    """Bytes of the `state` snapshot a guest gets from Liveshop (UTF-8)."""
    socket_ = await ws_connect(viewer_url(srv, True), SOURCES[0])
    try:
        text = await asyncio.wait_for(socket_.recv(), 30)
        assert json.loads(text)["type"] == "state", text[:200]
        return len(text.encode())
    finally:
        await socket_.close()


def classify(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return "timeout"
    if isinstance(exc, websockets.ConnectionClosed):
        code = exc.rcvd.code if exc.rcvd else None
        return f"closed after handshake ({code})"
    if isinstance(exc, websockets.InvalidStatus):
        return f"refused ({exc.response.status_code})"
    if isinstance(exc, websockets.InvalidHandshake | EOFError | ConnectionError):
        return "closed before handshake"
    return type(exc).__name__


# --- A small HTTP/1.1 client (keep-alive, chosen source address) --------------------------------


class HTTPClient:
    """One keep-alive HTTP/1.1 connection from one source address; enough for JSON and pages."""

    def __init__(self, port: int, source: str, *, retry_busy: bool = False):
        self.port, self.source = port, source
        self.reader = self.writer = None
        self.cookies: dict[str, str] = {}
        # Like static/js/buy.js: a 503 with Retry-After (infrastructure/admission.py) is sent again.
        self.retry_busy = retry_busy
        self.busy_retries = 0
        self._retry_after: float | None = None

    async def _open(self):
        self.reader, self.writer = await asyncio.open_connection(
            "127.0.0.1", self.port, local_addr=(self.source, 0), limit=2**22
        )

    async def close(self):
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict | None = None
    ) -> tuple[int, bytes]:
        while True:
            status, data = await self._request_reconnecting(method, path, body, headers or {})
            if not (status == 503 and self.retry_busy and self._retry_after is not None):
                return status, data
            self.busy_retries += 1
            await asyncio.sleep(self._retry_after * random.uniform(0.5, 1.5))

    async def _request_reconnecting(self, method, path, body, headers) -> tuple[int, bytes]:
        for attempt in (1, 2):
            if self.writer is None:
                await self._open()
            try:
                return await self._request(method, path, body, headers)
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _request(self, method, path, body, headers) -> tuple[int, bytes]:
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        lines += [f"{k}: {v}" for k, v in headers.items()]
        lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split()[1])
        length, chunked, close = None, False, False
        self._retry_after = None
        for line in header_lines:
            if ":" not in line:
                continue
            name, value = line.split(":", 1)
            name, value = name.strip().lower(), value.strip()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name == "retry-after":
                self._retry_after = float(value)
            elif name == "connection" and value.lower() == "close":
                close = True
            elif name == "set-cookie":
                match = re.match(r"([^=;]+)=([^;]*)", value)
                if match:
                    self.cookies[match.group(1)] = match.group(2)
        if chunked:
            data = b""
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                data += chunk[:-2]
        elif length is not None:
            data = await self.reader.readexactly(length)
        else:
            data = await self.reader.read()
            close = True
        if close:
            await self.close()
        return status, data
