#!/usr/bin/env python3
"""Generates a schema of N range-partitioned tables with P monthly partitions each (and a
default partition), in the shape large multi-tenant schemas have: composite primary keys
with the partition key, unique and expression indexes on the parents (so on every
partition), foreign keys to a plain table, checks. Variant "b" is a round of changes: a new
partition and a new parent index for every table, a partition detached and dropped from every
fifth, a column's type widened on every tenth.

    gen_partitioned.py 30 12 a > a.sql
"""
import sys


def month(p: int) -> str:
    return f"{2025 + p // 12}-{p % 12 + 1:02d}-01"


def table(i: int, parts: int, variant: str) -> str:
    b = variant == "b"
    amount = "bigint" if b and i % 10 == 0 else "integer"
    out = [
        f"CREATE TABLE events_{i} (\n"
        f"    id bigint NOT NULL,\n"
        f"    at date NOT NULL,\n"
        f"    account_id integer NOT NULL REFERENCES accounts (id),\n"
        f"    kind text NOT NULL CHECK (kind <> ''),\n"
        f"    amount {amount},\n"
        f"    payload jsonb,\n"
        f"    PRIMARY KEY (id, at)\n"
        f") PARTITION BY RANGE (at);",
        f"CREATE UNIQUE INDEX events_{i}_account_kind ON events_{i} (account_id, kind, at);",
        f"CREATE INDEX events_{i}_kind_lower ON events_{i} (lower(kind));",
    ]
    if b:
        out.append(f"CREATE INDEX events_{i}_amount ON events_{i} (amount) WHERE amount IS NOT NULL;")
    count = parts + (1 if b else 0)
    for p in range(count):
        if b and i % 5 == 0 and p == 0:
            continue
        out.append(
            f"CREATE TABLE events_{i}_p{p} PARTITION OF events_{i} "
            f"FOR VALUES FROM ('{month(p)}') TO ('{month(p + 1)}');"
        )
    out.append(f"CREATE TABLE events_{i}_default PARTITION OF events_{i} DEFAULT;")
    return "\n".join(out)


def schema(n: int, parts: int, variant: str) -> str:
    head = "CREATE TABLE accounts (id integer PRIMARY KEY, name text NOT NULL);"
    return "\n\n".join([head] + [table(i, parts, variant) for i in range(n)]) + "\n"


if __name__ == "__main__":
    n, parts = int(sys.argv[1]), int(sys.argv[2])
    sys.stdout.write(schema(n, parts, sys.argv[3] if len(sys.argv) > 3 else "a"))
