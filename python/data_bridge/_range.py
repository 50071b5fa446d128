"""``db.Range``: a PostgreSQL range value (int4range, numrange, daterange, tstzrange...)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Range:
    """A range: ``Range(1, 5)`` is ``[1,5)``; a bound of None is unbounded on that side.

    ``Range(empty=True)`` is the empty range. Bounds come back normalized as the server
    stores them (``[1,5]`` of integers reads back as ``Range(1, 6)``).
    """

    lower: Any = None
    upper: Any = None
    lower_inc: bool = True
    upper_inc: bool = False
    empty: bool = False

    def __post_init__(self) -> None:
        # An unbounded side is never inclusive, as the server stores it.
        if self.lower is None and self.lower_inc:
            object.__setattr__(self, "lower_inc", False)
        if self.upper is None and self.upper_inc:
            object.__setattr__(self, "upper_inc", False)
        if self.empty:
            for name in ("lower", "upper"):
                object.__setattr__(self, name, None)
            object.__setattr__(self, "lower_inc", False)
            object.__setattr__(self, "upper_inc", False)
