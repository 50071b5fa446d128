"""Types the module has no decoder of its own for come back as their text form."""

from __future__ import annotations

import datetime as dt

import pytest

import data_bridge as db
from data_bridge.testing import assert_queries


@pytest.mark.parametrize(
    "literal",
    [
        "'fat & (rat | cat)'::tsquery",
        "'{[1,3),[5,7)}'::int4multirange",
        "'{}'::datemultirange",
        "'pg_class'::regclass",
        "'integer'::regtype",
        "'0/16B3748'::pg_lsn",
        "'(0,1)'::tid",
        "'1 2 3'::int2vector",
        '\'{"(0,1)","(2,3)"}\'::tid[]',
        "ARRAY['a & b'::tsquery, NULL]",
        "'x'::\"char\"",
        "'abc'::name",
    ],
)
async def test_built_in_types_without_a_decoder_read_as_text(pool: db.Pool, literal: str) -> None:
    row = await pool.fetch_row(f"SELECT {literal} AS v, {literal}::text AS t")
    assert row is not None
    value, text = row["v"], row["t"]
    if isinstance(value, list):
        # Arrays are lists of their elements' text forms.
        assert value == await pool.fetch_val(f"SELECT array_agg(e::text) FROM unnest({literal}) e")
    else:
        assert value == text


async def test_user_defined_types_read_as_text_or_as_their_parts(pool: db.Pool) -> None:
    await pool.execute(
        "CREATE TYPE pair AS (a int, b text);"
        "CREATE TYPE mood AS ENUM ('sad', 'ok');"
        "CREATE TYPE floatrange AS RANGE (subtype = float8);"
        "CREATE DOMAIN short_text AS text CHECK (length(VALUE) < 10);"
        "CREATE EXTENSION citext"
    )
    assert await pool.fetch_val("SELECT ROW(1, 'x y')::pair") == '(1,"x y")'
    assert await pool.fetch_val("SELECT ARRAY[ROW(1, 'x')::pair, NULL]") == ["(1,x)", None]
    assert await pool.fetch_val("SELECT ARRAY['sad', 'ok']::mood[]") == ["sad", "ok"]
    assert await pool.fetch_val("SELECT '[1.5,2.5)'::floatrange") == db.Range(1.5, 2.5)
    assert await pool.fetch_val("SELECT '{[1,2]}'::floatmultirange") == "{[1,2]}"
    assert await pool.fetch_val("SELECT 'HeLLo'::citext") == "HeLLo"
    assert await pool.fetch_val("SELECT ARRAY['A'::citext]") == ["A"]
    assert await pool.fetch_val("SELECT 'abc'::short_text") == "abc"


async def test_the_server_is_asked_once_per_type_and_result(pool: db.Pool) -> None:
    await pool.execute("CREATE TYPE pair AS (a int, b text)")
    sql = "SELECT ROW(i, 'x')::pair AS p, 'a & b'::tsquery AS q FROM generate_series(1, 50) i"
    with assert_queries(4):  # the query, the types' kinds, one statement per type
        rows = await pool.fetch(sql)
    assert [r["p"] for r in rows] == [f"({i},x)" for i in range(1, 51)]
    assert {r["q"] for r in rows} == {"'a' & 'b'"}
    with assert_queries(3):  # the kinds are known now
        await pool.fetch(sql)


async def test_table_methods_read_unknown_types_as_text(pool: db.Pool) -> None:
    await pool.execute(
        "CREATE TYPE pair AS (a int, b text);"
        "CREATE TABLE owners (id int PRIMARY KEY, p pair);"
        "CREATE TABLE things (id int PRIMARY KEY, owner_id int REFERENCES owners,"
        " q tsquery, ps pair[]);"
        "INSERT INTO owners VALUES (1, ROW(7, 'o'));"
        "INSERT INTO things VALUES (1, 1, 'a & b', ARRAY[ROW(2, 'z')::pair])"
    )
    things = await pool.fetch_many("things", fetch_links=["owner"])
    assert things == [
        {
            "id": 1,
            "owner_id": 1,
            "q": "'a' & 'b'",
            "ps": ["(2,z)"],
            "owner": {"id": 1, "p": "(7,o)"},
        }
    ]
    assert await pool.fetch_one("owners", {"id": 1}) == {"id": 1, "p": "(7,o)"}
    row = await pool.insert_one("owners", {"id": 2, "p": "(8,n)"})
    assert row == {"id": 2, "p": "(8,n)"}


