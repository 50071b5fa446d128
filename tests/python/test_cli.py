"""The dbridge command line from the Python package: ``python -m data_bridge`` and the
``dbridge`` console script run the engine's CLI in-process."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import data_bridge as db


def run(*args: str, cwd: pathlib.Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "data_bridge", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


async def test_python_m_runs_the_command_line(
    pool: db.Pool, database: str, tmp_path: pathlib.Path
) -> None:
    await pool.execute("CREATE TABLE posts (id bigint PRIMARY KEY, title text NOT NULL)")
    out = run("inspect", "--url", database, "--format", "json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    snapshot = tmp_path / "schema.json"
    snapshot.write_text(out.stdout)
    assert "posts" in json.dumps(json.loads(out.stdout))
    same = run("diff", "--from", str(snapshot), "--to", database, "--exit-code", cwd=tmp_path)
    assert (same.returncode, same.stdout) == (0, ""), same.stderr
    await pool.execute("ALTER TABLE posts ADD COLUMN body text")
    changed = run("diff", "--from", str(snapshot), "--to", database, "--exit-code", cwd=tmp_path)
    assert changed.returncode == 2, changed.stderr
    assert "ADD COLUMN body text" in changed.stdout


def test_usage_errors_exit_1_and_help_names_dbridge(tmp_path: pathlib.Path) -> None:
    bad = run("diff", "--nope", cwd=tmp_path)
    assert bad.returncode == 1 and "--nope" in bad.stderr
    helped = run("--help", cwd=tmp_path)
    assert helped.returncode == 0 and "Usage: dbridge" in helped.stdout


def test_the_console_script_is_installed(tmp_path: pathlib.Path) -> None:
    script = pathlib.Path(sys.executable).with_name("dbridge")
    out = subprocess.run(
        [str(script), "--version"], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert out.returncode == 0 and out.stdout.startswith("dbridge ")
