"""Two server processes over Redis: viewers split evenly, the host on the first process.

A change made on process A reaches process B's viewers through the Redis channel layer. The
fan-out's p99 is compared with the one-process floor at the same N; then the connect storm runs
against both processes at once. PostgreSQL + Redis only (two processes need a shared database and
channel layer).
"""

from bench import connect_storm, fanout, lib


def run(
    shop: lib.Liveshop, *, sizes: list[int], rounds: int, storm: tuple[int, int], log=print
) -> dict:
    results: dict = {"fanout": {}, "storm": None}
    for n in sizes:
        with lib.server("daphne", shop.env) as a, lib.server("daphne", shop.env) as b:
            r = fanout.against([a, b], n, rounds, shop=shop)
        log(fanout.describe(f"2 processes, fan-out {n}", r))
        results["fanout"][n] = r
    with lib.server("daphne", shop.env) as a, lib.server("daphne", shop.env) as b:
        r = connect_storm.against([a, b], *storm, liveshop=True)
    log(connect_storm.describe("2 processes, storm", r))
    results["storm"] = r
    return results
