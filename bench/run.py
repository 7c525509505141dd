"""Run the benchmarks: `make bench` (full size, writes docs/benchmarks.md and bench/results.json)
and `make bench-smoke` (small sizes; checks that nothing is lost and nothing errors, not timings).

    python bench/run.py [--smoke] [--only storm,fanout,memory,two,flash,page] [--servers daphne,...]

The PostgreSQL + Redis benchmarks run when DATABASE_URL (postgres://) and REDIS_URL are set; they
use the database `bench` (dropped and created) and Redis database 7 (flushed) on those servers.
"""

import argparse
import asyncio
import datetime as dt
import importlib.util
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import connect_storm, fanout, flash_sale, lib, page_herd, report, two_processes

BENCHMARKS = ("storm", "fanout", "memory", "two", "flash", "page")

FULL = {
    "storm": (10_000, 1_000),
    "fanout": [1_000, 5_000, 10_000],
    "fanout_rounds": 20,
    "other_servers_fanout": 1_000,
    "two_fanout": [1_000],
    "two_storm": (10_000, 1_000),
    "flash": (100, 2_000),
    "pgbench_seconds": 10,
    "page": (1_500, 100),
}
SMOKE = {
    "storm": (300, 100),
    "fanout": [200],
    "fanout_rounds": 3,
    "other_servers_fanout": 200,
    "two_fanout": [200],
    "two_storm": (200, 100),
    "flash": (20, 200),
    "pgbench_seconds": 2,
    "page": (200, 20),
}


def log(line: str) -> None:
    print(line, flush=True)


def installed(server: str) -> bool:
    return server == "daphne" or importlib.util.find_spec(server) is not None


class Suite:
    def __init__(self, args, workdir: Path):
        self.args, self.workdir = args, workdir
        self.size = SMOKE if args.smoke else dict(FULL)
        if args.fanout_sizes:
            self.size["fanout"] = [int(n) for n in args.fanout_sizes.split(",")]
        if args.storm:
            self.size["storm"] = tuple(int(n) for n in args.storm.split(","))
            self.size["two_storm"] = self.size["storm"]
        if args.flash:
            self.size["flash"] = tuple(int(n) for n in args.flash.split(","))
        if args.two_fanout_sizes:
            self.size["two_fanout"] = [int(n) for n in args.two_fanout_sizes.split(",")]
        if args.rounds:
            self.size["fanout_rounds"] = args.rounds
        self.only = set(args.only.split(",")) if args.only else set(BENCHMARKS)
        self.servers = [s for s in args.servers.split(",") if installed(s)]
        self.results: dict = {"sizes": {k: v for k, v in self.size.items()}}
        self.snapshot_bytes = 0

    def run(self) -> dict:
        embedded = lib.prepare("embedded", lib.embedded_env(self.workdir / "embedded"))
        with lib.server("daphne", embedded.env) as srv:
            self.snapshot_bytes = asyncio.run(lib.snapshot_size(srv))
        self.results["snapshot_bytes"] = self.snapshot_bytes
        log(f"Liveshop's snapshot: {self.snapshot_bytes} bytes; the floor sends as many")
        if self.only & {"storm", "memory"}:
            self.storms(embedded)
        if "fanout" in self.only:
            self.fanouts(embedded)
        if "page" in self.only:
            n, k = self.size["page"]
            r = page_herd.run(embedded, requests=n, connections=k)
            log(page_herd.describe(r))
            self.results["page"] = r
        urls = lib.production_urls()
        self.results["postgres"] = bool(urls)
        if not urls:
            log("DATABASE_URL/REDIS_URL not set: the PostgreSQL + Redis benchmarks are not run")
            return self.results
        lib.reset_stores(*urls)
        production = lib.prepare("postgres+redis", lib.postgres_env(self.workdir / "pg", *urls))
        if self.only & {"storm", "memory"}:
            with lib.server("daphne", production.env) as srv:
                r = connect_storm.against([srv], *self.size["storm"], liveshop=True)
            log(connect_storm.describe("daphne postgres+redis", r))
            self.results["storm"]["postgres+redis"] = {"daphne": r}
        if "two" in self.only:
            self.results["two"] = two_processes.run(
                production,
                sizes=self.size["two_fanout"],
                rounds=self.size["fanout_rounds"],
                storm=self.size["two_storm"],
                log=log,
            )
        if "flash" in self.only:
            units, buyers = self.size["flash"]
            r = flash_sale.run(
                production, units=units, n=buyers, pgbench_seconds=self.size["pgbench_seconds"]
            )
            log(flash_sale.describe(r))
            self.results["flash"] = r
        return self.results

    def storms(self, shop: lib.Liveshop) -> None:
        n, c = self.size["storm"]
        found = self.results.setdefault("storm", {}).setdefault("embedded", {})
        kinds = ["floor", *self.servers] if not self.args.smoke else ["floor", "daphne"]
        for kind in kinds:
            with lib.server(kind, shop.env, snapshot_bytes=self.snapshot_bytes) as srv:
                r = connect_storm.against([srv], n, c, liveshop=kind != "floor")
            log(connect_storm.describe(f"{kind} embedded", r))
            found[kind] = r

    def fanouts(self, shop: lib.Liveshop) -> None:
        found = self.results.setdefault("fanout", {})
        rounds = self.size["fanout_rounds"]
        for n in self.size["fanout"]:
            kinds = ["floor", "daphne"]
            if n == self.size["other_servers_fanout"] and not self.args.smoke:
                kinds += [s for s in self.servers if s != "daphne"]
            for kind in kinds:
                with lib.server(kind, shop.env, snapshot_bytes=self.snapshot_bytes) as srv:
                    r = fanout.against([srv], n, rounds, shop=None if kind == "floor" else shop)
                log(fanout.describe(f"{kind} fan-out {n}", r))
                found.setdefault(str(n), {})[kind] = r


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small sizes; check, do not report")
    parser.add_argument("--only", default="", help=f"comma-separated among {','.join(BENCHMARKS)}")
    parser.add_argument("--servers", default="daphne,uvicorn,granian")
    parser.add_argument("--fanout-sizes", default="", help="e.g. 1000,5000")
    parser.add_argument("--storm", default="", help="viewers,concurrency, e.g. 10000,1000")
    parser.add_argument("--two-fanout-sizes", default="", help="e.g. 1000")
    parser.add_argument("--flash", default="", help="units,buyers, e.g. 100,2000")
    parser.add_argument("--rounds", type=int, default=0)
    parser.add_argument("--write", action="store_true", help="write docs and results.json")
    args = parser.parse_args()
    lib.setup_process()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="liveshop-bench-") as tmp:
        suite = Suite(args, Path(tmp))
        results = suite.run()
    results["seconds"] = round(time.monotonic() - started, 1)
    results["date"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    results["command"] = os.environ.get("BENCH_COMMAND", "python " + " ".join(sys.argv))
    results["machine"] = report.machine()
    results["smoke"] = args.smoke
    rows = report.rows(results)
    results["figures"] = rows
    problems = report.problems(results)
    results["problems"] = problems
    print(report.table(rows))
    if args.write:
        (lib.ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=1) + "\n")
        report.write_docs(results, rows)
        log("wrote bench/results.json and docs/benchmarks.md")
    log(f"{results['seconds']} s")
    if problems:
        log("PROBLEMS (lost, duplicated or failed):\n  " + "\n  ".join(problems))
        return 1 if args.smoke else 0
    log("nothing lost, nothing errored")
    return 0


if __name__ == "__main__":
    sys.exit(main())
