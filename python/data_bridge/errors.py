"""The exceptions of data_bridge: one hierarchy under DataBridgeError, mirroring SQLSTATE classes.

Each carries what the server said about the failure, where it said it: ``sqlstate`` (the
five-character condition code), ``table``, ``column``, ``constraint`` and ``detail``.
Messages never contain a password.
"""

from __future__ import annotations

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
    "PoolTimeout",
    "ProgrammingError",
    "SchemaError",
    "SerializationFailure",
    "SyntaxError",
    "TransactionError",
    "UndefinedColumn",
    "UndefinedTable",
    "UniqueViolation",
]


class DataBridgeError(Exception):
    """The base of every error data_bridge raises."""

    sqlstate: str | None
    table: str | None
    column: str | None
    constraint: str | None
    detail: str | None

    def __init__(
        self,
        message: str,
        *,
        sqlstate: str | None = None,
        table: str | None = None,
        column: str | None = None,
        constraint: str | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate
        self.table = table
        self.column = column
        self.constraint = constraint
        self.detail = detail


class IntegrityError(DataBridgeError):
    """A constraint refused the change (SQLSTATE class 23)."""


class UniqueViolation(IntegrityError):
    """A unique index or constraint already holds the key (23505)."""


class ForeignKeyViolation(IntegrityError):
    """A row refers to one that does not exist, or is still referred to (23503)."""


class NotNullViolation(IntegrityError):
    """NULL in a NOT NULL column (23502)."""


class CheckViolation(IntegrityError):
    """A CHECK constraint failed (23514)."""


class ExclusionViolation(IntegrityError):
    """An exclusion constraint failed (23P01)."""


class DataError(DataBridgeError):
    """A value that does not fit its type or column (class 22), or a parameter not bindable."""


class OperationalError(DataBridgeError):
    """The connection, the server or its resources failed (classes 08, 53, 57, 58)."""


class PoolTimeout(OperationalError):
    """No connection of the pool became free within ``acquire_timeout``."""


class TransactionError(DataBridgeError):
    """The transaction was rolled back by the server (class 40); it may succeed if retried."""


class SerializationFailure(TransactionError):
    """A serializable or repeatable-read transaction conflicted with another (40001)."""


class DeadlockDetected(TransactionError):
    """The server broke a deadlock by aborting this transaction (40P01)."""


class ProgrammingError(DataBridgeError):
    """The statement is wrong: syntax, unknown objects, privileges (class 42 and kin)."""


class UndefinedTable(ProgrammingError):
    """The table does not exist (42P01)."""


class UndefinedColumn(ProgrammingError):
    """The column does not exist (42703)."""


class SyntaxError(ProgrammingError):  # noqa: A001 - the SQLSTATE's name
    """The statement does not parse (42601)."""


class MigrationError(DataBridgeError):
    """A migration could not be planned, checked or applied."""


class SchemaError(DataBridgeError):
    """A schema source could not be read or compared."""
