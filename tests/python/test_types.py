"""Dates, times, intervals, network addresses, bit strings and hstore, both ways."""

from __future__ import annotations

import datetime as dt
import ipaddress
from decimal import Decimal
from typing import Any

import pytest

import data_bridge as db

UTC = dt.timezone.utc
PLUS2 = dt.timezone(dt.timedelta(hours=2))


@pytest.mark.parametrize(
    ("sql_type", "value", "back"),
    [
        ("date", dt.date(2024, 2, 29), dt.date(2024, 2, 29)),
        ("date", dt.date(1, 1, 1), dt.date(1, 1, 1)),
        ("date", dt.date(1999, 12, 31), dt.date(1999, 12, 31)),
        ("time", dt.time(23, 59, 59, 999999), dt.time(23, 59, 59, 999999)),
        ("timetz", dt.time(8, 30, tzinfo=PLUS2), dt.time(8, 30, tzinfo=PLUS2)),
        (
            "timestamp",
            dt.datetime(1969, 7, 20, 20, 17, 40, 5),
            dt.datetime(1969, 7, 20, 20, 17, 40, 5),
        ),
        (
            "timestamptz",
            dt.datetime(2024, 1, 1, 12, 0, tzinfo=PLUS2),
            dt.datetime(2024, 1, 1, 10, 0, tzinfo=UTC),
        ),
        (
            "timestamptz",
            dt.datetime(2024, 1, 1, 12, 0),
            dt.datetime(2024, 1, 1, 12, 0, tzinfo=UTC),
        ),
        (
            "interval",
            dt.timedelta(days=-3, seconds=5, microseconds=7),
            dt.timedelta(days=-3, seconds=5, microseconds=7),
        ),
        ("date[]", [dt.date(2020, 1, 1), None], [dt.date(2020, 1, 1), None]),
        ("inet", ipaddress.ip_address("10.1.2.3"), ipaddress.ip_address("10.1.2.3")),
        ("inet", "192.168.0.5/24", ipaddress.ip_interface("192.168.0.5/24")),
        ("inet", "::1", ipaddress.ip_address("::1")),
        ("cidr", ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("10.0.0.0/8")),
        (
            "inet[]",
            ["10.0.0.1", "::2"],
            [ipaddress.ip_address("10.0.0.1"), ipaddress.ip_address("::2")],
        ),
    ],
)
async def test_values_go_both_ways(pool: db.Pool, sql_type: str, value: Any, back: Any) -> None:
    await pool.execute(f"CREATE TABLE t (v {sql_type})")
    assert await pool.execute("INSERT INTO t VALUES ($1)", value) == "INSERT 0 1"
    got = await pool.fetch_val("SELECT v FROM t")
    assert got == back
    assert type(got) is type(back)
    assert await pool.fetch_val("SELECT count(*) FROM t WHERE v = $1", value) == 1


async def test_the_server_reads_what_python_meant(pool: db.Pool) -> None:
    """Checked against the server's own text forms, not only against our decoder."""
    assert (
        await pool.fetch_val(
            "SELECT $1::timestamptz::text", dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=PLUS2)
        )
        == "2024-05-06 05:08:09+00"
    )
    assert await pool.fetch_val("SELECT $1::date::text", dt.date(1999, 12, 31)) == "1999-12-31"
    assert await pool.fetch_val("SELECT $1::interval::text", dt.timedelta(days=1, seconds=1)) == (
        "1 day 00:00:01"
    )
    assert await pool.fetch_val("SELECT $1::cidr::text", "10.0.0.0/8") == "10.0.0.0/8"


async def test_infinity_is_the_largest_and_smallest_value(pool: db.Pool) -> None:
    assert await pool.fetch_val("SELECT 'infinity'::date") == dt.date.max
    assert await pool.fetch_val("SELECT '-infinity'::timestamp") == dt.datetime.min
    assert await pool.fetch_val("SELECT $1::date::text", dt.date.max) == "infinity"
    assert await pool.fetch_val("SELECT $1::timestamp::text", dt.datetime.min) == "-infinity"


async def test_a_year_past_python_s_range_is_an_error(pool: db.Pool) -> None:
    with pytest.raises(ValueError):
        await pool.fetch_val("SELECT '10000-01-01'::date")


async def test_an_aware_datetime_does_not_fit_a_naive_column(pool: db.Pool) -> None:
    with pytest.raises(db.DataError, match="aware datetime"):
        await pool.fetch_val("SELECT $1::timestamp", dt.datetime(2024, 1, 1, tzinfo=UTC))


