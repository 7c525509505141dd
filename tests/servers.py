"""Real server processes for tests: daphne serving this project against the test database."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_url() -> str:
    """The URL of the database this test run uses, for another process to share it."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        name = str(db["NAME"])
        assert "memory" not in name, "tests/settings.py must give the SQLite test database a file"
        return f"sqlite:///{name}"
    user = db["USER"] or ""
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    at = f"{user}{password}@" if user else ""
    return f"postgres://{at}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    log: tempfile.TemporaryFile

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-4000:]

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """Stop at once, as a crash would: no disconnect handlers run."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)


@contextmanager
def asgi_server(*, port: int | None = None, **env: str) -> Iterator[Server]:
    """A daphne process on `port` (a free one if None), using the test database; stopped on exit."""
    port = port or free_port()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            daphne_command(port),
            cwd=ROOT,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "tests.settings",
                "DATABASE_URL": test_database_url(),
                **env,
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        server = Server(port, process, log)
        try:
            wait_until_listening(process, port, output=server.output)
            yield server
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    server.kill()
        # The server checks every frame it sends against events/protocol.py (tests/settings.py).
        log.seek(0)
        violations = [
            line
            for line in log.read().decode(errors="replace").splitlines()
            if "Protocol violation" in line
        ]
        assert violations == [], "\n".join(violations[:20])


def daphne_command(port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "daphne",
        "-e",  # as `make run` starts it
        f"tcp:port={port}:interface=127.0.0.1:backlog=4096",
        "--websocket-max-message-size",
        "65536",
        "liveshop.asgi:application",
    ]


def wait_until_listening(
    process: subprocess.Popen, port: int, *, output=lambda: "", timeout: float = 30
) -> None:
    """Return once `process` accepts connections on `port`; raise if it exits or never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[:3]} exited with {process.returncode}:\n{output()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"Nothing listened on port {port} within {timeout} s")
