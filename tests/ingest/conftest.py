"""A real ingest for tests: nginx with Debian's RTMP module on free ports, configured by
ingest/nginx_config.py, calling back a daphne serving this project; ffmpeg publishes to it."""

import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from ingest.nginx_config import IngestPorts, nginx_config, rtmp_module
from tests import servers


@dataclass
class Ingest:
    server: servers.Server  # daphne, with the ingest's settings
    rtmp: str  # rtmp://127.0.0.1:<port>/live
    hls: str  # http://127.0.0.1:<port>/hls
    directory: Path
    nginx: subprocess.Popen
    env: dict  # the ingest's settings, as the server's environment has them

    def playlist(self, playback_id: str) -> str:
        return f"{self.hls}/{playback_id}/index.m3u8"

    def log(self) -> str:
        path = self.directory / "error.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def ingest_tools_missing() -> str:
    missing = [tool for tool in ("nginx", "ffmpeg") if shutil.which(tool) is None]
    try:
        rtmp_module()
    except FileNotFoundError:
        missing.append("libnginx-mod-rtmp")
    return ", ".join(missing)


@pytest.fixture
def ingest(transactional_db, settings) -> Iterator[Ingest]:
    """nginx + daphne wired to each other; this process's settings match the server's."""
    with run_ingest(settings) as running:
        yield running


@contextmanager
def run_ingest(settings, **server_env: str) -> Iterator[Ingest]:
    """The `ingest` fixture's work; `server_env` is added to daphne's environment."""
    if missing := ingest_tools_missing():
        pytest.fail(f"The ingest tests need {missing}: `make test` installs them.")
    rtmp_port, http_port, web_port = (servers.free_port() for _ in range(3))
    secret = secrets.token_urlsafe(24)
    with tempfile.TemporaryDirectory(prefix="liveshop-ingest-") as work:
        directory = Path(work)
        for sub in ("hls", "recordings"):
            (directory / sub).mkdir()
        conf = directory / "nginx.conf"
        conf.write_text(
            nginx_config(
                directory=directory,
                callback_base=f"http://127.0.0.1:{web_port}",
                secret=secret,
                ports=IngestPorts(rtmp=rtmp_port, http=http_port),
                module=rtmp_module(),
            )
        )
        env = {
            "INGEST_RTMP_URL": f"rtmp://127.0.0.1:{rtmp_port}/live",
            "INGEST_HLS_URL": f"http://127.0.0.1:{http_port}/hls",
            "INGEST_STAT_URL": f"http://127.0.0.1:{http_port}/stat",
            "INGEST_SECRET": secret,
            "INGEST_DIR": str(directory),
        }
        for name, value in env.items():
            setattr(settings, name, Path(value) if name == "INGEST_DIR" else value)
        nginx = subprocess.Popen(
            ["nginx", "-c", str(conf), "-p", str(directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            servers.wait_until_listening(nginx, rtmp_port)
            with servers.asgi_server(
                port=web_port,
                MEDIA_ROOT=str(django_settings.MEDIA_ROOT),
                LIVESHOP_PRESENCE_INTERVAL="0.5",
                **env,
                **server_env,
            ) as server:
                yield Ingest(
                    server, env["INGEST_RTMP_URL"], env["INGEST_HLS_URL"], directory, nginx, env
                )
                # A stream that just ended is still being recorded, remuxed and stored by daphne
                # (its callback runs the task): let that finish before daphne is stopped.
                recordings = directory / "recordings"
                deadline = time.monotonic() + 10
                while any(recordings.glob("*.flv")) and time.monotonic() < deadline:
                    time.sleep(0.2)
                time.sleep(0.5)
        finally:
            os.killpg(nginx.pid, signal.SIGTERM)
            try:
                nginx.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(nginx.pid, signal.SIGKILL)


def publish(
    ingest: Ingest, key: str, *, seconds: float = 60, clock: bool = False
) -> subprocess.Popen:
    """ffmpeg sending a generated test pattern (and a tone) to the ingest with `key`, in real
    time, as OBS would: 640x360, 30 fps, a keyframe a second. With `clock`, each frame shows the
    wall-clock time it was made (its milliseconds since the epoch, large)."""
    return publish_to(ingest, f"{ingest.rtmp}/{key}", seconds=seconds, clock=clock)


def publish_to(
    ingest: Ingest, url: str, *, seconds: float = 60, clock: bool = False
) -> subprocess.Popen:
    """ffmpeg publishing the test pattern to any RTMP `url` of the ingest."""
    video = "testsrc2=size=640x360:rate=30"
    if clock:
        video += (
            ",drawtext=text='%{localtime\\:%s}%{eif\\:mod(t*1000\\,1000)\\:d\\:3}'"
            ":fontsize=48:fontcolor=white:box=1:boxcolor=black:x=10:y=10"
        )
    return subprocess.Popen(
        [
            *("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-re"),
            *("-f", "lavfi", "-i", video, "-f", "lavfi", "-i", "sine=frequency=440"),
            *(
                "-t",
                str(seconds),
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-tune",
                "zerolatency",
            ),
            *("-g", "30", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ar", "44100", "-f", "flv"),
            url,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_for(predicate, *, timeout: float = 15, every: float = 0.2, what: str = "it"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(every)
    raise AssertionError(f"Waited {timeout} s for {what}")


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, ""
    except OSError:
        return 0, ""


# The live show, its brand, products and host: the live shows' own fixtures.
from tests.events import conftest as shows  # noqa: E402

brand = shows.brand
show_products = shows.show_products
make_event = shows.make_event
live_event = shows.live_event
host = shows.host
viewer = shows.viewer
