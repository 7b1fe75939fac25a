"""The inbox contract: durable admission, per-handler completion, leases, dead letters.

A callback is *admitted* once per dedupe key: the first delivery creates a record
(committed before the HTTP answer goes out) leased to the admitting process; every later
delivery of the same key finds the record and is not dispatched again. Work on a record
is held by a *lease* (owner + expiry); a record whose lease expired while it is still
pending is picked up again by :meth:`Inbox.claim`, by any process, so a crash loses
nothing. Each handler's completion is recorded, so resumed work skips finished handlers.

Every record belongs to one *endpoint* (a :class:`~wecom_callback.WeComApp`'s ``name``).
An inbox object is a view of one endpoint's records: :meth:`Inbox.scoped` gives the view
of another endpoint over the same storage, and nothing done through one view (admission,
dedupe, claims, stats, purge) ever sees another's records. Several endpoints can
therefore share one SQLite file or one Redis. The empty name is the scope of records
written before endpoints existed; :meth:`Inbox.adopt` moves those into a named scope.
"""

from __future__ import annotations

import abc
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Self

from wecom_callback.errors import ConfigurationError, InboxUnavailableError

__all__ = [
    "Admitted",
    "Inbox",
    "InboxRecord",
    "InboxUnavailableError",
    "NewCallback",
    "RecordStatus",
    "check_endpoint",
]


_ENDPOINT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def check_endpoint(name: str) -> str:
    """``name`` if it is a valid endpoint name (letters, digits, ``._-``; 1-64), else raise."""
    if not isinstance(name, str) or not _ENDPOINT.fullmatch(name):
        raise ConfigurationError(
            f"endpoint name {name!r} is not valid: use 1 to 64 letters, digits, '.', '_' or"
            " '-', starting with a letter or digit"
        )
    return name


class RecordStatus(StrEnum):
    """Where a record stands."""

    PENDING = "pending"
    """Admitted; some handler has not finished yet."""
    DONE = "done"
    """Every handler finished."""
    DEAD = "dead"
    """A handler failed on its last attempt; kept with the error (a dead letter)."""


@dataclass(frozen=True, slots=True)
class NewCallback:
    """What the receiver admits: the decrypted plaintext and how to find it again."""

    key: str
    """The dedupe key (MsgId or a plaintext hash, scoped by receive id)."""
    receive_id: str
    """The CorpID or SuiteID the callback was encrypted for."""
    kind: str
    """The dispatch key (MsgType, Event or InfoType), for operators."""
    plaintext: bytes
    """The decrypted XML: enough to rebuild the model after a restart."""
    received_at: float
    """Unix time of the first delivery."""


@dataclass(frozen=True, slots=True)
class InboxRecord:
    """One admitted callback and the state of its work."""

    key: str
    receive_id: str
    kind: str
    plaintext: bytes
    received_at: float
    status: RecordStatus = RecordStatus.PENDING
    handlers_done: frozenset[str] = field(default_factory=frozenset)
    """Ids of the handlers that finished for this record."""
    attempts: int = 0
    """Failed attempts so far."""
    last_error: str | None = None
    """The last handler failure (type and message), for dead letters and operators."""
    reply: bytes | None = None
    """The passive reply's plaintext XML, once computed (answered again on a retry)."""
    owner: str | None = None
    """Who holds the lease, if anyone."""
    lease_until: float = 0.0
    """Unix time the lease ends; a pending record past it may be claimed."""
    next_attempt_at: float = 0.0
    """Unix time before which a failed record is not retried (backoff)."""
    updated_at: float = 0.0
    """Unix time of the last change."""


@dataclass(frozen=True, slots=True)
class Admitted:
    """The result of :meth:`Inbox.admit`."""

    new: bool
    """True for the first delivery of this key; False for a duplicate."""
    record: InboxRecord
    """The record (for a duplicate: as stored, with any reply)."""


class Inbox(abc.ABC):
    """A durable store of admitted callbacks. Backends: memory, sqlite, redis.

    Every method is safe to call concurrently from one event loop; admission is atomic
    across processes for the sqlite (one host) and redis (many hosts) backends.
    """

    #: The URL scheme that selects this backend (``memory``, ``sqlite``, ``redis``).
    scheme: str = ""
    #: The endpoint whose records this view sees (``""``: records from before endpoints).
    endpoint: str = ""

    @abc.abstractmethod
    def scoped(self, endpoint: str) -> Self:
        """A view of ``endpoint``'s records over the same storage and connections.

        Views share their backend's engine (the SQLite writer thread, the Redis pool):
        each view's :meth:`start` and :meth:`close` are counted, and the engine closes
        with the last view.
        """

    async def adopt(self, receive_ids: Iterable[str]) -> int:
        """Move records from before endpoints existed, of these receive ids, into this scope.

        Returns how many were moved. Called when an app starts, so work admitted by an
        older version resumes under the app's name.
        """
        return 0

    async def endpoints(self) -> list[str]:
        """The names of the endpoints that have records in this storage, sorted."""
        return [self.endpoint]

    async def start(self) -> None:  # noqa: B027 - optional hook
        """Open connections and create storage on first use."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Flush pending writes and close connections."""

    @abc.abstractmethod
    async def admit(self, callback: NewCallback, *, owner: str, lease_seconds: float) -> Admitted:
        """Record ``callback`` durably unless its key exists; a new record is leased to owner.

        Returns only after the new record is committed.
        """

    @abc.abstractmethod
    async def handler_done(self, key: str, handler_id: str) -> None:
        """Record that one handler finished for ``key``."""

    @abc.abstractmethod
    async def save_reply(self, key: str, reply: bytes) -> None:
        """Store the passive reply's plaintext XML for ``key`` (durably, before it is sent)."""

    @abc.abstractmethod
    async def complete(self, key: str) -> None:
        """Mark ``key`` done and release its lease."""

    @abc.abstractmethod
    async def fail(self, key: str, error: str, *, retry_at: float | None) -> None:
        """Count a failed attempt; release the lease until ``retry_at``, or dead-letter if None."""

    @abc.abstractmethod
    async def claim(self, owner: str, *, lease_seconds: float, limit: int) -> list[InboxRecord]:
        """Lease up to ``limit`` pending records that no live lease holds and that are due."""

    @abc.abstractmethod
    async def renew(self, key: str, owner: str, lease_seconds: float) -> bool:
        """Extend ``owner``'s lease on ``key``; False if the owner no longer holds it."""

    @abc.abstractmethod
    async def release(self, key: str, owner: str) -> None:
        """Give up ``owner``'s lease at once (graceful shutdown), leaving the work pending."""

    @abc.abstractmethod
    async def get(self, key: str) -> InboxRecord | None:
        """The record for ``key``, or None."""

    @abc.abstractmethod
    async def list(
        self, *, status: RecordStatus | None = None, limit: int = 100
    ) -> list[InboxRecord]:
        """Records, newest first, optionally of one status."""

    @abc.abstractmethod
    async def stats(self) -> dict[str, int]:
        """Counts by status: ``{"pending": n, "done": n, "dead": n}``."""

    @abc.abstractmethod
    async def retry(self, key: str) -> bool:
        """Make a dead (or pending) record due now with its attempts reset; False if absent."""

    @abc.abstractmethod
    async def purge(self, older_than: float) -> int:
        """Delete done and dead records received before ``older_than``; return how many."""
