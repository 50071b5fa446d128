#!/usr/bin/env python3
"""Generates a benchmark schema of N tables: mixed column types, indexes, foreign keys,
checks, enums and views. Variant "b" is variant "a" after a realistic round of changes
(added and dropped columns, changed types, new and dropped indexes and constraints), so
that a diff between them has work to do on every tenth table.

    gen_schema.py 1000 a > a.sql
"""
import sys

TYPES = ["integer", "bigint", "text", "varchar(120)", "numeric(12,2)", "boolean",
         "timestamptz", "date", "jsonb", "uuid", "double precision", "text[]"]


def table(i: int, variant: str) -> str:
    changed = variant == "b" and i % 10 == 0
    cols = ["id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY"]
    for c in range(8):
        ty = TYPES[(i + c) % len(TYPES)]
        if changed and c == 2 and ty == "integer":
            ty = "bigint"
        if changed and c == 3:
            continue  # dropped column
        default = " DEFAULT 0" if ty in ("integer", "bigint") else ""
        not_null = " NOT NULL" if c == 0 else ""
        cols.append(f"c{c} {ty}{default}{not_null}")
    cols.append(f"status status_{i % 20} NOT NULL DEFAULT 'new'")
    if i > 0:
        cols.append(f"parent_id bigint REFERENCES t{i - 1} (id) ON DELETE CASCADE")
    if changed:
        cols.append("added_note text")
    check = "CHECK (id > 0)" if not changed else "CHECK (id > 0 AND id < 1000000000)"
    cols.append(f"CONSTRAINT t{i}_id_check {check}")
    out = [f"CREATE TABLE t{i} (\n    " + ",\n    ".join(cols) + "\n);"]
    out.append(f"CREATE INDEX t{i}_c0 ON t{i} (c0);")
    if not changed:
        out.append(f"CREATE INDEX t{i}_status ON t{i} (status) WHERE status <> 'done';")
    else:
        out.append(f"CREATE UNIQUE INDEX t{i}_c1_c0 ON t{i} (c1, c0);")
    if i % 5 == 0:
        out.append(f"CREATE VIEW v{i} AS SELECT id, c0, status FROM t{i} WHERE status = 'new';")
    out.append(f"COMMENT ON TABLE t{i} IS 'table number {i}';")
    return "\n".join(out)


def schema(n: int, variant: str) -> str:
    parts = []
    for e in range(20):
        labels = ["new", "active", "done"] + (["archived"] if variant == "b" and e % 4 == 0 else [])
        parts.append(f"CREATE TYPE status_{e} AS ENUM ({', '.join(repr(v) for v in labels)});")
    parts.extend(table(i, variant) for i in range(n))
    return "\n\n".join(parts) + "\n"


if __name__ == "__main__":
    sys.stdout.write(schema(int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "a"))
