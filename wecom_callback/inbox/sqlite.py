"""The SQLite inbox: the embedded default, one file, safe for several processes on one host.

Design:

* One table, ``records``, keyed by (endpoint, dedupe key). Admission is
  ``INSERT OR IGNORE`` and the row count it reports (``sqlite3_changes``): the PRIMARY KEY
  makes it atomic across every connection and process sharing the file, with no
  check-then-insert race. Every statement names its endpoint, so endpoints sharing the
  file never see each other's records.
* WAL journal, so readers in other processes never block the writer, and ``busy_timeout``
  so writers from several uvicorn workers queue for the lock instead of failing.
* All SQLite work runs off the event loop in one writer thread per file and process,
  with group commit (see :mod:`wecom_callback.inbox._writer`); views of other endpoints
  made with :meth:`SQLiteInbox.scoped` share that thread.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Self

from wecom_callback._stores.sqlite_writer import SQLiteWriter
from wecom_callback.inbox._base import (
    Admitted,
    Inbox,
    InboxRecord,
    NewCallback,
    RecordStatus,
    check_endpoint,
)
from wecom_callback.inbox._sqlite_table import COLUMNS, INSERT, NOW, fetch, fetch_many, setup

__all__ = ["PURGE_BATCH", "SQLiteInbox"]

#: Records one purge step deletes: a few milliseconds of the writer thread's time.
PURGE_BATCH = 100


class SQLiteInbox(Inbox):
    """An :class:`~wecom_callback.inbox.Inbox` in one SQLite file (``sqlite:///path``).

    Several processes on one host may share the file (uvicorn ``--workers``), and so may
    several endpoints; each process's inbox (with all its :meth:`scoped` views) owns one
    writer thread and one connection. The file and its parent directories are created on
    first use, and opened again if they disappear.
    """

    scheme = "sqlite"

    def __init__(
        self, path: str | os.PathLike[str], *, busy_timeout: float = 10.0, endpoint: str = ""
    ) -> None:
        """Use the database at ``path``; wait up to ``busy_timeout`` seconds for its lock."""
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self.endpoint = check_endpoint(endpoint) if endpoint else ""
        self._writer = SQLiteWriter(self.path, busy_timeout=busy_timeout, setup=setup)
        self._opened = False

    def __repr__(self) -> str:
        return f"SQLiteInbox(path={str(self.path)!r}, endpoint={self.endpoint!r})"

    @property
    def _commits(self) -> int:
        return self._writer.commits

    def scoped(self, endpoint: str) -> Self:
        """A view of ``endpoint``'s records sharing this file's writer thread."""
        view = object.__new__(type(self))
        view.path, view.busy_timeout = self.path, self.busy_timeout
        view.endpoint = check_endpoint(endpoint) if endpoint else ""
        view._writer, view._opened = self._writer, False
        return view

    # -- lifecycle -----------------------------------------------------------------

    async def start(self) -> None:
        """Create the file and schema (if needed) and start the writer thread."""
        if not self._opened:
            self._writer.open()
            self._opened = True
        await self._call(lambda conn: None, write=False)

    async def close(self) -> None:
        """Finish every queued operation; the last view to close stops the thread."""
        if self._opened:
            self._opened = False
            await self._writer.close()
        else:
            self._writer.open()
            await self._writer.close()

    async def _call(self, run: Any, *, write: bool = True, lazy: bool = False) -> Any:
        return await self._writer.call(run, write=write, lazy=lazy)

    async def adopt(self, receive_ids: Iterable[str]) -> int:
        """Move records from before endpoints existed, of ``receive_ids``, into this scope."""
        ids = sorted(set(receive_ids))
        if not self.endpoint or not ids:
            return 0
        marks = ", ".join("?" * len(ids))

        def run(conn: sqlite3.Connection) -> int:
            changed: int = conn.execute(
                f"UPDATE OR IGNORE records SET endpoint = ? WHERE endpoint = ''"
                f" AND receive_id IN ({marks})",
                (self.endpoint, *ids),
            ).rowcount
            return changed

        moved: int = await self._call(run)
        return moved

    async def endpoints(self) -> list[str]:
        """Endpoints with records in this file."""
        rows = await self._call(
            lambda conn: conn.execute("SELECT DISTINCT endpoint FROM records").fetchall(),
            write=False,
        )
        return sorted(str(row[0]) for row in rows)

    # -- the contract ----------------------------------------------------------------

    async def admit(self, callback: NewCallback, *, owner: str, lease_seconds: float) -> Admitted:
        """Insert ``callback`` unless its key exists; returns after the insert committed."""

        c, ep = callback, self.endpoint

        def run(conn: sqlite3.Connection) -> Admitted:
            now = time.time()
            lease_until = now + lease_seconds
            inserted = conn.execute(
                INSERT,
                (
                    ep,
                    c.key,
                    c.receive_id,
                    c.kind,
                    c.plaintext,
                    c.received_at,
                    owner,
                    lease_until,
                    now,
                ),
            ).rowcount  # sqlite3_changes(): 0 when the key already existed
            if inserted == 1:
                # Exactly the row just written (REAL columns read back as float).
                record = InboxRecord(
                    c.key, c.receive_id, c.kind, bytes(c.plaintext), float(c.received_at),
                    owner=owner, lease_until=float(lease_until), updated_at=float(now),
                )  # fmt: skip
                return Admitted(new=True, record=record)
            existing = fetch(conn, ep, c.key)
            assert existing is not None
            return Admitted(new=False, record=existing)

        admitted: Admitted = await self._call(run)
        return admitted

    async def handler_done(self, key: str, handler_id: str) -> None:
        """Record that one handler finished for ``key``."""

        ep = self.endpoint

        def run(conn: sqlite3.Connection) -> None:
            # Read-modify-write is safe: the batch holds the database's write lock.
            row = conn.execute(
                "SELECT handlers_done FROM records WHERE endpoint = ? AND key = ?", (ep, key)
            ).fetchone()
            if row is None:
                return
            done = set(json.loads(row[0]))
            if handler_id not in done:
                done.add(handler_id)
                conn.execute(
                    "UPDATE records SET handlers_done = ?, updated_at = ?"
                    " WHERE endpoint = ? AND key = ?",
                    (json.dumps(sorted(done)), time.time(), ep, key),
                )

        await self._call(run)

    async def save_reply(self, key: str, reply: bytes) -> None:
        """Store the passive reply for ``key``; returns after it committed."""
        await self._execute(
            "UPDATE records SET reply = ?, updated_at = ? WHERE endpoint = ? AND key = ?",
            reply,
            NOW,
            self.endpoint,
            key,
        )

    async def complete(self, key: str) -> None:
        """Mark ``key`` done and release its lease.

        Lazy (see :meth:`SQLiteWriter.call`): it joins the next batch of admissions, so
        a callback's two writes cost one commit's share instead of two.
        """
        await self._execute(
            "UPDATE records SET status = 'done', owner = NULL, lease_until = 0, updated_at = ?"
            " WHERE endpoint = ? AND key = ?",
            NOW,
            self.endpoint,
            key,
            lazy=True,
        )

    async def fail(self, key: str, error: str, *, retry_at: float | None) -> None:
        """Count a failed attempt; back off until ``retry_at``, or dead-letter if None."""
        params: tuple[Any, ...]
        if retry_at is None:
            then, params = "status = 'dead'", (error, NOW, self.endpoint, key)
        else:
            then, params = "next_attempt_at = ?", (error, NOW, retry_at, self.endpoint, key)
        await self._execute(
            "UPDATE records SET attempts = attempts + 1, last_error = ?, owner = NULL,"
            f" lease_until = 0, updated_at = ?, {then} WHERE endpoint = ? AND key = ?",
            *params,
        )

    async def claim(self, owner: str, *, lease_seconds: float, limit: int) -> list[InboxRecord]:
        """Lease up to ``limit`` due pending records that no live lease holds, oldest first."""

        ep = self.endpoint

        def run(conn: sqlite3.Connection) -> list[InboxRecord]:
            now = time.time()
            keys = [
                row[0]
                for row in conn.execute(
                    "SELECT key FROM records WHERE endpoint = ? AND status = 'pending'"
                    " AND lease_until <= ? AND next_attempt_at <= ? ORDER BY received_at LIMIT ?",
                    (ep, now, now, max(limit, 0)),
                )
            ]
            conn.executemany(
                "UPDATE records SET owner = ?, lease_until = ?, updated_at = ?"
                " WHERE endpoint = ? AND key = ?",
                [(owner, now + lease_seconds, now, ep, key) for key in keys],
            )
            claimed = [fetch(conn, ep, key) for key in keys]
            return [record for record in claimed if record is not None]

        found: list[InboxRecord] = await self._call(run)
        return found

    async def renew(self, key: str, owner: str, lease_seconds: float) -> bool:
        """Extend ``owner``'s lease on ``key``; False if ``owner`` does not hold it."""

        ep = self.endpoint

        def run(conn: sqlite3.Connection) -> bool:
            now = time.time()
            changed = conn.execute(
                "UPDATE records SET lease_until = ?, updated_at = ?"
                " WHERE endpoint = ? AND key = ? AND owner = ? AND status = 'pending'",
                (now + lease_seconds, now, ep, key, owner),
            ).rowcount
            return changed == 1

        renewed: bool = await self._call(run)
        return renewed

    async def release(self, key: str, owner: str) -> None:
        """Give up ``owner``'s lease on ``key`` now, leaving the work pending."""
        await self._execute(
            "UPDATE records SET owner = NULL, lease_until = 0, updated_at = ?"
            " WHERE endpoint = ? AND key = ? AND owner = ?",
            NOW,
            self.endpoint,
            key,
            owner,
        )

    async def get(self, key: str) -> InboxRecord | None:
        """The record for ``key``, or None."""
        ep = self.endpoint
        found: InboxRecord | None = await self._call(lambda conn: fetch(conn, ep, key), write=False)
        return found

    async def list(
        self, *, status: RecordStatus | None = None, limit: int = 100
    ) -> list[InboxRecord]:
        """Records, newest first, optionally of one status."""
        where = "" if status is None else "AND status = ?"
        params: list[Any] = [self.endpoint] + ([] if status is None else [status.value])
        sql = (
            f"SELECT {COLUMNS} FROM records WHERE endpoint = ? {where}"
            " ORDER BY received_at DESC LIMIT ?"
        )
        found: list[InboxRecord] = await self._call(
            lambda conn: fetch_many(conn, sql, [*params, max(limit, 0)]), write=False
        )
        return found

    async def stats(self) -> dict[str, int]:
        """Counts by status."""

        ep = self.endpoint

        def run(conn: sqlite3.Connection) -> dict[str, int]:
            counts = {s.value: 0 for s in RecordStatus}
            for status, count in conn.execute(
                "SELECT status, count(*) FROM records WHERE endpoint = ? GROUP BY status", (ep,)
            ):
                counts[status] = count
            return counts

        found: dict[str, int] = await self._call(run, write=False)
        return found

    async def retry(self, key: str) -> bool:
        """Make a dead or pending record due now with attempts reset; False if absent."""

        ep = self.endpoint

        def run(conn: sqlite3.Connection) -> bool:
            now = time.time()
            row = conn.execute(
                "SELECT status FROM records WHERE endpoint = ? AND key = ?", (ep, key)
            ).fetchone()
            if row is None:
                return False
            if row[0] == RecordStatus.DEAD:
                conn.execute(
                    "UPDATE records SET status = 'pending', attempts = 0, next_attempt_at = ?,"
                    " owner = NULL, lease_until = 0, updated_at = ? WHERE endpoint = ? AND key = ?",
                    (now, now, ep, key),
                )
            elif row[0] == RecordStatus.PENDING:
                conn.execute(
                    "UPDATE records SET attempts = 0, next_attempt_at = ?, updated_at = ?"
                    " WHERE endpoint = ? AND key = ?",
                    (now, now, ep, key),
                )
            return True

        found: bool = await self._call(run)
        return found

    async def purge(self, older_than: float) -> int:
        """Delete done and dead records received before ``older_than``.

        In batches of :data:`PURGE_BATCH`, each its own operation of the writer thread, so
        admissions queued meanwhile commit between two batches instead of waiting for
        the whole purge (a million records would hold the write lock for seconds).
        """
        ep = self.endpoint

        def run(conn: sqlite3.Connection) -> int:
            deleted: int = conn.execute(
                "DELETE FROM records WHERE rowid IN (SELECT rowid FROM records"
                " WHERE endpoint = ? AND received_at < ? AND status IN ('done', 'dead')"
                " LIMIT ?)",
                (ep, older_than, PURGE_BATCH),
            ).rowcount
            return deleted

        purged = 0
        while True:
            deleted: int = await self._call(run)
            purged += deleted
            if deleted < PURGE_BATCH:
                return purged

    async def _execute(self, sql: str, *params: Any, lazy: bool = False) -> None:
        """Run one UPDATE; ``NOW`` among the params becomes the time it runs."""

        def run(conn: sqlite3.Connection) -> None:
            now = time.time()
            conn.execute(sql, tuple(now if p is NOW else p for p in params))

        await self._call(run, lazy=lazy)
