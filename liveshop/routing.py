"""Websocket routes of every app, mounted by liveshop/asgi.py."""

from events.routing import websocket_urlpatterns as event_routes

websocket_urlpatterns = [*event_routes]
