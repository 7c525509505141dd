"""Database work from async code (websockets, the realtime hub), on a small pool of threads.

Channels' `database_sync_to_async` runs every call of a process on one thread, one after another:
under a crowd of viewers connecting at once, their handshakes wait in that one queue. Here calls run
on a bounded pool (`LIVESHOP_DB_THREADS` threads per process, each with its own database
connection), and, like Channels, each call closes connections that are broken or past
CONN_MAX_AGE before and after it runs.
"""

from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import wraps
from typing import ParamSpec, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

P = ParamSpec("P")
R = TypeVar("R")

_executor: ThreadPoolExecutor | None = None


def executor() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(
            max_workers=settings.LIVESHOP_DB_THREADS, thread_name_prefix="liveshop-db"
        )
    return _executor


def database_async(func: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """`func`, made awaitable: it runs on the database pool."""

    @wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        close_old_connections()
        try:
            return func(*args, **kwargs)
        finally:
            close_old_connections()

    return sync_to_async(run, thread_sensitive=False, executor=executor())
