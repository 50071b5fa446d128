"""The README's Python quick start runs as written."""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def test_the_quick_start_runs_and_prints_what_it_says(database: str) -> None:
    text = README.read_text()
    section = text[text.index("## Python module") :]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    env = dict(os.environ, DATABASE_URL=database)
    out = subprocess.run(
        [sys.executable, "-c", code.group(1)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert out.stdout.splitlines() == [
        "INSERT 0 1 ['a']",
        "23505 notes_pkey",
        "UpsertResult(inserted=1, updated=1, unchanged=0)",
        "['Ada', 'Alan']",
    ]


def test_the_typed_example_of_every_function_runs(database: str) -> None:
    example = README.parent / "examples" / "python" / "every_function.py"
    env = dict(os.environ, DATABASE_URL=database)
    out = subprocess.run(
        [sys.executable, str(example)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "ok"
