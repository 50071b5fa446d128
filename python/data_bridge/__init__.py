"""data_bridge: PostgreSQL access and schema migrations on the dbridge engine.

>>> import data_bridge as db
>>> pool = await db.connect("postgres://localhost/app")    # doctest: +SKIP
>>> await pool.fetch_val("SELECT $1::int + 1", 41)          # doctest: +SKIP
42
"""

from __future__ import annotations

import atexit
import time
from collections.abc import Mapping

from . import errors
from ._data_bridge import Pool, Row, Savepoint, Transaction, __version__
from ._data_bridge import connect as _connect
from .errors import (
    CheckViolation,
    DataBridgeError,
    DataError,
    DeadlockDetected,
    ExclusionViolation,
    ForeignKeyViolation,
    IntegrityError,
    MigrationError,
    NotNullViolation,
    OperationalError,
    PoolTimeout,
    ProgrammingError,
    SchemaError,
    SerializationFailure,
    SyntaxError,  # noqa: A004 - the SQLSTATE's name
    TransactionError,
    UndefinedColumn,
    UndefinedTable,
    UniqueViolation,
)

__all__ = [
    "CheckViolation",
    "DataBridgeError",
    "DataError",
    "DeadlockDetected",
    "ExclusionViolation",
    "ForeignKeyViolation",
    "IntegrityError",
    "MigrationError",
    "NotNullViolation",
    "OperationalError",
    "Pool",
    "PoolTimeout",
    "ProgrammingError",
    "Row",
    "Savepoint",
    "SchemaError",
    "SerializationFailure",
    "SyntaxError",
    "Transaction",
    "TransactionError",
    "UndefinedColumn",
    "UndefinedTable",
    "UniqueViolation",
    "__version__",
    "connect",
    "default_pool",
    "errors",
]

Mapping.register(Row)


def _let_completions_finish() -> None:
    """Gives the engine's threads a moment to finish waking the event loop at exit.

    A query's result is handed to asyncio by ``call_soon_threadsafe`` from an engine thread,
    which takes the GIL back once it has written the loop's wake-up byte. If the interpreter
    finalizes in that instant (a script whose last await just returned), Python ends the
    thread inside Rust code and the process aborts. Releasing the GIL briefly here lets the
    thread return first.
    """
    if _connected:
        time.sleep(0.05)


atexit.register(_let_completions_finish)
_connected = False

_default_pool: Pool | None = None


async def connect(
    url: str | None = None,
    *,
    min_size: int = 1,
    max_size: int = 10,
    acquire_timeout: float = 30.0,
    statement_cache: bool = True,
    default: bool = True,
) -> Pool:
    """Opens a pool of connections.

    Without ``url``, the database the ``dbridge`` command would use: ``DATABASE_URL``, then
    ``[database] url`` of ``./dbridge.toml``, then the embedded default database under
    ``.dbridge/``. With ``default=True`` the pool becomes the one that module-level
    functions use (see :func:`default_pool`). ``statement_cache=False`` prepares every
    statement unnamed, which is safe behind transaction-mode poolers; parameters are then
    typed from their Python values rather than by the server.
    """
    global _default_pool, _connected
    _connected = True
    pool = await _connect(
        url,
        min_size=min_size,
        max_size=max_size,
        acquire_timeout=acquire_timeout,
        statement_cache=statement_cache,
    )
    if default:
        _default_pool = pool
    return pool


def default_pool() -> Pool:
    """The pool of the last ``connect(default=True)``."""
    if _default_pool is None:
        raise errors.OperationalError("no default pool: call data_bridge.connect() first")
    return _default_pool
