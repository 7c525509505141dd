"""Who is on a websocket, found out only when it matters.

Channels' AuthMiddleware reads the session and the user on every connect, before the consumer
runs. Most connections are viewers who only watch: they never need to know. Here `scope["user"]`
is lazy: the session and the user are read (with the same checks as a page: Django's `get_user`,
session hash included) the first time the connection sends something that needs them, a chat
message or a host command, from the database thread that runs that command. A guest's connection,
and a signed-in viewer's that only watches, costs no session or user query at all.
"""

from importlib import import_module
from types import SimpleNamespace

from channels.sessions import CookieMiddleware
from django.conf import settings
from django.contrib import auth
from django.utils.functional import SimpleLazyObject


class ReadOnlySessionMiddleware:
    """scope["session"]: the session named by the cookie, read on first use.

    Unlike Channels' SessionMiddleware, it does not wrap `send` to save the session after each
    message: a show's websocket never changes the session, and every frame of a fan-out would pay
    for the check (events/realtime.py)."""

    def __init__(self, inner):
        self.inner = inner
        self.store = import_module(settings.SESSION_ENGINE).SessionStore

    async def __call__(self, scope, receive, send):
        if "cookies" not in scope:
            raise ValueError("ReadOnlySessionMiddleware needs CookieMiddleware above it.")
        key = scope["cookies"].get(settings.SESSION_COOKIE_NAME)
        return await self.inner({**scope, "session": self.store(key)}, receive, send)


class LazyUserMiddleware:
    """Sets scope["user"] to a lazy object, resolved from scope["session"] on first use (in a
    thread: it may query the database, so never touch it from the event loop)."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        if "session" not in scope:
            raise ValueError("LazyUserMiddleware needs SessionMiddleware above it.")
        session = scope["session"]
        scope = {
            **scope,
            "user": SimpleLazyObject(lambda: auth.get_user(SimpleNamespace(session=session))),
        }
        return await self.inner(scope, receive, send)


def LazyAuthMiddlewareStack(inner):
    return CookieMiddleware(ReadOnlySessionMiddleware(LazyUserMiddleware(inner)))
