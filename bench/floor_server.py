"""The floor of the websocket benchmarks: a minimal `websockets` broadcast server.

It does the least any server can do: on connect it sends a `state` snapshot padded to the size of
Liveshop's (`--snapshot-bytes`, measured by the benchmark in the same run); when the host sends a
command, it numbers it, encodes it once and hands the same frame to every connection with
`websockets.broadcast`. No database, no authorization, no channel layer.

    python bench/floor_server.py PORT [--snapshot-bytes N]
"""

import argparse
import asyncio
import json

from websockets.asyncio.server import broadcast, serve

CONNECTIONS = set()
SEQ = 0
SNAPSHOT_BYTES = 0


def snapshot() -> str:
    text = json.dumps({"type": "state", "seq": SEQ, "pad": ""})
    return text[:-2] + "x" * max(0, SNAPSHOT_BYTES - len(text)) + text[-2:]


async def handler(websocket):
    global SEQ
    CONNECTIONS.add(websocket)
    try:
        await websocket.send(snapshot())
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
    async with serve(handler, "127.0.0.1", port, max_queue=None, ping_interval=None, backlog=4096):
        await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--snapshot-bytes", type=int, default=0)
    args = parser.parse_args()
    SNAPSHOT_BYTES = args.snapshot_bytes
    asyncio.run(main(args.port))
