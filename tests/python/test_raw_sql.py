"""Raw SQL through the pool: parameters, rows, command tags, errors and concurrency."""

from __future__ import annotations

import asyncio
import decimal
import gc
import math
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping
from typing import Any

import pytest

import data_bridge as db


async def test_fetch_val_binds_its_parameters(pool: db.Pool) -> None:
    assert await pool.fetch_val("SELECT $1::int + 1", 41) == 42
    assert await pool.fetch_val("SELECT $1::text || $2::text", "a'b", ";--") == "a'b;--"


async def test_rows_are_mappings_by_name_and_position(pool: db.Pool) -> None:
    rows = await pool.fetch("SELECT 1 AS id, 'x' AS name UNION ALL SELECT 2, NULL ORDER BY 1")
    assert len(rows) == 2
    first = rows[0]
    assert isinstance(first, Mapping)
    assert first["id"] == 1 and first[1] == "x" and first[-1] == "x"
    assert list(first) == ["id", "name"]
    assert dict(first.items()) == {"id": 1, "name": "x"}
    assert first == {"id": 1, "name": "x"}
    assert rows[1]["name"] is None
    assert "name" in first and "nope" not in first
    with pytest.raises(KeyError):
        first["nope"]
    assert await pool.fetch_row("SELECT 1 WHERE false") is None
    assert await pool.fetch_val("SELECT 1 WHERE false") is None


@pytest.mark.parametrize(
    ("sql_type", "value", "back"),
    [
        ("smallint", -32768, -32768),
        ("integer", 2**31 - 1, 2**31 - 1),
        ("bigint", -(2**63), -(2**63)),
        ("real", 1.5, 1.5),
        ("double precision", 1e300, 1e300),
        ("double precision", math.inf, math.inf),
        (
            "numeric",
            decimal.Decimal("12345678901234567890.000000000001"),
            decimal.Decimal("12345678901234567890.000000000001"),
        ),
        ("numeric", 7, decimal.Decimal(7)),
        ("numeric(10,2)", decimal.Decimal("-0.5"), decimal.Decimal("-0.50")),
        ("boolean", True, True),
        ("text", "héllo", "héllo"),
        ("varchar(10)", "abc", "abc"),
        ("char(3)", "ab", "ab "),
        ("name", "pg", "pg"),
        ("bytea", b"\x00\xffzz", b"\x00\xffzz"),
        (
            "uuid",
            uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
            uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
        ),
        (
            "uuid",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
        ),
        ("jsonb", {"a": [1, 2, None], "b": "x"}, {"a": [1, 2, None], "b": "x"}),
        ("json", [1, "two"], [1, "two"]),
        ("integer[]", [1, None, 3], [1, None, 3]),
        ("integer[]", [[1, 2], [3, 4]], [[1, 2], [3, 4]]),
        ("text[]", ["a", "b,c", None], ["a", "b,c", None]),
        ("integer", None, None),
    ],
)
async def test_values_go_both_ways(pool: db.Pool, sql_type: str, value: Any, back: Any) -> None:
    await pool.execute(f"CREATE TABLE t (v {sql_type})")
    assert await pool.execute("INSERT INTO t VALUES ($1)", value) == "INSERT 0 1"
    assert await pool.fetch_val("SELECT v FROM t") == back
    # The same value compares equal on the server, bound again (json has no equality).
    same = (
        "v::jsonb IS NOT DISTINCT FROM $1::jsonb"
        if sql_type == "json"
        else "v IS NOT DISTINCT FROM $1"
    )
    assert await pool.fetch_val(f"SELECT count(*) FROM t WHERE {same}", value) == 1


async def test_nan_comes_back_as_nan(pool: db.Pool) -> None:
    assert math.isnan(await pool.fetch_val("SELECT $1::float8", math.nan))
    assert (await pool.fetch_val("SELECT 'NaN'::numeric")).is_nan()


async def test_enum_values_bind_as_their_value(pool: db.Pool) -> None:
    import enum

    class Mood(enum.Enum):
        HAPPY = "happy"

    await pool.execute("CREATE TYPE mood AS ENUM ('happy', 'sad')")
    assert await pool.fetch_val("SELECT $1::mood", Mood.HAPPY) == "happy"


async def test_an_integer_that_does_not_fit_its_column_is_a_data_error(pool: db.Pool) -> None:
    await pool.execute("CREATE TABLE t (v smallint)")
    with pytest.raises(db.DataError, match=r"\$1.*out of range"):
        await pool.execute("INSERT INTO t VALUES ($1)", 40000)


