#!/usr/bin/env bash
# Peak memory of `dbridge fetch` with relations, by number of root rows: each post has an
# author and two comments. Usage: benchmarks/fetch_memory.sh URL [DBRIDGE] [ROWS...]
# URL names a server where the database `dbridge_fetch_memory` may be created and dropped.
# Needs psql and GNU time (/usr/bin/time).
set -euo pipefail
url=${1:?a postgres:// URL of a server to use}
bin=${2:-dbridge}
shift $(( $# >= 2 ? 2 : $# ))
sizes=("${@:-100000 1000000}")
base=${url%/*}
db="$base/dbridge_fetch_memory"
psql -q "$url" -c "DROP DATABASE IF EXISTS dbridge_fetch_memory" -c "CREATE DATABASE dbridge_fetch_memory"
trap 'psql -q "$url" -c "DROP DATABASE IF EXISTS dbridge_fetch_memory"' EXIT
psql -q "$db" -c "CREATE TABLE authors (id int PRIMARY KEY, name text NOT NULL);
  CREATE TABLE posts (id int PRIMARY KEY, author_id int NOT NULL REFERENCES authors, title text NOT NULL, body text NOT NULL);
  CREATE TABLE comments (id int PRIMARY KEY, post_id int NOT NULL REFERENCES posts, body text NOT NULL);
  CREATE INDEX ON comments (post_id);"
loaded=0
for n in ${sizes[*]}; do
    psql -q "$db" -c "INSERT INTO authors SELECT g, 'author ' || g FROM generate_series($loaded + 1, $n) g WHERE g <= 1000 ON CONFLICT DO NOTHING;
      INSERT INTO posts SELECT g, 1 + g % 1000, 'post ' || g, repeat('x', 80) FROM generate_series($loaded + 1, $n) g;
      INSERT INTO comments SELECT g, 1 + (g - 1) / 2, 'comment ' || g FROM generate_series(2 * $loaded + 1, 2 * $n) g;
      ANALYZE;"
    loaded=$n
    # Peak resident memory (kB) and wall time, from the kernel through GNU time.
    read -r kb secs < <( { /usr/bin/time -f '%M %e' "$bin" fetch posts --url "$db" --with author,comments >/dev/null; } 2>&1 | tail -1 )
    printf '%s root rows: peak %d MB, %s s\n' "$n" "$(( kb / 1024 ))" "$secs"
done
