#!/usr/bin/env python3
"""Schema benchmark: dbridge against migra and SQLAlchemy reflection, in one run, on one
PostgreSQL server started for the purpose.

For 100 and 1,000 generated tables (gen_schema.py) it loads variant "a" and variant "b" into
two databases, then times, each as the median of several runs:
  - dbridge diff URL_A URL_B (process start included), with its own stage timings
    (introspection of each side, diff plus rendering of up and down);
  - dbridge inspect --format json (one introspection, process start included);
  - migra URL_A URL_B --unsafe (process start included);
  - SQLAlchemy MetaData.reflect() of one database (in process);
  - one cold catalog query over all columns (psql), the floor for any introspection.

Run from the repository root, after `cargo build --release`:
    python3 -m venv /tmp/bench && /tmp/bench/bin/pip install migra psycopg2-binary 'sqlalchemy<2'
    /tmp/bench/bin/python benchmarks/schema_bench.py
"""
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
DBRIDGE = pathlib.Path(os.environ.get("DBRIDGE_BIN", ROOT / "target" / "release" / "dbridge"))
sys.path.insert(0, str(ROOT / "benchmarks"))
import gen_schema  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def pg_bin():
    for d in sorted(pathlib.Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (d / "initdb").exists():
            return d
    sys.exit("no PostgreSQL server binaries (apt-get install postgresql)")


def as_server_user(cmd):
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"] + cmd
    return cmd


class Server:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="dbridge-bench-")
        os.chmod(self.dir, 0o777)
        bin = pg_bin()
        data = os.path.join(self.dir, "data")
        subprocess.run(as_server_user([str(bin / "initdb"), "-D", data, "-U", "postgres",
                                       "--auth=trust", "--locale=C.UTF-8", "-N"]),
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run(as_server_user([str(bin / "pg_ctl"), "-D", data, "-w", "-l",
                                       os.path.join(self.dir, "log"), "-o",
                                       f"-k {self.dir} -c listen_addresses= -c fsync=off "
                                       "-c max_locks_per_transaction=1024", "start"]),
                       check=True, stdout=subprocess.DEVNULL)
        self.bin = bin
        self.data = data

    def url(self, db):
        return f"postgresql://postgres@localhost/{db}?host={self.dir}"

    def psql(self, db, *args, **kw):
        return subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", self.dir,
                               "-U", "postgres", "-d", db, *args], check=True,
                              capture_output=True, text=True, **kw)

    def stop(self):
        subprocess.run(as_server_user([str(self.bin / "pg_ctl"), "-D", self.data, "-m",
                                       "immediate", "stop"]), stdout=subprocess.DEVNULL)
        shutil.rmtree(self.dir, ignore_errors=True)


def median_seconds(fn):
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def interleaved_medians(fns):
    """The median time of each function, running them in turn RUNS times."""
    times = [[] for _ in fns]
    for _ in range(RUNS):
        for fn, t in zip(fns, times):
            start = time.perf_counter()
            fn()
            t.append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def run(cmd, env=None):
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode not in (0, 2):
        raise SystemExit(f"{cmd[0]} failed: {out.stderr[-2000:]}")
    return out


def dbridge_stages(a, b):
    """dbridge's own stage timings (median over runs), from --verbose."""
    stages = {}
    for _ in range(RUNS):
        err = run([str(DBRIDGE), "--verbose", "diff", "--from", a, "--to", b]).stderr
        for name, ms in re.findall(r"^(.+): ([0-9.]+) ms$", err, re.M):
            stages.setdefault(name, []).append(float(ms))
    return {k: statistics.median(v) for k, v in stages.items()}


def load_schemas(server, n):
    """Loads variants "a" and "b" of the n-table schema; returns their URLs."""
    for v in ("a", "b"):
        db = f"bench_{n}_{v}"
        server.psql("postgres", "-c", f"CREATE DATABASE {db}")
        server.psql(db, input=gen_schema.schema(n, v))
        # Settle the fresh catalogs first (as on any database in service): otherwise
        # autovacuum works on them during the timed runs, and the first reads set
        # hint bits, both of which every tool would pay for at random.
        server.psql(db, "-c", "VACUUM ANALYZE")
    return server.url(f"bench_{n}_a"), server.url(f"bench_{n}_b")


def main():
    if not DBRIDGE.exists():
        sys.exit("build first: cargo build --release")
    server = Server()
    rows = []
    try:
        for n in (100, 1000):
            a, b = load_schemas(server, n)
            stages = dbridge_stages(a, b)
            migra = shutil.which("migra") or str(pathlib.Path(sys.executable).parent / "migra")
            # Interleaved, so that a change in the machine's load between runs weighs on
            # every tool alike.
            diff_s, inspect_s, migra_s = interleaved_medians([
                lambda: run([str(DBRIDGE), "diff", "--from", a, "--to", b]),
                lambda: run([str(DBRIDGE), "inspect", "--url", a, "--format", "json"]),
                lambda: run([migra, "--unsafe", a, b]),
            ])
            catalog_s = cold_catalog_query(server, f"bench_{n}_a")
            reflect_s = sqlalchemy_reflect(server, f"bench_{n}_a")
            rows.append((n, diff_s, stages, inspect_s, migra_s, reflect_s, catalog_s))
    finally:
        server.stop()
    print_table(rows)


def cold_catalog_query(server, db):
    sql = ("SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) "
           "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
           "JOIN pg_namespace n ON n.oid = c.relnamespace "
           "WHERE a.attnum > 0 AND n.nspname = 'public'")
    # A new connection each time: catalog caches are per backend.
    return median_seconds(lambda: server.psql(db, "-c", sql, "-o", "/dev/null"))


def sqlalchemy_reflect(server, db):
    import sqlalchemy
    engine = sqlalchemy.create_engine(
        f"postgresql+psycopg2://postgres@/{db}?host={server.dir}")

    def reflect():
        with engine.connect() as conn:
            sqlalchemy.MetaData().reflect(bind=conn, views=True)
        engine.dispose()
    return median_seconds(reflect)


def print_table(rows):
    print(f"median of {RUNS} runs; PostgreSQL {subprocess.run(['psql', '--version'], capture_output=True, text=True).stdout.split()[2]}")
    print()
    print("| tables | dbridge diff (process) | of which: read both (in parallel) / diff+render | "
          "dbridge inspect (process) | migra diff (process) | migra / dbridge | "
          "SQLAlchemy reflect (1 db) | cold catalog query (psql) |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|")
    for n, diff_s, st, inspect_s, migra_s, reflect_s, catalog_s in rows:
        parts = " / ".join(f"{st.get(k, float('nan')):.1f} ms" for k in
                           ("read --from and --to", "diff and render (up and down)"))
        print(f"| {n} | {diff_s * 1000:.0f} ms | {parts} | {inspect_s * 1000:.0f} ms | "
              f"{migra_s * 1000:.0f} ms | {migra_s / diff_s:.1f}x | {reflect_s * 1000:.0f} ms | "
              f"{catalog_s * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
