"""The relations of models: descriptors on the class (`ForeignKey`, `BackReference`,
`ManyToMany`) and what they give on an instance (`Link`, `Many`). They never query by
themselves: reading one that was not loaded raises `NotLoadedError`."""

from __future__ import annotations

import typing
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, overload

from ._data_bridge import Pool
from ._functions import default_pool
from .errors import DataBridgeError

if TYPE_CHECKING:
    from .models import Table

T = TypeVar("T", bound="Table")


class NotLoadedError(DataBridgeError):
    """A relation was read without being loaded (models never query by themselves)."""


class _Relation(Generic[T]):
    """What the relation descriptors share: their owner, name and target model."""

    kind: ClassVar[str]

    def __set_name__(self, owner: type, name: str) -> None:
        self.owner: type[Table] = owner
        self.name = name

    def target(self) -> type[T]:
        """The related model, from the annotation (``db.ForeignKey[User]``)."""
        cached = self.__dict__.get("_target")
        if cached is None:
            hint = self.owner.hints()[self.name]
            (cached,) = typing.get_args(hint)
            self.__dict__["_target"] = cached
        return cached  # type: ignore[no-any-return]

    def not_loaded(self) -> NotLoadedError:
        return NotLoadedError(
            f"{self.owner.__name__}.{self.name} was not loaded: add "
            f"fetch_links=[{self.owner.__name__}.{self.name}] to the fetch, or await "
            f"{self.name}.fetch()"
        )


class ForeignKey(_Relation[T]):
    """A many-to-one relation through a foreign-key column of this model."""

    kind = "many-to-one"

    def __init__(self, column: str) -> None:
        self.column = column

    @overload
    def __get__(self, obj: None, owner: type) -> ForeignKey[T]: ...
    @overload
    def __get__(self, obj: Table, owner: type) -> Link[T]: ...
    def __get__(self, obj: Table | None, owner: type) -> ForeignKey[T] | Link[T]:
        if obj is None:
            return self
        return Link(self, obj)


class Link(Generic[T]):
    """A to-one relation of one instance: ``.id`` without a query, the rest once loaded."""

    def __init__(self, relation: ForeignKey[T], obj: Table) -> None:
        self._relation = relation
        self._obj = obj

    @property
    def id(self) -> Any:
        """The foreign key's value: the target's key, known without loading it."""
        return getattr(self._obj, self._relation.column)

    @property
    def loaded(self) -> T | None:
        """The target, when it was loaded (None when the key is NULL)."""
        loaded = self._obj._loaded
        if self._relation.name not in loaded:
            raise self._relation.not_loaded()
        return loaded[self._relation.name]  # type: ignore[no-any-return]

    async def fetch(self, pool: Pool | None = None) -> T | None:
        """Loads the target (one query) and keeps it on the instance."""
        model = self._relation.target()
        found = None
        if self.id is not None:
            key = model.key_column()
            found = await model.fetch_one({key: self.id}, pool=pool)
        self._obj._loaded[self._relation.name] = found
        return found

    def __getattr__(self, name: str) -> Any:
        target = self.loaded
        if target is None:
            raise AttributeError(f"{self._relation.name} is None (its key is NULL)")
        return getattr(target, name)


class BackReference(_Relation[T]):
    """A one-to-many relation: the rows of another model whose foreign key points here."""

    kind = "one-to-many"

    @overload
    def __get__(self, obj: None, owner: type) -> BackReference[T]: ...
    @overload
    def __get__(self, obj: Table, owner: type) -> Many[T]: ...
    def __get__(self, obj: Table | None, owner: type) -> BackReference[T] | Many[T]:
        if obj is None:
            return self
        return Many(self, obj)

    def foreign_key(self) -> str:
        """The target's column that references this model."""
        target = self.target()
        table = self.owner.__table_name__
        for column in target.columns().values():
            fk = column.foreign_key or ""
            if fk.rsplit(".", 1)[0] in (table, table.split(".")[-1]):
                return column.name
        raise DataBridgeError(f"{target.__name__} has no foreign key to {table}")


class ManyToMany(_Relation[T]):
    """A many-to-many relation through a join table."""

    kind = "many-to-many"

    def __init__(self, *, through: str, source_fk: str, target_fk: str) -> None:
        self.through = through
        self.source_fk = source_fk
        self.target_fk = target_fk

    @overload
    def __get__(self, obj: None, owner: type) -> ManyToMany[T]: ...
    @overload
    def __get__(self, obj: Table, owner: type) -> Many[T]: ...
    def __get__(self, obj: Table | None, owner: type) -> ManyToMany[T] | Many[T]:
        if obj is None:
            return self
        return Many(self, obj)


class Many(Sequence[T]):
    """A to-many relation of one instance: a sequence once loaded; ``fetch()`` loads it."""

    def __init__(self, relation: BackReference[T] | ManyToMany[T], obj: Table) -> None:
        self._relation = relation
        self._obj = obj

    def _items(self) -> list[T]:
        loaded = self._obj._loaded
        if self._relation.name not in loaded:
            raise self._relation.not_loaded()
        return loaded[self._relation.name]  # type: ignore[no-any-return]

    @overload
    def __getitem__(self, i: int) -> T: ...
    @overload
    def __getitem__(self, i: slice) -> list[T]: ...
    def __getitem__(self, i: int | slice) -> T | list[T]:
        return self._items()[i]

    def __len__(self) -> int:
        return len(self._items())

    def __iter__(self) -> Iterator[T]:
        return iter(self._items())

    def __repr__(self) -> str:
        if self._relation.name not in self._obj._loaded:
            return f"<{self._relation.name}: not loaded>"
        return repr(self._items())

    async def fetch(self, pool: Pool | None = None) -> list[T]:
        """Loads the related rows (one query) and keeps them on the instance."""
        pool = pool or default_pool()
        model = type(self._obj)
        key = model.key_column()
        link = await model._engine_name(pool, self._relation)
        row = await pool.fetch_one(model, {key: getattr(self._obj, key)}, fetch_links=[link])
        target = self._relation.target()
        items = [target._from_row(r, {}) for r in (row or {}).get(link, [])]
        self._obj._loaded[self._relation.name] = items
        return items

    def _join(self) -> ManyToMany[T]:
        if not isinstance(self._relation, ManyToMany):
            raise TypeError(f"{self._relation.name} is not a many-to-many relation")
        return self._relation

    async def add(self, item: T, pool: Pool | None = None) -> None:
        """Links ``item`` (a join-table row; an existing link is left as it is)."""
        await self.add_many([item], pool)

    async def add_many(self, items: Iterable[T], pool: Pool | None = None) -> None:
        """Links every item of ``items`` in one statement."""
        join, pool = self._join(), pool or default_pool()
        mine = getattr(self._obj, type(self._obj).key_column())
        rows = [
            {join.source_fk: mine, join.target_fk: getattr(i, type(i).key_column())} for i in items
        ]
        if rows:
            await pool.upsert_many(join.through, rows, [join.source_fk, join.target_fk])
        self._obj._loaded.pop(self._relation.name, None)

    async def remove(self, item: T, pool: Pool | None = None) -> None:
        """Unlinks ``item`` (deletes its join-table row)."""
        join, pool = self._join(), pool or default_pool()
        mine = getattr(self._obj, type(self._obj).key_column())
        theirs = getattr(item, type(item).key_column())
        await pool.delete(join.through, {join.source_fk: mine, join.target_fk: theirs})
        self._obj._loaded.pop(self._relation.name, None)