async def test_months_of_an_interval_count_as_30_days(pool: db.Pool) -> None:
    assert await pool.fetch_val("SELECT '1 mon 2 days'::interval") == dt.timedelta(days=32)


async def test_bit_strings_macaddrs_and_xml_are_text(pool: db.Pool) -> None:
    assert await pool.fetch_val("SELECT B'10101'::varbit") == "10101"
    assert await pool.fetch_val("SELECT '08:00:2b:01:02:03'::macaddr") == "08:00:2b:01:02:03"
    assert await pool.fetch_val("SELECT '<a>x</a>'::xml") == "<a>x</a>"


async def test_hstore_is_a_dict(pool: db.Pool) -> None:
    await pool.execute("CREATE EXTENSION hstore")
    await pool.execute("CREATE TABLE h (v hstore)")
    await pool.execute("INSERT INTO h VALUES ($1)", {"a": "1", "b": None})
    assert await pool.fetch_val("SELECT v FROM h") == {"a": "1", "b": None}
    assert await pool.fetch_val("SELECT v -> 'a' FROM h") == "1"


async def test_ranges_are_range_objects_both_ways(pool: db.Pool) -> None:
    assert await pool.fetch_val("SELECT '[1,5)'::int4range") == db.Range(1, 5)
    assert await pool.fetch_val("SELECT '[1,5]'::int4range") == db.Range(1, 6)
    assert await pool.fetch_val("SELECT 'empty'::int8range") == db.Range(empty=True)
    assert await pool.fetch_val("SELECT '[2024-01-01,)'::daterange") == db.Range(
        dt.date(2024, 1, 1), None
    )
    assert await pool.fetch_val("SELECT '(1.5,2.5]'::numrange") == db.Range(
        Decimal("1.5"), Decimal("2.5"), lower_inc=False, upper_inc=True
    )
    aware = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert await pool.fetch_val("SELECT $1::int8range::text", db.Range(3, None)) == "[3,)"
    assert await pool.fetch_val("SELECT $1::int4range::text", db.Range(empty=True)) == "empty"
    assert (
        await pool.fetch_val("SELECT $1::tstzrange::text", db.Range(None, aware, upper_inc=True))
        == '(,"2024-05-06 07:08:09+00"]'
    )
    assert await pool.fetch_val(
        "SELECT $1 = daterange('2024-01-01', '2024-02-01')",
        db.Range(dt.date(2024, 1, 1), dt.date(2024, 2, 1)),
    )
    await pool.execute("CREATE TABLE booking (id int PRIMARY KEY, during tstzrange, n numrange)")
    rows = [
        {"id": 1, "during": db.Range(aware, None), "n": db.Range(Decimal("0.5"), Decimal(2))},
        {"id": 2, "during": db.Range(empty=True), "n": None},
    ]
    assert await pool.insert_many("booking", rows) == 2
    back = await pool.fetch_many("booking", order_by="id")
    assert back == rows
    assert await pool.fetch_val("SELECT during::text FROM booking WHERE id = 1") == (
        '["2024-05-06 07:08:09+00",)'
    )


async def test_money_is_a_decimal_both_ways(pool: db.Pool) -> None:
    assert await pool.fetch_val("SELECT 12.34::money") == Decimal("12.34")
    assert await pool.fetch_val("SELECT (-5)::money") == Decimal("-5.00")
    assert await pool.fetch_val("SELECT $1::money = 1234.5::money", Decimal("1234.5"))
    assert await pool.fetch_val("SELECT $1::money = 7::money", 7)
    with pytest.raises(db.DataError, match="at most 2 decimal places"):
        await pool.fetch_val("SELECT $1::money", Decimal("0.001"))


@pytest.mark.parametrize(
    "literal",
    [
        "'a b:1A,3 c:2B,4C'::tsvector",
        "'it''s'::tsvector",
        "'(1.5,-2)'::point",
        "'[(0,0),(1,1)]'::lseg",
        "'(3,4),(1,2)'::box",
        "'[(0,0),(1,1),(2,0)]'::path",
        "'((0,0),(1,1),(2,0))'::path",
        "'((0,0),(1,1),(2,0))'::polygon",
        "'{1,-1,0}'::line",
        "'<(1,2),3.5>'::circle",
    ],
)
async def test_tsvectors_and_geometry_read_as_the_server_writes_them(
    pool: db.Pool, literal: str
) -> None:
    row = await pool.fetch_row(f"SELECT {literal} AS v, {literal}::text AS t")
    assert row is not None
    assert row["v"] == row["t"]
