"""One contract, three backends: every test here runs on memory, SQLite and Redis alike.

Time-dependent checks use short leases (0.3 s) and wait by polling ``claim`` until a
deadline, never by sleeping a fixed time and hoping.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import queue
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.inbox._admitter import admit_keys
from tests.inbox.conftest import Backend
from wecom_callback.inbox import Inbox, InboxRecord, NewCallback, RecordStatus

SHORT = 0.3
LONG = 30.0
DEADLINE = 10.0


def callback(key: str = "k1", *, received_at: float | None = None) -> NewCallback:
    return NewCallback(
        key=key,
        receive_id="ww-corp",
        kind="text",
        plaintext=f"<xml><MsgId>{key}</MsgId></xml>".encode(),
        received_at=time.time() if received_at is None else received_at,
    )


async def eventually(
    claim: Callable[[], Awaitable[list[InboxRecord]]], *, deadline: float = DEADLINE
) -> list[InboxRecord]:
    """Poll ``claim`` until it returns something, or fail at the deadline."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        claimed = await claim()
        if claimed:
            return claimed
        await asyncio.sleep(0.02)
    pytest.fail(f"nothing became claimable within {deadline} s")


class TestAdmission:
    async def test_new_record_is_stored_and_leased_to_its_owner(self, inbox: Inbox) -> None:
        cb = callback(received_at=1_700_000_000.123456)
        before = time.time()
        admitted = await inbox.admit(cb, owner="web-1", lease_seconds=LONG)
        assert admitted.new
        record = await inbox.get("k1")
        assert record is not None
        assert (record.key, record.receive_id, record.kind) == ("k1", "ww-corp", "text")
        assert record.plaintext == cb.plaintext
        assert record.received_at == cb.received_at
        assert record.status is RecordStatus.PENDING
        assert record.owner == "web-1"
        assert before + LONG <= record.lease_until <= time.time() + LONG
        assert (record.attempts, record.handlers_done, record.reply) == (0, frozenset(), None)
        assert admitted.record.lease_until == pytest.approx(record.lease_until)

    async def test_fifty_concurrent_admits_of_one_key_admit_exactly_once(
        self, inbox: Inbox
    ) -> None:
        results = await asyncio.gather(
            *(inbox.admit(callback(), owner=f"w{i}", lease_seconds=LONG) for i in range(50))
        )
        assert sum(a.new for a in results) == 1
        winner = next(a.record.owner for a in results if a.new)
        assert {a.record.owner for a in results} == {winner}
        assert await inbox.stats() == {"pending": 1, "done": 0, "dead": 0}

    async def test_duplicate_returns_the_stored_record_with_its_reply(self, inbox: Inbox) -> None:
        await inbox.admit(callback(), owner="web-1", lease_seconds=LONG)
        await inbox.save_reply("k1", b"<xml>reply</xml>")
        await inbox.handler_done("k1", "greet")
        again = await inbox.admit(callback(received_at=5.0), owner="web-2", lease_seconds=LONG)
        assert not again.new
        assert again.record.reply == b"<xml>reply</xml>"
        assert again.record.handlers_done == {"greet"}
        assert again.record.owner == "web-1"
        assert again.record.received_at != 5.0

    async def test_duplicate_of_a_finished_record_is_still_a_duplicate(self, inbox: Inbox) -> None:
        await inbox.admit(callback(), owner="web-1", lease_seconds=LONG)
        await inbox.complete("k1")
        again = await inbox.admit(callback(), owner="web-2", lease_seconds=LONG)
        assert not again.new
        assert again.record.status is RecordStatus.DONE


class TestWork:
    async def test_handler_completion_is_recorded_once_per_handler(self, inbox: Inbox) -> None:
        await inbox.admit(callback(), owner="w", lease_seconds=LONG)
        for handler in ("a", "b", "a"):
            await inbox.handler_done("k1", handler)
        record = await inbox.get("k1")
        assert record is not None and record.handlers_done == {"a", "b"}

    async def test_complete_marks_done_and_releases_the_lease(self, inbox: Inbox) -> None:
        await inbox.admit(callback(), owner="w", lease_seconds=SHORT)
        await inbox.complete("k1")
        record = await inbox.get("k1")
        assert record is not None
        assert (record.status, record.owner, record.lease_until) == (RecordStatus.DONE, None, 0)
        assert not await inbox.renew("k1", "w", LONG)
        # Once the admission lease would have run out, it is still not claimable.
        await asyncio.sleep(SHORT)
        assert await inbox.claim("other", lease_seconds=SHORT, limit=10) == []

    async def test_missing_keys_are_ignored(self, inbox: Inbox) -> None:
        await inbox.handler_done("nope", "a")
        await inbox.save_reply("nope", b"x")
        await inbox.complete("nope")
        await inbox.fail("nope", "boom", retry_at=None)
        await inbox.release("nope", "w")
        assert not await inbox.renew("nope", "w", LONG)
        assert not await inbox.retry("nope")
        assert await inbox.get("nope") is None
        assert await inbox.stats() == {"pending": 0, "done": 0, "dead": 0}


