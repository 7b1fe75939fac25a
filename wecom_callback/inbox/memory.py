"""The in-memory inbox: plain dicts, for tests and single-process demos.

Nothing survives the process, so it is durable only in name; every other rule of the
contract (dedupe, leases, backoff, dead letters, retention) holds exactly as in the
sqlite and redis backends, which is what makes it a faithful stand-in for tests.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable
from typing import Any, Self

from wecom_callback.inbox._base import (
    Admitted,
    Inbox,
    InboxRecord,
    NewCallback,
    RecordStatus,
    check_endpoint,
)

#: One endpoint's records, the keys of its pending ones, and of its finished ones in the
#: order they finished (dicts keep insertion order).
_Space = tuple[dict[str, InboxRecord], set[str], dict[str, None]]

#: Finished records kept per endpoint before the oldest are dropped: held forever, they
#: would grow the heap without bound and full garbage collections with it.
MAX_FINISHED = 10_000

__all__ = ["MemoryInbox"]


class MemoryInbox(Inbox):
    """An :class:`~wecom_callback.inbox.Inbox` kept in a dict (``memory://``).

    Safe for concurrent use from one event loop: no method awaits between reading and
    writing a record, so every state change is atomic with respect to other tasks.
    """

    scheme = "memory"

    def __init__(self, *, endpoint: str = "", max_finished: int = MAX_FINISHED) -> None:
        """Keep at most ``max_finished`` done or dead records per endpoint (oldest go)."""
        self._spaces: dict[str, _Space] = {}
        self.max_finished = max_finished
        self._bind(endpoint)

    def _bind(self, endpoint: str) -> None:
        self.endpoint = check_endpoint(endpoint) if endpoint else ""
        records, pending, finished = self._spaces.setdefault(endpoint, ({}, set(), {}))
        self._records = records
        # Keys of pending records: claim looks at these only, not at every record kept.
        self._pending = pending
        self._finished = finished

    def scoped(self, endpoint: str) -> Self:
        """A view of ``endpoint``'s records in the same dicts."""
        view = object.__new__(type(self))
        view._spaces, view.max_finished = self._spaces, self.max_finished
        view._bind(endpoint)
        return view

    async def adopt(self, receive_ids: Iterable[str]) -> int:
        """Move unscoped records of ``receive_ids`` into this endpoint's scope."""
        if not self.endpoint or self.endpoint not in self._spaces:
            return 0
        ids = set(receive_ids)
        legacy, legacy_pending, _ = self._spaces.setdefault("", ({}, set(), {}))
        moved = [k for k, r in legacy.items() if r.receive_id in ids and k not in self._records]
        for key in moved:
            self._records[key] = legacy.pop(key)
            if key in legacy_pending:
                legacy_pending.discard(key)
                self._pending.add(key)
        return len(moved)

    async def endpoints(self) -> list[str]:
        """Endpoints with records here."""
        return sorted(name for name, (records, _, _) in self._spaces.items() if records)

    def __repr__(self) -> str:
        return f"MemoryInbox(endpoint={self.endpoint!r}, records={len(self._records)})"

    def _update(self, key: str, **changes: Any) -> InboxRecord | None:
        record = self._records.get(key)
        if record is None:
            return None
        updated = dataclasses.replace(record, updated_at=time.time(), **changes)
        self._records[key] = updated
        if updated.status is RecordStatus.PENDING:
            self._pending.add(key)
            self._finished.pop(key, None)
        else:
            self._pending.discard(key)
            self._finished[key] = None
            while len(self._finished) > self.max_finished:
                oldest = next(iter(self._finished))
                del self._finished[oldest]
                self._records.pop(oldest, None)
        return updated

    async def admit(self, callback: NewCallback, *, owner: str, lease_seconds: float) -> Admitted:
        """Store ``callback`` unless its key exists; a new record is leased to ``owner``."""
        existing = self._records.get(callback.key)
        if existing is not None:
            return Admitted(new=False, record=existing)
        now = time.time()
        record = InboxRecord(
            key=callback.key,
            receive_id=callback.receive_id,
            kind=callback.kind,
            plaintext=callback.plaintext,
            received_at=callback.received_at,
            owner=owner,
            lease_until=now + lease_seconds,
            updated_at=now,
        )
        self._records[callback.key] = record
        self._pending.add(callback.key)
        return Admitted(new=True, record=record)

    async def handler_done(self, key: str, handler_id: str) -> None:
        """Record that one handler finished for ``key``."""
        record = self._records.get(key)
        if record is not None and handler_id not in record.handlers_done:
            self._update(key, handlers_done=record.handlers_done | {handler_id})

    async def save_reply(self, key: str, reply: bytes) -> None:
        """Store the passive reply for ``key``."""
        self._update(key, reply=reply)

    async def complete(self, key: str) -> None:
        """Mark ``key`` done and release its lease."""
        self._update(key, status=RecordStatus.DONE, owner=None, lease_until=0.0)

    async def fail(self, key: str, error: str, *, retry_at: float | None) -> None:
        """Count a failed attempt; back off until ``retry_at``, or dead-letter if None."""
        record = self._records.get(key)
        if record is None:
            return
        changes: dict[str, Any] = {
            "attempts": record.attempts + 1,
            "last_error": error,
            "owner": None,
            "lease_until": 0.0,
        }
        if retry_at is None:
            changes["status"] = RecordStatus.DEAD
        else:
            changes["next_attempt_at"] = retry_at
        self._update(key, **changes)

    async def claim(self, owner: str, *, lease_seconds: float, limit: int) -> list[InboxRecord]:
        """Lease up to ``limit`` due pending records that no live lease holds, oldest first."""
        now = time.time()
        candidates = (self._records[key] for key in self._pending)
        due = sorted(
            (
                r
                for r in candidates
                if r.status is RecordStatus.PENDING
                and r.lease_until <= now
                and r.next_attempt_at <= now
            ),
            key=lambda r: r.received_at,
        )[: max(limit, 0)]
        claimed = []
        for record in due:
            updated = self._update(record.key, owner=owner, lease_until=now + lease_seconds)
            assert updated is not None
            claimed.append(updated)
        return claimed

    async def renew(self, key: str, owner: str, lease_seconds: float) -> bool:
        """Extend ``owner``'s lease on ``key``; False if ``owner`` does not hold it."""
        record = self._records.get(key)
        if record is None or record.owner != owner or record.status is not RecordStatus.PENDING:
            return False
        self._update(key, lease_until=time.time() + lease_seconds)
        return True

    async def release(self, key: str, owner: str) -> None:
        """Give up ``owner``'s lease on ``key`` now, leaving the work pending."""
        record = self._records.get(key)
        if record is not None and record.owner == owner:
            self._update(key, owner=None, lease_until=0.0)

    async def get(self, key: str) -> InboxRecord | None:
        """The record for ``key``, or None."""
        return self._records.get(key)

    async def list(
        self, *, status: RecordStatus | None = None, limit: int = 100
    ) -> list[InboxRecord]:
        """Records, newest first, optionally of one status."""
        records = [r for r in self._records.values() if status is None or r.status == status]
        records.sort(key=lambda r: r.received_at, reverse=True)
        return records[: max(limit, 0)]

    async def stats(self) -> dict[str, int]:
        """Counts by status."""
        counts = {s.value: 0 for s in RecordStatus}
        for record in self._records.values():
            counts[record.status.value] += 1
        return counts

    async def retry(self, key: str) -> bool:
        """Make a dead or pending record due now with attempts reset; False if absent."""
        record = self._records.get(key)
        if record is None:
            return False
        now = time.time()
        if record.status is RecordStatus.DEAD:
            self._update(
                key,
                status=RecordStatus.PENDING,
                attempts=0,
                next_attempt_at=now,
                owner=None,
                lease_until=0.0,
            )
        elif record.status is RecordStatus.PENDING:
            self._update(key, attempts=0, next_attempt_at=now)
        return True

    async def purge(self, older_than: float) -> int:
        """Delete done and dead records received before ``older_than``."""
        doomed = [
            key
            for key, r in self._records.items()
            if r.status is not RecordStatus.PENDING and r.received_at < older_than
        ]
        for key in doomed:
            del self._records[key]
            self._finished.pop(key, None)
        return len(doomed)
