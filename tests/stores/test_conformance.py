"""One contract, three backends: memory, a real SQLite file, a real Redis.

Every test runs against each backend; the cross-process tests run two OS processes
against the shared ones (SQLite, Redis).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import queue
import time
from typing import Any

import pytest

from tests.stores._contender import contend
from wecom_callback._stores import Store, open_store
from wecom_callback.errors import LockTimeoutError

#: How long a test waits for a short TTL to run out before it fails.
DEADLINE = 10.0


async def gone(store: Store, key: str) -> bool:
    """Poll until ``key`` reads as absent (its TTL ran out); False at the deadline."""
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        if await store.get(key) is None:
            return True
        await asyncio.sleep(0.02)
    return False


class TestValues:
    async def test_absent_key_reads_none(self, store: Store) -> None:
        assert await store.get("nothing") is None

    async def test_set_then_get_round_trips_binary(self, store: Store) -> None:
        value = bytes(range(256)) + "中文".encode()
        await store.set("k", value)
        assert await store.get("k") == value

    async def test_set_replaces(self, store: Store) -> None:
        await store.set("k", b"one")
        await store.set("k", b"two")
        assert await store.get("k") == b"two"

    async def test_ttl_expires(self, store: Store) -> None:
        await store.set("k", b"v", ttl=0.3)
        await store.set("forever", b"v")
        assert await store.get("k") == b"v"
        assert await gone(store, "k")
        assert await store.get("forever") == b"v"

    async def test_set_without_ttl_clears_an_earlier_ttl(self, store: Store) -> None:
        await store.set("k", b"v", ttl=0.3)
        await store.set("k", b"w")
        await store.set("probe", b"p", ttl=0.3)
        assert await gone(store, "probe")
        assert await store.get("k") == b"w"

    async def test_delete(self, store: Store) -> None:
        await store.set("k", b"v")
        assert await store.delete("k") is True
        assert await store.get("k") is None
        assert await store.delete("k") is False


class TestAtomicOperations:
    async def test_add_only_when_absent(self, store: Store) -> None:
        assert await store.add("k", b"first") is True
        assert await store.add("k", b"second") is False
        assert await store.get("k") == b"first"

    async def test_add_succeeds_over_an_expired_value(self, store: Store) -> None:
        assert await store.add("k", b"old", ttl=0.3) is True
        assert await gone(store, "k")
        assert await store.add("k", b"new") is True
        assert await store.get("k") == b"new"

    async def test_concurrent_adds_have_one_winner(self, store: Store) -> None:
        results = await asyncio.gather(*(store.add("k", str(i).encode()) for i in range(20)))
        assert results.count(True) == 1
        assert await store.get("k") == str(results.index(True)).encode()

    async def test_compare_and_set(self, store: Store) -> None:
        assert await store.compare_and_set("k", b"x", b"y") is False  # absent
        await store.set("k", b"x")
        assert await store.compare_and_set("k", b"other", b"y") is False
        assert await store.get("k") == b"x"
        assert await store.compare_and_set("k", b"x", b"y") is True
        assert await store.get("k") == b"y"

    async def test_compare_and_set_sets_the_ttl(self, store: Store) -> None:
        await store.set("k", b"x")
        assert await store.compare_and_set("k", b"x", b"y", ttl=0.3) is True
        assert await gone(store, "k")

    async def test_compare_and_set_ignores_an_expired_value(self, store: Store) -> None:
        await store.set("k", b"x", ttl=0.3)
        assert await gone(store, "k")
        assert await store.compare_and_set("k", b"x", b"y") is False
        assert await store.get("k") is None

    async def test_compare_and_delete(self, store: Store) -> None:
        await store.set("k", b"x")
        assert await store.compare_and_delete("k", b"other") is False
        assert await store.get("k") == b"x"
        assert await store.compare_and_delete("k", b"x") is True
        assert await store.get("k") is None
        assert await store.compare_and_delete("k", b"x") is False


class TestLock:
    async def test_excludes_other_tasks(self, store: Store) -> None:
        inside: list[int] = []
        overlaps = 0

        async def worker(i: int) -> None:
            nonlocal overlaps
            for _ in range(5):
                async with store.lock("l", timeout=30):
                    overlaps += bool(inside)
                    inside.append(i)
                    await asyncio.sleep(0)
                    inside.remove(i)

        await asyncio.gather(*(worker(i) for i in range(4)))
        assert overlaps == 0

    async def test_times_out_while_held(self, store: Store) -> None:
        async with store.lock("l"):
            with pytest.raises(LockTimeoutError, match="'l'"):
                await store.lock("l", timeout=0.1).acquire()
        async with store.lock("l", timeout=0) as lock:  # free again at once
            assert lock.held

    async def test_a_crashed_holders_claim_expires(self, store: Store) -> None:
        await store.add("lock:l", b"someone who died", ttl=0.3)
        async with store.lock("l", timeout=DEADLINE) as lock:
            assert lock.held
        assert await store.get("lock:l") is None

    async def test_is_renewed_while_held(self, store: Store) -> None:
        async with store.lock("l", ttl=0.6):
            await asyncio.sleep(1.5)  # past the ttl: only the renewals keep it
            with pytest.raises(LockTimeoutError):
                await store.lock("l", timeout=0.2).acquire()

    async def test_release_does_not_remove_a_successors_claim(self, store: Store) -> None:
        lock = store.lock("l", ttl=30)
        await lock.acquire()
        await store.set("lock:l", b"successor")  # as if our claim had lapsed and been retaken
        await lock.release()
        assert await store.get("lock:l") == b"successor"
        assert not lock.held


def _run_contenders(url: str, processes: int, rounds: int) -> list[Any]:
    # Not fork: this process has threads. The fork server pays the import once.
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["tests.stores._contender"])
    barrier = ctx.Barrier(processes, timeout=60)
    results = ctx.Queue()
    workers = [
        ctx.Process(target=contend, args=(url, rounds, barrier, results)) for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    outcomes: list[Any] = []
    try:
        while len(outcomes) < processes:
            try:
                outcomes.append(results.get(timeout=0.5))
            except queue.Empty:
                if all(not w.is_alive() for w in workers) and results.empty():
                    break
    finally:
        for worker in workers:
            worker.join(timeout=60)
        results.close()
        results.join_thread()
    return outcomes


async def test_two_processes_contend_for_one_lock(shared_url: str) -> None:
    rounds = 40
    outcomes = await asyncio.to_thread(_run_contenders, shared_url, 2, rounds)
    assert outcomes == [rounds, rounds], outcomes
    store = open_store(shared_url)
    try:
        assert await store.get("counter") == str(2 * rounds).encode()  # no lost update
    finally:
        await store.close()
