"""A small local stand-in for Stripe's API, so the real `stripe` library runs offline.

It answers the calls Liveshop makes: create a PaymentIntent (honouring Idempotency-Key: the same
key gives back the same intent), cancel one, create a refund, and calculate tax (Stripe Tax). Every request is recorded.
It can also misbehave as a real neighbour does: refuse requests (`fail_with`, or only the next
`fail_times` ones), or hang without answering (`hang`) until `release()` or the server stops.
"""

import contextlib
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
    # Fail only this many more requests (with `fail_status`), then answer normally again.
    fail_times: int = 0
    fail_status: int = 500
    # Accept requests but never answer them: a Stripe that stopped responding.
    hang: bool = False
    _released: threading.Event = field(default_factory=threading.Event)
    _replies: dict[str, tuple[int, dict]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def release(self) -> None:
        """Let every hanging request go (they answer as usual, to a client that may be gone)."""
        self.hang = False
        self._released.set()

    def wait_if_hanging(self) -> None:
        if self.hang:
            self._released.wait(60)

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
        if self.fail_times:
            self.fail_times -= 1
            return self.fail_status, {
                "error": {"type": "api_error", "message": "Failed once by the fake."}
            }
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
        if method == "POST" and parts == ["v1", "tax", "calculations"]:
            return self._tax_calculation(params)
        if method == "POST" and parts == ["v1", "refunds"]:
            if any(r["payment_intent"] == params["payment_intent"] for r in self.refunds):
                return 400, {
                    "error": {
                        "type": "invalid_request_error",
                        "code": "charge_already_refunded",
                        "message": "Charge has already been refunded.",
                    }
                }
            refund = {
                "id": f"re_{secrets.token_hex(12)}",
                "object": "refund",
                "payment_intent": params["payment_intent"],
                "status": "succeeded",
            }
            self.refunds.append(refund)
            return 200, refund
        return 404, {"error": {"type": "invalid_request_error", "message": f"No route {path}"}}

    def _tax_calculation(self, params: dict) -> tuple[int, dict]:
        """Stripe Tax, by the fake's own table of rates (TAX_RATES) on items and shipping."""
        country = params.get("customer_details[address][country]", "")
        state = params.get("customer_details[address][state]", "")
        if not params.get("customer_details[address][postal_code]") and country == "US":
            return 400, {
                "error": {
                    "type": "invalid_request_error",
                    "code": "customer_tax_location_invalid",
                    "message": "We could not determine the customer's tax location.",
                }
            }
        rate = TAX_RATES.get(f"{country}-{state}", TAX_RATES.get(country, 0))
        amounts = [int(v) for k, v in params.items() if k.endswith("][amount]")]
        amounts.append(int(params.get("shipping_cost[amount]", 0)))
        tax = round(sum(amounts) * rate)
        return 200, {
            "id": f"taxcalc_{secrets.token_hex(12)}",
            "object": "tax.calculation",
            "currency": params["currency"],
            "amount_total": sum(amounts) + tax,
            "tax_amount_exclusive": tax,
            "tax_amount_inclusive": 0,
        }


# The fake's tax rates, by "country-state" or country: items and shipping are taxed alike.
TAX_RATES = {"US-CA": 0.0725, "US-NY": 0.08875, "GB": 0.20}


def serve() -> tuple[FakeStripe, ThreadingHTTPServer]:
    """Start the fake on a free local port, in a thread; call `stop(fake, server)` when done."""
    fake = FakeStripe()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            params = dict(parse_qsl(self.rfile.read(length).decode()))
            fake.wait_if_hanging()
            status, body = fake.answer(
                "POST", self.path, params, self.headers.get("Idempotency-Key")
            )
            payload = json.dumps(body).encode()
            with contextlib.suppress(OSError):  # a client that timed out has hung up
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


def stop(fake: FakeStripe, server: ThreadingHTTPServer) -> None:
    fake.release()
    server.shutdown()
    server.server_close()
