"""Inbox files and Redis figures for the "cost flat as the work grows" phases.

Used by ``bench/throughput.py``: a SQLite inbox file prefilled with many finished
records (written with the package's own schema, as an old inbox would hold them), the
count of records of a given age in such a file, and Redis memory per retained record.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from wecom_callback.inbox._sqlite_table import COLUMNS, setup

__all__ = ["count_older", "prefill"]

_PLAINTEXT = (
    b"<xml><ToUserName><![CDATA[ww0123456789abcdef]]></ToUserName><FromUserName><![CDATA["
    b"zhangsan]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]>"
    b"</MsgType><Content><![CDATA[bench message %d]]></Content><MsgId>%d</MsgId><AgentID>"
    b"1000002</AgentID></xml>"
)


def prefill(db: Path, endpoint: str, count: int, *, age_days: float) -> float:
    """Write ``count`` done records of ``endpoint`` received ``age_days`` ago; seconds taken."""
    start = time.perf_counter()
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("BEGIN IMMEDIATE")
        setup(conn)
        conn.execute("COMMIT")
        base = time.time() - age_days * 86400
        sql = (
            f"INSERT INTO records (endpoint, {COLUMNS})"
            " VALUES (?, ?, 'ww0123456789abcdef', 'text', ?, ?, 'done', '[]', 0, NULL, NULL,"
            " NULL, 0, 0, ?)"
        )
        first = 9_000_000_000_000_000_000
        step = 100_000
        for chunk in range(0, count, step):
            conn.execute("BEGIN")
            rows = (
                (
                    endpoint,
                    f"ww0123456789abcdef:msg:{first + i}",
                    _PLAINTEXT % (i, first + i),
                    base + i / 1000,
                    base + i / 1000,
                )
                for i in range(chunk, min(chunk + step, count))
            )
            conn.executemany(sql, rows)
            conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    os.sync()
    return time.perf_counter() - start


def count_older(db: Path, days: float) -> int:
    """Records in ``db`` received more than ``days`` ago."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        cutoff = time.time() - days * 86400
        row = conn.execute("SELECT count(*) FROM records WHERE received_at < ?", (cutoff,))
        return int(row.fetchone()[0])
    finally:
        conn.close()
