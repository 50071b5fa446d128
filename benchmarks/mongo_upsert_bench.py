"""`dbridge upsert` on MongoDB next to pymongo's bulk_write of the same documents.

Starts a SecantusDB server ($SECANTUSD, or secantusd-py on PATH) unless MONGODB_URL is set,
then per round: seeds half the keys, and times upserting N documents (half existing, half
new, every one changed) with each tool, alternating which goes first. pymongo sends the
same unordered batches of 1,000 UpdateOne(upsert=True) with $set, as dbridge does (dbridge
also reads and parses the NDJSON file, counts the outcome and runs it in one transaction).

    cargo build --release
    python3 -m venv /tmp/mongo-venv && /tmp/mongo-venv/bin/pip install secantusdb pymongo
    SECANTUSD=/tmp/mongo-venv/bin/secantusd-py /tmp/mongo-venv/bin/python \\
        benchmarks/mongo_upsert_bench.py            # BENCH_DOCS=100000 BENCH_ROUNDS=3
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import pymongo
from pymongo import UpdateOne

DOCS = int(os.environ.get("BENCH_DOCS", "100000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(os.path.dirname(__file__), "..", "target"))
DBRIDGE = os.environ.get("DBRIDGE", os.path.join(TARGET, "release", "dbridge"))


def start_server(storage: str) -> tuple[str, subprocess.Popen[bytes] | None]:
    if os.environ.get("MONGODB_URL"):
        return os.environ["MONGODB_URL"].rstrip("/"), None
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    program = os.environ.get("SECANTUSD") or shutil.which("secantusd-py") or "secantusd-py"
    server = subprocess.Popen(
        [program, "--host", "127.0.0.1", "--port", str(port), "--storage-path", storage],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"mongodb://127.0.0.1:{port}"
    client: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(
        url, serverSelectionTimeoutMS=60000
    )
    client.admin.command("ping")
    client.close()
    return url, server


def main() -> None:
    storage = tempfile.mkdtemp(prefix="mongo-bench-")
    url, server = start_server(storage)
    try:
        client: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(url)
        db = client["bench"]
        docs = [{"sku": f"k{i}", "qty": 2, "name": f"item {i}"} for i in range(DOCS)]
        seed = [{"sku": f"k{i}", "qty": 1, "name": f"item {i}"} for i in range(DOCS // 2)]
        path = os.path.join(storage, "docs.ndjson")
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(json.dumps(d) + "\n" for d in docs)

        def reset() -> None:
            db.drop_collection("items")
            db["items"].insert_many([dict(d) for d in seed])
            db["items"].create_index("sku", unique=True)

        def run_dbridge() -> float:
            reset()
            started = time.perf_counter()
            subprocess.run(
                [DBRIDGE, "--url", f"{url}/bench", "-q", "upsert", "items", "--input", path,
                 "--on", "sku"],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            elapsed = time.perf_counter() - started
            assert db["items"].count_documents({"qty": 2}) == DOCS
            return elapsed

        def run_pymongo() -> float:
            reset()
            started = time.perf_counter()
            items = db["items"]
            for i in range(0, DOCS, 1000):
                batch = docs[i : i + 1000]
                ops = [
                    UpdateOne({"sku": d["sku"]}, {"$set": {"qty": d["qty"], "name": d["name"]}},
                              upsert=True)
                    for d in batch
                ]
                items.bulk_write(ops, ordered=False)
            elapsed = time.perf_counter() - started
            assert items.count_documents({"qty": 2}) == DOCS
            return elapsed

        times: dict[str, list[float]] = {"dbridge upsert": [], "pymongo bulk_write": []}
        for r in range(ROUNDS):
            order = [("dbridge upsert", run_dbridge), ("pymongo bulk_write", run_pymongo)]
            for name, run in order if r % 2 == 0 else reversed(order):
                times[name].append(run())
        print(f"| case ({DOCS:,} documents, half existing; median of {ROUNDS}) | docs/s |")
        print("|---|---:|")
        for name, values in times.items():
            print(f"| {name} | {DOCS / statistics.median(values):,.0f} |")
        ratio = statistics.median(times["pymongo bulk_write"]) / statistics.median(
            times["dbridge upsert"]
        )
        print(f"\ndbridge / pymongo speed: {ratio:.2f}x (goal >= 1.5x)")
        client.close()
    finally:
        if server is not None:
            server.terminate()
            server.wait()
        shutil.rmtree(storage, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
