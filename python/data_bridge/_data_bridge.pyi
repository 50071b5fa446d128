"""The native part of data_bridge (bindings of the Rust engine)."""

from collections.abc import Awaitable, Iterator
from types import TracebackType
from typing import Any, Literal, final, overload

__all__ = [
    "Pool",
    "Row",
    "Savepoint",
    "TestServer",
    "Transaction",
    "__version__",
    "connect",
    "run_cli",
    "statements_sent",
]
__version__: str

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
    def transaction(
        self,
        isolation: Literal[
            "read_uncommitted", "read_committed", "repeatable_read", "serializable"
        ] = "read_committed",
        *,
        readonly: bool = False,
        deferrable: bool = False,
    ) -> Transaction: ...
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
    """Statements this module has sent to servers since it was loaded."""
