"""Migrations from Python, on the same files, ``dbridge.sum``, history table and lock as the
``dbridge`` command: a directory written by one is run by the other."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from . import _data_bridge as _native
from ._ddl import ddl_of, with_rename_comments
from ._shutdown import engine_used
from .errors import MigrationError
from .models import Table


@dataclass(frozen=True)
class Applied:
    """A migration that ran (or, in a dry run, would run)."""

    version: int
    description: str
    direction: str
    sql: str
    seconds: float


@dataclass(frozen=True)
class Migration:
    """The migration ``autogenerate`` wrote (``version`` None under ``check=True``: it would
    write one). ``files`` lists every file written, up and down (statements that cannot run
    in a transaction go to files of their own)."""

    version: int | None
    name: str
    files: list[str] = field(default_factory=list)
    hazards: list[str] = field(default_factory=list)


async def migrate(
    *,
    config: str = "dbridge.toml",
    url: str | None = None,
    to: int | None = None,
    dry_run: bool = False,
) -> list[Applied]:
    """Applies the pending migrations (up to version ``to``), as ``dbridge migrate up``."""
    engine_used()
    ran = await _native.migrate(config=config, url=url, to=to, dry_run=dry_run)
    return [Applied(**r) for r in ran]


async def migrate_down(
    *,
    steps: int = 1,
    config: str = "dbridge.toml",
    url: str | None = None,
    dry_run: bool = False,
) -> list[Applied]:
    """Reverts the last ``steps`` applied migrations, as ``dbridge migrate down``."""
    engine_used()
    ran = await _native.migrate_down(steps=steps, config=config, url=url, dry_run=dry_run)
    return [Applied(**r) for r in ran]


async def migration_status(
    *, config: str = "dbridge.toml", url: str | None = None
) -> list[dict[str, Any]]:
    """Every migration and its state, as ``dbridge migrate status --json`` lists them."""
    engine_used()
    return await _native.migration_status(config=config, url=url)


async def autogenerate(
    name: str,
    *,
    config: str = "dbridge.toml",
    models: Sequence[type[Table]] | None = None,
    check: bool = False,
    safe: bool = False,
    allow_destructive: bool = False,
    renames: list[str] | None = None,
) -> Migration | None:
    """Writes the migration that takes the directory to the schema source (or to
    ``models``), proven on the dev database, as ``dbridge autogenerate``; None when there
    is nothing to do."""
    argv = ["--json"]
    if os.path.exists(config):
        argv += ["--config", config]
    argv += ["autogenerate", "--check"] if check else ["autogenerate", "-m", name]
    argv += ["--safe"] * safe + ["--allow-destructive"] * allow_destructive
    for rename in renames or []:
        argv += ["--rename", rename]
    with tempfile.TemporaryDirectory() as scratch:
        if models is not None:
            source = os.path.join(scratch, "models.sql")
            with open(source, "w", encoding="utf-8") as f:
                f.write(with_rename_comments(models, ddl_of(models)))
            argv += ["--source", source]
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "data_bridge",
            *argv,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await process.communicate()
    if check:
        if process.returncode == 0:
            return None
        if process.returncode == 2:
            return Migration(version=None, name=name)
    if process.returncode != 0:
        raise MigrationError(err.decode(errors="replace").strip() or "autogenerate failed")
    result = json.loads(out or b"{}")
    written = result.get("written", [])
    if not written:
        return None
    files = []
    hazards: list[str] = []
    for w in written:
        for way in ("up", "down"):
            path = os.path.join(w["dir"], f"{w['stem']}.{way}.sql")
            if os.path.exists(path):
                files.append(path)
        hazards += [str(h.get("kind", h)) if isinstance(h, dict) else str(h) for h in w["hazards"]]
    first = written[0]["stem"]
    return Migration(version=int(first.split("_", 1)[0]), name=name, files=files, hazards=hazards)
