"""The pytest plugin's ``database`` fixture applies a configured project's migrations."""

from __future__ import annotations

import pathlib
import sys

import pytest

pytest_plugins = ["pytester"]


def test_the_database_fixture_applies_the_configured_migrations(
    pytester: pytest.Pytester, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = pathlib.Path(pytester.path)
    (root / "migrations").mkdir()
    (root / "migrations" / "20260101000000_init.up.sql").write_text(
        "CREATE TABLE accounts (id int PRIMARY KEY);\n"
    )
    (root / "migrations" / "20260101000000_init.down.sql").write_text("DROP TABLE accounts;\n")
    (root / "dbridge.toml").write_text('[migrations]\ndir = "migrations"\n')
    pytester.makeini("[pytest]\nasyncio_mode = auto\ndata_bridge_config = dbridge.toml\n")
    pytester.makepyfile(
        """
        import data_bridge as db

        async def test_the_table_is_there(pool: db.Pool) -> None:
            assert await pool.fetch_val("SELECT count(*) FROM accounts") == 0
        """
    )
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    hashed = pytester.run(sys.executable, "-m", "data_bridge", "migrate", "hash")
    assert hashed.ret == 0, hashed.stderr.str()
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
