"""ASGI entry point: HTTP through Django, websockets through Channels (served by daphne)."""

import os

from django.core import checks
from django.core.asgi import get_asgi_application
from django.core.management.base import SystemCheckError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liveshop.settings")
# Django must be set up before anything imports models (the websocket routes do).
django_asgi_app = get_asgi_application()
# daphne runs no system checks: like runserver, refuse to serve with an error among them (such as
# DEBUG off and no way to take payments, checkout/checks.py).
if errors := [e for e in checks.run_checks() if e.is_serious() and not e.is_silenced()]:
    raise SystemCheckError("\n".join(["The server refuses to start:", *map(str, errors)]))

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from infrastructure.admission import AdmissionLimit  # noqa: E402
from infrastructure.client_address import ClientAddressMiddleware  # noqa: E402
from infrastructure.websocket_auth import LazyAuthMiddlewareStack  # noqa: E402
from liveshop.routing import websocket_urlpatterns  # noqa: E402

# The client's address as far as the proxies in front vouch for it (TRUSTED_PROXIES).
application = ClientAddressMiddleware(
    ProtocolTypeRouter(
        {
            # A few requests in Django at once per process; a herd waits its turn (infrastructure/admission.py).
            "http": AdmissionLimit(django_asgi_app),
            # Browsers send Origin on websockets; connections from other sites are refused. The user
            # is read from the session only when a connection needs it (infrastructure/websocket_auth.py).
            "websocket": AllowedHostsOriginValidator(
                LazyAuthMiddlewareStack(URLRouter(websocket_urlpatterns))
            ),
        }
    )
)
