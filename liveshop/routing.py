"""Websocket routes of every app, mounted by liveshop/asgi.py."""

websocket_urlpatterns: list = []
