"""The client's address, for every HTTP request and websocket: what the abuse limits, the sign-in
lockout, the websocket cap and the ingest's address check key on (`REMOTE_ADDR`, scope["client"]).

Behind proxies the connection comes from the last of them; each proxy appends the address it was
reached from to `X-Forwarded-For`. Only the entries the proxies wrote can be believed: with
TRUSTED_PROXIES = N, the client is the Nth entry from the right (the last N hops are the proxies,
the one before them the client); whatever a client wrote further left is ignored. That is the
rule of nginx's `$proxy_add_x_forwarded_for`, which appends. With 0 (the default: no proxy in
front), the header is ignored and the connection's own address is the client's.
"""

import ipaddress

from django.conf import settings


def client_address(peer: str, forwarded_for: list[str], trusted_proxies: int) -> str:
    """The client's address, given the connection's `peer`, the X-Forwarded-For entries in
    order, and how many proxies are trusted."""
    if trusted_proxies <= 0:
        return peer
    hops = [*forwarded_for, peer]
    candidate = hops[-(trusted_proxies + 1)] if len(hops) > trusted_proxies else hops[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return peer  # a proxy that wrote nonsense: key on what is known


class ClientAddressMiddleware:
    """ASGI middleware: sets scope["client"] to the client's address (see above)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        trusted = settings.TRUSTED_PROXIES
        if trusted and scope["type"] in ("http", "websocket"):
            entries = [
                entry.strip()
                for name, value in scope.get("headers", ())
                if name.lower() == b"x-forwarded-for"
                for entry in value.decode("latin-1").split(",")
                if entry.strip()
            ]
            peer, port = scope.get("client") or ("", 0)
            scope = {**scope, "client": (client_address(peer, entries, trusted), port)}
        return await self.app(scope, receive, send)
