"""``python -m data_bridge ...`` and the ``dbridge`` console script: the dbridge command line,
run in-process by the engine (the same code as the ``dbridge`` binary)."""

from __future__ import annotations

import signal
import sys

from ._data_bridge import run_cli


def main() -> None:
    """Runs ``dbridge`` with this process's arguments and exits with its code."""
    # The process is the command now: Ctrl-C stops it as it stops the binary.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    if sys.argv[1:2] == ["schema"]:
        from .schema import main as schema

        sys.exit(schema(sys.argv[2:]))
    sys.exit(run_cli(["dbridge", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
