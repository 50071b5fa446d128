"""Declarative models: a table as a class whose methods return instances of it.

```python
class User(db.Table):                      # table "users" unless __tablename__ says
    id: int = db.Column(primary_key=True, identity=True)
    email: str = db.Column(unique=True)
    posts: db.BackReference[Post] = db.BackReference()

user = await User.insert_one(User(email="ada@example.com"))
users = await User.fetch_many(User.email.like("%@example.com"), fetch_links=[User.posts])
```

Relations never load by themselves: reading one that was not loaded raises
`NotLoadedError`, which names the `fetch_links=` to add; `await post.author.fetch()` loads
it explicitly, and `post.author.id` is the foreign key's value, with no query.
"""

from __future__ import annotations

import enum
import inspect
import re
import typing
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar, Literal, TypeVar, overload

from ._columns import MISSING, Column, ColumnInfo, Index
from ._data_bridge import Col, Expr, Pool, UpsertResult
from ._delete import _ClassOrInstance
from ._functions import default_pool
from ._relations import (
    BackReference,
    ForeignKey,
    ManyToMany,
    _Relation,
)
from .errors import DataBridgeError

T = TypeVar("T", bound="Table")
M = TypeVar("M", bound="Table")

_Names = dict[str, tuple[str, "_Names"]]
"""Loaded relations: the engine's name → the model's name and the names below it."""

__all__ = ["Column", "ColumnInfo", "Index", "Table"]


def _table_name(name: str) -> str:
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()
    return snake if snake.endswith("s") else snake + "s"