STATEMENTS = [
    "CREATE TABLE t (id int PRIMARY KEY, v text)",
    "INSERT INTO t VALUES (1, 'a'), (2, 'b')",
    "UPDATE t SET v = 'c'",
    "WITH x AS (SELECT 1) DELETE FROM t WHERE id = 1",
    "CREATE UNIQUE INDEX t_v ON t (v)",
    "CREATE OR REPLACE VIEW w AS SELECT * FROM t",
    "CREATE UNLOGGED TABLE u AS SELECT * FROM t",
    "ALTER TABLE t ADD COLUMN n int",
    "COMMENT ON TABLE t IS 'x'",
    "CREATE MATERIALIZED VIEW m AS SELECT 1 AS a",
    "REFRESH MATERIALIZED VIEW m",
    "DROP MATERIALIZED VIEW m",
    "TRUNCATE u",
    "DROP VIEW w",
    "CREATE SCHEMA s",
    "CREATE SEQUENCE s.q",
    "DROP SCHEMA s CASCADE",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "DROP FUNCTION f()",
    "DO $$ BEGIN END $$",
    "SET search_path = public",
    "RESET search_path",
    "ANALYZE t",
]


async def test_command_tags_are_the_servers(pool: db.Pool, database: str) -> None:
    script = "".join(f"{s};\n" for s in STATEMENTS)
    psql = subprocess.run(
        ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-d", database],
        input=script + "DROP TABLE t, u;\n",
        capture_output=True,
        text=True,
        check=True,
    )
    expected = psql.stdout.split("\n")[: len(STATEMENTS)]
    ours = [await pool.execute(s) for s in STATEMENTS]
    assert ours == expected


async def test_server_errors_have_their_class_and_details(pool: db.Pool) -> None:
    await pool.execute("CREATE TABLE u (id int PRIMARY KEY, email text UNIQUE NOT NULL)")
    await pool.execute("INSERT INTO u VALUES (1, 'a@x')")
    with pytest.raises(db.UniqueViolation) as dup:
        await pool.execute("INSERT INTO u VALUES ($1, $2)", 2, "a@x")
    assert isinstance(dup.value, db.IntegrityError)
    assert dup.value.sqlstate == "23505"
    assert dup.value.table == "u" and dup.value.constraint == "u_email_key"
    assert dup.value.detail is not None and "a@x" in dup.value.detail
    with pytest.raises(db.NotNullViolation) as null:
        await pool.execute("INSERT INTO u VALUES (3, NULL)")
    assert null.value.column == "email"
    with pytest.raises(db.UndefinedTable):
        await pool.fetch("SELECT * FROM nope")
    with pytest.raises(db.UndefinedColumn):
        await pool.fetch("SELECT nope FROM u")
    with pytest.raises(db.SyntaxError):
        await pool.execute("SELEC 1")
    with pytest.raises(db.DataError):
        await pool.fetch("SELECT 1 / 0")
    with pytest.raises(db.ProgrammingError, match="takes 1 parameter"):
        await pool.fetch("SELECT $1::int", 1, 2)


async def test_a_pool_serves_many_tasks_at_once(database: str) -> None:
    async with await db.connect(database, max_size=5, default=False) as pool:
        results = await asyncio.gather(
            *(pool.fetch_val("SELECT $1::int * 2", i) for i in range(100))
        )
        assert results == [i * 2 for i in range(100)]
        assert pool.size <= 5


async def test_waiting_longer_than_acquire_timeout_is_a_pool_timeout(database: str) -> None:
    pool = await db.connect(database, max_size=1, acquire_timeout=0.2, default=False)
    try:
        slow = asyncio.ensure_future(pool.execute("SELECT pg_sleep(1.5)"))
        await asyncio.sleep(0.3)
        with pytest.raises(db.PoolTimeout):
            await pool.fetch_val("SELECT 1")
        await slow
        assert await pool.fetch_val("SELECT 1") == 1
    finally:
        await pool.close()


async def test_a_password_never_appears_in_an_error(postgres_url: str) -> None:
    with pytest.raises(db.OperationalError) as err:
        await db.connect("postgres://app:s3cr3t-pw@127.0.0.1:1/x", acquire_timeout=1, default=False)
    assert "s3cr3t-pw" not in str(err.value)
    assert "s3cr3t-pw" not in repr(err.value)


async def test_connect_makes_the_default_pool(database: str) -> None:
    pool = await db.connect(database, max_size=1)
    try:
        assert db.default_pool() is pool
    finally:
        await pool.close()


