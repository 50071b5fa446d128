"""Module-level functions: the methods of the default pool (``connect(default=True)``).

``await db.fetch_many("posts")`` is ``await db.default_pool().fetch_many("posts")``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal, overload

from . import errors
from ._data_bridge import Expr, Pool, Row, UpsertResult

_Filter = Mapping[str, Any] | Expr | None
_Table = str | type[Any]

_default_pool: Pool | None = None


def set_default_pool(pool: Pool | None) -> None:
    """Makes ``pool`` the one the module-level functions use."""
    global _default_pool
    _default_pool = pool


def default_pool() -> Pool:
    """The pool of the last ``connect(default=True)``."""
    if _default_pool is None:
        raise errors.OperationalError("no default pool: call data_bridge.connect() first")
    return _default_pool


async def execute(sql: str, *args: Any) -> str:
    """Runs one statement on the default pool; returns its command tag."""
    return await default_pool().execute(sql, *args)


async def fetch(sql: str, *args: Any) -> list[Row]:
    """Runs a query on the default pool; returns its rows."""
    return await default_pool().fetch(sql, *args)


async def fetch_row(sql: str, *args: Any) -> Row | None:
    """Runs a query on the default pool; returns its first row, or None."""
    return await default_pool().fetch_row(sql, *args)


async def fetch_val(sql: str, *args: Any) -> Any:
    """Runs a query on the default pool; returns the first value of its first row."""
    return await default_pool().fetch_val(sql, *args)


async def insert_one(
    table: _Table, data: Mapping[str, Any], *, returning: bool = True
) -> dict[str, Any]:
    """``Pool.insert_one`` on the default pool."""
    return await default_pool().insert_one(table, data, returning=returning)


async def insert_many(table: _Table, rows: Iterable[Mapping[str, Any]]) -> int:
    """``Pool.insert_many`` on the default pool."""
    return await default_pool().insert_many(table, rows)


async def upsert_one(
    table: _Table,
    data: Mapping[str, Any],
    conflict_columns: list[str],
    update_columns: list[str] | None = None,
) -> dict[str, Any]:
    """``Pool.upsert_one`` on the default pool."""
    return await default_pool().upsert_one(table, data, conflict_columns, update_columns)


@overload
async def upsert_many(
    table: _Table,
    rows: Iterable[Mapping[str, Any]],
    conflict_columns: list[str],
    update_columns: list[str] | None = None,
    *,
    do_nothing: bool = False,
    returning: Literal[False] = False,
) -> UpsertResult: ...
@overload
async def upsert_many(
    table: _Table,
    rows: Iterable[Mapping[str, Any]],
    conflict_columns: list[str],
    update_columns: list[str] | None = None,
    *,
    do_nothing: bool = False,
    returning: Literal[True],
) -> list[dict[str, Any]]: ...
async def upsert_many(
    table: _Table,
    rows: Iterable[Mapping[str, Any]],
    conflict_columns: list[str],
    update_columns: list[str] | None = None,
    *,
    do_nothing: bool = False,
    returning: bool = False,
) -> UpsertResult | list[dict[str, Any]]:
    """``Pool.upsert_many`` on the default pool."""
    pool = default_pool()
    if returning:
        return await pool.upsert_many(
            table, rows, conflict_columns, update_columns, do_nothing=do_nothing, returning=True
        )
    return await pool.upsert_many(
        table, rows, conflict_columns, update_columns, do_nothing=do_nothing
    )


async def fetch_one(
    table: _Table, filter: _Filter = None, *, fetch_links: list[Any] | None = None
) -> dict[str, Any] | None:
    """``Pool.fetch_one`` on the default pool."""
    return await default_pool().fetch_one(table, filter, fetch_links=fetch_links)


async def fetch_many(
    table: _Table,
    filter: _Filter = None,
    *,
    fetch_links: list[Any] | None = None,
    order_by: str | list[str] | None = None,
    limit: int | None = None,
    offset: int | None = None,
) -> list[dict[str, Any]]:
    """``Pool.fetch_many`` on the default pool."""
    return await default_pool().fetch_many(
        table, filter, fetch_links=fetch_links, order_by=order_by, limit=limit, offset=offset
    )


async def update(
    table: _Table, filter: _Filter, values: Mapping[str, Any], *, returning: bool = False
) -> int | list[dict[str, Any]]:
    """``Pool.update`` on the default pool."""
    pool = default_pool()
    if returning:
        return await pool.update(table, filter, values, returning=True)
    return await pool.update(table, filter, values)


async def delete(
    table: _Table, filter: _Filter, *, returning: bool = False
) -> int | list[dict[str, Any]]:
    """``Pool.delete`` on the default pool."""
    pool = default_pool()
    if returning:
        return await pool.delete(table, filter, returning=True)
    return await pool.delete(table, filter)
