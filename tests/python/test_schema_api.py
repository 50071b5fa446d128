"""The schema API: introspect, snapshots, and diff proven by applying its SQL."""

from __future__ import annotations

import pathlib

import pytest

import data_bridge as db

FROM = """
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);
CREATE TABLE gone (id int);
"""
TO = """
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL UNIQUE, name text);
CREATE TABLE posts (id bigint PRIMARY KEY, author_id bigint REFERENCES users);
"""


async def fresh(url: str, sql: str) -> db.Pool:
    pool = await db.connect(url, default=False)
    await pool.execute(sql)
    return pool


async def test_introspect_and_snapshots_round_trip(pool: db.Pool) -> None:
    await pool.execute(TO)
    schema = await pool.introspect()
    assert schema.tables == ["public.posts", "public.users"]
    again = db.Schema.from_json(schema.to_json())
    assert again == schema
    assert await pool.introspect(schemas=["nothing_here"]) != schema
    with pytest.raises(db.SchemaError, match="unknown field"):
        db.Schema.from_json(schema.to_json().replace('"tables"', '"tabels"'))


async def test_a_plan_turns_one_database_into_the_other_and_back(
    postgres_url: str, tmp_path: pathlib.Path
) -> None:
    admin = await db.connect(postgres_url, default=False)
    for name in ("schema_a", "schema_b"):
        await admin.execute(f"DROP DATABASE IF EXISTS {name}")
        await admin.execute(f"CREATE DATABASE {name}")
    path, _, query = postgres_url.partition("?")
    root = path.rsplit("/", 1)[0]

    def url(name: str) -> str:
        return f"{root}/{name}" + (f"?{query}" if query else "")

    a, b = await fresh(url("schema_a"), FROM), await fresh(url("schema_b"), TO)
    try:
        plan = await db.diff(url("schema_a"), url("schema_b"))
        assert plan and len(plan) == len(plan.changes)
        kinds = {c["kind"] for c in plan.changes}
        assert {"add_table", "drop_table", "add_unique_constraint"} <= kinds, kinds
        drop = next(c for c in plan.changes if c["kind"] == "drop_table")
        assert drop["hazards"] and drop["up"]
        await a.execute(plan.up_sql)
        assert await a.introspect() == await b.introspect()
        await a.execute(plan.down_sql)
        assert not await db.diff(
            await a.introspect(), db.Schema.from_json((await a.introspect()).to_json())
        )
        # A .sql source runs sandboxed on the dev server; a snapshot path reads as itself.
        source = tmp_path / "schema.sql"
        source.write_text(TO)
        snapshot = tmp_path / "to.json"
        snapshot.write_text((await b.introspect()).to_json())
        assert not await db.diff(snapshot, source, dev_url=postgres_url)
        assert await db.diff(await a.introspect(), source, dev_url=postgres_url)
    finally:
        await a.close()
        await b.close()
        await admin.close()
