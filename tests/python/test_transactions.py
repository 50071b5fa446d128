"""Transactions and savepoints: committed, rolled back, isolated, nested."""

from __future__ import annotations

import asyncio

import pytest

import data_bridge as db


@pytest.fixture
async def accounts(pool: db.Pool) -> db.Pool:
    await pool.execute("CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL)")
    await pool.execute("INSERT INTO accounts VALUES (1, 100), (2, 0)")
    return pool


async def balances(pool: db.Pool) -> list[int]:
    return [r["balance"] for r in await pool.fetch("SELECT balance FROM accounts ORDER BY id")]


async def test_a_block_that_ends_commits(accounts: db.Pool) -> None:
    async with accounts.transaction() as tx:
        await tx.execute("UPDATE accounts SET balance = balance - 30 WHERE id = 1")
        await tx.execute("UPDATE accounts SET balance = balance + 30 WHERE id = 2")
        assert await tx.fetch_val("SELECT sum(balance) FROM accounts") == 100
    assert await balances(accounts) == [70, 30]


async def test_a_block_that_raises_rolls_back_and_the_error_goes_on(accounts: db.Pool) -> None:
    with pytest.raises(db.CheckViolation):
        async with accounts.transaction() as tx:
            await tx.execute("UPDATE accounts SET balance = 0 WHERE id = 1")
            await tx.execute("ALTER TABLE accounts ADD CHECK (balance > 0)")
    assert await balances(accounts) == [100, 0]
    with pytest.raises(RuntimeError):
        async with accounts.transaction() as tx:
            await tx.execute("DELETE FROM accounts")
            raise RuntimeError("application error")
    assert await balances(accounts) == [100, 0]
    # The connection went back to the pool clean: no transaction is left open on it.
    assert (
        await accounts.fetch_val(
            "SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%'"
        )
        == 0
    )


async def test_other_connections_do_not_see_uncommitted_rows(accounts: db.Pool) -> None:
    async with accounts.transaction() as tx:
        await tx.execute("INSERT INTO accounts VALUES (3, 5)")
        assert await tx.fetch_val("SELECT count(*) FROM accounts") == 3
        assert await accounts.fetch_val("SELECT count(*) FROM accounts") == 2
    assert await accounts.fetch_val("SELECT count(*) FROM accounts") == 3


async def test_a_savepoint_rolls_back_alone(accounts: db.Pool) -> None:
    async with accounts.transaction() as tx:
        await tx.execute("UPDATE accounts SET balance = 1 WHERE id = 1")
        with pytest.raises(db.UniqueViolation):
            async with tx.savepoint():
                await tx.execute("UPDATE accounts SET balance = 2 WHERE id = 2")
                await tx.execute("INSERT INTO accounts VALUES (1, 0)")
        async with tx.savepoint():
            async with tx.savepoint():
                await tx.execute("UPDATE accounts SET balance = 3 WHERE id = 2")
    assert await balances(accounts) == [1, 3]


@pytest.mark.parametrize(
    ("isolation", "setting"),
    [
        ("read_uncommitted", "read uncommitted"),
        ("read_committed", "read committed"),
        ("repeatable_read", "repeatable read"),
        ("serializable", "serializable"),
    ],
)
async def test_the_isolation_level_is_the_one_asked_for(
    pool: db.Pool, isolation: str, setting: str
) -> None:
    async with pool.transaction(isolation) as tx:  # type: ignore[arg-type]
        assert await tx.fetch_val("SHOW transaction_isolation") == setting
        assert await tx.fetch_val("SHOW transaction_read_only") == "off"


async def test_a_readonly_transaction_refuses_writes(accounts: db.Pool) -> None:
    with pytest.raises(db.DataBridgeError) as err:
        async with accounts.transaction("serializable", readonly=True, deferrable=True) as tx:
            assert await tx.fetch_val("SHOW transaction_deferrable") == "on"
            await tx.execute("DELETE FROM accounts")
    assert err.value.sqlstate == "25006"


async def test_concurrent_serializable_writers_get_serialization_failures(
    accounts: db.Pool,
) -> None:
    async def move(tx: db.Transaction) -> None:
        total = await tx.fetch_val("SELECT sum(balance) FROM accounts")
        await tx.execute("INSERT INTO accounts VALUES ($1, $2)", 10 + total % 7, total)

    first = accounts.transaction("serializable")
    second = accounts.transaction("serializable")
    async with first as a:
        await a.fetch_val("SELECT sum(balance) FROM accounts")
        async with second as b:
            await move(b)
        with pytest.raises(db.SerializationFailure):
            await a.execute("UPDATE accounts SET balance = balance + 1 WHERE id = 2")
            await a.execute("SELECT 1")
            raise AssertionError("unreachable")  # pragma: no cover


async def test_a_transaction_is_used_once_and_only_inside_its_block(pool: db.Pool) -> None:
    tx = pool.transaction()
    with pytest.raises(db.TransactionError, match="async with"):
        await tx.fetch_val("SELECT 1")
    async with tx:
        pass
    with pytest.raises(db.TransactionError, match="ended"):
        await tx.fetch_val("SELECT 1")
    with pytest.raises(db.TransactionError, match="already used"):
        async with tx:
            pass
    with pytest.raises(ValueError, match="isolation level"):
        pool.transaction("chaos")  # type: ignore[arg-type]


async def test_a_cancelled_task_leaves_no_open_transaction(accounts: db.Pool) -> None:
    async def stuck() -> None:
        async with accounts.transaction() as tx:
            await tx.execute("DELETE FROM accounts")
            await asyncio.sleep(10)

    task = asyncio.ensure_future(stuck())
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await balances(accounts) == [100, 0]


async def test_assert_queries_counts_every_statement_sent(accounts: db.Pool) -> None:
    from data_bridge.testing import assert_queries

    with assert_queries(1):
        await accounts.fetch("SELECT * FROM accounts")
    with assert_queries(5):  # BEGIN, SAVEPOINT, the UPDATE, RELEASE, COMMIT
        async with accounts.transaction() as tx, tx.savepoint():
            await tx.execute("UPDATE accounts SET balance = 1 WHERE id = $1", 1)
    with pytest.raises(AssertionError, match="expected 2 statement"):
        with assert_queries(2):
            await accounts.fetch_val("SELECT 1")
