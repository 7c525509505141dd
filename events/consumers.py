"""The websocket of a show, `/ws/events/<slug>/`: a snapshot first, then numbered changes.

The protocol is documented in docs/realtime.md. Every message a client sends is checked here
(size, rate, JSON shape) and every host command is authorized again by the service it calls.
"""

import contextlib
import logging
import time
from collections import Counter

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from events import chat as show_chat
from events import commands, protocol, realtime
from events import errors as show_errors
from events.show_cache import Snapshot, snapshot_read
from infrastructure.closed_sockets import SEND_ON_CLOSED
from infrastructure.database import database_async
from infrastructure.json_input import json_parse
from infrastructure.ratelimits import limit_socket

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 4096
FLOOD_LIMIT = (20, 10)  # at most 20 messages in 10 seconds per connection
FLOOD_CLOSE_AFTER = 3  # warnings before the connection is closed
SYNC_INTERVAL = 2.0  # seconds between two snapshots a connection may ask for

CLOSE_NOT_FOUND = 4404
CLOSE_FLOOD = 4429
CLOSE_TOO_MANY = 4430

# Open connections per client address in this process (LIVESHOP_MAX_SOCKETS_PER_IP).
_sockets_per_ip: Counter[str] = Counter()


class EventConsumer(AsyncWebsocketConsumer):
    # Changes arrive through the process's hub (events/realtime.py), so a connection needs no
    # channel-layer channel of its own: with thousands of viewers that saves a receiver each.
    channel_layer_alias = None
    counts_as_viewer = True

    async def dispatch(self, message):
        # Channels closes stale database connections before every message, through its one
        # sync thread: under a herd every connect queued there. This consumer's database work
        # runs on infrastructure/database.py's pool, whose every call does that itself. A disconnect
        # still takes Channels' path: skipping it there left PostgreSQL test teardowns hanging
        # now and then (the cause is not pinned down; docs/benchmarks.md).
        if message["type"] == "websocket.disconnect":
            return await super().dispatch(message)
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']!r}")
        await handler(message)

    async def connect(self):
        self.ip = (self.scope.get("client") or ("",))[0] or ""
        most = settings.LIVESHOP_MAX_SOCKETS_PER_IP
        if most and _sockets_per_ip[self.ip] >= most:
            # Accept first so that the client reads the reason and backs off.
            await self.accept()
            await self.close(code=CLOSE_TOO_MANY)
            return
        _sockets_per_ip[self.ip] += 1
        self.counted_ip = True
        self.last_sync = float("-inf")
        slug = self.scope["url_route"]["kwargs"]["slug"]
        # What a connect reads is shared by the process (events/show_cache.py): in the common case
        # a connect runs no database query. The user is read only if a command needs it
        # (infrastructure/websocket_auth.py).
        self.hub = realtime.get_hub()
        self.event = await self.hub.shows.open(slug)
        if self.event is None:
            # Accept first so that the client reads the reason (4404) and does not reconnect.
            await self.accept()
            await self.close(code=CLOSE_NOT_FOUND)
            return
        # The host console watches the show too, but is not one of its viewers.
        self.counts_as_viewer = self.scope.get("query_string", b"") != b"console=1"
        self.recent: list[float] = []
        self.warnings = 0
        await self.accept()
        # Changes that reach this viewer before its snapshot is sent are held (send_state).
        self.buffered: list[tuple[int | None, str]] | None = []
        self.joined = True
        await self.hub.join(self.event.pk, self)
        await self.send_state()

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        finally:
            # Whatever ends the connection (the client leaving, an error, the server cancelling
            # it), what it counted is given back.
            await self._release()

    async def disconnect(self, code):
        await self._release()

    async def _release(self) -> None:
        """Give back this connection's place in its address's count and among the show's viewers
        (once; the counts change before anything is awaited)."""
        if getattr(self, "counted_ip", False):
            self.counted_ip = False
            _sockets_per_ip[self.ip] -= 1
            if _sockets_per_ip[self.ip] <= 0:
                del _sockets_per_ip[self.ip]
        if getattr(self, "joined", False):
            self.joined = False
            await self.hub.leave(self.event.pk, self)

    async def send_state(self):
        """The snapshot; changes that arrive while it is read are held, then sent if newer."""
        if self.buffered is None:
            self.buffered = []
        try:
            seq, text = await self.hub.snapshot(self.event.pk, self._build_snapshot)
            await self._send_text(text)
        finally:
            held, self.buffered = self.buffered, None
        for held_seq, held_text in held:
            if held_seq is None or held_seq > seq:
                await self._send_text(held_text)

    async def _build_snapshot(self) -> Snapshot:
        return await database_async(snapshot_read)(self.event)

    def deliver(self, seq: int | None, frame: dict):
        """Called by the hub with a frame shared by every viewer; returns the send to await."""
        if self.buffered is not None:
            self.buffered.append((seq, frame["text"]))
            return None
        return self.base_send(frame)

    async def _send_text(self, text: str) -> None:
        """Every frame this connection sends but the hub's fan-out (which checks its own)."""
        if settings.LIVESHOP_PROTOCOL_CHECKS:
            protocol.check_sent(text)
        await self.send({"type": "websocket.send", "text": text})

    async def send(self, message):
        """Every frame but the hub's fan-out (realtime.py, which does the same): one to a client
        that has just gone is dropped, as its disconnect follows (infrastructure/closed_sockets.py).
        """
        with contextlib.suppress(SEND_ON_CLOSED):
            await self.base_send(message)

    async def receive(self, text_data=None, bytes_data=None):
        # Every refusal answers with the message's `ref` when it has one, so that a client waiting
        # for that answer gets it (frames are at most 64 KiB: daphne's limit, `make run`).
        message, is_json = _parsed(text_data)
        ref = message.get("ref") if isinstance(message, dict) else None
        if self._flooding():
            self.warnings += 1
            if self.warnings >= FLOOD_CLOSE_AFTER:
                await self.close(code=CLOSE_FLOOD)
                return
            await self.error("flood", "Too many messages; slow down.", ref)
            return
        if text_data is None:
            await self.error("bad_frame", "Send JSON text frames, not binary ones.")
            return
        if len(text_data.encode()) > MAX_FRAME_BYTES:
            await self.error("too_large", f"Messages can be at most {MAX_FRAME_BYTES} bytes.", ref)
            return
        if not is_json:
            await self.error("bad_json", "That message is not valid JSON.")
            return
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            await self.error("bad_message", 'Messages are JSON objects with a "type".', ref)
            return
        try:
            await self.dispatch_client_message(message)
        except Exception:
            # A bug of ours, not the client's: it is answered, and the connection lives on.
            log.exception("A message of type %.40r failed", message["type"])
            await self.error("server_error", "Something went wrong on our side; try again.", ref)

    async def dispatch_client_message(self, message: dict):
        kind, ref = message["type"], message.get("ref")
        if kind == "sync":
            # A snapshot costs the server far more than a change: one per SYNC_INTERVAL.
            now = time.monotonic()
            if now - self.last_sync < SYNC_INTERVAL:
                await self.error("rate_limited", "Asked for the state too often; wait.", ref)
                return
            self.last_sync = now
            await self.send_state()
        elif kind == "ping":
            await self._send_text(protocol.encode({"type": "pong", "ref": ref}))
        elif kind == "chat":
            await self.call(
                _chat_post_limited,
                ref,
                ip=self.ip,
                event=self.event,
                user=self.scope["user"],
                body=message.get("body"),
            )
        elif kind in commands.HOST_COMMANDS:
            await self.call(
                commands.host_command_run,
                ref,
                event=self.event,
                name=kind,
                message=message,
                by=self.scope["user"],
            )
        else:
            await self.error("unknown_type", f"Unknown message type {kind[:40]!r}.", ref)

    async def call(self, service, ref, **kwargs):
        try:
            await database_async(service)(**kwargs)
        except show_errors.EventError as exc:
            await self.error(exc.code, exc.message, ref)
        else:
            await self._send_text(protocol.encode({"type": "ok", "ref": ref}))

    async def error(self, code: str, message: str, ref=None):
        await self._send_text(
            protocol.encode({"type": "error", "code": code, "message": message, "ref": ref})
        )

    def _flooding(self) -> bool:
        limit, window = FLOOD_LIMIT
        now = time.monotonic()
        self.recent = [t for t in self.recent if now - t < window]
        self.recent.append(now)
        return len(self.recent) > limit


def _parsed(text: str | None) -> tuple[object, bool]:
    """(the JSON value, True), or (None, False) for a binary frame or text that is not JSON (nested
    too deeply, or holding text that is not Unicode, included: infrastructure/json_input.py)."""
    if text is None:
        return None, False
    try:
        return json_parse(text), True
    except ValueError:
        return None, False


def _chat_post_limited(*, ip: str, **kwargs) -> dict:
    """chat_post, once the message is counted against its address's limit (RATELIMITS["chat"])."""
    if limit_socket(group="chat", ip=ip) is not None:
        raise show_errors.ChatRefused("Too many messages from your network; wait a moment.")
    return show_chat.chat_post(**kwargs)
