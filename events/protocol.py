"""The realtime protocol of a show's websocket, `/ws/events/<slug>/`, described once.

Every message the server sends and every message a client may send is listed here with its
fields, their types and what they mean. Three things follow from it:

- docs/realtime.md's tables are generated from it (`python manage.py protocol_doc --write`; a test
  fails when the document and this module disagree);
- with LIVESHOP_PROTOCOL_CHECKS on (the tests, and the servers they start) every frame a connection
  is sent is checked against it (`check_sent`): a message of an unknown type, a missing or unknown
  field or a value of the wrong type is a protocol violation, logged and kept in `violations` for
  the test that caused it to fail on;
- the host's commands (events/commands.py) take exactly the fields listed for them here (tested).

The types are those of events/protocol_types.py, in the manner of Zulip's event_schema.py.
"""

import json
import logging

from django.core.serializers.json import DjangoJSONEncoder

from events.protocol_types import (
    BOOL,
    INT,
    NUMBER,
    STRING,
    Anything,
    Command,
    Field,
    ListOf,
    Message,
    Object,
    OneOf,
    OrNull,
    Scalar,
)

log = logging.getLogger(__name__)


# --- The objects messages carry -----------------------------------------------------------------

ISO_TIME = Scalar("ISO 8601 string", (str,))
STATUS = OneOf(("scheduled", "live", "ended", "cancelled"))
PLATFORM = OneOf(("ios", "desktop", "android"))

STOCK = Object(
    "Stock",
    (
        Field("state", OneOf(("in_stock", "low", "sold_out")), "how a viewer sees the stock"),
        Field(
            "left", OrNull(INT), "units left when `low` (5 or fewer), 0 when `sold_out`, else null"
        ),
    ),
    "A product's stock as viewers see it: a state, not a count.",
)
PRODUCT = Object(
    "Product",
    (
        Field("id", INT, "the product's id"),
        Field("title", STRING, "its title"),
        Field("url", STRING, "its product page"),
        Field("image", OrNull(STRING), "URL of a 480 px image"),
        Field(
            "price",
            INT,
            "what a viewer pays now, in minor units (1999 is 19.99): the flash deal's live price "
            "while the show is live, else the lowest variant price",
        ),
        Field("currency", STRING, "ISO 4217"),
        Field("price_display", STRING, 'the price as shown, e.g. "$19.99"'),
        Field("deal", BOOL, "a live-only price holds now"),
        Field(
            "regular_price_display",
            OrNull(STRING),
            "the catalog price to strike through during a deal",
        ),
        Field("stock", STOCK, "its stock"),
    ),
    "A product of the run of show, priced for the show's status now.",
)
CHAT_MESSAGE = Object(
    "ChatMessage",
    (
        Field("id", INT, "the message's id"),
        Field("author", STRING, 'display name; brand staff show as "Name (Brand)"'),
        Field("body", STRING, "plain text: render it as text, never as HTML"),
        Field("brand", BOOL, "written by the brand (its owner or a host)"),
        Field("at", ISO_TIME, "when it was written"),
    ),
    "A message of the show's chat.",
)
EVENT = Object(
    "Event",
    (
        Field("slug", STRING, "the show's address: /events/<slug>/"),
        Field("title", STRING, "its title"),
        Field("host", STRING, "the host's display name"),
        Field("brand", STRING, "the brand's name"),
        Field("scheduled_start", ISO_TIME, "when it is scheduled to start (with its offset)"),
        Field("duration_minutes", INT, "how long it is planned to last"),
        Field("purchase_platforms", ListOf(PLATFORM), "the platforms viewers may buy on"),
        Field("ended_at", OrNull(ISO_TIME), "when it ended"),
        Field("replay_url", STRING, 'its recording (HLS or MP4) once there is one, else ""'),
    ),
    "The show's details, as its page presents them.",
)
STAGE_ENTRY = Object(
    "StageEntry",
    (
        Field("at", INT, "from then on (ms since the epoch; 0: since before the history began)"),
        Field("featured", OrNull(INT), "the featured product's id"),
        Field("banner", STRING, "the banner text"),
        Field("announcement", STRING, "the pinned announcement"),
    ),
    "What was over the video from `at` on.",
)
STAGE = Object(
    "Stage",
    (
        Field(
            "max_delay",
            NUMBER,
            "seconds: the most a change over the video waits for it "
            "(`LIVESHOP_VIDEO_SYNC_MAX_SECONDS`, 15)",
        ),
        Field(
            "history",
            ListOf(STAGE_ENTRY),
            "oldest first: the entries of the last `max_delay` seconds, the newest older one "
            "(what was shown when that window starts), at most 20; empty until the host first "
            "changes one of them",
        ),
    ),
    "What was over the video lately (see In step with the video).",
)
OBJECTS = (EVENT, PRODUCT, STOCK, CHAT_MESSAGE, STAGE, STAGE_ENTRY)


