"""data_bridge: PostgreSQL access and schema migrations on the dbridge engine.

>>> import data_bridge as db
>>> pool = await db.connect("postgres://localhost/app")    # doctest: +SKIP
>>> await pool.fetch_val("SELECT $1::int + 1", 41)          # doctest: +SKIP
42
"""

from __future__ import annotations

from collections.abc import Mapping

from . import errors
from ._data_bridge import (
    Col,
    Expr,
    Plan,
    Pool,
    Row,
    Savepoint,
    Schema,
    Transaction,
    UpsertResult,
    __version__,
    col,
)
from ._data_bridge import connect as _connect
from ._functions import (
    default_pool,
    delete,
    execute,
    fetch,
    fetch_many,
    fetch_one,
    fetch_row,
    fetch_val,
    insert_many,
    insert_one,
    set_default_pool,
    update,
    upsert_many,
    upsert_one,
)
from ._range import Range
from ._relations import (
    BackReference,
    ForeignKey,
    Link,
    Many,
    ManyToMany,
    NotLoadedError,
)
from ._shutdown import engine_used
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
from .migrations import (
    Applied,
    Migration,
    autogenerate,
    migrate,
    migrate_down,
    migration_status,
)
from .models import Column, Index, Table
from .schema import diff, schema_of

__all__ = [
    "Applied",
    "BackReference",
    "CheckViolation",
    "Col",
    "Column",
    "DataBridgeError",
    "DataError",
    "DeadlockDetected",
    "ExclusionViolation",
    "Expr",
    "ForeignKey",
    "ForeignKeyViolation",
    "Index",
    "IntegrityError",
    "Link",
    "Many",
    "ManyToMany",
    "Migration",
    "MigrationError",
    "NotLoadedError",
    "NotNullViolation",
    "OperationalError",
    "Plan",
    "Pool",
    "PoolTimeout",
    "ProgrammingError",
    "Range",
    "Row",
    "Savepoint",
    "Schema",
    "SchemaError",
    "SerializationFailure",
    "SyntaxError",
    "Table",
    "Transaction",
    "TransactionError",
    "UndefinedColumn",
    "UndefinedTable",
    "UniqueViolation",
    "UpsertResult",
    "__version__",
    "autogenerate",
    "col",
    "connect",
    "default_pool",
    "delete",
    "diff",
    "errors",
    "execute",
    "fetch",
    "fetch_many",
    "fetch_one",
    "fetch_row",
    "fetch_val",
    "insert_many",
    "insert_one",
    "migrate",
    "migrate_down",
    "migration_status",
    "schema_of",
    "set_default_pool",
    "update",
    "upsert_many",
    "upsert_one",
]

Mapping.register(Row)


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
    engine_used()
    pool = await _connect(
        url,
        min_size=min_size,
        max_size=max_size,
        acquire_timeout=acquire_timeout,
        statement_cache=statement_cache,
    )
    if default:
        set_default_pool(pool)
    return pool
