"""``delete`` of a model: on the class, the rows a filter selects; on an instance, its row."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, overload

from ._data_bridge import Expr, Pool
from ._functions import default_pool

if TYPE_CHECKING:
    from .models import Table


class _ClassOrInstance:
    """``delete`` on the class (by filter) and on an instance (its own row)."""

    @overload
    def __get__(self, obj: None, owner: type[Table]) -> _DeleteWhere: ...
    @overload
    def __get__(self, obj: Table, owner: type[Table]) -> _DeleteSelf: ...
    def __get__(self, obj: Table | None, owner: type[Table]) -> _DeleteWhere | _DeleteSelf:
        if obj is None:
            return _DeleteWhere(owner)
        return _DeleteSelf(obj)


class _DeleteWhere:
    def __init__(self, model: type[Table]) -> None:
        self.model = model

    async def __call__(
        self,
        filter: Mapping[str, Any] | Expr | None,  # noqa: A002
        *,
        pool: Pool | None = None,
    ) -> int:
        return await (pool or default_pool()).delete(self.model, filter)


class _DeleteSelf:
    def __init__(self, obj: Table) -> None:
        self.obj = obj

    async def __call__(self, *, pool: Pool | None = None) -> None:
        model = type(self.obj)
        key = model.key_column()
        await (pool or default_pool()).delete(model, {key: getattr(self.obj, key)})