# --- Server -> client ---------------------------------------------------------------------------

STATE = Message(
    "state",
    (
        Field("seq", INT, "the number of the last change included"),
        Field("event", EVENT, "the show's details"),
        Field("status", STATUS, "the show's status"),
        Field("featured", OrNull(PRODUCT), "the product in the purchase banner"),
        Field("banner", STRING, 'banner text ("" when none), at most 140 characters'),
        Field("announcement", STRING, 'pinned announcement ("" when none), at most 280 characters'),
        Field(
            "viewers",
            INT,
            "viewers watching, across all server processes (the last count reported: it may be "
            "a couple of seconds old, like the `viewers` messages)",
        ),
        Field("products", ListOf(PRODUCT), "the run of show, in order (the purchase tab)"),
        Field("chat", ListOf(CHAT_MESSAGE), "the last 50 messages, oldest first"),
        Field("slow_mode", INT, "seconds a viewer must wait between chat messages (0: off)"),
        Field(
            "stream",
            OneOf(("receiving", "stopped", "")),
            "what the video ingest last said of the show's stream: `stopped` means the host's "
            'encoder dropped (the show goes on); `""` means no word (the show plays an HLS URL '
            "from elsewhere, or nothing has arrived yet)",
        ),
        Field("stage", STAGE, "what was over the video lately"),
        Field(
            "now",
            INT,
            "the server's time as it sent this snapshot, in ms since the epoch (to tell the "
            "client's clock from the server's)",
        ),
    ),
    "Sent on connect and in reply to `sync`. The event page's first render is built by the same "
    "selector (`events.selectors.event_state`).",
)

CHANGES = (
    Message(
        "status",
        (
            Field("status", STATUS, "the new status"),
            Field("ended_at", OrNull(ISO_TIME), "when it ended"),
            Field("viewers", INT, "sent as 0 when the show ended or was cancelled", optional=True),
            Field("products", ListOf(PRODUCT), "when the show has a flash deal", optional=True),
        ),
        "The show went live, ended, was cancelled, or was resumed (ended → live). A show that is "
        "over hides its banner, announcement and viewer count (the server keeps them, so a "
        "resumed show is where it was). A deal's price holds only while live, so `products` "
        "(when present) replaces the list and the banner's product, repriced.",
        numbered=True,
    ),
    Message(
        "event",
        (Field("event", EVENT, "as in `state`"),),
        "The show's details were edited (title, host, start, duration, platforms, replay): "
        "replace them.",
        numbered=True,
    ),
    Message(
        "featured",
        (Field("product", OrNull(PRODUCT), "the banner's product"),),
        "Replace the banner's product.",
        numbered=True,
    ),
    Message(
        "banner",
        (Field("text", STRING, "the banner text"),),
        'Replace the banner text ("" clears it).',
        numbered=True,
    ),
    Message(
        "announcement",
        (Field("text", STRING, "the pinned announcement"),),
        'Replace the pinned announcement ("" unpins).',
        numbered=True,
    ),
    Message(
        "products",
        (Field("products", ListOf(PRODUCT), "the run of show, in order"),),
        "The run of show was edited (products added, removed, reordered, a flash deal set): "
        "replace the list, and the banner's product with its new version (same `id`).",
        numbered=True,
    ),
    Message(
        "stock",
        (Field("product_id", INT, "the product"), Field("stock", STOCK, "its stock now")),
        "Update that product's stock state in the tab and the banner.",
        numbered=True,
    ),
    Message(
        "chat",
        (Field("message", CHAT_MESSAGE, "the new message"),),
        "Append to the chat.",
        numbered=True,
    ),
    Message(
        "chat_deleted",
        (Field("ids", ListOf(INT), "the messages"),),
        "Remove these messages (deleted by the host, or their author was banned).",
        numbered=True,
    ),
    Message(
        "slow_mode",
        (Field("seconds", INT, "seconds between a viewer's messages; 0 turns it off"),),
        "The chat's new slow mode.",
        numbered=True,
    ),
    Message(
        "stream",
        (Field("state", OneOf(("receiving", "stopped")), "the stream's state"),),
        "The ingest's word on the host's stream (not a person's command). `stopped` while live: "
        'say "The host\'s video is reconnecting…" over the video and keep everything else as it '
        "is; keep the player retrying; the show is not over.",
        numbered=True,
    ),
)

UNNUMBERED = (
    Message(
        "viewers",
        (Field("count", INT, "viewers watching now"),),
        "Replace the viewer count (sent at most every 2 s, when it changed).",
    ),
)

