"""The SQLite inbox: the embedded default, one file, safe for several processes on one host.

Design:

* One table, ``records``, keyed by the dedupe key. Admission is ``INSERT OR IGNORE`` and
  the row count it reports (``sqlite3_changes``): the PRIMARY KEY makes it atomic across
  every connection and process sharing the file, with no check-then-insert race.
* WAL journal, so readers in other processes never block the writer, and ``busy_timeout``
  so writers from several uvicorn workers queue for the lock instead of failing.
* All SQLite work runs off the event loop in one writer thread per inbox, on its own
  connection. The thread drains its queue and runs every queued operation in ONE
  transaction (``BEGIN IMMEDIATE``), commits once, then resolves each caller's future.
  This group commit is what lets ``synchronous=FULL`` (an fsync per commit) stay fast:
  fifty concurrent admissions cost one or two fsyncs, and ``admit`` still returns only
  after its own row is on disk. The batch runs optimistically, with no per-operation
  savepoints; if any operation raises, the whole transaction is rolled back and the
  batch re-run with one savepoint per operation, so a failing operation fails alone and
  never undoes its neighbours.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from wecom_callback.errors import ConfigurationError
from wecom_callback.inbox._base import Admitted, Inbox, InboxRecord, NewCallback, RecordStatus

__all__ = ["SQLiteInbox"]

_T = TypeVar("_T")

#: Bumped when the table changes; stored in ``PRAGMA user_version``.
_SCHEMA_VERSION = 1

_SCHEMA = (
    """
    CREATE TABLE IF NOT EXISTS records (
        key             TEXT PRIMARY KEY,
        receive_id      TEXT NOT NULL,
        kind            TEXT NOT NULL,
        plaintext       BLOB NOT NULL,
        received_at     REAL NOT NULL,
        status          TEXT NOT NULL DEFAULT 'pending',
        handlers_done   TEXT NOT NULL DEFAULT '[]',
        attempts        INTEGER NOT NULL DEFAULT 0,
        last_error      TEXT,
        reply           BLOB,
        owner           TEXT,
        lease_until     REAL NOT NULL DEFAULT 0,
        next_attempt_at REAL NOT NULL DEFAULT 0,
        updated_at      REAL NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS records_claim ON records (status, lease_until, next_attempt_at)",
    "CREATE INDEX IF NOT EXISTS records_received ON records (received_at)",
    f"PRAGMA user_version = {_SCHEMA_VERSION}",
)

_COLUMNS = (
    "key, receive_id, kind, plaintext, received_at, status, handlers_done, attempts,"
    " last_error, reply, owner, lease_until, next_attempt_at, updated_at"
)

#: Placeholder for "the time the statement runs" in :meth:`SQLiteInbox._execute`.
_NOW: Any = object()

#: Upper bound on operations per transaction, so one huge burst cannot starve fsyncs.
_MAX_BATCH = 512

#: Prepared statements kept per connection (the inbox uses a few dozen distinct ones).
_STATEMENT_CACHE = 256

_INSERT = (
    f"INSERT OR IGNORE INTO records ({_COLUMNS})"
    " VALUES (?, ?, ?, ?, ?, 'pending', '[]', 0, NULL, NULL, ?, ?, 0, ?)"
)


@dataclass(slots=True, eq=False)
class _Op:
    """One queued operation and the future its caller awaits."""

    run: Callable[[sqlite3.Connection], Any]
    write: bool
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]


@dataclass(slots=True, eq=False)
class _Stop:
    """Asks the writer thread to finish the queue, close the connection and exit."""

    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[None]


def _resolve(future: asyncio.Future[Any], ok: bool, value: Any) -> None:
    if future.done():  # the caller was cancelled; the write itself still happened
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)


def _notify(
    loop: asyncio.AbstractEventLoop, future: asyncio.Future[Any], ok: bool, value: Any
) -> None:
    # A closed loop raises RuntimeError: its caller is gone and nobody is waiting.
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(_resolve, future, ok, value)


def _resolve_all(outcomes: list[tuple[asyncio.Future[Any], bool, Any]]) -> None:
    for future, ok, value in outcomes:
        _resolve(future, ok, value)


