"""infrastructure/client_address.py: behind proxies the client's address is the entry of
X-Forwarded-For that the trusted proxies wrote, never one a client chose (issue 16, door 6)."""

import pytest

from infrastructure.client_address import ClientAddressMiddleware, client_address

PROXY = "10.0.0.2"


@pytest.mark.parametrize(
    ("forwarded_for", "trusted", "client"),
    [
        # no proxy trusted: the header is whatever a client wrote
        (["6.6.6.6"], 0, PROXY),
        # nginx appends the address it saw: the client's own entries to the left are ignored
        (["203.0.113.7"], 1, "203.0.113.7"),
        (["6.6.6.6", "203.0.113.7"], 1, "203.0.113.7"),
        (["6.6.6.6", "1.2.3.4", "203.0.113.7"], 1, "203.0.113.7"),
        # a CDN in front of the load balancer: two proxies, each appending
        (["6.6.6.6", "203.0.113.7", "198.51.100.9"], 2, "203.0.113.7"),
        # fewer entries than proxies trusted: the leftmost there is
        ([], 1, PROXY),
        (["203.0.113.7"], 3, "203.0.113.7"),
        # an entry that is no address: the connection's own
        (["not-an-address"], 1, PROXY),
        (["2001:db8::1"], 1, "2001:db8::1"),
    ],
)
def test_the_client_is_the_entry_the_trusted_proxies_wrote(forwarded_for, trusted, client):
    assert client_address(PROXY, forwarded_for, trusted) == client


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", ["http", "websocket"])
async def test_requests_and_websockets_get_that_address(settings, kind):
    settings.TRUSTED_PROXIES = 1
    seen = {}

    async def app(scope, receive, send):
        seen.update(scope)

    scope = {
        "type": kind,
        "client": (PROXY, 51000),
        "headers": [
            (b"x-forwarded-for", b"6.6.6.6, 1.2.3.4"),
            (b"X-Forwarded-For", b"203.0.113.7"),
        ],
    }
    await ClientAddressMiddleware(app)(scope, None, None)

    assert seen["client"] == ("203.0.113.7", 51000)