ERROR_CODES = {
    "bad_json": "not JSON, nested too deeply, or holding a lone surrogate, NaN or Infinity",
    "bad_message": 'not an object with a `"type"`',
    "bad_frame": "a binary frame",
    "too_large": "over 4,096 bytes",
    "unknown_type": "no such message type",
    "flood": "too many messages from this connection",
    "rate_limited": "a `sync` sooner than 2 s after the last one: send it again a little later",
    "forbidden": "only the brand's hosts may do that",
    "invalid": "a field is missing, out of range or of the wrong type",
    "invalid_transition": "the show cannot do that in its status",
    "not_in_run_of_show": "that product is not in the show's run of show",
    "chat_refused": "the chat message was refused; `message` says why",
    "refused": "refused for another reason; `message` says why",
    "server_error": "the server failed to handle it (a bug of ours): try again",
}
REF = Field("ref", Anything(), "the `ref` the client sent, echoed (null when it sent none)")

REPLIES = (
    Message("ok", (REF,), "A command (chat or host command) was applied."),
    Message(
        "error",
        (
            Field("code", OneOf(tuple(ERROR_CODES), "error code"), "for a program (see below)"),
            Field("message", STRING, "for a person"),
            REF,
        ),
        "A message was refused.",
    ),
    Message("pong", (REF,), "The answer to `ping`."),
    Message(
        "resync",
        (),
        "The server may have lost changes (its Redis was down and is back): unless a `state` is "
        "already on its way, send `sync` (no sooner than 2 s after your last one, plus a random "
        "0–2 s so that a whole audience does not ask at once) and ignore changes until the "
        "`state` arrives.",
    ),
)

SERVER_MESSAGES = {m.type: m for m in (STATE, *CHANGES, *UNNUMBERED, *REPLIES)}


# --- Client -> server ---------------------------------------------------------------------------


OPTIONAL_REF = Field("ref", Anything(), "echoed in the reply", optional=True)
CLIENT_MESSAGES = {
    c.type: c
    for c in (
        Command("sync", (), "anyone: send a fresh `state`", host=False),
        Command("ping", (OPTIONAL_REF,), "anyone: keep-alive", host=False),
        Command(
            "chat",
            (Field("body", STRING, "1–500 characters"), OPTIONAL_REF),
            "signed-in viewers not muted or banned",
            host=False,
        ),
        Command(
            "feature",
            (Field("product_id", OrNull(INT), "a product of the run of show; null clears it"),),
            "the brand's owner or host",
        ),
        Command("banner", (Field("text", STRING, "at most 140 characters"),), "host"),
        Command("announcement", (Field("text", STRING, "at most 280 characters"),), "host"),
        Command(
            "status",
            (Field("status", OneOf(("live", "ended", "cancelled")), "the new status"),),
            "host; only scheduled → live → ended, scheduled → cancelled, and ended → live within "
            '`LIVESHOP_END_UNDO_SECONDS` (60) of ending ("Resume show" on the console)',
        ),
        Command("slow_mode", (Field("seconds", INT, "0–600"),), "host"),
        Command("chat_delete", (Field("message_id", INT, "a message of the chat"),), "host"),
        Command(
            "chat_restrict",
            (
                Field("message_id", INT, "a message of the viewer to restrict"),
                Field("kind", OrNull(OneOf(("mute", "ban"))), "null lifts it"),
            ),
            "host; applies to the message's author for this show",
        ),
        Command(
            "chat_unrestrict",
            (Field("restriction_id", INT, "from the console's list of muted and banned"),),
            "host; the viewer may chat again",
        ),
    )
}


# --- Encoding and checking what is sent ---------------------------------------------------------


def encode(message: dict) -> str:
    """A message as it goes on the wire: compact JSON, UTF-8 as is."""
    return json.dumps(message, cls=DjangoJSONEncoder, separators=(",", ":"), ensure_ascii=False)


# What the checks found since the last `violations.clear()` (the tests fail on any).
violations: list[str] = []


def problems(message) -> list[str]:
    """What is wrong with `message` as a message the server sends ([] when nothing is)."""
    kind = message.get("type") if isinstance(message, dict) else None
    described = SERVER_MESSAGES.get(kind) if isinstance(kind, str) else None
    if described is None:
        return [f"a message of a type the protocol does not describe: {kind!r}"]
    return list(described.shape.problems(message, kind))


def check_sent(text: str) -> None:
    """Check one frame the server sends; a violation is logged and kept in `violations`."""
    try:
        found = problems(json.loads(text))
    except ValueError:
        found = ["a frame that is not JSON"]
    if found:
        report = f"Protocol violation: {'; '.join(found)} in {text[:300]}"
        violations.append(report)
        log.error(report)
