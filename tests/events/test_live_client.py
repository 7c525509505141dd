"""static/js/live.js's applyMessage, under Node: the one client of the realtime protocol (the viewer
page and the console both use it) applies every change the protocol describes as it says."""

import json
from pathlib import Path

import pytest

from events import protocol
from tests.events.conftest import run_node

ROOT = Path(__file__).resolve().parents[2]

APPLY = """
const [, url, input] = process.argv;
const { applyMessage } = await import(url);
const { state, messages } = JSON.parse(input);
const after = {};
for (const message of messages) {
  const copy = structuredClone(state);
  applyMessage(copy, message);
  after[message.type] = copy;
}
console.log(JSON.stringify(after));
"""


def product(pk, title, price=1000, stock="in_stock"):
    return {
        "id": pk,
        "title": title,
        "url": f"/p/{pk}/",
        "image": None,
        "price": price,
        "currency": "USD",
        "price_display": f"${price / 100:.2f}",
        "deal": False,
        "regular_price_display": None,
        "stock": {"state": stock, "left": None},
    }


HEADPHONES, VACUUM = product(1, "Headphones"), product(2, "Vacuum")
CHAT = [{"id": n, "author": "dana", "body": f"hi {n}", "brand": False, "at": ""} for n in (7, 8)]
EVENT = {"slug": "cyber-week-live", "title": "Cyber Week", "ended_at": None}
STATE = {
    "type": "state",
    "seq": 3,
    "event": EVENT,
    "status": "live",
    "featured": VACUUM,
    "banner": "",
    "announcement": "",
    "viewers": 10,
    "products": [HEADPHONES, VACUUM],
    "chat": CHAT,
    "slow_mode": 0,
    "stream": "receiving",
}
REPRICED = [HEADPHONES, {**VACUUM, "price": 900, "deal": True}]
SOLD_OUT = {"state": "sold_out", "left": 0}
NEW_CHAT = {"id": 9, "author": "lee", "body": "yes", "brand": False, "at": ""}
MESSAGES = [
    {"type": "status", "status": "ended", "ended_at": "2026-11-29T00:30:00+00:00", "viewers": 0},
    {"type": "event", "event": {**EVENT, "title": "Cyber Week, extended"}},
    {"type": "featured", "product": HEADPHONES},
    {"type": "banner", "text": "Doorbusters"},
    {"type": "announcement", "text": "Free shipping"},
    {"type": "products", "products": REPRICED},
    {"type": "stock", "product_id": 2, "stock": SOLD_OUT},
    {"type": "chat", "message": NEW_CHAT},
    {"type": "chat_deleted", "ids": [7]},
    {"type": "slow_mode", "seconds": 30},
    {"type": "stream", "state": "stopped"},
    {"type": "viewers", "count": 42},
]


@pytest.fixture(scope="module")
def applied() -> dict:
    state_and_messages = json.dumps({"state": STATE, "messages": MESSAGES})
    return run_node(APPLY, ROOT / "static/js/live.js", state_and_messages)


def test_the_client_applies_every_change_the_protocol_describes():
    described = {m.type for m in (*protocol.CHANGES, *protocol.UNNUMBERED)}
    assert {m["type"] for m in MESSAGES} == described


def test_each_change_changes_what_the_protocol_says(applied):
    assert applied["status"]["status"] == "ended"
    assert applied["status"]["event"]["ended_at"] == "2026-11-29T00:30:00+00:00"
    assert applied["status"]["viewers"] == 0
    assert applied["event"]["event"]["title"] == "Cyber Week, extended"
    assert applied["featured"]["featured"] == HEADPHONES
    assert applied["banner"]["banner"] == "Doorbusters"
    assert applied["announcement"]["announcement"] == "Free shipping"
    # the run of show replaced, and the banner's product is its new version
    assert applied["products"]["products"] == REPRICED
    assert applied["products"]["featured"]["price"] == 900
    # stock reaches the tab and the banner
    assert applied["stock"]["products"][1]["stock"] == SOLD_OUT
    assert applied["stock"]["featured"]["stock"] == SOLD_OUT
    assert [m["id"] for m in applied["chat"]["chat"]] == [7, 8, 9]
    assert [m["id"] for m in applied["chat_deleted"]["chat"]] == [8]
    assert applied["slow_mode"]["slow_mode"] == 30
    assert applied["stream"]["stream"] == "stopped"
    assert applied["viewers"]["viewers"] == 42


def test_a_change_touches_nothing_else(applied):
    def others(state, changed):
        return {name: value for name, value in state.items() if name != changed}

    assert others(applied["banner"], "banner") == others(STATE, "banner")
    assert others(applied["viewers"], "viewers") == others(STATE, "viewers")
