#!/usr/bin/env bash
# dbridge upsert (process start included) against the best hand-written pipeline: psql \copy
# into a temporary table + one INSERT ... SELECT ... ON CONFLICT, on the same server, same rows.
#
# Usage: benchmarks/upsert_bench.sh [ROWS] [RUNS]   (needs target/release/dbridge and psql)
# Uses DATABASE_URL, else the embedded default database (`dbridge dev url`).
set -euo pipefail
rows=${1:-1000000}
runs=${2:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
dbridge="$here/target/release/dbridge"
url=${DATABASE_URL:-$("$dbridge" dev url)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Half the rows conflict: the table holds ids 1..ROWS; the input has ROWS/2 even ids in that
# range and ROWS/2 ids above it.
python3 - "$rows" "$work" <<'PY'
import csv, json, random, sys
rows, work = int(sys.argv[1]), sys.argv[2]
random.seed(1)
half = rows // 2
with open(f"{work}/rows.ndjson", "w") as nd, open(f"{work}/rows.csv", "w", newline="") as c:
    w = csv.writer(c)
    w.writerow(["id", "name", "email", "score", "price", "active", "created_at"])
    for i in range(1, rows + 1):
        id_ = 2 * i if i <= half else 2 * rows + i
        r = {"id": id_, "name": f"user {i}", "email": f"user{i}@example.com",
             "score": random.randint(0, 1000), "price": f"{random.randint(0, 100000) / 100:.2f}",
             "active": i % 3 == 0, "created_at": "2024-01-02T03:04:05Z"}
        nd.write(json.dumps(r) + "\n")
        w.writerow([r["id"], r["name"], r["email"], r["score"], r["price"],
                    "t" if r["active"] else "f", r["created_at"]])
PY

setup() {
  psql "$url" -q -v ON_ERROR_STOP=1 >/dev/null <<SQL
DROP TABLE IF EXISTS bench_upsert;
CREATE TABLE bench_upsert (id bigint PRIMARY KEY, name text, email text, score int,
                           price numeric(10,2), active boolean, created_at timestamptz);
INSERT INTO bench_upsert SELECT g, 'old ' || g, 'old' || g || '@example.com', 0, 0, false, now()
FROM generate_series(1, $rows) g;
VACUUM ANALYZE bench_upsert;
CHECKPOINT;
SQL
}

seconds() { python3 -c 'import sys,time; print(f"{time.time():.3f}")'; }

reference() {
  setup
  local start end
  start=$(seconds)
  psql "$url" -q -v ON_ERROR_STOP=1 <<SQL
BEGIN;
CREATE TEMP TABLE stage (id bigint, name text, email text, score int, price numeric(10,2),
                         active boolean, created_at timestamptz) ON COMMIT DROP;
\copy stage FROM '$work/rows.csv' WITH (FORMAT csv, HEADER true)
INSERT INTO bench_upsert SELECT * FROM stage ON CONFLICT (id) DO UPDATE SET
  name = EXCLUDED.name, email = EXCLUDED.email, score = EXCLUDED.score, price = EXCLUDED.price,
  active = EXCLUDED.active, created_at = EXCLUDED.created_at;
COMMIT;
SQL
  end=$(seconds)
  ref=$(python3 -c "print(round($rows / ($end - $start)))")
}

ours() {
  setup
  local start end
  start=$(seconds)
  "$dbridge" upsert bench_upsert --url "$url" --input "$work/rows.ndjson" --on id --quiet >/dev/null
  end=$(seconds)
  ours=$(python3 -c "print(round($rows / ($end - $start)))")
}

# Alternate which side goes first: the second run of a pair pays for the first's checkpoint
# and dropped files.
echo "rows=$rows runs=$runs server=$(psql "$url" -Atc 'SHOW server_version')"
for run in $(seq "$runs"); do
  if (( run % 2 )); then reference; ours; else ours; reference; fi
  echo "run $run: psql \\copy + INSERT ON CONFLICT: $ref rows/s; dbridge upsert (NDJSON, process included): $ours rows/s; ratio $(python3 -c "print(f'{$ours / $ref:.2f}')")"
done
psql "$url" -q -c "DROP TABLE bench_upsert"
