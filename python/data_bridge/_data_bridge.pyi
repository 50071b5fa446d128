"""The native part of data_bridge (bindings of the Rust engine)."""

import os
from collections.abc import Awaitable, Iterable, Iterator, Mapping
from types import TracebackType
from typing import Any, Literal, TypeAlias, final, overload

__all__ = [
    "Col",
    "Expr",
    "Plan",
    "Pool",
    "Row",
    "Savepoint",
    "Schema",
    "TestServer",
    "Transaction",
    "UpsertResult",
    "__version__",
    "col",
    "connect",
    "diff",
    "migrate",
    "migrate_down",
    "migration_status",
    "run_cli",
    "schema_of_sql",
    "statements_sent",
]
__version__: str

_Table: TypeAlias = str | type[Any]
"""A table: its name (``"posts"``, ``"blog.posts"``) or a model class."""
_Filter: TypeAlias = Mapping[str, Any] | Expr | None
"""Rows to act on: a mapping of column to value (None: IS NULL), or an expression."""
_Links: TypeAlias = list[Any] | None
"""Relation paths to load with the rows (``["author", "comments.author"]``)."""

@final
class Col:
    """A column named in a filter: ``col("email") == x``."""

    def __new__(cls, name: str) -> Col: ...
    @property
    def name(self) -> str: ...
    def __eq__(self, other: object, /) -> Expr: ...  # type: ignore[override]
    def __ne__(self, other: object, /) -> Expr: ...  # type: ignore[override]
    def __lt__(self, other: object, /) -> Expr: ...
    def __le__(self, other: object, /) -> Expr: ...
    def __gt__(self, other: object, /) -> Expr: ...
    def __ge__(self, other: object, /) -> Expr: ...
    def like(self, pattern: str) -> Expr: ...
    def ilike(self, pattern: str) -> Expr: ...
    def in_(self, values: Iterable[Any]) -> Expr: ...
    def is_null(self) -> Expr: ...

@final
class Expr:
    """A condition on rows; combine with ``&``, ``|`` and ``~``."""

    def __and__(self, other: Expr, /) -> Expr: ...
    def __rand__(self, other: Expr, /) -> Expr: ...
    def __or__(self, other: Expr, /) -> Expr: ...
    def __ror__(self, other: Expr, /) -> Expr: ...
    def __invert__(self) -> Expr: ...
    def __bool__(self) -> bool: ...

@final
class UpsertResult:
    """What an upsert did: rows inserted, updated, and found equal (or left alone)."""

    def __new__(cls, inserted: int, updated: int, unchanged: int) -> UpsertResult: ...
    @property
    def inserted(self) -> int: ...
    @property
    def updated(self) -> int: ...
    @property
    def unchanged(self) -> int: ...

@final
class Schema:
    """A database's schema as the engine models it (the snapshot ``dbridge inspect`` writes)."""

    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> Schema: ...
    @property
    def tables(self) -> list[str]: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class Plan:
    """The changes from one schema to another, with their hazards and SQL both ways."""

    @property
    def changes(self) -> list[dict[str, Any]]: ...
    @property
    def up_sql(self) -> str: ...
    @property
    def down_sql(self) -> str: ...
    def __bool__(self) -> bool: ...
    def __len__(self) -> int: ...

def diff(
    from_: str | os.PathLike[str] | Schema,
    to: str | os.PathLike[str] | Schema,
    *,
    renames: list[str] | None = None,
    dev_url: str | None = None,
    safe: bool = False,
) -> Awaitable[Plan]:
    """Plans the changes from ``from_`` to ``to`` (URLs, .sql files or directories,
    snapshot paths or schemas), as ``dbridge diff`` does."""

def schema_of_sql(sql: str, name: str, dev_url: str | None = None) -> Awaitable[Schema]:
    """The schema a SQL script makes, read on the sandboxed dev server."""

def migrate(
    *,
    config: str = "dbridge.toml",
    url: str | None = None,
    to: int | None = None,
    dry_run: bool = False,
) -> Awaitable[list[dict[str, Any]]]:
    """Applies pending migrations; resolves to what ran."""