async def test_a_cancelled_task_cancels_its_query_on_the_server(database: str) -> None:
    pool = await db.connect(database, max_size=1, default=False)
    watcher = await db.connect(database, max_size=1, default=False)
    try:
        task = asyncio.ensure_future(pool.execute("SELECT pg_sleep(3600)"))
        running = (
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE query = 'SELECT pg_sleep(3600)' AND state = 'active'"
        )
        for _ in range(200):
            if await watcher.fetch_val(running) == 1:
                break
            await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # The server stops the query (an hour long otherwise), and the pool's only
        # connection comes back clean.
        for _ in range(400):
            if await watcher.fetch_val(running) == 0:
                break
            await asyncio.sleep(0.05)
        assert await watcher.fetch_val(running) == 0
        assert await pool.fetch_val("SELECT 42") == 42
        assert pool.size == 1
    finally:
        await pool.close()
        await watcher.close()


async def test_calls_are_awaited_in_any_order_and_once(database: str) -> None:
    async with await db.connect(database, max_size=2, default=False) as pool:
        first = pool.fetch_val("SELECT 1")
        second = pool.fetch_val("SELECT 2")
        # The first call's reply comes while nothing waits on it; it is read when awaited.
        assert await second == 2
        await asyncio.sleep(0.05)
        assert await first == 1
        with pytest.raises(RuntimeError, match="already awaited"):
            await first


async def test_a_call_dropped_unawaited_gives_its_connection_back(database: str) -> None:
    async with await db.connect(database, max_size=1, acquire_timeout=5, default=False) as pool:
        call = pool.fetch_val("SELECT pg_sleep(3600)")
        del call
        gc.collect()
        # Cancelled on the server, and the only connection serves the next call.
        assert await pool.fetch_val("SELECT 42") == 42
        assert pool.size == 1


async def test_a_timed_out_call_is_cancelled_and_the_pool_goes_on(database: str) -> None:
    async with await db.connect(database, max_size=1, default=False) as pool:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(pool.execute("SELECT pg_sleep(3600)"), 0.3)
        assert await pool.fetch_val("SELECT 7") == 7
        # Many calls in flight at once on the one connection, each resolved by its own wake-up.
        values = await asyncio.gather(*(pool.fetch_val("SELECT $1::int", i) for i in range(50)))
        assert values == list(range(50))


def open_descriptors() -> int:
    gc.collect()
    return len(os.listdir("/proc/self/fd"))


async def test_every_event_loop_is_woken_and_its_wakeup_line_goes_with_it(database: str) -> None:
    async with await db.connect(database, max_size=2, default=False) as pool:

        async def calls(first: int) -> list[int]:
            return list(
                await asyncio.gather(
                    *(pool.fetch_val("SELECT $1::int", first + i) for i in range(20))
                )
            )

        def loops_one_after_another() -> list[list[int]]:
            return [asyncio.run(calls(100 * n)) for n in range(25)]

        assert await pool.fetch_val("SELECT 1") == 1
        await asyncio.to_thread(loops_one_after_another)  # the pool has both connections now

        def descriptors_a_new_loop_opens() -> int:
            async def one_call() -> int:
                before = open_descriptors()
                # A call whose answer takes a while: a quick one can be answered before the
                # coroutine awaits it, and then never waits on the loop.
                assert await pool.fetch_val("SELECT 1 FROM pg_sleep(0.05)") == 1
                return open_descriptors() - before

            return asyncio.run(one_call())

        # Its first call that waits gives the loop a socket pair that the engine wakes it through.
        assert await asyncio.to_thread(descriptors_a_new_loop_opens) == 2
        before = open_descriptors()
        # Loops on another thread while this one makes calls too: each is woken on its own.
        results, own = await asyncio.gather(asyncio.to_thread(loops_one_after_another), calls(-50))
        assert results == [list(range(100 * n, 100 * n + 20)) for n in range(25)]
        assert own == list(range(-50, -30))
        # Each loop's socket pair was closed with the loop.
        assert open_descriptors() <= before + 2


class LoopWithoutReaders(asyncio.SelectorEventLoop):
    """A loop that cannot watch file descriptors, as some third-party loops."""

    def add_reader(self, fd: Any, callback: Any, *args: Any) -> None:  # type: ignore[override]
        raise NotImplementedError


async def test_a_loop_that_cannot_watch_sockets_is_woken_all_the_same(database: str) -> None:
    async def calls() -> list[int]:
        async with await db.connect(database, max_size=1, default=False) as pool:
            values = await asyncio.gather(*(pool.fetch_val("SELECT $1::int", i) for i in range(20)))
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(pool.execute("SELECT pg_sleep(3600)"), 0.2)
            return [*values, await pool.fetch_val("SELECT 42")]

    def run() -> list[int]:
        event_loop = LoopWithoutReaders()
        try:
            return event_loop.run_until_complete(calls())
        finally:
            event_loop.close()

    assert await asyncio.to_thread(run) == [*range(20), 42]


