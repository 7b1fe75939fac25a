"""When the inbox or the user's code fails: 503s with reasons, retries, nothing lost.

Each test runs the real app under a real uvicorn: a start-up that fails and recovers, a
filter that raises, an inbox that stops answering (a SIGSTOPped Redis, a blocked SQLite
writer), and a data directory deleted while serving.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from starlette.applications import Starlette
from starlette.routing import Mount

from tests.conftest import CORP, KEY, TOKEN, Serve
from tests.durability.server_process import ServerProcess
from tests.durability.test_runner import text, wait_for
from tests.support.redis_server import redis_server
from wecom_callback import WeComApp
from wecom_callback.inbox import RecordStatus, SQLiteInbox
from wecom_callback.models import TextMessage
from wecom_callback.testing import Simulator

#: WeCom gives up on an answer after 5 s; every answer here must come before that.
WECOM_DEADLINE = 4.9


def post(url: str, req: Any) -> httpx.Response:
    return httpx.post(req.url(url), content=req.body, timeout=WECOM_DEADLINE)


def test_failed_lazy_start_answers_503_then_recovers(
    serve: Serve, sim: Simulator, tmp_path: Path
) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the inbox directory should be")
    app = WeComApp(TOKEN, KEY, CORP, inbox=f"sqlite:///{blocker / 'inbox.db'}")
    seen: list[str] = []

    @app.on("text")
    def record(msg: TextMessage) -> None:
        seen.append(msg.content)

    server = serve(Starlette(routes=[Mount("/wecom", app)]), lifespan="off")
    url = server.url + "/wecom/"
    first = post(url, text(sim, 1, "first"))
    assert first.status_code == 503
    assert b"start-up failed" in first.content and b"FileExistsError" in first.content
    again = post(url, text(sim, 1, "first"))
    assert again.status_code == 503  # within the backoff: not tried, still explained
    assert b"start-up failed" in again.content
    blocker.unlink()  # the disk is back
    deadline = time.monotonic() + 20
    while (r := post(url, text(sim, 1, "first"))).status_code != 200:
        assert r.status_code == 503 and time.monotonic() < deadline
        threading.Event().wait(0.1)
    wait_for(lambda: seen == ["first"])
    assert post(url, text(sim, 2, "second")).status_code == 200
    wait_for(lambda: seen == ["first", "second"])


def test_lifespan_start_failure_is_one_clear_line(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("not a directory")
    env = {
        "WECOM_TOKEN": TOKEN,
        "WECOM_ENCODING_AES_KEY": KEY,
        "WECOM_RECEIVE_ID": CORP,
        "WECOM_INBOX_URL": f"sqlite:///{blocker / 'inbox.db'}",
    }
    with pytest.raises(RuntimeError, match="did not start") as failure:
        ServerProcess("wecom_callback.asgi:create_app", env, extra_args=["--factory"])
    log = str(failure.value)
    assert "start-up failed: InboxUnavailableError" in log
    assert "Traceback" not in log


def test_a_filter_that_raises_is_a_failed_attempt_then_a_dead_letter(
    serve: Serve, sim: Simulator, tmp_path: Path
) -> None:
    app = WeComApp(
        TOKEN,
        KEY,
        CORP,
        inbox=f"sqlite:///{tmp_path / 'inbox.db'}",
        max_attempts=2,
        retry_base_delay=0.05,
        recovery_interval=0.05,
    )
    ran: list[str] = []

    @app.on("text", content=lambda c: 1 / 0)
    def guarded(msg: TextMessage) -> None:
        ran.append("guarded")

    @app.on("text")
    def plain(msg: TextMessage) -> None:
        ran.append("plain")

    server = serve(app)
    assert post(server.url, text(sim, 7)).status_code == 200

    async def record() -> Any:
        return await app.inbox.get(f"{CORP}:msg:7")

    wait_for(lambda: server.call(record()).status is RecordStatus.DEAD)
    dead = server.call(record())
    assert dead.attempts == 2
    assert "(filter): ZeroDivisionError" in dead.last_error
    assert ran == ["plain"]  # its success was recorded and not repeated on the retry


def test_stopped_redis_is_a_503_before_wecoms_deadline(
    serve: Serve, sim: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    with redis_server() as url:
        app = WeComApp(TOKEN, KEY, CORP, inbox=url)
        server = serve(app)
        assert post(server.url, text(sim, 1)).status_code == 200
        pid = int(redis.Redis.from_url(url).info()["process_id"])
        os.kill(pid, signal.SIGSTOP)
        try:
            with caplog.at_level(logging.ERROR, logger="wecom_callback"):
                answers = [post(server.url, text(sim, n)) for n in (2, 3, 4)]
        finally:
            os.kill(pid, signal.SIGCONT)
        assert [r.status_code for r in answers] == [503, 503, 503]
        assert all(b"retry" in r.content for r in answers)
        outage = [r for r in caplog.records if "admission failed" in r.getMessage()]
        assert len(outage) == 1  # once per outage, not once per request
        with caplog.at_level(logging.WARNING, logger="wecom_callback"):
            assert post(server.url, text(sim, 2)).status_code == 200
        assert any("recovered after 3 refused" in r.getMessage() for r in caplog.records)


def test_slow_sqlite_commit_is_a_503_and_the_late_commit_a_duplicate(
    serve: Serve, sim: Simulator, tmp_path: Path
) -> None:
    app = WeComApp(
        TOKEN, KEY, CORP, inbox=f"sqlite:///{tmp_path / 'inbox.db'}", admission_timeout=0.5
    )
    runs: list[str] = []

    @app.on("text")
    def handle(msg: TextMessage) -> None:
        runs.append(msg.content)

    server = serve(app)
    gate = threading.Event()
    inbox = app.inbox
    assert isinstance(inbox, SQLiteInbox)

    stalls: list[asyncio.Future[bool]] = []

    async def freeze() -> None:  # the writer thread stalls, as on a frozen disk
        stalls.append(asyncio.ensure_future(inbox._call(lambda c: gate.wait(30), write=False)))

    server.call(freeze())
    try:
        r = post(server.url, text(sim, 9, "late"))
        assert r.status_code == 503 and b"did not commit within 0.5 s" in r.content
    finally:
        gate.set()
    wait_for(lambda: runs == ["late"])  # the commit landed; this process ran it
    retry = post(server.url, text(sim, 9, "late"))
    assert retry.status_code == 200
    assert runs == ["late"]


def test_deleted_data_directory_is_noticed_and_nothing_acknowledged_is_lost(
    serve: Serve, sim: Simulator, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    app = WeComApp(TOKEN, KEY, CORP, data_dir=data)
    server = serve(app)
    assert post(server.url, text(sim, 1)).status_code == 200
    shutil.rmtree(data)
    acknowledged = []
    for n in range(2, 14):
        r = post(server.url, text(sim, n))
        assert r.status_code in (200, 503)
        if r.status_code == 200:
            acknowledged.append(f"{CORP}:msg:{n}")
    assert len(acknowledged) >= 10  # one batch refused, then the path is opened anew
    server.stop()
    reopened = SQLiteInbox(data / "inbox.db", endpoint=app.name)

    async def keys() -> set[str]:
        await reopened.start()
        try:
            return {r.key for r in await reopened.list(limit=100)}
        finally:
            await reopened.close()

    assert set(acknowledged) <= asyncio.run(keys())