def _notify_all(outcomes: list[tuple[_Op, bool, Any]]) -> None:
    """Resolve a batch's futures with one wake-up per event loop, not one per operation."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], bool, Any]]] = {}
    for op, ok, value in outcomes:
        by_loop.setdefault(op.loop, []).append((op.future, ok, value))
    for loop, resolved in by_loop.items():
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting
            loop.call_soon_threadsafe(_resolve_all, resolved)


def _handlers(text: str) -> frozenset[str]:
    return frozenset() if text == "[]" else frozenset(json.loads(text))


def _record(row: Sequence[Any]) -> InboxRecord:
    return InboxRecord(
        key=row[0],
        receive_id=row[1],
        kind=row[2],
        plaintext=bytes(row[3]),
        received_at=float(row[4]),
        status=RecordStatus(row[5]),
        handlers_done=_handlers(row[6]),
        attempts=int(row[7]),
        last_error=row[8],
        reply=None if row[9] is None else bytes(row[9]),
        owner=row[10],
        lease_until=float(row[11]),
        next_attempt_at=float(row[12]),
        updated_at=float(row[13]),
    )


def _fetch(conn: sqlite3.Connection, key: str) -> InboxRecord | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM records WHERE key = ?", (key,)).fetchone()
    return None if row is None else _record(row)


def _fetch_many(conn: sqlite3.Connection, sql: str, params: Iterable[Any]) -> list[InboxRecord]:
    return [_record(row) for row in conn.execute(sql, tuple(params))]


class SQLiteInbox(Inbox):
    """An :class:`~wecom_callback.inbox.Inbox` in one SQLite file (``sqlite:///path``).

    Several processes on one host may share the file (uvicorn ``--workers``); each
    process's inbox owns one writer thread and one connection. The file and its parent
    directories are created on first use.
    """

    scheme = "sqlite"

    def __init__(self, path: str | os.PathLike[str], *, busy_timeout: float = 10.0) -> None:
        """Use the database at ``path``; wait up to ``busy_timeout`` seconds for its lock."""
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self._queue: queue.SimpleQueue[_Op | _Stop] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._accepting = True
        self._thread: threading.Thread | None = None
        self._commits = 0  # transactions committed; lets tests see group commit at work

    def __repr__(self) -> str:
        return f"SQLiteInbox(path={str(self.path)!r})"

    # -- lifecycle -----------------------------------------------------------------

    async def start(self) -> None:
        """Create the file and schema (if needed) and start the writer thread."""
        await self._call(lambda conn: None, write=False)

    async def close(self) -> None:
        """Finish every queued operation, close the connection and join the thread."""
        loop = asyncio.get_running_loop()
        stop = _Stop(loop, loop.create_future())
        with self._lock:
            if not self._accepting or self._thread is None:
                self._accepting = False
                thread = self._thread
                stop.future.set_result(None)
            else:
                self._accepting = False
                thread = self._thread
                self._queue.put(stop)
        await stop.future
        if thread is not None:
            # The thread resolved the future as its last act; this join is immediate.
            thread.join()

    def _ensure_thread(self) -> None:
        if self._thread is None:
            thread = threading.Thread(target=self._run, name="wecom-inbox-sqlite", daemon=True)
            self._thread = thread
            thread.start()

    async def _call(self, run: Callable[[sqlite3.Connection], _T], *, write: bool = True) -> _T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[_T] = loop.create_future()
        with self._lock:
            if not self._accepting:
                raise RuntimeError(f"{self!r} is closed")
            self._ensure_thread()
            self._queue.put(_Op(run, write, loop, future))
        return await future

    # -- the writer thread ---------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            self.path,
            timeout=self.busy_timeout,
            isolation_level=None,
            cached_statements=_STATEMENT_CACHE,
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            # Switching a fresh file to WAL needs an exclusive lock, and SQLite reports
            # BUSY for it without consulting the busy handler; several workers starting
            # together on a new file would otherwise fail, so retry until the timeout.
            deadline = time.monotonic() + self.busy_timeout
            while True:
                try:
                    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                    break
                except sqlite3.OperationalError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.01)
            if str(mode).lower() != "wal":
                raise ConfigurationError(
                    f"the SQLite inbox needs WAL journaling, but {self.path} is in {mode!r}"
                    " mode (is it on a network filesystem?)"
                )
            # FULL fsyncs the WAL at every commit, so an admitted callback survives power
            # loss, not only a crash; group commit keeps that to one fsync per batch.
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("BEGIN IMMEDIATE")
            for statement in _SCHEMA:
                conn.execute(statement)
            conn.execute("COMMIT")
        except BaseException:
            conn.close()
            raise
        return conn

    def _run(self) -> None:
        try:
            conn = self._connect()
        except Exception as exc:
            self._shutdown(exc, [])
            return
        stops: list[_Stop] = []
        try:
            self._serve(conn, stops)
        finally:
            conn.close()
            self._shutdown(RuntimeError(f"{self!r} is closed"), stops)

    def _serve(self, conn: sqlite3.Connection, stops: list[_Stop]) -> None:
        while True:
            batch: list[_Op] = []
            item = self._queue.get()
            while True:
                if isinstance(item, _Stop):
                    stops.append(item)
                    break
                batch.append(item)
                if len(batch) >= _MAX_BATCH:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if batch:
                self._run_batch(conn, batch)
            if stops:
                return

    def _run_batch(self, conn: sqlite3.Connection, batch: list[_Op]) -> None:
        begin = "BEGIN IMMEDIATE" if any(op.write for op in batch) else "BEGIN"
        outcomes: list[tuple[_Op, bool, Any]] = []
        try:
            conn.execute(begin)
            try:
                # Optimistic: no savepoints. Nearly every batch has no failing operation.
                outcomes = [(op, True, op.run(conn)) for op in batch]
            except Exception:
                if conn.in_transaction:  # some errors already rolled it back
                    conn.execute("ROLLBACK")
                outcomes = self._run_isolated(conn, batch, begin)
            else:
                conn.execute("COMMIT")
                self._commits += 1
        except Exception as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            outcomes = [(op, False, exc) for op in batch]
        _notify_all(outcomes)

    def _run_isolated(
        self, conn: sqlite3.Connection, batch: list[_Op], begin: str
    ) -> list[tuple[_Op, bool, Any]]:
        """Re-run a batch that had a failing operation, each operation in its own savepoint.

        The caller rolled the optimistic attempt back, so this starts from a clean slate;
        the failing operation's own changes are undone, its neighbours' committed.
        """
        outcomes: list[tuple[_Op, bool, Any]] = []
        conn.execute(begin)
        for op in batch:
            conn.execute("SAVEPOINT op")
            try:
                value = op.run(conn)
            except Exception as exc:
                conn.execute("ROLLBACK TO op")
                outcomes.append((op, False, exc))
            else:
                outcomes.append((op, True, value))
            conn.execute("RELEASE op")
        conn.execute("COMMIT")
        self._commits += 1
        return outcomes

    def _shutdown(self, error: Exception, stops: list[_Stop]) -> None:
        with self._lock:
            self._accepting = False
            leftovers: list[_Op | _Stop] = []
            while True:
                try:
                    leftovers.append(self._queue.get_nowait())
                except queue.Empty:
                    break
        for item in leftovers:
            if isinstance(item, _Stop):
                stops.append(item)
            else:
                _notify(item.loop, item.future, False, error)
        for stop in stops:
            _notify(stop.loop, stop.future, True, None)

    # -- the contract ----------------------------------------------------------------

    async def admit(self, callback: NewCallback, *, owner: str, lease_seconds: float) -> Admitted:
        """Insert ``callback`` unless its key exists; returns after the insert committed."""

        c = callback

        def run(conn: sqlite3.Connection) -> Admitted:
            now = time.time()
            lease_until = now + lease_seconds
            inserted = conn.execute(
                _INSERT,
                (c.key, c.receive_id, c.kind, c.plaintext, c.received_at, owner, lease_until, now),
            ).rowcount  # sqlite3_changes(): 0 when the key already existed
            if inserted == 1:
                # Exactly the row just written (REAL columns read back as float).
                record = InboxRecord(
                    c.key, c.receive_id, c.kind, bytes(c.plaintext), float(c.received_at),
                    owner=owner, lease_until=float(lease_until), updated_at=float(now),
                )  # fmt: skip
                return Admitted(new=True, record=record)
            existing = _fetch(conn, c.key)
            assert existing is not None
            return Admitted(new=False, record=existing)

        return await self._call(run)

    async def handler_done(self, key: str, handler_id: str) -> None:
        """Record that one handler finished for ``key``."""

        def run(conn: sqlite3.Connection) -> None:
            # Read-modify-write is safe: the batch holds the database's write lock.
            row = conn.execute("SELECT handlers_done FROM records WHERE key = ?", (key,)).fetchone()
            if row is None:
                return
            done = set(json.loads(row[0]))
            if handler_id not in done:
                done.add(handler_id)
                conn.execute(
                    "UPDATE records SET handlers_done = ?, updated_at = ? WHERE key = ?",
                    (json.dumps(sorted(done)), time.time(), key),
                )

        await self._call(run)

    async def save_reply(self, key: str, reply: bytes) -> None:
        """Store the passive reply for ``key``; returns after it committed."""
        await self._execute(
            "UPDATE records SET reply = ?, updated_at = ? WHERE key = ?", reply, _NOW, key
        )

    async def complete(self, key: str) -> None:
        """Mark ``key`` done and release its lease."""
        await self._execute(
            "UPDATE records SET status = 'done', owner = NULL, lease_until = 0, updated_at = ?"
            " WHERE key = ?",
            _NOW,
            key,
        )

    async def fail(self, key: str, error: str, *, retry_at: float | None) -> None:
        """Count a failed attempt; back off until ``retry_at``, or dead-letter if None."""
        params: tuple[Any, ...]
        if retry_at is None:
            then, params = "status = 'dead'", (error, _NOW, key)
        else:
            then, params = "next_attempt_at = ?", (error, _NOW, retry_at, key)
        await self._execute(
            "UPDATE records SET attempts = attempts + 1, last_error = ?, owner = NULL,"
            f" lease_until = 0, updated_at = ?, {then} WHERE key = ?",
            *params,
        )

    async def claim(self, owner: str, *, lease_seconds: float, limit: int) -> list[InboxRecord]:
        """Lease up to ``limit`` due pending records that no live lease holds, oldest first."""

        def run(conn: sqlite3.Connection) -> list[InboxRecord]:
            now = time.time()
            keys = [
                row[0]
                for row in conn.execute(
                    "SELECT key FROM records WHERE status = 'pending' AND lease_until <= ?"
                    " AND next_attempt_at <= ? ORDER BY received_at LIMIT ?",
                    (now, now, max(limit, 0)),
                )
            ]
            conn.executemany(
                "UPDATE records SET owner = ?, lease_until = ?, updated_at = ? WHERE key = ?",
                [(owner, now + lease_seconds, now, key) for key in keys],
            )
            claimed = [_fetch(conn, key) for key in keys]
            return [record for record in claimed if record is not None]

        return await self._call(run)

    async def renew(self, key: str, owner: str, lease_seconds: float) -> bool:
        """Extend ``owner``'s lease on ``key``; False if ``owner`` does not hold it."""

        def run(conn: sqlite3.Connection) -> bool:
            now = time.time()
            changed = conn.execute(
                "UPDATE records SET lease_until = ?, updated_at = ?"
                " WHERE key = ? AND owner = ? AND status = 'pending'",
                (now + lease_seconds, now, key, owner),
            ).rowcount
            return changed == 1

        return await self._call(run)

    async def release(self, key: str, owner: str) -> None:
        """Give up ``owner``'s lease on ``key`` now, leaving the work pending."""
        await self._execute(
            "UPDATE records SET owner = NULL, lease_until = 0, updated_at = ?"
            " WHERE key = ? AND owner = ?",
            _NOW,
            key,
            owner,
        )

    async def get(self, key: str) -> InboxRecord | None:
        """The record for ``key``, or None."""
        return await self._call(lambda conn: _fetch(conn, key), write=False)

    async def list(
        self, *, status: RecordStatus | None = None, limit: int = 100
    ) -> list[InboxRecord]:
        """Records, newest first, optionally of one status."""
        where = "" if status is None else "WHERE status = ?"
        params: list[Any] = [] if status is None else [status.value]
        sql = f"SELECT {_COLUMNS} FROM records {where} ORDER BY received_at DESC LIMIT ?"
        return await self._call(
            lambda conn: _fetch_many(conn, sql, [*params, max(limit, 0)]), write=False
        )

    async def stats(self) -> dict[str, int]:
        """Counts by status."""

        def run(conn: sqlite3.Connection) -> dict[str, int]:
            counts = {s.value: 0 for s in RecordStatus}
            for status, count in conn.execute(
                "SELECT status, count(*) FROM records GROUP BY status"
            ):
                counts[status] = count
            return counts

        return await self._call(run, write=False)

    async def retry(self, key: str) -> bool:
        """Make a dead or pending record due now with attempts reset; False if absent."""

        def run(conn: sqlite3.Connection) -> bool:
            now = time.time()
            row = conn.execute("SELECT status FROM records WHERE key = ?", (key,)).fetchone()
            if row is None:
                return False
            if row[0] == RecordStatus.DEAD:
                conn.execute(
                    "UPDATE records SET status = 'pending', attempts = 0, next_attempt_at = ?,"
                    " owner = NULL, lease_until = 0, updated_at = ? WHERE key = ?",
                    (now, now, key),
                )
            elif row[0] == RecordStatus.PENDING:
                conn.execute(
                    "UPDATE records SET attempts = 0, next_attempt_at = ?, updated_at = ?"
                    " WHERE key = ?",
                    (now, now, key),
                )
            return True

        return await self._call(run)

    async def purge(self, older_than: float) -> int:
        """Delete done and dead records received before ``older_than``."""
        return await self._call(
            lambda conn: (
                conn.execute(
                    "DELETE FROM records WHERE status IN ('done', 'dead') AND received_at < ?",
                    (older_than,),
                ).rowcount
            )
        )

    async def _execute(self, sql: str, *params: Any) -> None:
        """Run one UPDATE; ``_NOW`` among the params becomes the time it runs."""

        def run(conn: sqlite3.Connection) -> None:
            now = time.time()
            conn.execute(sql, tuple(now if p is _NOW else p for p in params))

        await self._call(run)