async def test_a_type_created_in_a_transaction_reads_as_text_inside_it(pool: db.Pool) -> None:
    async with pool.transaction() as tx:
        await tx.execute("CREATE TYPE pair AS (a int, b text)")
        assert await tx.fetch_val("SELECT ROW(1, 'x')::pair") == "(1,x)"


async def test_a_str_parameter_is_read_with_its_type_s_text_input(pool: db.Pool) -> None:
    await pool.execute(
        "CREATE TYPE pair AS (a int, b text);"
        "CREATE TYPE floatrange AS RANGE (subtype = float8);"
        "CREATE TABLE t (id int PRIMARY KEY, p pair, r floatrange, q tsquery, d date, ps pair[])"
    )
    await pool.execute(
        "INSERT INTO t VALUES (1, $1, $2, $3, $4, $5)",
        "(1,x)",
        "[1,2)",
        "a & b",
        "2024-02-29",
        '{"(2,y)"}',
    )
    row = await pool.fetch_row("SELECT p::text, r::text, q::text, d::text, ps::text FROM t")
    assert row is not None
    assert list(row.values()) == ["(1,x)", "[1,2)", "'a' & 'b'", "2024-02-29", '{"(2,y)"}']
    assert await pool.insert_one("t", {"id": 2, "p": "(3,z)", "d": "2020-01-01"}) == {
        "id": 2,
        "p": "(3,z)",
        "r": None,
        "q": None,
        "d": dt.date(2020, 1, 1),
        "ps": None,
    }
    assert await pool.fetch_many("t", {"p": "(3,z)"}) == [
        {"id": 2, "p": "(3,z)", "r": None, "q": None, "d": dt.date(2020, 1, 1), "ps": None}
    ]
    with pytest.raises(db.DataError, match=r"column p: .*malformed record literal"):
        await pool.insert_one("t", {"id": 3, "p": "nope"})


async def test_domains_take_and_give_their_base_type_s_values(pool: db.Pool) -> None:
    await pool.execute(
        "CREATE DOMAIN positive AS int CHECK (VALUE > 0);"
        "CREATE DOMAIN small_positive AS positive CHECK (VALUE < 100);"
        "CREATE DOMAIN day AS date;"
        "CREATE TABLE d (id small_positive PRIMARY KEY, at day, n positive[])"
    )
    row = {"id": 5, "at": dt.date(2024, 1, 2), "n": [1, 2]}
    assert await pool.insert_one("d", row) == row
    assert await pool.fetch_one("d", {"id": 5}) == row
    assert await pool.fetch_val("SELECT $1::small_positive + 1", 41) == 42
    with pytest.raises(db.CheckViolation):
        await pool.insert_one("d", {"id": 500})


async def test_enum_keys_upsert_and_bad_values_name_their_row_and_column(pool: db.Pool) -> None:
    await pool.execute(
        "CREATE TYPE mood AS ENUM ('sad', 'ok');CREATE TABLE m (k mood PRIMARY KEY, n int)"
    )
    rows = [{"k": "sad", "n": 1}, {"k": "ok", "n": 2}]
    assert await pool.upsert_many("m", rows, ["k"], returning=True) == rows
    back = await pool.upsert_many("m", [{"k": "ok", "n": 3}], ["k"], returning=True)
    assert back == [{"k": "ok", "n": 3}]
    with pytest.raises(db.DataError, match=r"row 2, column k: .*mood") as caught:
        await pool.insert_many("m", [{"k": "sad", "n": 4}, {"k": "glad", "n": 5}])
    assert caught.value.column == "k"
    assert caught.value.sqlstate == "22P02"
    assert await pool.fetch_val("SELECT count(*) FROM m") == 2
