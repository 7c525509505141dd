"""What sending on a websocket that has just closed raises.

A client can go (its network drops, it aborts) between a frame the application decides to send
and the `websocket.disconnect` the server then queues for it. The ASGI spec has the server raise
an OSError for that send; daphne lets autobahn's `Disconnected` through instead (django/channels
issue 1820). Either means only that the frame has nobody to go to: `websocket.disconnect`
follows, and the connection's cleanup runs then.
"""

try:
    from autobahn.exception import Disconnected
except ImportError:  # served by another ASGI server
    SEND_ON_CLOSED: tuple[type[Exception], ...] = (OSError,)
else:
    SEND_ON_CLOSED = (OSError, Disconnected)
