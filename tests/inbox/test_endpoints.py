"""Endpoints sharing one storage never see each other's records, on every backend."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from tests.inbox.conftest import Backend
from tests.support.redis_server import redis_server
from wecom_callback.errors import ConfigurationError
from wecom_callback.inbox import Inbox, NewCallback, RecordStatus, SQLiteInbox, open_inbox
from wecom_callback.inbox.redis import RedisInbox


def callback(key: str, receive_id: str = "ww-corp") -> NewCallback:
    return NewCallback(key, receive_id, "text", f"<xml>{key}</xml>".encode(), time.time())


async def started(inbox: Inbox) -> Inbox:
    await inbox.start()
    return inbox


async def test_same_key_is_new_in_each_endpoint(inbox: Inbox) -> None:
    a, b = await started(inbox.scoped("app-a")), await started(inbox.scoped("app-b"))
    try:
        assert (await a.admit(callback("k"), owner="x", lease_seconds=0)).new
        assert (await b.admit(callback("k"), owner="x", lease_seconds=0)).new
        assert not (await a.admit(callback("k"), owner="x", lease_seconds=0)).new
        assert (await a.stats())["pending"] == 1
        assert (await b.stats())["pending"] == 1
        assert (await inbox.stats())["pending"] == 0  # the unscoped view sees neither
    finally:
        await a.close()
        await b.close()


async def test_claims_and_changes_stay_in_their_endpoint(inbox: Inbox) -> None:
    a, b = await started(inbox.scoped("app-a")), await started(inbox.scoped("app-b"))
    try:
        await a.admit(callback("only-a"), owner="x", lease_seconds=0)
        await b.admit(callback("only-b"), owner="x", lease_seconds=0)
        claimed = await a.claim("worker", lease_seconds=30, limit=10)
        assert [r.key for r in claimed] == ["only-a"]
        assert await a.get("only-b") is None
        await a.complete("only-b")  # a key of another endpoint: nothing happens to it
        record = await b.get("only-b")
        assert record is not None and record.status is RecordStatus.PENDING
        assert [r.key for r in await b.claim("worker", lease_seconds=30, limit=10)] == ["only-b"]
        await b.complete("only-b")
        assert await a.purge(time.time() + 1) == 0
        assert await b.purge(time.time() + 1) == 1
        assert [r.key for r in await a.list()] == ["only-a"]
    finally:
        await a.close()
        await b.close()


async def test_views_of_separate_connections_agree(shared_backend: Backend) -> None:
    first, second = await shared_backend.open(), await shared_backend.open()
    a1, a2 = await started(first.scoped("app-a")), await started(second.scoped("app-a"))
    b2 = await started(second.scoped("app-b"))
    try:
        assert (await a1.admit(callback("k"), owner="x", lease_seconds=0)).new
        assert not (await a2.admit(callback("k"), owner="x", lease_seconds=0)).new
        assert (await b2.admit(callback("k"), owner="x", lease_seconds=0)).new
        assert "app-a" in await first.endpoints()
        assert {"app-a", "app-b"} <= set(await second.endpoints())
    finally:
        for view in (a1, a2, b2):
            await view.close()


async def test_unscoped_records_are_adopted_by_their_receive_id(inbox: Inbox) -> None:
    await inbox.admit(callback("mine", "ww-corp"), owner="old", lease_seconds=0)
    await inbox.admit(callback("theirs", "ww-other"), owner="old", lease_seconds=0)
    await inbox.admit(callback("finished", "ww-corp"), owner="old", lease_seconds=0)
    await inbox.complete("finished")
    app = await started(inbox.scoped("app-a"))
    try:
        assert await app.adopt(["ww-corp"]) == 2
        assert await app.adopt(["ww-corp"]) == 0
        assert [r.key for r in await app.claim("w", lease_seconds=30, limit=10)] == ["mine"]
        done = await app.get("finished")
        assert done is not None and done.status is RecordStatus.DONE
        # The dedupe record moved too: a retry of the finished callback is a duplicate.
        assert not (await app.admit(callback("finished"), owner="w", lease_seconds=0)).new
        assert await inbox.get("mine") is None
        assert await inbox.get("theirs") is not None
    finally:
        await app.close()


@pytest.mark.parametrize("name", ["", "has space", "a/b", "x" * 65, "-lead", "ümlaut"])
def test_bad_endpoint_names_are_refused(name: str) -> None:
    with pytest.raises(ConfigurationError, match="endpoint name"):
        open_inbox("memory://", endpoint=name).scoped(name or "/")


async def test_version_1_file_is_migrated_and_adopted(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE records (
            key TEXT PRIMARY KEY, receive_id TEXT NOT NULL, kind TEXT NOT NULL,
            plaintext BLOB NOT NULL, received_at REAL NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending', handlers_done TEXT NOT NULL DEFAULT '[]',
            attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, reply BLOB, owner TEXT,
            lease_until REAL NOT NULL DEFAULT 0, next_attempt_at REAL NOT NULL DEFAULT 0,
            updated_at REAL NOT NULL);
        INSERT INTO records (key, receive_id, kind, plaintext, received_at, handlers_done,
                             owner, lease_until, updated_at)
            VALUES ('ww-corp:msg:1', 'ww-corp', 'text', x'3c786d6c2f3e', 1.0,
                    '["h.first"]', 'old-pid', 0, 1.0);
        PRAGMA user_version = 1;
        """
    )
    conn.close()
    inbox = SQLiteInbox(path, endpoint="hr")
    await inbox.start()
    try:
        assert await inbox.adopt(["ww-corp"]) == 1
        [record] = await inbox.claim("new-pid", lease_seconds=30, limit=10)
        assert record.key == "ww-corp:msg:1"
        assert record.handlers_done == frozenset({"h.first"})
    finally:
        await inbox.close()


async def test_redis_legacy_keys_are_adopted() -> None:
    with redis_server() as url:
        legacy = RedisInbox(url, prefix="wecom:inbox")
        await legacy.start()
        await legacy.admit(callback("k1"), owner="old", lease_seconds=0)
        await legacy.close()
        app = RedisInbox(url, prefix="wecom:inbox", endpoint="hr")
        await app.start()
        try:
            assert await app.adopt(["ww-corp"]) == 1
            [record] = await app.claim("new", lease_seconds=30, limit=10)
            assert record.key == "k1"
            assert await app.endpoints() == ["hr"]
        finally:
            await app.close()


async def test_memory_inbox_keeps_a_bounded_number_of_finished_records() -> None:
    from wecom_callback.inbox import MemoryInbox

    inbox = MemoryInbox(max_finished=3).scoped("app")
    for n in range(5):
        await inbox.admit(callback(f"k{n}"), owner="w", lease_seconds=30)
        await inbox.complete(f"k{n}")
    await inbox.admit(callback("live"), owner="w", lease_seconds=30)
    kept = {r.key for r in await inbox.list(limit=10)}
    assert kept == {"k2", "k3", "k4", "live"}  # the oldest finished went; pending stays
    assert (await inbox.stats())["done"] == 3
