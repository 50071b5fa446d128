#!/usr/bin/env python3
"""Two dbridge builds side by side, interleaved in one run: is the second one slower, and
does it print the same diff?

On the generated 100- and 1,000-table schemas (gen_schema.py, variants "a" and "b", one
PostgreSQL server started for the purpose), each round runs every build once, in
alternating order, so that the machine's drift falls on both alike:
  - dbridge diff URL_A URL_B (process start included);
  - dbridge inspect --url URL_A --format json.
It prints the medians and each build's ratio to the first, and says whether each build's
diff output (up, and --down) is byte-identical to the first's, the same statements in
another order, or different (then it exits 1 after printing).

Run from the repository root, with two release builds:
    /tmp/bench/bin/python benchmarks/compare_builds.py before=/path/dbridge after=/path/dbridge
BENCH_RUNS sets the rounds (default 9).
"""
import collections
import os
import statistics
import subprocess
import sys
import time

from schema_bench import Server, load_schemas, run

RUNS = int(os.environ.get("BENCH_RUNS", "9"))


def timed(cmd):
    start = time.perf_counter()
    run(cmd)
    return time.perf_counter() - start


def compare(a, b):
    """`identical`, `reordered` (the same statements) or `different`."""
    if a == b:
        return "identical"
    statements = [collections.Counter(x.split("\n\n")) for x in (a, b)]
    return "reordered" if statements[0] == statements[1] else "different"


def main():
    builds = [arg.split("=", 1) for arg in sys.argv[1:]]
    if len(builds) < 2 or any(len(b) != 2 or not os.path.exists(b[1]) for b in builds):
        sys.exit("usage: compare_builds.py NAME=DBRIDGE NAME=DBRIDGE ...")
    server = Server()
    results = []
    try:
        for n in (100, 1000):
            a, b = load_schemas(server, n)
            outputs = {}
            for name, path in builds:
                up = run([path, "diff", "--from", a, "--to", b]).stdout
                down = run([path, "diff", "--from", a, "--to", b, "--down"]).stdout
                outputs[name] = (up, down)
            first = builds[0][0]
            same = {name: tuple(compare(outputs[first][i], outputs[name][i]) for i in (0, 1))
                    for name, _ in builds}
            times = {name: {"diff": [], "inspect": []} for name, _ in builds}
            for i in range(RUNS):
                order = builds if i % 2 == 0 else builds[::-1]
                for name, path in order:
                    times[name]["diff"].append(timed([path, "diff", "--from", a, "--to", b]))
                    times[name]["inspect"].append(
                        timed([path, "inspect", "--url", a, "--format", "json"]))
            results.append((n, same, times))
    finally:
        server.stop()
    version = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.split()[2]
    print(f"{RUNS} interleaved rounds; PostgreSQL {version}")
    print()
    print("| tables | build | dbridge diff (median) | vs first | dbridge inspect (median) | vs first "
          "| up vs first | down vs first |")
    print("|---:|---|---:|---:|---:|---:|---|---|")
    for n, same, times in results:
        base = {k: statistics.median(v) for k, v in times[builds[0][0]].items()}
        for name, _ in builds:
            med = {k: statistics.median(v) for k, v in times[name].items()}
            print(f"| {n} | {name} | {med['diff'] * 1000:.0f} ms | {med['diff'] / base['diff']:.2f} | "
                  f"{med['inspect'] * 1000:.0f} ms | {med['inspect'] / base['inspect']:.2f} | "
                  f"{same[name][0]} | {same[name][1]} |")
    if any("different" in s for _, same, _ in results for s in same.values()):
        sys.exit("a build prints a different diff")


if __name__ == "__main__":
    main()
