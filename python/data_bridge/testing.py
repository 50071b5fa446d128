"""A pytest plugin for projects that use data_bridge (registered as ``data_bridge``).

Fixtures:

- ``postgres_url``: a server for the whole test session: ``DATABASE_URL`` when set, else a
  throwaway server started from the installed PostgreSQL binaries (removed at the end).
- ``database``: the URL of a fresh database on that server, one per test, so that tests
  run in parallel without seeing each other's tables. With the ini option
  ``data_bridge_config = dbridge.toml`` (a path from the rootdir), the project's
  migrations are applied to it first.
- ``pool``: a pool on ``database``, closed after the test.

And ``assert_queries(n)``, a context manager that fails unless the block sends exactly ``n``
statements (BEGIN, COMMIT and savepoints count; statements that other tasks send meanwhile
count too, so keep the block to one task).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from . import Pool, connect
from ._data_bridge import TestServer, statements_sent
from .migrations import migrate

__all__ = ["assert_queries", "database", "pool", "postgres_url"]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URL of a server the tests may create databases on."""
    url = os.environ.get("DATABASE_URL")
    if url:
        yield url
        return
    server = TestServer()
    try:
        yield server.url()
    finally:
        server.stop()


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


try:
    # Async fixtures need pytest-asyncio (the `testing` extra); without it the plugin
    # offers postgres_url only, rather than breaking every pytest run.
    import pytest_asyncio

    _fixture: Any = pytest_asyncio.fixture
except ImportError:  # pragma: no cover
    _fixture = None


def _async_fixture(fn: Any) -> Any:
    return fn if _fixture is None else _fixture(fn)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "data_bridge_config",
        "a dbridge.toml whose migrations the `database` fixture applies to each database",
        default="",
    )


@_async_fixture
async def database(postgres_url: str, request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A fresh database for one test (with the project's migrations applied when the
    ``data_bridge_config`` ini option names its dbridge.toml); dropped afterwards."""
    name = "test_" + uuid.uuid4().hex[:12]
    admin = await connect(postgres_url, max_size=1, default=False)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = _with_database(postgres_url, name)
        config = str(request.config.getini("data_bridge_config"))
        if config:
            await migrate(config=str(request.config.rootpath / config), url=url)
        yield url
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@_async_fixture
async def pool(database: str) -> AsyncIterator[Pool]:
    """A pool on the test's own database."""
    p = await connect(database, max_size=5, default=False)
    try:
        yield p
    finally:
        await p.close()


@contextlib.contextmanager
def assert_queries(n: int) -> Iterator[None]:
    """Fails unless the block sends exactly ``n`` statements to the server.

    What counts: each raw-SQL statement, BEGIN, COMMIT and savepoint; each single-row table
    method; each statement of a fetch (the root rows, one more per to-many level). A bulk
    write (``insert_many``, ``upsert_many``) and a read of the table catalog (a pool's first
    table method) count as one each.
    """
    before = statements_sent()
    yield
    sent = statements_sent() - before
    if sent != n:
        raise AssertionError(f"expected {n} statement(s), the block sent {sent}")
