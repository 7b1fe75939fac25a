"""The SQLite store: one table, ``kv``, in a file that several processes on one host share.

The table can live in the same file as the inbox's ``records`` table (it touches no other
table and no ``user_version``). WAL journaling lets readers in other processes go on while
one writes; every operation is a single statement in autocommit mode, hence atomic across
all connections to the file. Expired rows read as absent and are swept now and then.
All SQLite work runs off the event loop, in one thread per store, on its own connection.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from wecom_callback._stores._base import Store
from wecom_callback._stores.sqlite_writer import connect_wal

__all__ = ["SQLiteStore"]

_T = TypeVar("_T")

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS kv ( key TEXT PRIMARY KEY, value BLOB NOT NULL, expires_at REAL)"
)
_LIVE = "(expires_at IS NULL OR expires_at > ?)"
_UPSERT = (
    "INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE"
    " SET value = excluded.value, expires_at = excluded.expires_at"
)
#: Expired rows are deleted at most this often (seconds), on a write.
_SWEEP_INTERVAL = 60.0


def _expiry(ttl: float | None, now: float) -> float | None:
    return None if ttl is None else now + ttl


class SQLiteStore(Store):
    """A :class:`~wecom_callback._stores.Store` in a SQLite file (``sqlite:///path.db``).

    The file and its parent directories are created on first use.
    """

    scheme = "sqlite"

    def __init__(self, path: str | os.PathLike[str], *, busy_timeout: float = 10.0) -> None:
        """Use the database at ``path``; wait up to ``busy_timeout`` seconds for its lock."""
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="wecom-store-sqlite"
        )
        self._conn: sqlite3.Connection | None = None  # used only in the executor's thread
        self._closed = False
        self._guard = threading.Lock()
        self._next_sweep = 0.0

    def __repr__(self) -> str:
        return f"SQLiteStore(path={str(self.path)!r})"

    async def start(self) -> None:
        """Create the file and the table now."""
        await self._run(lambda conn: None)

    async def close(self) -> None:
        """Finish queued operations and close the connection."""
        with self._guard:
            if self._closed:
                return
            self._closed = True
            done = asyncio.get_running_loop().run_in_executor(self._executor, self._disconnect)
        await done
        self._executor.shutdown(wait=False)

    async def _run(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        loop = asyncio.get_running_loop()
        with self._guard:
            if self._closed:
                raise RuntimeError(f"{self!r} is closed")
            future = loop.run_in_executor(self._executor, self._with_connection, work)
        return await future

    # -- the store's thread ---------------------------------------------------------

    def _with_connection(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        if self._conn is None:
            self._conn = self._connect()
        return work(self._conn)

    def _disconnect(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _connect(self) -> sqlite3.Connection:
        conn = connect_wal(self.path, self.busy_timeout, "store")
        try:
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute(_SCHEMA)
        except BaseException:
            conn.close()
            raise
        return conn

    def _sweep(self, conn: sqlite3.Connection, now: float) -> None:
        if now >= self._next_sweep:
            self._next_sweep = now + _SWEEP_INTERVAL
            conn.execute("DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ?", (now,))

    # -- the contract -------------------------------------------------------------------

    async def get(self, key: str) -> bytes | None:
        """The value of ``key``, or None."""

        def work(conn: sqlite3.Connection) -> bytes | None:
            row = conn.execute(
                f"SELECT value FROM kv WHERE key = ? AND {_LIVE}", (key, time.time())
            ).fetchone()
            return None if row is None else bytes(row[0])

        return await self._run(work)

    async def set(self, key: str, value: bytes, *, ttl: float | None = None) -> None:
        """Store ``value`` under ``key``."""

        def work(conn: sqlite3.Connection) -> None:
            now = time.time()
            conn.execute(_UPSERT, (key, bytes(value), _expiry(ttl, now)))
            self._sweep(conn, now)

        await self._run(work)

    async def add(self, key: str, value: bytes, *, ttl: float | None = None) -> bool:
        """Store ``value`` if ``key`` is absent or expired (one atomic upsert)."""

        def work(conn: sqlite3.Connection) -> bool:
            now = time.time()
            changed = conn.execute(
                _UPSERT + " WHERE kv.expires_at IS NOT NULL AND kv.expires_at <= ?",
                (key, bytes(value), _expiry(ttl, now), now),
            ).rowcount
            return changed == 1

        return await self._run(work)

    async def delete(self, key: str) -> bool:
        """Remove ``key``."""

        def work(conn: sqlite3.Connection) -> bool:
            rows = conn.execute(
                "DELETE FROM kv WHERE key = ? RETURNING expires_at", (key,)
            ).fetchall()
            return any(row[0] is None or row[0] > time.time() for row in rows)

        return await self._run(work)

    async def compare_and_set(
        self, key: str, expected: bytes, value: bytes, *, ttl: float | None = None
    ) -> bool:
        """Replace ``expected`` with ``value``."""

        def work(conn: sqlite3.Connection) -> bool:
            now = time.time()
            changed = conn.execute(
                f"UPDATE kv SET value = ?, expires_at = ? WHERE key = ? AND value = ? AND {_LIVE}",
                (bytes(value), _expiry(ttl, now), key, bytes(expected), now),
            ).rowcount
            return changed == 1

        return await self._run(work)

    async def compare_and_delete(self, key: str, expected: bytes) -> bool:
        """Remove ``key`` if it holds ``expected``."""

        def work(conn: sqlite3.Connection) -> bool:
            changed = conn.execute(
                f"DELETE FROM kv WHERE key = ? AND value = ? AND {_LIVE}",
                (key, bytes(expected), time.time()),
            ).rowcount
            return changed == 1

        return await self._run(work)
