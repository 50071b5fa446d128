"""Models as a schema source: models -> autogenerate -> migrate -> introspect = schema_of."""

from __future__ import annotations

import importlib
import pathlib
import subprocess
import sys

import data_bridge as db

MODELS = """
from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

import data_bridge as db


class Level(enum.Enum):
    LOW = "low"
    HIGH = "high"


class Member(db.Table):
    id: int = db.Column(primary_key=True, identity=True)
    email: str = db.Column(unique=True, max_length=320)
    nickname: str | None = None
    level: Level = db.Column(default=Level.LOW)
    joined: dt.datetime = db.Column(server_default="now()")
    notes: db.BackReference[Note] = db.BackReference()
    tags: db.ManyToMany[Tag] = db.ManyToMany(
        through="member_tags", source_fk="member_id", target_fk="tag_id"
    )


class Note(db.Table):
    __schema__ = "app"
    id: int = db.Column(primary_key=True, identity=True)
    member_id: int = db.Column(foreign_key="members.id", on_delete="CASCADE", index=True)
    body: dict = db.Column(type="jsonb", server_default="'{}'")
    price: Decimal | None = db.Column(check="price >= 0")
    member: db.ForeignKey[Member] = db.ForeignKey("member_id")
    __indexes__ = [db.Index("lower(body->>'title')", unique=True, where="price IS NOT NULL")]


class Tag(db.Table):
    id: int = db.Column(primary_key=True)
    label: str = db.Column()
"""


def run(root: pathlib.Path, *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "data_bridge", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


async def test_models_autogenerate_migrate_and_read_back_the_same(
    database: str, postgres_url: str, tmp_path: pathlib.Path
) -> None:
    (tmp_path / "schema_models.py").write_text(MODELS)
    (tmp_path / "dbridge.toml").write_text(
        f'[database]\nurl = "{database}"\ndev_url = "{postgres_url}"\n\n'
        f'[schema]\nsource = "python:schema_models"\npython = "{sys.executable}"\n'
    )
    sql = run(tmp_path, "schema", "schema_models", "--format", "sql")
    assert 'CREATE TABLE "member_tags"' in sql and 'CREATE TYPE "level"' in sql
    run(tmp_path, "autogenerate", "-m", "init")
    run(tmp_path, "migrate", "up")
    assert "no changes" in run(tmp_path, "autogenerate", "-m", "again")
    # The CLI's diff takes the models too: nothing differs once they are migrated.
    run(tmp_path, "diff", "--from", database, "--to", "python:schema_models", "--exit-code")

    sys.path.insert(0, str(tmp_path))
    try:
        module = importlib.import_module("schema_models")
    finally:
        sys.path.remove(str(tmp_path))
    models = db.schema.models_in("schema_models")
    expected = await db.schema_of(models, dev_url=postgres_url)
    async with await db.connect(database, default=False) as pool:
        assert await pool.introspect() == expected
        assert not await db.diff(database, models, dev_url=postgres_url)
        # The migrated tables work with the models.
        member = await module.Member.insert_one({"email": "a@x"}, pool=pool)
        assert member.level is module.Level.LOW and member.joined is not None
    snapshot = run(tmp_path, "schema", "schema_models", "--dev-url", postgres_url)
    assert db.Schema.from_json(snapshot) == expected


def test_a_python_source_that_fails_names_itself(
    database: str, postgres_url: str, tmp_path: pathlib.Path
) -> None:
    (tmp_path / "dbridge.toml").write_text(
        f'[database]\nurl = "{database}"\ndev_url = "{postgres_url}"\n\n'
        f'[schema]\nsource = "python:missing_models"\npython = "{sys.executable}"\n'
    )
    out = subprocess.run(
        [sys.executable, "-m", "data_bridge", "autogenerate", "-m", "x"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode != 0
    assert "schema source python:missing_models" in out.stderr
    assert "No module named 'missing_models'" in out.stderr
    assert not (tmp_path / "migrations").exists() or not list((tmp_path / "migrations").iterdir())


RENAMED = """
import data_bridge as db


class Tag(db.Table):
    id: int = db.Column(primary_key=True)
    {column}
"""


async def test_the_cli_takes_renamed_from_hints_from_a_python_source(
    database: str, postgres_url: str, tmp_path: pathlib.Path
) -> None:
    models = tmp_path / "tag_models.py"
    models.write_text(RENAMED.format(column="label: str = db.Column()"))
    (tmp_path / "dbridge.toml").write_text(
        f'[database]\nurl = "{database}"\ndev_url = "{postgres_url}"\n\n'
        f'[schema]\nsource = "python:tag_models"\npython = "{sys.executable}"\n'
    )
    run(tmp_path, "autogenerate", "-m", "init")
    run(tmp_path, "migrate", "up")
    async with await db.connect(database, default=False) as pool:
        await pool.execute("INSERT INTO tags VALUES (1, 'kept')")
    models.write_text(RENAMED.format(column='name: str = db.Column(renamed_from="label")'))
    sql = run(tmp_path, "schema", "tag_models", "--format", "sql")
    assert sql.startswith("-- dbridge:rename public.tags.label=name\n")
    # Without the hint this would be a drop and an add, refused as losing data.
    run(tmp_path, "autogenerate", "-m", "rename")
    written = sorted((tmp_path / "migrations").glob("*_rename.up.sql"))
    assert len(written) == 1
    assert "ALTER TABLE public.tags RENAME COLUMN label TO name;" in written[0].read_text()
    run(tmp_path, "migrate", "up")
    async with await db.connect(database, default=False) as pool:
        assert await pool.fetch_val("SELECT name FROM tags") == "kept"
    # Once applied, the hint names a column that no longer exists and changes nothing.
    assert "no changes" in run(tmp_path, "autogenerate", "-m", "again")
