"""The 1,000-row fetch of python_bench.py alone: data_bridge against asyncpg in one process.

Alternates call by call: asyncpg's JOIN made into dicts and its raw `fetch`, data_bridge's
`fetch_many(fetch_links=["author"])` and raw `fetch` of the same JOIN, and a `SELECT 1` of
each (the fixed cost of one call), printing the median ms of each and the ratios. Run it
several times: the ratio within one process is what compares, on a shared machine.

    VIRTUAL_ENV=/tmp/pybench /tmp/pybench/bin/maturin develop --release
    /tmp/pybench/bin/python benchmarks/fetch_bench.py      # BENCH_CALLS=60 by default
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from python_bench import JOIN, bench_database, join_as_dicts, socket_params

import data_bridge as db
from data_bridge._data_bridge import TestServer

CALLS = int(os.environ.get("BENCH_CALLS", "60"))


async def main() -> None:
    server = TestServer()
    try:
        url = await bench_database(server)
        apg = await asyncpg.connect(**socket_params(url))
        pool = await db.connect(url, max_size=1, default=False)

        cases: dict[str, Callable[[], Awaitable[Any]]] = {
            "asyncpg JOIN → dicts": lambda: join_as_dicts(apg),
            "asyncpg fetch (Records)": lambda: apg.fetch(JOIN),
            "data_bridge fetch_many": lambda: pool.fetch_many(
                "posts", fetch_links=["author"], order_by="id", limit=1000
            ),
            "data_bridge fetch (Rows)": lambda: pool.fetch(JOIN),
            "asyncpg SELECT 1": lambda: apg.fetchval("SELECT 1"),
            "data_bridge SELECT 1": lambda: pool.fetch_val("SELECT 1"),
        }
        samples: dict[str, list[float]] = {name: [] for name in cases}
        for run in cases.values():
            await run()
        for _ in range(CALLS):
            for name, run in cases.items():
                started = time.perf_counter()
                await run()
                samples[name].append((time.perf_counter() - started) * 1e3)
        median = {name: statistics.median(v) for name, v in samples.items()}
        for name, value in median.items():
            print(f"{name}: {value:.3f} ms")
        print(
            f"fetch_many / asyncpg JOIN → dicts: "
            f"{median['data_bridge fetch_many'] / median['asyncpg JOIN → dicts']:.2f}x; "
            f"fetch / asyncpg fetch: "
            f"{median['data_bridge fetch (Rows)'] / median['asyncpg fetch (Records)']:.2f}x"
        )
        await pool.close()
        await apg.close()
    finally:
        server.stop()


if __name__ == "__main__":
    asyncio.run(main())
