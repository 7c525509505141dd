"""The floor for bench/fanout.py: a minimal `websockets` broadcast server.

It does the least any server can do: when the host sends a command, it numbers it, encodes it once
and hands the same frame to every other connection with `websockets.broadcast`. No database, no
authorization, no channel layer.

    python bench/floor_server.py PORT
"""

import asyncio
import json
import sys

from websockets.asyncio.server import broadcast, serve

CONNECTIONS = set()
SEQ = 0


async def handler(websocket):
    global SEQ
    CONNECTIONS.add(websocket)
    try:
        await websocket.send(json.dumps({"type": "state", "seq": SEQ}))
        async for text in websocket:
            command = json.loads(text)
            if command.get("type") == "feature":
                SEQ += 1
                product = {"id": command["product_id"]}
                broadcast(
                    CONNECTIONS, json.dumps({"type": "featured", "seq": SEQ, "product": product})
                )
    finally:
        CONNECTIONS.discard(websocket)


async def main(port: int) -> None:
    async with serve(handler, "127.0.0.1", port, max_queue=None, ping_interval=None):
        await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