class TestLeases:
    async def test_live_lease_blocks_claim_until_it_expires(self, inbox: Inbox) -> None:
        await inbox.admit(callback(), owner="crashed", lease_seconds=SHORT)
        assert await inbox.claim("rescuer", lease_seconds=SHORT, limit=10) == []
        claimed = await eventually(lambda: inbox.claim("rescuer", lease_seconds=LONG, limit=10))
        assert [r.key for r in claimed] == ["k1"]
        assert claimed[0].owner == "rescuer"
        assert claimed[0].lease_until > time.time() + LONG / 2
        # The new lease is live: nobody else gets it, and the old owner cannot renew it.
        assert await inbox.claim("third", lease_seconds=SHORT, limit=10) == []
        assert not await inbox.renew("k1", "crashed", LONG)
        assert await inbox.renew("k1", "rescuer", LONG)

    async def test_expired_lease_is_reclaimed_by_another_owner_again(self, inbox: Inbox) -> None:
        await inbox.admit(callback(), owner="a", lease_seconds=SHORT)
        first = await eventually(lambda: inbox.claim("b", lease_seconds=SHORT, limit=1))
        second = await eventually(lambda: inbox.claim("c", lease_seconds=SHORT, limit=1))
        assert [first[0].owner, second[0].owner] == ["b", "c"]

    async def test_renew_only_by_the_owner(self, inbox: Inbox) -> None:
        await inbox.admit(callback(), owner="a", lease_seconds=SHORT)
        assert not await inbox.renew("k1", "b", LONG)
        assert await inbox.renew("k1", "a", LONG)
        record = await inbox.get("k1")
        assert record is not None and record.lease_until > time.time() + LONG / 2
        await asyncio.sleep(SHORT)  # the original lease would be over by now
        assert await inbox.claim("b", lease_seconds=SHORT, limit=10) == []

    async def test_release_frees_the_lease_at_once(self, inbox: Inbox) -> None:
        await inbox.admit(callback(), owner="a", lease_seconds=LONG)
        assert await inbox.claim("b", lease_seconds=LONG, limit=10) == []
        await inbox.release("k1", "b")  # not b's to release
        assert await inbox.claim("b", lease_seconds=LONG, limit=10) == []
        await inbox.release("k1", "a")
        record = await inbox.get("k1")
        assert record is not None
        assert (record.status, record.owner, record.lease_until) == (
            RecordStatus.PENDING,
            None,
            0,
        )
        claimed = await inbox.claim("b", lease_seconds=LONG, limit=10)
        assert [(r.key, r.owner) for r in claimed] == [("k1", "b")]

    async def test_claim_takes_the_oldest_first_up_to_the_limit(self, inbox: Inbox) -> None:
        for i in range(5):
            await inbox.admit(callback(f"k{i}", received_at=1000.0 + i), owner="a", lease_seconds=0)
        first = await inbox.claim("b", lease_seconds=LONG, limit=3)
        assert [r.key for r in first] == ["k0", "k1", "k2"]
        rest = await inbox.claim("c", lease_seconds=LONG, limit=10)
        assert [r.key for r in rest] == ["k3", "k4"]
        assert await inbox.claim("d", lease_seconds=LONG, limit=10) == []


