"""Logs of ``wecom-callback run``: one JSON line per callback and per rejection, no secrets."""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import CORP, KEY, TOKEN
from tests.durability.server_process import ServerProcess
from tests.durability.test_runner import text
from wecom_callback._app.logs import JSONFormatter
from wecom_callback.testing import Simulator


def records(proc: ServerProcess) -> list[dict[str, Any]]:
    out = []
    for line in list(proc.log):
        if line.startswith("{"):
            out.append(json.loads(line))
    return out


def wait_for_record(proc: ServerProcess, **fields: Any) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for record in records(proc):
            if all(record.get(k) == v for k, v in fields.items()):
                return record
        threading.Event().wait(0.05)
    raise AssertionError(f"no log record with {fields}")


def test_one_json_line_per_callback_and_rejection(tmp_path: Path) -> None:
    env = {
        "WECOM_TOKEN": TOKEN,
        "WECOM_ENCODING_AES_KEY": KEY,
        "WECOM_RECEIVE_ID": CORP,
        "WECOM_INBOX_URL": "memory://",
        "WECOM_NAME": "hr",
        "CRASH_JOURNAL": str(tmp_path / "journal.txt"),
        "CRASH_HANDLER_SECONDS": "0",
    }
    proc = ServerProcess(
        "tests.durability.crash_app:app", env, cli=True, extra_args=["--log-format", "json"]
    )
    try:
        sim = Simulator(TOKEN, KEY, CORP)
        req = text(sim, 42, "a payload that must stay out of the logs")
        assert httpx.post(req.url(proc.url), content=req.body).status_code == 200
        assert httpx.post(req.url(proc.url), content=req.body).status_code == 200
        forged = {**req.query, "msg_signature": "0" * 40}
        assert httpx.post(proc.url, params=forged, content=req.body).status_code == 403
        first = wait_for_record(proc, outcome="handled")
        assert (first["endpoint"], first["kind"]) == ("hr", "text")
        assert first["dedupe_key"] == f"{CORP}:msg:42" and first["duration_ms"] >= 0
        assert wait_for_record(proc, outcome="duplicate")["dedupe_key"] == f"{CORP}:msg:42"
        rejection = wait_for_record(proc, code=-40001)
        assert rejection["status"] == 403 and rejection["peer"] == "127.0.0.1"
        assert rejection["endpoint"] == "hr" and rejection["level"] == "WARNING"
    finally:
        proc.terminate()
    everything = "".join(proc.log)
    for secret in (TOKEN, KEY, "a payload that must stay out"):
        assert secret not in everything


def test_the_formatter_keeps_extras_and_exceptions() -> None:
    record = logging.LogRecord("wecom_callback", logging.ERROR, __file__, 1, "boom %s", ("x",),
                               None)  # fmt: skip
    record.kind = "text"
    try:
        raise ValueError("inner")
    except ValueError as exc:
        record.exc_info = (type(exc), exc, exc.__traceback__)
    line = json.loads(JSONFormatter().format(record))
    assert line["message"] == "boom x" and line["kind"] == "text"
    assert "ValueError: inner" in line["exception"]
