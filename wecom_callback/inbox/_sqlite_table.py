"""The SQLite inbox's table: its schema, the migration from version 1, and row decoding."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from wecom_callback.inbox._base import InboxRecord, RecordStatus

__all__ = ["COLUMNS", "INSERT", "NOW", "fetch", "fetch_many", "setup"]

#: Bumped when the table changes; stored in ``PRAGMA user_version``.
SCHEMA_VERSION = 2

TABLE = """
    CREATE TABLE IF NOT EXISTS {name} (
        endpoint        TEXT NOT NULL DEFAULT '',
        key             TEXT NOT NULL,
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
        updated_at      REAL NOT NULL,
        PRIMARY KEY (endpoint, key)
    )
"""

INDEXES = (
    "CREATE INDEX IF NOT EXISTS records_claim"
    " ON records (endpoint, status, lease_until, next_attempt_at)",
    "CREATE INDEX IF NOT EXISTS records_received ON records (endpoint, received_at)",
)

COLUMNS = (
    "key, receive_id, kind, plaintext, received_at, status, handlers_done, attempts,"
    " last_error, reply, owner, lease_until, next_attempt_at, updated_at"
)

#: Placeholder for "the time the statement runs" in :meth:`SQLiteInbox._execute`.
NOW: Any = object()

INSERT = (
    f"INSERT OR IGNORE INTO records (endpoint, {COLUMNS})"
    " VALUES (?, ?, ?, ?, ?, ?, 'pending', '[]', 0, NULL, NULL, ?, ?, 0, ?)"
)


def setup(conn: sqlite3.Connection) -> None:
    """Create the schema, or migrate version 1 (no endpoint column) to version 2."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version == 1:
        # Version 1 was keyed by the dedupe key alone: copy it under the empty endpoint,
        # whence apps adopt their records at start-up (Inbox.adopt).
        conn.execute(TABLE.format(name="records_v2"))
        conn.execute(
            f"INSERT INTO records_v2 (endpoint, {COLUMNS}) SELECT '', {COLUMNS} FROM records"
        )
        conn.execute("DROP TABLE records")
        conn.execute("ALTER TABLE records_v2 RENAME TO records")
    elif version > SCHEMA_VERSION:
        raise RuntimeError(
            f"this inbox file has schema version {version}; this wecom-callback knows"
            f" {SCHEMA_VERSION}: upgrade wecom-callback"
        )
    conn.execute(TABLE.format(name="records"))
    for statement in INDEXES:
        conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


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


def fetch(conn: sqlite3.Connection, endpoint: str, key: str) -> InboxRecord | None:
    row = conn.execute(
        f"SELECT {COLUMNS} FROM records WHERE endpoint = ? AND key = ?", (endpoint, key)
    ).fetchone()
    return None if row is None else _record(row)


def fetch_many(conn: sqlite3.Connection, sql: str, params: Iterable[Any]) -> list[InboxRecord]:
    return [_record(row) for row in conn.execute(sql, tuple(params))]