class RefusingFuture(asyncio.Future[Any]):
    """A future whose `set_result` raises when it is marked to, as a broken loop's might."""

    refuses = False

    def set_result(self, result: Any) -> None:
        if self.refuses:
            raise RuntimeError("this future refuses its result")
        super().set_result(result)


class LoopWithARefusingFuture(asyncio.SelectorEventLoop):
    """A loop whose next future, once asked for, refuses its result."""

    refuse_next = False

    def create_future(self) -> asyncio.Future[Any]:
        future = RefusingFuture(loop=self)
        if self.refuse_next:
            future.refuses = True
            self.refuse_next = False
        return future


async def test_a_future_that_refuses_its_result_strands_no_other_call(database: str) -> None:
    reported: list[BaseException | None] = []

    async def calls(event_loop: LoopWithARefusingFuture) -> list[int]:
        def report(_: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
            reported.append(context.get("exception"))

        event_loop.set_exception_handler(report)
        async with await db.connect(database, max_size=4, default=False) as pool:
            warm_up = (pool.fetch_val("SELECT 1 FROM pg_sleep(0.01)") for _ in range(4))
            await asyncio.gather(*warm_up)  # four connections open

            async def call(sql: str) -> int:
                return int(await pool.fetch_val(sql))

            # The first call waits on a future that refuses its result; its answer comes
            # first, and the others' while the loop is busy: one wake-up for all of them.
            event_loop.refuse_next = True
            doomed = asyncio.ensure_future(call("SELECT 0 FROM pg_sleep(0.01)"))
            await asyncio.sleep(0)
            assert not event_loop.refuse_next
            others = [
                asyncio.ensure_future(call(f"SELECT {i} FROM pg_sleep(0.1)")) for i in (1, 2, 3)
            ]
            await asyncio.sleep(0)
            time.sleep(0.5)
            values = await asyncio.wait_for(asyncio.gather(*others), 10)
            assert not doomed.done()
            doomed.cancel()
            with pytest.raises(asyncio.CancelledError):
                await doomed
            return [*values, await pool.fetch_val("SELECT 42")]

    def run() -> list[int]:
        event_loop = LoopWithARefusingFuture()
        try:
            return event_loop.run_until_complete(calls(event_loop))
        finally:
            event_loop.close()

    assert await asyncio.to_thread(run) == [1, 2, 3, 42]
    assert [str(e) for e in reported] == ["this future refuses its result"]


async def test_a_connection_the_server_closed_while_idle_is_replaced(database: str) -> None:
    pool = await db.connect(database, max_size=1, default=False)
    try:
        pid = await pool.fetch_val("SELECT pg_backend_pid()")
        admin = await db.connect(database, max_size=1, default=False)
        await admin.fetch_val("SELECT pg_terminate_backend($1)", pid)
        await admin.close()
        await asyncio.sleep(1.2)  # idle long enough to be checked before it is lent
        assert await pool.fetch_val("SELECT pg_backend_pid()") != pid
    finally:
        await pool.close()


SLEEPER = """
import asyncio, faulthandler, signal, sys
import data_bridge as db

# A test that times out sends SIGUSR1 for the Python threads' stacks.
faulthandler.register(signal.SIGUSR1, all_threads=True)
# Ctrl-C as in a terminal, also when started from a job that ignores SIGINT (a shell's
# background job without job control), whose children would inherit that.
signal.signal(signal.SIGINT, signal.default_int_handler)

async def main() -> None:
    pool = await db.connect(sys.argv[1], max_size=1)
    print("ready", flush=True)
    await pool.execute("SELECT pg_sleep(3600)")

asyncio.run(main())
"""


async def test_ctrl_c_interrupts_a_query_and_cancels_it_on_the_server(database: str) -> None:
    watcher = await db.connect(database, max_size=1, default=False)
    running = (
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE query = 'SELECT pg_sleep(3600)' AND state = 'active'"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", SLEEPER, database],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        for _ in range(200):
            if await watcher.fetch_val(running) == 1:
                break
            await asyncio.sleep(0.05)
        assert await watcher.fetch_val(running) == 1
        proc.send_signal(signal.SIGINT)
        try:
            _, err = await asyncio.to_thread(proc.communicate, timeout=30)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGUSR1)
            await asyncio.sleep(1)
            proc.kill()
            _, err = await asyncio.to_thread(proc.communicate)
            message = f"the interrupted process did not exit; its stacks:\n{err}"
            raise AssertionError(message) from None
        assert proc.returncode != 0
        assert "KeyboardInterrupt" in err
        # The server stops the hour-long query: the process cancelled it before it ended.
        for _ in range(100):
            if await watcher.fetch_val(running) == 0:
                break
            await asyncio.sleep(0.05)
        assert await watcher.fetch_val(running) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        await watcher.close()
