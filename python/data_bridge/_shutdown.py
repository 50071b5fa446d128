"""A pause at exit that lets the engine's threads finish handing results to asyncio."""

from __future__ import annotations

import atexit
import time

_used = False


def engine_used() -> None:
    """Notes that an awaitable of the engine ran in this process (so exit waits a moment)."""
    global _used
    _used = True


def _let_completions_finish() -> None:
    """Gives the engine's threads a moment to finish waking the event loop at exit.

    A query's result is handed to asyncio by ``call_soon_threadsafe`` from an engine thread,
    which takes the GIL back once it has written the loop's wake-up byte. If the interpreter
    finalizes in that instant (a script whose last await just returned), Python ends the
    thread inside Rust code and the process aborts. Releasing the GIL briefly here lets the
    thread return first.
    """
    if _used:
        time.sleep(0.05)


atexit.register(_let_completions_finish)
