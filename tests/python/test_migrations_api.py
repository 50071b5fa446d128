"""Migrations from Python and from the CLI on one directory, both ways."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

import data_bridge as db


class Gadget(db.Table):
    id: int = db.Column(primary_key=True)
    label: str = db.Column()
    weight: float | None = None


def cli(root: pathlib.Path, *args: str) -> str:
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


async def test_cli_and_python_share_one_migrations_directory(
    database: str, postgres_url: str, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "schema").mkdir()
    schema = tmp_path / "schema" / "schema.sql"
    schema.write_text("CREATE TABLE items (id int PRIMARY KEY);\n")
    config = tmp_path / "dbridge.toml"
    config.write_text(f'[database]\nurl = "{database}"\ndev_url = "{postgres_url}"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)

    cli(tmp_path, "autogenerate", "-m", "init")  # written by the CLI...
    applied = await db.migrate()  # ...run from Python
    assert [(a.direction, a.description) for a in applied] == [("up", "init")]
    assert "CREATE TABLE" in applied[0].sql
    assert [e["state"] for e in await db.migration_status()] == ["applied"]
    assert await db.migrate() == []

    schema.write_text("CREATE TABLE items (id int PRIMARY KEY, name text);\n")
    assert await db.autogenerate("x", check=True) == db.Migration(version=None, name="x")
    written = await db.autogenerate("add_name")  # written by Python...
    assert written is not None and written.version is not None
    names = [pathlib.Path(f).name for f in written.files]
    assert len(names) == 2 and names[0].endswith(".up.sql") and names[1].endswith(".down.sql")
    assert await db.autogenerate("again") is None
    cli(tmp_path, "migrate", "up")  # ...run by the CLI
    pool = await db.connect(database, default=False)
    try:
        assert await pool.fetch_val("SELECT count(*) FROM items") == 0
        await pool.execute("INSERT INTO items (id, name) VALUES (1, 'a')")
        reverted = await db.migrate_down(steps=1)
        assert [(r.direction, r.description) for r in reverted] == [("down", "add name")]
        columns = await pool.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'items'"
        )
        assert [c["column_name"] for c in columns] == ["id"]
        assert "pending" in cli(tmp_path, "migrate", "status")
        dry = await db.migrate(dry_run=True)
        assert len(dry) == 1 and await db.migration_status() != []
        assert [e["state"] for e in await db.migration_status()] == ["applied", "pending"]

        # Models as the source of one autogenerate.
        model_migration = await db.autogenerate("gadgets", models=[Gadget], allow_destructive=True)
        assert model_migration is not None
        await db.migrate()
        await Gadget.insert_one(Gadget(id=1, label="g"), pool=pool)
        assert await pool.fetch_val("SELECT to_regclass('items') IS NULL")

        # renamed_from keeps the column's data: a rename, not a refused drop and add.
        class Renamed(db.Table):
            __tablename__ = "gadgets"
            id: int = db.Column(primary_key=True)
            title: str = db.Column(renamed_from="label")
            weight: float | None = None

        assert await db.autogenerate("rename", models=[Renamed]) is not None
        await db.migrate()
        assert await pool.fetch_val("SELECT title FROM gadgets WHERE id = 1") == "g"
        # The hint stays in the model once applied, and then changes nothing.
        assert await db.autogenerate("again", models=[Renamed]) is None
    finally:
        await pool.close()
    with pytest.raises(db.MigrationError):
        await db.migrate(config=str(tmp_path / "nope.toml"), url="postgres://nobody@127.0.0.1:1/x")