def migrate_down(
    *,
    steps: int = 1,
    config: str = "dbridge.toml",
    url: str | None = None,
    dry_run: bool = False,
) -> Awaitable[list[dict[str, Any]]]:
    """Reverts applied migrations; resolves to what ran."""

def migration_status(
    *, config: str = "dbridge.toml", url: str | None = None
) -> Awaitable[list[dict[str, Any]]]:
    """Every migration and its state."""

def col(name: str) -> Col:
    """The column ``name``, for filters."""

@final
class Row:
    """A result row: a read-only mapping from column name to value, also indexed by position."""

    @overload
    def __getitem__(self, key: str, /) -> Any: ...
    @overload
    def __getitem__(self, key: int, /) -> Any: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[str]: ...
    def __contains__(self, key: object, /) -> bool: ...
    def keys(self) -> list[str]: ...
    def values(self) -> list[Any]: ...
    def items(self) -> list[tuple[str, Any]]: ...
    def get(self, key: str, default: Any = None) -> Any: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class Pool:
    """A pool of connections to one database, shared by any number of asyncio tasks."""

    @property
    def size(self) -> int: ...
    @property
    def idle(self) -> int: ...
    def execute(self, sql: str, *args: Any) -> Awaitable[str]: ...
    def fetch(self, sql: str, *args: Any) -> Awaitable[list[Row]]: ...
    def fetch_row(self, sql: str, *args: Any) -> Awaitable[Row | None]: ...
    def fetch_val(self, sql: str, *args: Any) -> Awaitable[Any]: ...
    def insert_one(
        self, table: _Table, data: Mapping[str, Any], *, returning: bool = True
    ) -> Awaitable[dict[str, Any]]: ...
    def insert_many(self, table: _Table, rows: Iterable[Mapping[str, Any]]) -> Awaitable[int]: ...
    def upsert_one(
        self,
        table: _Table,
        data: Mapping[str, Any],
        conflict_columns: list[str],
        update_columns: list[str] | None = None,
    ) -> Awaitable[dict[str, Any]]: ...
    @overload
    def upsert_many(
        self,
        table: _Table,
        rows: Iterable[Mapping[str, Any]],
        conflict_columns: list[str],
        update_columns: list[str] | None = None,
        *,
        do_nothing: bool = False,
        returning: Literal[False] = False,
    ) -> Awaitable[UpsertResult]: ...
    @overload
    def upsert_many(
        self,
        table: _Table,
        rows: Iterable[Mapping[str, Any]],
        conflict_columns: list[str],
        update_columns: list[str] | None = None,
        *,
        do_nothing: bool = False,
        returning: Literal[True],
    ) -> Awaitable[list[dict[str, Any]]]: ...
    def fetch_one(
        self, table: _Table, filter: _Filter = None, *, fetch_links: _Links = None
    ) -> Awaitable[dict[str, Any] | None]: ...
    def fetch_many(
        self,
        table: _Table,
        filter: _Filter = None,
        *,
        fetch_links: _Links = None,
        order_by: str | list[str] | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> Awaitable[list[dict[str, Any]]]: ...
    def relations(self, table: _Table) -> Awaitable[list[dict[str, Any]]]: ...
    @overload
    def update(
        self,
        table: _Table,
        filter: _Filter,
        values: Mapping[str, Any],
        *,
        returning: Literal[False] = False,
    ) -> Awaitable[int]: ...
    @overload
    def update(
        self,
        table: _Table,
        filter: _Filter,
        values: Mapping[str, Any],
        *,
        returning: Literal[True],
    ) -> Awaitable[list[dict[str, Any]]]: ...
    @overload
    def delete(
        self, table: _Table, filter: _Filter, *, returning: Literal[False] = False
    ) -> Awaitable[int]: ...
    @overload
    def delete(
        self, table: _Table, filter: _Filter, *, returning: Literal[True]
    ) -> Awaitable[list[dict[str, Any]]]: ...
    def transaction(
        self,
        isolation: Literal[
            "read_uncommitted", "read_committed", "repeatable_read", "serializable"
        ] = "read_committed",
        *,
        readonly: bool = False,
        deferrable: bool = False,
    ) -> Transaction: ...
    def introspect(self, schemas: list[str] | None = None) -> Awaitable[Schema]: ...
    def close(self) -> Awaitable[None]: ...
    def __aenter__(self) -> Awaitable[Pool]: ...
    def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Awaitable[None]: ...

@final
class Transaction:
    """Statements on one connection between BEGIN and COMMIT (ROLLBACK if the block raises)."""

    def execute(self, sql: str, *args: Any) -> Awaitable[str]: ...
    def fetch(self, sql: str, *args: Any) -> Awaitable[list[Row]]: ...
    def fetch_row(self, sql: str, *args: Any) -> Awaitable[Row | None]: ...
    def fetch_val(self, sql: str, *args: Any) -> Awaitable[Any]: ...
    def insert_one(
        self, table: _Table, data: Mapping[str, Any], *, returning: bool = True
    ) -> Awaitable[dict[str, Any]]: ...
    def insert_many(self, table: _Table, rows: Iterable[Mapping[str, Any]]) -> Awaitable[int]: ...
    def upsert_one(
        self,
        table: _Table,
        data: Mapping[str, Any],
        conflict_columns: list[str],
        update_columns: list[str] | None = None,
    ) -> Awaitable[dict[str, Any]]: ...
    @overload
    def upsert_many(
        self,
        table: _Table,
        rows: Iterable[Mapping[str, Any]],
        conflict_columns: list[str],
        update_columns: list[str] | None = None,
        *,
        do_nothing: bool = False,
        returning: Literal[False] = False,
    ) -> Awaitable[UpsertResult]: ...
    @overload
    def upsert_many(
        self,
        table: _Table,
        rows: Iterable[Mapping[str, Any]],
        conflict_columns: list[str],
        update_columns: list[str] | None = None,
        *,
        do_nothing: bool = False,
        returning: Literal[True],
    ) -> Awaitable[list[dict[str, Any]]]: ...
    def fetch_one(
        self, table: _Table, filter: _Filter = None, *, fetch_links: _Links = None
    ) -> Awaitable[dict[str, Any] | None]: ...
    def fetch_many(
        self,
        table: _Table,
        filter: _Filter = None,
        *,
        fetch_links: _Links = None,
        order_by: str | list[str] | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> Awaitable[list[dict[str, Any]]]: ...
    def relations(self, table: _Table) -> Awaitable[list[dict[str, Any]]]: ...
    @overload
    def update(
        self,
        table: _Table,
        filter: _Filter,
        values: Mapping[str, Any],
        *,
        returning: Literal[False] = False,
    ) -> Awaitable[int]: ...
    @overload
    def update(
        self,
        table: _Table,
        filter: _Filter,
        values: Mapping[str, Any],
        *,
        returning: Literal[True],
    ) -> Awaitable[list[dict[str, Any]]]: ...
    @overload
    def delete(
        self, table: _Table, filter: _Filter, *, returning: Literal[False] = False
    ) -> Awaitable[int]: ...
    @overload
    def delete(
        self, table: _Table, filter: _Filter, *, returning: Literal[True]
    ) -> Awaitable[list[dict[str, Any]]]: ...
    def savepoint(self) -> Savepoint: ...
    def __aenter__(self) -> Awaitable[Transaction]: ...
    def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Awaitable[bool]: ...

@final
class Savepoint:
    """A nested block of a transaction, rolled back alone if it raises."""

    def __aenter__(self) -> Awaitable[Savepoint]: ...
    def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Awaitable[bool]: ...

@final
class TestServer:
    """A throwaway PostgreSQL server started from the installed binaries (for tests)."""

    def __init__(self) -> None: ...
    def url(self, database: str = "postgres") -> str: ...
    def stop(self) -> None: ...

def connect(
    url: str | None = None,
    *,
    min_size: int = 1,
    max_size: int = 10,
    acquire_timeout: float = 30.0,
    statement_cache: bool = True,
) -> Awaitable[Pool]: ...
def run_cli(argv: list[str]) -> int:
    """Runs the dbridge command line with ``argv`` (program name first); returns its exit code."""

def statements_sent() -> int:
    """Statements this module has sent to servers since it was loaded (see
    ``data_bridge.testing.assert_queries`` for what counts)."""
