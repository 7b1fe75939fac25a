"""One SQLite file's writer thread: group commit off the event loop, shared by many views.

All SQLite work runs in one thread per file and process, on its own connection. The
thread drains its queue and runs every queued operation in ONE transaction
(``BEGIN IMMEDIATE``), commits once, then resolves each caller's future. This group
commit is what lets ``synchronous=FULL`` (an fsync per commit) stay fast: fifty
concurrent admissions cost one or two fsyncs, and each caller still returns only after
its own change is on disk. The batch runs optimistically, with no per-operation
savepoints; if any operation raises, the whole transaction is rolled back and the batch
re-run with one savepoint per operation, so a failing operation fails alone.

The connection is opened lazily and again after any failure, so a file that could not be
opened at start-up (a missing mount, a full disk) is opened once it can be. Before each
commit the thread checks that the path still names the file it opened: a database
deleted or replaced under a running server fails that batch (callers answer 503) and the
next batch opens the file anew, rather than acknowledging writes into an unlinked file.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from wecom_callback.errors import ConfigurationError, InboxUnavailableError

__all__ = ["LAZY_DELAY", "SQLiteWriter", "connect_wal"]

log = logging.getLogger("wecom_callback.inbox")

_T = TypeVar("_T")

#: Upper bound on operations per transaction, so one huge burst cannot starve fsyncs.
_MAX_BATCH = 512
#: Seconds a lazy operation waits for a batch to ride with before it wakes the thread.
LAZY_DELAY = 0.01


@dataclass(slots=True, eq=False)
class _Op:
    """One queued operation and the future its caller awaits."""

    run: Callable[[sqlite3.Connection], Any]
    write: bool
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]


@dataclass(slots=True, eq=False)
class _Wake:
    """Asks the writer thread to run the lazy operations waiting (their delay is over)."""


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


def connect_wal(
    path: Path, busy_timeout: float, what: str, *, cached_statements: int = 128
) -> sqlite3.Connection:
    """A connection to ``path`` in WAL mode, waiting up to ``busy_timeout`` for locks."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(
        path, timeout=busy_timeout, isolation_level=None, cached_statements=cached_statements
    )
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        # Switching a fresh file to WAL needs an exclusive lock, and SQLite reports BUSY
        # for it without consulting the busy handler; several processes starting together
        # on a new file would otherwise fail, so retry until the timeout.
        deadline = time.monotonic() + busy_timeout
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
                f"the SQLite {what} needs WAL journaling, but {path} is in {mode!r} mode"
                " (is it on a network filesystem?)"
            )
    except BaseException:
        conn.close()
        raise
    return conn


