"""One kind of call repeated alone in its own process: data_bridge or asyncpg.

    /tmp/pybench/bin/python benchmarks/call_bench.py TOOL CASE [CALLS]

TOOL is `data_bridge` or `asyncpg`; CASE is `one` (`SELECT 1`), `busy` (`SELECT 1` while
another thread runs Python code, so that the interpreter lock is rarely free), `insert` (one
row with `RETURNING`), `fetch` (1,000 posts with their author: `fetch_many` against
asyncpg's JOIN made into dicts) or `rows` (that JOIN as rows: `fetch` into Rows against
asyncpg's Records). Prints the median wall time and the process CPU per call. Alternating
tools in one process (fetch_bench.py) measures how each fares after the other has run; this
measures each on its own, as a service running one of them would. Run the tools in turn
several times: the machines are shared.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from python_bench import JOIN, bench_database, join_as_dicts, socket_params

import data_bridge as db
from data_bridge._data_bridge import TestServer


def spin(stop: threading.Event) -> None:
    """Pure Python work that holds the interpreter lock until it has to hand it over."""
    n = 0
    while not stop.is_set():
        n += 1


async def main(tool: str, case: str, calls: int) -> None:
    server = TestServer()
    try:
        url = await bench_database(server)
        apg = await asyncpg.connect(**socket_params(url))
        run: Callable[[], Awaitable[Any]]
        if tool == "data_bridge":
            pool = await db.connect(url, max_size=1, default=False)
            run = {
                "one": lambda: pool.fetch_val("SELECT 1"),
                "busy": lambda: pool.fetch_val("SELECT 1"),
                "insert": lambda: pool.insert_one("events", {"name": "x", "n": 1}),
                "fetch": lambda: pool.fetch_many(
                    "posts", fetch_links=["author"], order_by="id", limit=1000
                ),
                "rows": lambda: pool.fetch(JOIN),
            }[case]
        else:
            run = {
                "one": lambda: apg.fetchval("SELECT 1"),
                "busy": lambda: apg.fetchval("SELECT 1"),
                "insert": lambda: apg.fetchrow(
                    "INSERT INTO events (name, n) VALUES ($1, $2) RETURNING *", "x", 1
                ),
                "fetch": lambda: join_as_dicts(apg),
                "rows": lambda: apg.fetch(JOIN),
            }[case]
        stop = threading.Event()
        if case == "busy":
            threading.Thread(target=spin, args=(stop,), daemon=True).start()
        for _ in range(20):
            await run()
        samples = []
        cpu = time.process_time()
        for _ in range(calls):
            started = time.perf_counter()
            result = await run()
            samples.append(time.perf_counter() - started)
            del result
        cpu_ms = (time.process_time() - cpu) / calls * 1e3
        stop.set()
        print(
            f"{tool} {case}: median {statistics.median(samples) * 1e3:.3f} ms, "
            f"CPU {cpu_ms:.3f} ms per call"
        )
    finally:
        server.stop()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 600))
