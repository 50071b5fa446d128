"""The columns and indexes of a model: ``db.Column(...)`` and ``db.Index(...)``."""

from __future__ import annotations

from typing import Any, overload

from ._data_bridge import Col

MISSING: Any = object()
"""No default: the server's default (or identity) fills the column."""


class ColumnInfo:
    """A column of a model (what ``Column(...)`` makes): a descriptor holding its options."""

    def __init__(
        self,
        *,
        primary_key: bool = False,
        identity: bool = False,
        unique: bool = False,
        index: bool = False,
        default: Any = MISSING,
        default_factory: Any = None,
        server_default: str | None = None,
        check: str | None = None,
        max_length: int | None = None,
        foreign_key: str | None = None,
        on_delete: str | None = None,
        on_update: str | None = None,
        renamed_from: str | None = None,
        type: str | None = None,  # noqa: A002 - the documented name
    ) -> None:
        self.primary_key = primary_key
        self.identity = identity
        self.unique = unique
        self.index = index
        self.default = default
        self.default_factory = default_factory
        self.server_default = server_default
        self.check = check
        self.max_length = max_length
        self.foreign_key = foreign_key
        self.on_delete = on_delete
        self.on_update = on_update
        self.renamed_from = renamed_from
        self.type = type
        self.name = ""
        self.python_type: Any = None

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type) -> Col: ...
    @overload
    def __get__(self, obj: object, owner: type) -> Any: ...
    def __get__(self, obj: object | None, owner: type) -> Any:
        if obj is None:
            return Col(self.name)
        return obj.__dict__.get(self.name)

    def __set__(self, obj: object, value: Any) -> None:
        obj.__dict__[self.name] = value

    def initial(self) -> Any:
        """The value a new instance gets: the default, a new one from the factory, or MISSING."""
        if self.default_factory is not None:
            return self.default_factory()
        return self.default


def Column(**options: Any) -> Any:
    """A column of a model: ``id: int = db.Column(primary_key=True, identity=True)``.

    Options: ``primary_key``, ``identity``, ``unique``, ``index``, ``default`` (a value),
    ``default_factory``, ``server_default`` (SQL), ``check`` (SQL), ``max_length``,
    ``foreign_key`` (``"users.id"``), ``on_delete``/``on_update``, ``renamed_from`` and
    ``type`` (the SQL type, else from the annotation). On the class, the attribute is the
    column for filters (``User.email == x``); on an instance, its value.
    """
    return ColumnInfo(**options)


class Index:
    """An index over columns or expressions, for ``__indexes__``."""

    def __init__(self, *columns: str, unique: bool = False, where: str | None = None) -> None:
        self.columns = columns
        self.unique = unique
        self.where = where