class TestFailures:
    async def test_retry_at_is_respected(self, inbox: Inbox) -> None:
        await inbox.admit(callback(), owner="a", lease_seconds=LONG)
        retry_at = time.time() + 0.5
        await inbox.fail("k1", "ValueError: boom", retry_at=retry_at)
        record = await inbox.get("k1")
        assert record is not None
        assert record.status is RecordStatus.PENDING
        assert (record.attempts, record.last_error) == (1, "ValueError: boom")
        assert (record.owner, record.lease_until, record.next_attempt_at) == (None, 0, retry_at)
        assert await inbox.claim("b", lease_seconds=SHORT, limit=10) == []
        claimed = await eventually(lambda: inbox.claim("b", lease_seconds=SHORT, limit=10))
        assert time.time() >= retry_at
        assert claimed[0].attempts == 1

    async def test_attempts_accumulate(self, inbox: Inbox) -> None:
        await inbox.admit(callback(), owner="a", lease_seconds=LONG)
        await inbox.fail("k1", "first", retry_at=time.time())
        await inbox.fail("k1", "second", retry_at=time.time())
        record = await inbox.get("k1")
        assert record is not None and (record.attempts, record.last_error) == (2, "second")

    async def test_dead_letter_keeps_the_error_and_is_never_claimed(self, inbox: Inbox) -> None:
        await inbox.admit(callback(), owner="a", lease_seconds=SHORT)
        await inbox.fail("k1", "KeyError: 'x'", retry_at=None)
        record = await inbox.get("k1")
        assert record is not None
        assert (record.status, record.last_error, record.attempts) == (
            RecordStatus.DEAD,
            "KeyError: 'x'",
            1,
        )
        assert record.owner is None
        await asyncio.sleep(SHORT)
        assert await inbox.claim("b", lease_seconds=SHORT, limit=10) == []
        assert [r.key for r in await inbox.list(status=RecordStatus.DEAD)] == ["k1"]

    async def test_retry_revives_a_dead_letter(self, inbox: Inbox) -> None:
        await inbox.admit(callback(), owner="a", lease_seconds=LONG)
        await inbox.handler_done("k1", "first")
        await inbox.fail("k1", "boom", retry_at=None)
        assert await inbox.retry("k1")
        record = await inbox.get("k1")
        assert record is not None
        assert (record.status, record.attempts, record.owner) == (RecordStatus.PENDING, 0, None)
        assert record.next_attempt_at <= time.time()
        claimed = await inbox.claim("b", lease_seconds=LONG, limit=10)
        assert [(r.key, r.handlers_done) for r in claimed] == [("k1", frozenset({"first"}))]
        assert await inbox.stats() == {"pending": 1, "done": 0, "dead": 0}

    async def test_retry_makes_a_backing_off_record_due_now(self, inbox: Inbox) -> None:
        await inbox.admit(callback(), owner="a", lease_seconds=LONG)
        await inbox.fail("k1", "boom", retry_at=time.time() + 3600)
        assert await inbox.claim("b", lease_seconds=LONG, limit=10) == []
        assert await inbox.retry("k1")
        claimed = await inbox.claim("b", lease_seconds=LONG, limit=10)
        assert [(r.key, r.attempts) for r in claimed] == [("k1", 0)]


class TestRetention:
    async def test_purge_removes_old_done_and_dead_never_pending(self, inbox: Inbox) -> None:
        for key, at in (("done-old", 100.0), ("dead-old", 101.0), ("pending-old", 102.0)):
            await inbox.admit(callback(key, received_at=at), owner="a", lease_seconds=LONG)
        await inbox.admit(callback("done-new"), owner="a", lease_seconds=LONG)
        await inbox.complete("done-old")
        await inbox.fail("dead-old", "boom", retry_at=None)
        await inbox.complete("done-new")
        assert await inbox.purge(older_than=1000.0) == 2
        assert await inbox.get("done-old") is None
        assert await inbox.get("dead-old") is None
        assert await inbox.get("pending-old") is not None
        assert await inbox.get("done-new") is not None
        assert await inbox.stats() == {"pending": 1, "done": 1, "dead": 0}
        assert await inbox.purge(older_than=time.time() + 60) == 1
        assert await inbox.stats() == {"pending": 1, "done": 0, "dead": 0}

    async def test_a_purged_key_is_admitted_afresh(self, inbox: Inbox) -> None:
        await inbox.admit(callback(received_at=100.0), owner="a", lease_seconds=LONG)
        await inbox.complete("k1")
        assert await inbox.purge(older_than=1000.0) == 1
        again = await inbox.admit(callback(), owner="b", lease_seconds=LONG)
        assert again.new and again.record.owner == "b"

    async def test_list_is_newest_first_and_filters_by_status(self, inbox: Inbox) -> None:
        for i in range(5):
            await inbox.admit(callback(f"k{i}", received_at=1000.0 + i), owner="a", lease_seconds=0)
        await inbox.complete("k1")
        await inbox.complete("k3")
        await inbox.fail("k4", "boom", retry_at=None)
        assert [r.key for r in await inbox.list()] == ["k4", "k3", "k2", "k1", "k0"]
        assert [r.key for r in await inbox.list(limit=2)] == ["k4", "k3"]
        assert [r.key for r in await inbox.list(status=RecordStatus.DONE)] == ["k3", "k1"]
        assert [r.key for r in await inbox.list(status=RecordStatus.PENDING)] == ["k2", "k0"]
        assert await inbox.list(limit=0) == []
        assert await inbox.stats() == {"pending": 2, "done": 2, "dead": 1}


