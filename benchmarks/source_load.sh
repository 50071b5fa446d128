#!/usr/bin/env bash
# Loading a `.sql` schema source: `psql -f` of the file into an empty database against the
# whole of `dbridge diff --from empty.sql --to schema.sql` (two scratch databases and
# sandbox roles, the load, two inspections and the diff), on the same server and transport.
# Usage: benchmarks/source_load.sh URL [DBRIDGE] [TABLES] [RUNS]
# URL names a server (and database) where databases may be created and dropped; a
# `?host=/socket/dir` URL goes through the Unix socket, as psql does by default.
set -euo pipefail
url=${1:?a postgres:// URL of a server to use}
bin=${2:-dbridge}
tables=${3:-1000}
runs=${4:-3}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"; psql -q "$url" -c "DROP DATABASE IF EXISTS dbridge_source_load" >/dev/null 2>&1 || true' EXIT
python3 "$here/gen_schema.py" "$tables" a > "$work/schema.sql"
: > "$work/empty.sql"
load_url=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/dbridge_source_load")))' "$url")
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '%s: %d bytes, %d statements\n' "schema of $tables tables" "$(wc -c < "$work/schema.sql")" "$(grep -c ';$' "$work/schema.sql")"
# Interleaved, so that a server or machine that slows down meanwhile slows both.
: > "$work/psql.ms"; : > "$work/dbridge.ms"
for _ in $(seq "$runs"); do
    psql -q "$url" -c "DROP DATABASE IF EXISTS dbridge_source_load" -c "CREATE DATABASE dbridge_source_load"
    start=$(date +%s%N)
    psql -q -v ON_ERROR_STOP=1 "$load_url" -f "$work/schema.sql" >/dev/null
    echo $(( ($(date +%s%N) - start) / 1000000 )) >> "$work/psql.ms"
    start=$(date +%s%N)
    (cd "$work" && "$bin" --dev-url "$url" diff --from empty.sql --to schema.sql >/dev/null)
    echo $(( ($(date +%s%N) - start) / 1000000 )) >> "$work/dbridge.ms"
done
median < "$work/psql.ms" | xargs printf 'psql -f (median of %d):               %d ms\n' "$runs"
median < "$work/dbridge.ms" | xargs printf 'dbridge diff, whole command (median): %d ms\n'
