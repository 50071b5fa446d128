"""Models as a schema source: ``schema_of(models)``, ``diff()`` over models, and the
``python -m data_bridge schema MODULE`` command that ``[schema] source = "python:MODULE"``
runs."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

from ._data_bridge import Plan, Schema, schema_of_sql
from ._data_bridge import diff as _diff
from ._ddl import ddl_of, with_rename_comments
from ._shutdown import engine_used
from .models import Table

SchemaSource = str | os.PathLike[str] | Schema | Sequence[type[Table]]
"""A URL, a .sql file or directory, a snapshot path, a Schema, or a list of models."""


def models_in(module: str) -> list[type[Table]]:
    """The models a module defines (imported by name, as ``python:MODULE`` names it)."""
    loaded = importlib.import_module(module)
    found = [
        v
        for v in vars(loaded).values()
        if isinstance(v, type)
        and issubclass(v, Table)
        and v is not Table
        and v.__module__ == loaded.__name__
    ]
    if not found:
        raise SystemExit(f"python:{module}: the module defines no db.Table model")
    return found


async def schema_of(models: Sequence[type[Table]], *, dev_url: str | None = None) -> Schema:
    """The schema of ``models``: their SQL (``ddl_of``) loaded on the sandboxed dev server
    (``dev_url``, default the embedded one) and read as introspection reads a database, so
    that names and types are PostgreSQL's own."""
    engine_used()
    return await schema_of_sql(ddl_of(models), "models", dev_url)


async def _side(side: SchemaSource, dev_url: str | None) -> Any:
    if isinstance(side, (list, tuple)):
        return await schema_of(side, dev_url=dev_url)
    return side


async def diff(
    from_: SchemaSource,
    to: SchemaSource,
    *,
    renames: list[str] | None = None,
    dev_url: str | None = None,
    safe: bool = False,
) -> Plan:
    """Plans the changes from ``from_`` to ``to``, as ``dbridge diff`` does; either side
    may also be a list of model classes."""
    engine_used()
    a, b = await _side(from_, dev_url), await _side(to, dev_url)
    return await _diff(a, b, renames=renames, dev_url=dev_url, safe=safe)


def main(argv: list[str]) -> int:
    """``python -m data_bridge schema MODULE [--format json|sql] [--dev-url URL]``."""
    parser = argparse.ArgumentParser(
        prog="python -m data_bridge schema",
        description="Print the schema of a module's models, as a snapshot or as SQL.",
    )
    parser.add_argument("module", help="the module that defines the models (myapp.models)")
    parser.add_argument("--format", choices=["json", "sql"], default="json")
    parser.add_argument("--dev-url", help="the server to read the SQL on (default: embedded)")
    args = parser.parse_args(argv)
    sys.path.insert(0, os.getcwd())
    models = models_in(args.module)
    if args.format == "sql":
        sys.stdout.write(with_rename_comments(models, ddl_of(models)))
        return 0
    sys.stdout.write(asyncio.run(schema_of(models, dev_url=args.dev_url)).to_json())
    return 0