class TestSharedStorage:
    """What several processes (SQLite, one host) or replicas (Redis) rely on."""

    async def test_admission_is_atomic_across_instances(self, shared_backend: Backend) -> None:
        inboxes = [await shared_backend.open() for _ in range(4)]
        results = await asyncio.gather(
            *(
                inbox.admit(callback(f"k{n}"), owner=f"i{i}", lease_seconds=LONG)
                for n in range(10)
                for i, inbox in enumerate(inboxes)
                for _ in range(5)
            )
        )
        new = sorted(a.record.key for a in results if a.new)
        assert new == sorted(f"k{n}" for n in range(10))

    async def test_admission_is_atomic_across_processes(self, shared_backend: Backend) -> None:
        await shared_backend.open()  # the schema or stream exists before the race
        keys = [f"k{n}" for n in range(25)]
        outcomes = await asyncio.to_thread(_admit_in_processes, shared_backend.url, keys, 4)
        admitted = [key for new_keys in outcomes.values() for key in new_keys]
        assert sorted(admitted) == sorted(keys)  # each key exactly once, overall

    async def test_concurrent_claims_never_share_a_record(self, shared_backend: Backend) -> None:
        first, second = await shared_backend.open(), await shared_backend.open()
        for n in range(20):
            await first.admit(callback(f"k{n}"), owner="web", lease_seconds=0)
        a, b = await asyncio.gather(
            first.claim("worker-a", lease_seconds=LONG, limit=20),
            second.claim("worker-b", lease_seconds=LONG, limit=20),
        )
        keys_a, keys_b = {r.key for r in a}, {r.key for r in b}
        assert not keys_a & keys_b
        assert keys_a | keys_b == {f"k{n}" for n in range(20)}

    async def test_records_survive_reopening(self, shared_backend: Backend) -> None:
        inbox = await shared_backend.open()
        await inbox.admit(callback(), owner="a", lease_seconds=LONG)
        await inbox.save_reply("k1", b"<xml/>")
        await inbox.close()
        shared_backend.opened.remove(inbox)
        reopened = await shared_backend.open()
        record = await reopened.get("k1")
        assert record is not None and record.reply == b"<xml/>"


def _admit_in_processes(url: str, keys: list[str], processes: int) -> dict[str, list[str]]:
    """Run ``admit_keys`` in ``processes`` fresh processes at once; their new keys.

    Each process walks the keys from a different starting point, so they collide.
    """
    # Not fork: this process has threads. A fork server pays the package import once,
    # then forks each child from its own single-threaded process.
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["tests.inbox._admitter"])
    barrier = ctx.Barrier(processes, timeout=60)
    results = ctx.Queue()
    workers = []
    for i in range(processes):
        shift = i * len(keys) // processes
        order = keys[shift:] + keys[:shift]
        args = (url, order, f"proc-{i}", barrier, results)
        workers.append(ctx.Process(target=admit_keys, args=args))
    for worker in workers:
        worker.start()
    outcomes: dict[str, Any] = {}
    deadline = time.monotonic() + 120
    try:
        while len(outcomes) < processes and time.monotonic() < deadline:
            try:
                owner, outcome = results.get(timeout=0.5)
            except queue.Empty:
                # A child that died without reporting would otherwise cost the deadline.
                if all(not w.is_alive() for w in workers) and results.empty():
                    break
                continue
            outcomes[owner] = outcome
    finally:
        for worker in workers:
            worker.join(timeout=60)
        results.close()
        results.join_thread()
    assert len(outcomes) == processes, f"only {sorted(outcomes)} reported back"
    for owner, outcome in outcomes.items():
        assert isinstance(outcome, list), f"{owner} failed:\n{outcome}"
    return outcomes
