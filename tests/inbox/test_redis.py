"""What only the Redis backend promises: its keys, TTLs, and a stream trimmed safely."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from wecom_callback.inbox import NewCallback, open_inbox
from wecom_callback.inbox.redis import RedisInbox


def callback(key: str, received_at: float | None = None) -> NewCallback:
    at = time.time() if received_at is None else received_at
    return NewCallback(key, "ww-corp", "text", b"<xml/>", at)


@pytest.fixture
async def raw(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.from_url(redis_url)
    yield client
    await client.aclose()


async def entry_ids(raw: aioredis.Redis, stream: str) -> list[object]:
    return [entry_id for entry_id, _ in await raw.xrange(stream) or []]


async def opened(redis_url: str, query: str = "") -> RedisInbox:
    inbox = open_inbox(f"{redis_url}?prefix=t:{uuid.uuid4().hex}{query}")
    assert isinstance(inbox, RedisInbox)
    await inbox.start()
    return inbox


async def test_every_key_lives_under_the_prefix(redis_url: str, raw: aioredis.Redis) -> None:
    inbox = await opened(redis_url)
    await inbox.admit(callback("k1"), owner="w", lease_seconds=30)
    await inbox.admit(callback("k2"), owner="w", lease_seconds=30)
    await inbox.complete("k2")
    keys = {k.decode() async for k in raw.scan_iter(match=f"{inbox.prefix}:*")}
    p = inbox.prefix
    assert keys == {
        f"{p}:stream",
        f"{p}:rec:k1",
        f"{p}:rec:k2",
        f"{p}:status:pending",
        f"{p}:status:done",
    }
    groups = await raw.xinfo_groups(f"{p}:stream")
    assert [g["name"] for g in groups] == [b"workers"]
    await inbox.close()


async def test_concurrent_calls_share_one_round_trip(redis_url: str) -> None:
    inbox = await opened(redis_url)
    before = inbox._pipeliner.batches  # private: pipelines sent, kept for this test
    admitted = await asyncio.gather(
        *(inbox.admit(callback(f"k{n}"), owner="w", lease_seconds=30) for n in range(50))
    )
    assert all(a.new for a in admitted)
    assert inbox._pipeliner.batches - before <= 2
    again = await asyncio.gather(
        inbox.admit(callback("k7"), owner="w", lease_seconds=30), inbox.complete("k8")
    )
    assert not again[0].new  # each call its own result, in one pipeline
    assert (await inbox.stats()) == {"pending": 49, "done": 1, "dead": 0}
    await inbox.close()


async def test_a_script_flushed_from_redis_is_loaded_again(
    redis_url: str, raw: aioredis.Redis
) -> None:
    inbox = await opened(redis_url)
    await raw.script_flush()
    admitted = await asyncio.gather(
        *(inbox.admit(callback(f"k{n}"), owner="w", lease_seconds=30) for n in range(3))
    )
    assert all(a.new for a in admitted)
    await inbox.close()


async def test_finished_records_expire_pending_ones_do_not(
    redis_url: str, raw: aioredis.Redis
) -> None:
    inbox = await opened(redis_url, "&retention=60")
    for key in ("pending", "done", "dead"):
        await inbox.admit(callback(key), owner="w", lease_seconds=30)
    await inbox.complete("done")
    await inbox.fail("dead", "boom", retry_at=None)
    p = inbox.prefix
    assert await raw.ttl(f"{p}:rec:pending") == -1
    for key in ("done", "dead"):
        assert 0 < await raw.ttl(f"{p}:rec:{key}") <= 60
        assert not await raw.exists(f"{p}:dedupe:{key}")  # the record is its own marker
    await inbox.retry("dead")
    assert await raw.ttl(f"{p}:rec:dead") == -1
    await inbox.close()


async def test_expiry_and_trimming_never_lose_work(redis_url: str, raw: aioredis.Redis) -> None:
    inbox = await opened(redis_url, "&retention=1&maintenance_interval=3600")
    stream = f"{inbox.prefix}:stream"
    long_ago = time.time() - 10
    await inbox.admit(callback("finished", long_ago), owner="web", lease_seconds=0)
    assert [r.key for r in await inbox.claim("w", lease_seconds=30, limit=1)] == ["finished"]
    await inbox.complete("finished")
    assert await entry_ids(raw, stream) == []  # finished work leaves the stream at once
    # An entry that is not ours: claim acknowledges it and leaves it to trimming.
    await raw.xadd(stream, {"other": "x"})
    await inbox.admit(callback("in-flight", long_ago), owner="web", lease_seconds=0)
    assert [r.key for r in await inbox.claim("w", lease_seconds=30, limit=5)] == ["in-flight"]
    await inbox.admit(callback("waiting", long_ago), owner="web", lease_seconds=30)
    ids = await entry_ids(raw, stream)
    assert len(ids) == 3

    # The finished record expires after the 1 s retention; poll until Redis dropped it.
    deadline = time.monotonic() + 10
    while await inbox.get("finished") is not None:
        assert time.monotonic() < deadline, "the finished record never expired"
        await asyncio.sleep(0.05)
    assert (await inbox.stats())["done"] == 0  # its index entry is swept too
    assert [r.key for r in await inbox.list()] == ["waiting", "in-flight"]

    # Past the window, only the acknowledged entry goes: the in-flight one is in the
    # PEL and the waiting one was never delivered.
    await inbox.maintain()
    assert await entry_ids(raw, stream) == ids[1:]
    await inbox.complete("in-flight")
    assert await entry_ids(raw, stream) == ids[2:]
    await inbox.maintain()
    assert await entry_ids(raw, stream) == ids[2:]
    await inbox.release("waiting", "web")
    assert [r.key for r in await inbox.claim("w", lease_seconds=30, limit=5)] == ["waiting"]
    await inbox.close()


async def stream_keys(raw: aioredis.Redis, stream: str) -> list[bytes | str]:
    keys: list[bytes | str] = []
    for _, fields in await raw.xrange(stream) or []:
        assert fields is not None  # XRANGE lists every entry with its fields
        keys.append(fields[b"key"])
    return keys


async def test_finished_records_leave_the_stream(redis_url: str, raw: aioredis.Redis) -> None:
    inbox = await opened(redis_url)
    stream = f"{inbox.prefix}:stream"
    for key in ("claimed", "dead", "live"):
        await inbox.admit(callback(key), owner="web", lease_seconds=30)
    await inbox.release("claimed", "web")
    assert [r.key for r in await inbox.claim("w", lease_seconds=30, limit=5)] == ["claimed"]
    await inbox.admit(callback("inline"), owner="web", lease_seconds=30)
    # Done inline (never read by the group), done after a claim, dead-lettered.
    await inbox.complete("inline")
    await inbox.complete("claimed")
    await inbox.fail("dead", "boom", retry_at=None)
    assert await stream_keys(raw, stream) == [b"live"]
    assert (await raw.xpending(stream, "workers"))["pending"] == 1  # live, parked
    await inbox.complete("live")
    assert await stream_keys(raw, stream) == []
    assert (await raw.xpending(stream, "workers"))["pending"] == 0
    # So the next claim reads nothing, old or new.
    assert await inbox.claim("w", lease_seconds=30, limit=100) == []
    assert not await raw.xreadgroup("workers", "probe", {stream: ">"})
    assert (await raw.xautoclaim(stream, "workers", "probe", 0))[1] == []
    # A retried dead letter gets a fresh entry and is claimable again.
    assert await inbox.retry("dead")
    assert await stream_keys(raw, stream) == [b"dead"]
    assert [r.key for r in await inbox.claim("w", lease_seconds=30, limit=5)] == ["dead"]
    await inbox.complete("dead")
    assert await stream_keys(raw, stream) == []
    await inbox.close()


async def test_claim_deletes_entries_of_finished_records(
    redis_url: str, raw: aioredis.Redis
) -> None:
    inbox = await opened(redis_url)
    stream = f"{inbox.prefix}:stream"
    await inbox.admit(callback("gone"), owner="web", lease_seconds=0)
    await inbox.admit(callback("k2"), owner="web", lease_seconds=0)
    # An entry left behind for a record that no longer exists (as purge or expiry leaves).
    await raw.delete(f"{inbox.prefix}:rec:gone")
    assert [r.key for r in await inbox.claim("w", lease_seconds=30, limit=5)] == ["k2"]
    assert await stream_keys(raw, stream) == [b"k2"]
    await inbox.close()


async def test_a_lost_stream_group_is_recreated(redis_url: str, raw: aioredis.Redis) -> None:
    inbox = await opened(redis_url)
    await inbox.admit(callback("k1"), owner="web", lease_seconds=0)
    await inbox.admit(callback("k2"), owner="web", lease_seconds=30)
    await raw.xgroup_destroy(f"{inbox.prefix}:stream", "workers")
    await inbox.fail("k2", "boom", retry_at=time.time())  # scripts shrug the group off
    # Recreated from id 0: entries added before the group existed are still found.
    claimed = await inbox.claim("w", lease_seconds=30, limit=5)
    assert sorted(r.key for r in claimed) == ["k1", "k2"]
    await inbox.close()
    await raw.xgroup_destroy(f"{inbox.prefix}:stream", "workers")
    await inbox.start()
    assert [g["name"] for g in await raw.xinfo_groups(f"{inbox.prefix}:stream")] == [b"workers"]
    await inbox.close()