class SQLiteWriter:
    """The thread, connection and queue behind every view of one SQLite file.

    ``setup(conn)`` creates or migrates the schema; it runs inside ``BEGIN IMMEDIATE`` on
    every new connection. Views call :meth:`open` and :meth:`close`; the thread stops with
    the last close and starts again on the next use after an :meth:`open`.
    """

    def __init__(
        self, path: Path, *, busy_timeout: float, setup: Callable[[sqlite3.Connection], None]
    ) -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        self._setup = setup
        self._queue: queue.SimpleQueue[_Op | _Wake | _Stop] = queue.SimpleQueue()
        self._lazy: list[_Op] = []  # operations that wait for the next batch (see call)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._users = 0
        self._closed = False
        self.commits = 0  # transactions committed; lets tests see group commit at work

    # -- the caller's side -------------------------------------------------------------

    def open(self) -> None:
        """Count one more view using the file (undone by :meth:`close`)."""
        with self._lock:
            self._users += 1
            self._closed = False

    async def close(self) -> None:
        """Count one view less; the last one finishes the queue and stops the thread."""
        loop = asyncio.get_running_loop()
        stop = _Stop(loop, loop.create_future())
        with self._lock:
            self._users = max(self._users - 1, 0)
            if self._users or self._closed:
                return
            self._closed = True
            thread = self._thread
            if thread is None:
                return
            self._queue.put(stop)
        await stop.future
        # The thread resolved the future as its last act; this join is immediate.
        thread.join()

    async def call(
        self, run: Callable[[sqlite3.Connection], _T], *, write: bool = True, lazy: bool = False
    ) -> _T:
        """Run ``run(conn)`` in the writer thread within the next batch's transaction.

        A ``lazy`` operation does not wake the thread: it joins the next batch that other
        operations start, or wakes it after :data:`LAZY_DELAY` seconds. For writes that
        nothing waits for (a handler's completion): they then cost no commit of their own,
        and an admission queued behind them waits for no extra fsync. Every commit is as
        durable as any other; the caller still returns only after its own commit.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[_T] = loop.create_future()
        op = _Op(run, write, loop, future)
        with self._lock:
            if self._closed:
                raise RuntimeError(f"the SQLite inbox at {self.path} is closed")
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._main, name="wecom-inbox-sqlite", daemon=True
                )
                self._thread.start()
            if not lazy:
                self._queue.put(op)
            else:
                if not self._lazy:
                    loop.call_later(LAZY_DELAY, self._queue.put, _Wake())
                self._lazy.append(op)
        return await future

    # -- the thread ----------------------------------------------------------------------

    def _main(self) -> None:
        conn: sqlite3.Connection | None = None
        ident: tuple[int, int] | None = None
        stops: list[_Stop] = []
        try:
            while not stops:
                batch = self._next_batch(stops)
                if not batch:
                    continue
                if conn is None:
                    try:
                        conn, ident = self._connect()
                    except Exception as exc:
                        # Left closed: the next batch tries again (the disk may come back).
                        _notify_all([(op, False, _unavailable(self.path, exc)) for op in batch])
                        continue
                if not self._run_batch(conn, batch, ident):
                    conn.close()
                    conn = None
        finally:
            if conn is not None:
                conn.close()
            self._finish(stops)

    def _next_batch(self, stops: list[_Stop]) -> list[_Op]:
        batch: list[_Op] = []
        item = self._queue.get()
        while True:
            if isinstance(item, _Stop):
                stops.append(item)
                break
            if isinstance(item, _Op):
                batch.append(item)
                if len(batch) >= _MAX_BATCH:
                    break
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
        with self._lock:  # the lazy operations ride with whatever woke the thread
            batch += self._lazy
            self._lazy = []
        return batch

    def _connect(self) -> tuple[sqlite3.Connection, tuple[int, int]]:
        conn = connect_wal(self.path, self.busy_timeout, "inbox", cached_statements=256)
        try:
            # FULL fsyncs the WAL at every commit, so an admitted callback survives power
            # loss, not only a crash; group commit keeps that to one fsync per batch.
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("BEGIN IMMEDIATE")
            self._setup(conn)
            conn.execute("COMMIT")
            st = os.stat(self.path)
        except BaseException:
            conn.close()
            raise
        return conn, (st.st_dev, st.st_ino)

    def _same_file(self, ident: tuple[int, int] | None) -> bool:
        try:
            st = os.stat(self.path)
        except OSError:
            return False
        return (st.st_dev, st.st_ino) == ident

    def _run_batch(
        self, conn: sqlite3.Connection, batch: list[_Op], ident: tuple[int, int] | None
    ) -> bool:
        """Run and commit one batch; False when the connection must be opened anew."""
        begin = "BEGIN IMMEDIATE" if any(op.write for op in batch) else "BEGIN"
        outcomes: list[tuple[_Op, bool, Any]] = []
        healthy = True
        try:
            conn.execute(begin)
            try:
                # Optimistic: no savepoints. Nearly every batch has no failing operation.
                outcomes = [(op, True, op.run(conn)) for op in batch]
            except Exception:
                if conn.in_transaction:  # some errors already rolled it back
                    conn.execute("ROLLBACK")
                conn.execute(begin)
                outcomes = self._run_isolated(conn, batch)
            if not self._same_file(ident):
                conn.execute("ROLLBACK")
                healthy = False
                log.error(
                    "the SQLite inbox file %s was deleted or replaced while open; "
                    "refusing writes into it and opening the path again",
                    self.path,
                )
                error = InboxUnavailableError(
                    f"the SQLite file {self.path} was deleted or replaced"
                )
                outcomes = [(op, False, error) for op in batch]
            else:
                conn.execute("COMMIT")
                self.commits += 1
        except Exception as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            healthy = isinstance(exc, sqlite3.IntegrityError | sqlite3.ProgrammingError)
            outcomes = [(op, False, _unavailable(self.path, exc)) for op in batch]
        _notify_all(outcomes)
        return healthy

    def _run_isolated(
        self, conn: sqlite3.Connection, batch: list[_Op]
    ) -> list[tuple[_Op, bool, Any]]:
        """Run a batch that had a failing operation, each operation in its own savepoint."""
        outcomes: list[tuple[_Op, bool, Any]] = []
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
        return outcomes

    def _finish(self, stops: list[_Stop]) -> None:
        with self._lock:
            self._thread = None
            leftovers: list[_Op | _Wake | _Stop] = [*self._lazy]
            self._lazy = []
            while True:
                try:
                    leftovers.append(self._queue.get_nowait())
                except queue.Empty:
                    break
        closed = RuntimeError(f"the SQLite inbox at {self.path} is closed")
        _notify_all([(op, False, closed) for op in leftovers if isinstance(op, _Op)])
        for stop in [*stops, *(s for s in leftovers if isinstance(s, _Stop))]:
            with contextlib.suppress(RuntimeError):
                stop.loop.call_soon_threadsafe(_resolve, stop.future, True, None)


def _unavailable(path: Path, exc: Exception) -> Exception:
    """The error a caller sees when the database itself failed (not its own operation)."""
    if isinstance(exc, ConfigurationError | InboxUnavailableError):
        return exc
    error = InboxUnavailableError(f"the SQLite inbox at {path} failed: {type(exc).__name__}: {exc}")
    error.__cause__ = exc
    return error