class Table:
    """The base of models. Class methods run on the default pool (or ``pool=``)."""

    registry: ClassVar[dict[str, type[Table]]] = {}
    __tablename__: ClassVar[str]
    __schema__: ClassVar[str | None] = None
    __table_name__: ClassVar[str]
    __indexes__: ClassVar[list[Index]] = []
    _loaded: dict[str, Any]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("__tablename__") or _table_name(cls.__name__)
        cls.__tablename__ = name
        cls.__table_name__ = f"{cls.__schema__}.{name}" if cls.__schema__ else name
        for field, hint in inspect.get_annotations(cls).items():
            if "ClassVar" in str(hint) or field.startswith("_"):
                continue
            value = cls.__dict__.get(field, MISSING)
            if isinstance(value, (_Relation, ColumnInfo)):
                continue
            column = ColumnInfo(default=value)
            column.__set_name__(cls, field)
            setattr(cls, field, column)
        Table.registry[cls.__name__] = cls

    def __init__(self, **values: Any) -> None:
        self._loaded = {}
        columns = type(self).columns()
        unknown = set(values) - set(columns)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no column {sorted(unknown)[0]!r}")
        for name, column in columns.items():
            value = values.get(name, column.initial())
            if value is not MISSING:
                self.__dict__[name] = value

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items())
        return f"{type(self).__name__}({fields})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Table)
            and type(other) is type(self)
            and other.to_dict() == self.to_dict()
        )

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def columns(cls) -> dict[str, ColumnInfo]:
        """The model's columns by name, in declaration order."""
        out: dict[str, ColumnInfo] = {}
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                if isinstance(value, ColumnInfo):
                    out[name] = value
        return out

    @classmethod
    def relations(cls) -> dict[str, _Relation[Any]]:
        """The model's relations by name."""
        return {
            name: value
            for klass in reversed(cls.__mro__)
            for name, value in vars(klass).items()
            if isinstance(value, _Relation)
        }

    @classmethod
    def col(cls, name: str) -> Col:
        """The column ``name`` for filters, checked against the model (the typed spelling of
        ``Model.name``, which type checkers see as the column's Python type)."""
        if name not in cls.columns():
            raise AttributeError(
                f"{cls.__name__} has no column {name!r}; columns: {', '.join(cls.columns())}"
            )
        return Col(name)

    @classmethod
    def key_column(cls) -> str:
        """The primary key's column (models have a one-column primary key)."""
        for name, column in cls.columns().items():
            if column.primary_key:
                return name
        raise DataBridgeError(f"{cls.__name__} has no primary_key column")

    def to_dict(self) -> dict[str, Any]:
        """The columns that have a value."""
        return {n: self.__dict__[n] for n in type(self).columns() if n in self.__dict__}

    @classmethod
    def hints(cls) -> dict[str, Any]:
        """The model's annotations, evaluated once (other models resolve by class name)."""
        cached = cls.__dict__.get("_hints")
        if cached is None:
            cached = typing.get_type_hints(cls, localns=dict(Table.registry))
            setattr(cls, "_hints", cached)  # noqa: B010 - a cache outside the annotations
        return cached

    @classmethod
    def _from_row(cls: type[M], row: Mapping[str, Any], names: _Names) -> M:
        """An instance from a fetched row; ``names`` maps the engine's names of the loaded
        relations to the model's, level by level."""
        obj = cls.__new__(cls)
        obj._loaded = {}
        hints = cls.hints()
        relations = cls.relations() if names else {}
        for key, value in row.items():
            if key in names:
                attr, below = names[key]
                target = relations[attr].target()
                if isinstance(value, list):
                    obj._loaded[attr] = [target._from_row(v, below) for v in value]
                else:
                    obj._loaded[attr] = None if value is None else target._from_row(value, below)
                continue
            kind = hints.get(key)
            if isinstance(kind, type) and issubclass(kind, enum.Enum) and value is not None:
                value = kind(value)
            obj.__dict__[key] = value
        return obj

    @classmethod
    async def _engine_name(cls, pool: Pool, relation: _Relation[Any]) -> str:
        """The engine's name of a relation of this model (matched by its columns)."""
        cache: dict[tuple[int, str], str] = cls.__dict__.get("_engine_names") or {}
        if (id(pool), relation.name) in cache:
            return cache[(id(pool), relation.name)]
        setattr(cls, "_engine_names", cache)  # noqa: B010 - a cache outside the annotations
        name = await cls._match(pool, relation)
        cache[(id(pool), relation.name)] = name
        return name

    @classmethod
    async def _match(cls, pool: Pool, relation: _Relation[Any]) -> str:
        target = relation.target().__table_name__.split(".")[-1]
        for r in await pool.relations(cls):
            if r["kind"] != relation.kind or r["target_table"] != target:
                continue
            if isinstance(relation, ForeignKey) and r["source_columns"] == [relation.column]:
                return str(r["name"])
            if isinstance(relation, BackReference) and r["target_columns"] == [
                relation.foreign_key()
            ]:
                return str(r["name"])
            if (
                isinstance(relation, ManyToMany)
                and (r["through"] or {}).get("table") == relation.through.split(".")[-1]
            ):
                return str(r["name"])
        raise DataBridgeError(
            f"{cls.__name__}.{relation.name}: the database has no such relation "
            f"({relation.kind} to {target})"
        )

    @classmethod
    async def _links(
        cls, pool: Pool, links: Sequence[Any] | None
    ) -> tuple[list[str] | None, _Names]:
        """``fetch_links`` in the engine's names, and the tree of engine→model names."""
        if not links:
            return None, {}
        paths: list[str] = []
        tree: _Names = {}
        for link in links:
            model: type[Table] = cls
            level = tree
            parts = link.name if isinstance(link, _Relation) else str(link)
            engine = []
            for part in parts.split("."):
                relation = model.relations().get(part)
                if relation is None:
                    raise DataBridgeError(
                        f"{model.__name__} has no relation {part}; relations: "
                        + ", ".join(model.relations())
                    )
                name = await model._engine_name(pool, relation)
                level = level.setdefault(name, (part, {}))[1]
                engine.append(name)
                model = relation.target()
            paths.append(".".join(engine))
        return paths, tree

    @classmethod
    def _data(cls, row: Table | Mapping[str, Any], *, defaults: bool = True) -> dict[str, Any]:
        """A row's values; a mapping gets the model's defaults when ``defaults`` (inserts),
        as an instance got them when it was made."""
        if isinstance(row, Table):
            return row.to_dict()
        return cls(**row).to_dict() if defaults else dict(row)

    @classmethod
    async def insert_one(
        cls: type[M], row: M | Mapping[str, Any], *, pool: Pool | None = None
    ) -> M:
        """Inserts a row; returns it as stored."""
        stored = await (pool or default_pool()).insert_one(cls, cls._data(row))
        return cls._from_row(stored, {})

    @classmethod
    async def insert_many(
        cls, rows: Iterable[Table | Mapping[str, Any]], *, pool: Pool | None = None
    ) -> int:
        """Inserts rows with one COPY; returns their number."""
        return await (pool or default_pool()).insert_many(cls, [cls._data(r) for r in rows])

    @classmethod
    async def upsert_one(
        cls: type[M],
        row: M | Mapping[str, Any],
        conflict_columns: list[str],
        update_columns: list[str] | None = None,
        *,
        pool: Pool | None = None,
    ) -> M:
        """Inserts or updates a row; returns it as stored."""
        p = pool or default_pool()
        stored = await p.upsert_one(
            cls, cls._data(row, defaults=False), conflict_columns, update_columns
        )
        return cls._from_row(stored, {})

    @classmethod
    async def upsert_many(
        cls,
        rows: Iterable[Table | Mapping[str, Any]],
        conflict_columns: list[str],
        update_columns: list[str] | None = None,
        *,
        do_nothing: bool = False,
        pool: Pool | None = None,
    ) -> UpsertResult:
        """Inserts or updates rows as ``dbridge upsert`` does."""
        data = [cls._data(r, defaults=False) for r in rows]
        return await (pool or default_pool()).upsert_many(
            cls, data, conflict_columns, update_columns, do_nothing=do_nothing
        )

    @classmethod
    async def fetch_one(
        cls: type[M],
        filter: Mapping[str, Any] | Expr | None = None,  # noqa: A002
        *,
        fetch_links: Sequence[Any] | None = None,
        pool: Pool | None = None,
    ) -> M | None:
        """The first matching row, with ``fetch_links`` loaded; None when none matches."""
        p = pool or default_pool()
        links, names = await cls._links(p, fetch_links)
        row = await p.fetch_one(cls, filter, fetch_links=links)
        return None if row is None else cls._from_row(row, names)

    @classmethod
    async def fetch_many(
        cls: type[M],
        filter: Mapping[str, Any] | Expr | None = None,  # noqa: A002
        *,
        fetch_links: Sequence[Any] | None = None,
        order_by: str | list[str] | None = None,
        limit: int | None = None,
        offset: int | None = None,
        pool: Pool | None = None,
    ) -> list[M]:
        """The matching rows, with ``fetch_links`` loaded (one statement per level)."""
        p = pool or default_pool()
        links, names = await cls._links(p, fetch_links)
        rows = await p.fetch_many(
            cls, filter, fetch_links=links, order_by=order_by, limit=limit, offset=offset
        )
        return [cls._from_row(r, names) for r in rows]

    @overload
    @classmethod
    async def update(
        cls,
        filter: Mapping[str, Any] | Expr | None,
        values: Mapping[str, Any],
        *,
        returning: Literal[False] = False,
        pool: Pool | None = None,
    ) -> int: ...
    @overload
    @classmethod
    async def update(
        cls: type[M],
        filter: Mapping[str, Any] | Expr | None,
        values: Mapping[str, Any],
        *,
        returning: Literal[True],
        pool: Pool | None = None,
    ) -> list[M]: ...
    @classmethod
    async def update(
        cls: type[M],
        filter: Mapping[str, Any] | Expr | None,  # noqa: A002
        values: Mapping[str, Any],
        *,
        returning: bool = False,
        pool: Pool | None = None,
    ) -> int | list[M]:
        """Sets ``values`` on the matching rows; returns how many, or with
        ``returning=True`` the rows as updated."""
        p = pool or default_pool()
        if not returning:
            return await p.update(cls, filter, values)
        rows = await p.update(cls, filter, values, returning=True)
        return [cls._from_row(r, {}) for r in rows]

    async def save(self, *, pool: Pool | None = None) -> None:
        """Inserts the instance (no key yet) or updates its row by key; then reads back
        what the server stored (defaults, identities)."""
        p, key = pool or default_pool(), type(self).key_column()
        data = self.to_dict()
        if data.get(key) is None:
            data.pop(key, None)
            stored = await p.insert_one(type(self), data)
        else:
            rows = await p.update(type(self), {key: data[key]}, data, returning=True)
            if not rows:
                raise DataBridgeError(f"{type(self).__name__} {key}={data[key]!r} no longer exists")
            stored = rows[0]
        self.__dict__.update(stored)

    delete = _ClassOrInstance()
    """``Model.delete(filter)`` deletes the matching rows (returns how many);
    ``instance.delete()`` deletes the instance's row."""

    async def refresh(self, *, pool: Pool | None = None) -> None:
        """Reads the instance's row again (relations loaded before are forgotten)."""
        key = type(self).key_column()
        row = await (pool or default_pool()).fetch_one(type(self), {key: getattr(self, key)})
        if row is None:
            raise DataBridgeError(
                f"{type(self).__name__} {key}={getattr(self, key)!r} no longer exists"
            )
        self.__dict__.update(type(self)._from_row(row, {}).__dict__)
        self._loaded = {}
