"""A small local stand-in for Stripe's API, so the real `stripe` library runs offline.

It answers the three calls Liveshop makes: create a PaymentIntent (honouring Idempotency-Key: the
same key gives back the same intent), cancel one, and create a refund. Every request is recorded.
"""

import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl


@dataclass
class Call:
    method: str
    path: str
    params: dict
    idempotency_key: str | None


@dataclass
class FakeStripe:
    calls: list[Call] = field(default_factory=list)
    intents: dict[str, dict] = field(default_factory=dict)
    refunds: list[dict] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    # Set to an HTTP status to make the next requests fail as Stripe would ("invalid request").
    fail_with: int | None = None
    _replies: dict[str, tuple[int, dict]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def calls_to(self, path_prefix: str) -> list[Call]:
        return [call for call in self.calls if call.path.startswith(path_prefix)]

    def answer(self, method: str, path: str, params: dict, key: str | None) -> tuple[int, dict]:
        with self._lock:
            self.calls.append(Call(method, path, params, key))
            if key and key in self._replies:
                return self._replies[key]
            reply = self._reply(method, path, params)
            if key:
                self._replies[key] = reply
            return reply

    def _reply(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        if self.fail_with:
            return self.fail_with, {
                "error": {"type": "invalid_request_error", "message": "Refused by the fake."}
            }
        parts = path.strip("/").split("/")
        if method == "POST" and parts == ["v1", "payment_intents"]:
            intent_id = f"pi_{secrets.token_hex(12)}"
            self.intents[intent_id] = {
                "id": intent_id,
                "object": "payment_intent",
                "amount": int(params["amount"]),
                "currency": params["currency"],
                "client_secret": f"{intent_id}_secret_{secrets.token_hex(8)}",
                "status": "requires_payment_method",
                "receipt_email": params.get("receipt_email"),
                "metadata": {
                    k[len("metadata[") : -1]: v
                    for k, v in params.items()
                    if k.startswith("metadata[")
                },
            }
            return 200, self.intents[intent_id]
        if method == "POST" and len(parts) == 4 and parts[:2] == ["v1", "payment_intents"]:
            intent = self.intents.get(parts[2])
            if intent is None or parts[3] != "cancel":
                return 404, {"error": {"type": "invalid_request_error", "message": "No such."}}
            intent["status"] = "canceled"
            self.cancelled.append(intent["id"])
            return 200, intent
        if method == "POST" and parts == ["v1", "refunds"]:
            refund = {
                "id": f"re_{secrets.token_hex(12)}",
                "object": "refund",
                "payment_intent": params["payment_intent"],
                "status": "succeeded",
            }
            self.refunds.append(refund)
            return 200, refund
        return 404, {"error": {"type": "invalid_request_error", "message": f"No route {path}"}}


def serve() -> tuple[FakeStripe, ThreadingHTTPServer]:
    """Start the fake on a free local port, in a thread; call `server.shutdown()` when done."""
    fake = FakeStripe()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            params = dict(parse_qsl(self.rfile.read(length).decode()))
            status, body = fake.answer(
                "POST", self.path, params, self.headers.get("Idempotency-Key")
            )
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Request-Id", f"req_{secrets.token_hex(6)}")
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
    return fake, server
