"""What only the SQLite backend promises: WAL, one schema, group commit, a clean close."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from wecom_callback.inbox import InboxUnavailableError, NewCallback, SQLiteInbox
from wecom_callback.inbox.sqlite import PURGE_BATCH


def callback(key: str) -> NewCallback:
    return NewCallback(key, "ww-corp", "text", b"<xml/>", time.time())


@pytest.fixture
async def inbox(tmp_path: Path) -> SQLiteInbox:
    return SQLiteInbox(tmp_path / "inbox.db")


async def test_file_is_wal_with_the_documented_schema(inbox: SQLiteInbox) -> None:
    await inbox.start()
    await inbox.close()
    with sqlite3.connect(inbox.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        columns = [row[1] for row in conn.execute("PRAGMA table_info(records)")]
        indexes = {row[1] for row in conn.execute("PRAGMA index_list(records)")}
    conn.close()
    assert columns == [
        "endpoint", "key", "receive_id", "kind", "plaintext", "received_at", "status",
        "handlers_done", "attempts", "last_error", "reply", "owner", "lease_until",
        "next_attempt_at", "updated_at",
    ]  # fmt: skip
    assert {"records_claim", "records_received"} <= indexes


async def test_concurrent_admissions_share_commits(inbox: SQLiteInbox) -> None:
    await inbox.start()
    # Hold the writer thread busy so all 100 admissions are queued behind it: the count
    # below then depends on batching alone, not on how fast the thread happens to be.
    gate = threading.Event()
    blocker = asyncio.ensure_future(inbox._call(lambda conn: gate.wait(10), write=False))
    await asyncio.sleep(0)
    before = inbox._commits  # private: the count of transactions, kept for this test
    admits = [
        asyncio.ensure_future(inbox.admit(callback(f"k{n}"), owner="w", lease_seconds=30))
        for n in range(100)
    ]
    await asyncio.sleep(0)  # every admit reaches the queue
    gate.set()
    results = await asyncio.gather(*admits)
    await blocker
    assert all(a.new for a in results)
    assert inbox._commits - before <= 2
    await inbox.close()


async def test_admit_is_committed_when_it_returns(inbox: SQLiteInbox) -> None:
    await inbox.admit(callback("k1"), owner="w", lease_seconds=30)
    # Another connection (as another process would) sees it at once.
    with sqlite3.connect(inbox.path) as conn:
        assert conn.execute("SELECT owner FROM records WHERE key = 'k1'").fetchone() == ("w",)
    conn.close()
    await inbox.close()


async def test_close_finishes_queued_work_then_refuses_more(inbox: SQLiteInbox) -> None:
    await inbox.start()
    pending = [
        asyncio.ensure_future(inbox.admit(callback(f"k{n}"), owner="w", lease_seconds=30))
        for n in range(20)
    ]
    await asyncio.sleep(0)  # let every admit reach the queue
    thread = inbox._writer._thread  # private: the writer thread, to see it end
    assert thread is not None
    await inbox.close()
    assert all(task.result().new for task in pending)
    assert not thread.is_alive()
    with pytest.raises(RuntimeError, match="closed"):
        await inbox.get("k1")
    await inbox.close()  # a second close is harmless
    reopened = SQLiteInbox(inbox.path)
    assert (await reopened.stats())["pending"] == 20
    await reopened.close()


async def test_a_failing_operation_does_not_undo_its_batch(inbox: SQLiteInbox) -> None:
    await inbox.start()

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO records (key) VALUES ('half')")  # violates NOT NULL

    results = await asyncio.gather(
        inbox.admit(callback("before"), owner="w", lease_seconds=30),
        inbox._call(broken),
        inbox.admit(callback("after"), owner="w", lease_seconds=30),
        return_exceptions=True,
    )
    assert isinstance(results[1], sqlite3.IntegrityError)
    assert await inbox.get("before") is not None
    assert await inbox.get("after") is not None
    assert (await inbox.stats())["pending"] == 2
    await inbox.close()


async def _batched(inbox: SQLiteInbox, *calls: Any) -> list[Any]:
    """Run ``calls`` (awaitables) as ONE writer batch: hold the writer until all queued."""
    gate = threading.Event()
    held = asyncio.ensure_future(inbox._call(lambda conn: gate.wait(10), write=False))
    await asyncio.sleep(0.05)  # the writer is now inside the gate
    tasks = [asyncio.ensure_future(call) for call in calls]
    await asyncio.sleep(0)  # every call reaches the queue
    gate.set()
    await held
    return await asyncio.gather(*tasks, return_exceptions=True)


async def test_a_failing_operation_fails_alone_in_its_batch(inbox: SQLiteInbox) -> None:
    await inbox.start()
    await inbox.admit(callback("dup"), owner="first", lease_seconds=30)

    def half_then_raise(conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE records SET owner = 'half' WHERE key = 'dup'")
        raise ValueError("boom")

    before = inbox._commits
    results = await _batched(
        inbox,
        inbox.admit(callback("a"), owner="w", lease_seconds=30),
        inbox._call(half_then_raise),
        inbox.admit(callback("dup"), owner="second", lease_seconds=30),
        inbox.complete("a"),
        inbox.admit(callback("b"), owner="w", lease_seconds=30),
    )
    # The gate's batch, then this batch's: re-run in one transaction, still one commit.
    assert inbox._commits - before == 2
    assert isinstance(results[1], ValueError)
    assert results[0].new and results[4].new
    assert not results[2].new and results[2].record.owner == "first"
    assert results[3] is None
    # Committed, as another process sees it; the failing operation's change is undone.
    with sqlite3.connect(inbox.path) as conn:
        rows = dict(
            conn.execute("SELECT key, status || ':' || owner FROM records WHERE key != 'a'")
        )
        done = conn.execute("SELECT status, owner FROM records WHERE key = 'a'").fetchone()
    conn.close()
    assert rows == {"dup": "pending:first", "b": "pending:w"}
    assert done == ("done", None)
    await inbox.close()


async def test_a_clean_batch_uses_no_savepoints_nor_reads(inbox: SQLiteInbox) -> None:
    await inbox.start()
    statements: list[str] = []
    await inbox._call(lambda conn: conn.set_trace_callback(statements.append))
    results = await _batched(
        inbox, *(inbox.admit(callback(f"k{n}"), owner="w", lease_seconds=30) for n in range(20))
    )
    await inbox._call(lambda conn: conn.set_trace_callback(None))
    assert all(a.new for a in results)
    assert not [s for s in statements if "SAVEPOINT" in s or s.startswith("SELECT")]
    # What admit built in memory is exactly what was stored.
    for admitted in results:
        assert await inbox.get(admitted.record.key) == admitted.record
    await inbox.close()


async def test_an_unusable_path_fails_calls_until_it_is_usable(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    inbox = SQLiteInbox(tmp_path / "file" / "inbox.db")
    with pytest.raises(InboxUnavailableError, match="FileExistsError"):
        await inbox.start()
    with pytest.raises(InboxUnavailableError):
        await inbox.get("k1")
    # The disk comes back: the same inbox object connects, no restart needed.
    (tmp_path / "file").unlink()
    await inbox.start()
    assert (await inbox.admit(callback("k1"), owner="w", lease_seconds=30)).new
    await inbox.close()
    with pytest.raises(RuntimeError, match="closed"):
        await inbox.get("k1")


async def test_purge_deletes_in_bounded_batches_with_admissions_between(
    inbox: SQLiteInbox,
) -> None:
    await inbox.start()
    count = PURGE_BATCH * 2 + 7
    old = [NewCallback(f"old{n}", "ww-corp", "text", b"<xml/>", 1000.0 + n) for n in range(count)]
    await asyncio.gather(*(inbox.admit(c, owner="w", lease_seconds=30) for c in old))
    await asyncio.gather(*(inbox.complete(c.key) for c in old))
    await inbox.admit(NewCallback("kept", "ww-corp", "text", b"<xml/>", 1.0), owner="w",
                      lease_seconds=30)  # fmt: skip
    before = inbox._commits
    purging = asyncio.ensure_future(inbox.purge(older_than=5000.0))
    # An admission made while the purge runs commits before the purge has finished.
    admitted = await inbox.admit(callback("during"), owner="w", lease_seconds=30)
    assert admitted.new and not purging.done()
    assert await purging == count
    assert inbox._commits - before >= 3  # one transaction per batch, not one for all
    assert await inbox.get("kept") is not None  # pending: never purged
    assert await inbox.get("old0") is None
    assert (await inbox.stats())["done"] == 0
    await inbox.close()


async def test_a_completion_rides_with_the_next_batch_or_commits_alone_soon(
    inbox: SQLiteInbox,
) -> None:
    await inbox.start()
    await inbox.admit(callback("a"), owner="w", lease_seconds=30)
    before = inbox._commits
    # Queued together: the completion waits for the admission's batch, one commit for both.
    completing = asyncio.ensure_future(inbox.complete("a"))
    await asyncio.sleep(0)
    admitted = await inbox.admit(callback("b"), owner="w", lease_seconds=30)
    await completing
    assert admitted.new and inbox._commits - before == 1
    assert (await inbox.get("a")).status == "done"  # type: ignore[union-attr]
    # Alone, it commits all the same (after LAZY_DELAY), in a commit of its own.
    before = inbox._commits
    await inbox.complete("b")
    assert inbox._commits - before == 1
    assert (await inbox.get("b")).status == "done"  # type: ignore[union-attr]
    await inbox.close()
