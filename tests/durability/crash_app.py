"""The app the crash tests run in separate uvicorn processes.

Its one handler is slow and journals each callback it handles to ``CRASH_JOURNAL``:
``begin <key> <pid>`` before its work and ``done <key> <pid>`` after, each line flushed
and fsynced, so the test can tell what ran where even across SIGKILL.
"""

from __future__ import annotations

import asyncio
import os

from wecom_callback import CallbackContext, WeComApp
from wecom_callback.models import Callback

app = WeComApp.from_env()
JOURNAL = os.environ["CRASH_JOURNAL"]
DELAY = float(os.environ.get("CRASH_HANDLER_SECONDS", "0.3"))


def journal(line: str) -> None:
    fd = os.open(JOURNAL, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


@app.on("*")
async def slow(model: Callback, ctx: CallbackContext) -> None:
    journal(f"begin {ctx.dedupe_key} {os.getpid()}")
    await asyncio.sleep(DELAY)
    journal(f"done {ctx.dedupe_key} {os.getpid()}")
