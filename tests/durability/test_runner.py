"""Durable dispatch through a real uvicorn: dedupe, budget, retries, dead letters."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import CORP, KEY, TOKEN, Serve
from wecom_callback import CallbackContext, TextReply, WeComApp
from wecom_callback.inbox import RecordStatus
from wecom_callback.models import Callback, TextMessage
from wecom_callback.testing import Simulator


def inbox_url(kind: str, tmp_path: Path) -> str:
    return "memory://" if kind == "memory" else f"sqlite:///{tmp_path / 'inbox.db'}"


def text(sim: Simulator, msg_id: int, content: str = "hi") -> Any:
    return sim.callback(
        {
            "ToUserName": CORP,
            "FromUserName": "zhangsan",
            "CreateTime": 1700000000,
            "MsgType": "text",
            "Content": content,
            "MsgId": str(msg_id),
            "AgentID": 1,
        }
    )


def wait_for(predicate: Any, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        threading.Event().wait(0.02)


@pytest.fixture(params=["memory", "sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_retries_never_run_handlers_twice_and_get_the_stored_reply(
    serve: Serve, sim: Simulator, backend: str, tmp_path: Path
) -> None:
    app = WeComApp(TOKEN, KEY, CORP, inbox=inbox_url(backend, tmp_path))
    calls: list[str] = []

    @app.on("text")
    def reply(msg: TextMessage) -> TextReply:
        calls.append(msg.content)
        return TextReply(content="first answer")

    server = serve(app)
    req = text(sim, 1)
    replies = []
    for _ in range(3):
        r = httpx.post(req.url(server.url), content=req.body)
        assert r.status_code == 200
        replies.append(sim.decrypt_reply(r.content))
    assert calls == ["hi"]
    assert all(b"first answer" in rep for rep in replies)


def test_slow_handler_is_acknowledged_then_finishes_once(
    serve: Serve, sim: Simulator, backend: str, tmp_path: Path
) -> None:
    app = WeComApp(TOKEN, KEY, CORP, inbox=inbox_url(backend, tmp_path), reply_budget=0.2)
    release = threading.Event()
    runs: list[str] = []

    @app.on("text")
    async def slow(msg: TextMessage, ctx: CallbackContext) -> str:
        runs.append(ctx.dedupe_key)
        await asyncio.get_running_loop().run_in_executor(None, release.wait, 30)
        return "too late to reply"

    server = serve(app)
    req = text(sim, 2)
    r = httpx.post(req.url(server.url), content=req.body)
    assert (r.status_code, r.content) == (200, b"")  # answered within the budget
    r = httpx.post(req.url(server.url), content=req.body)  # WeCom's retry
    assert r.status_code == 200
    release.set()

    async def status() -> RecordStatus | None:
        record = await app.inbox.get(f"{CORP}:msg:2")
        return None if record is None else record.status

    wait_for(lambda: server.call(status()) == RecordStatus.DONE)
    assert runs == [f"{CORP}:msg:2"]


def test_failures_are_retried_per_handler_then_dead_lettered(
    serve: Serve, sim: Simulator, backend: str, tmp_path: Path
) -> None:
    app = WeComApp(
        TOKEN,
        KEY,
        CORP,
        inbox=inbox_url(backend, tmp_path),
        max_attempts=3,
        retry_base_delay=0.05,
        retry_max_delay=0.1,
        recovery_interval=0.05,
    )
    good: list[int] = []
    flaky: list[int] = []
    bad: list[int] = []

    @app.on("text", content="flaky")
    def ok_handler(msg: TextMessage) -> None:
        good.append(1)

    @app.on("text", content="flaky")
    def flaky_handler(msg: TextMessage, ctx: CallbackContext) -> None:
        flaky.append(ctx.attempt)
        if ctx.attempt < 2:
            raise RuntimeError("temporary failure")

    @app.on("text", content="broken")
    def broken(msg: TextMessage) -> None:
        bad.append(1)
        raise ValueError("always fails")

    server = serve(app)
    req1, req2 = text(sim, 3, "flaky"), text(sim, 4, "broken")
    r1 = httpx.post(req1.url(server.url), content=req1.body)
    r2 = httpx.post(req2.url(server.url), content=req2.body)
    assert r1.status_code == r2.status_code == 200  # no longer depends on handler success
    wait_for(lambda: len(bad) == 3 and flaky == [1, 2])

    def record(key: str) -> Any:
        return server.call(app.inbox.get(key))

    wait_for(lambda: record(f"{CORP}:msg:4").status == "dead")
    dead = record(f"{CORP}:msg:4")
    assert "always fails" in (dead.last_error or "")
    wait_for(lambda: record(f"{CORP}:msg:3").status == "done")
    assert good == [1], "a finished handler is not run again on retry"
    assert len(bad) == 3


def test_shutdown_stops_admitting_and_waits_for_in_flight(
    serve: Serve, sim: Simulator, tmp_path: Path
) -> None:
    app = WeComApp(
        TOKEN, KEY, CORP, inbox=inbox_url("sqlite", tmp_path), reply_budget=0.1, shutdown_grace=20
    )
    started, release = threading.Event(), threading.Event()
    finished: list[str] = []

    @app.on("text")
    def slow(msg: TextMessage) -> None:
        started.set()
        release.wait(30)
        finished.append(msg.content)

    server = serve(app)
    req = text(sim, 5, "in flight")
    assert httpx.post(req.url(server.url), content=req.body).status_code == 200
    assert started.wait(10)
    assert server.server.loop is not None
    stopping = asyncio.run_coroutine_threadsafe(app.shutdown(), server.server.loop)
    wait_for(lambda: not app.runner.accepting)
    late = text(sim, 6, "late")
    r = httpx.post(late.url(server.url), content=late.body)
    assert r.status_code == 503 and b"retry" in r.content  # not admitted: WeCom retries
    assert not stopping.done()  # still waiting for the in-flight handler
    release.set()
    stopping.result(30)
    assert finished == ["in flight"]


def test_handler_receives_model_and_context(serve: Serve, sim: Simulator) -> None:
    app = WeComApp(TOKEN, KEY, CORP, inbox="memory://")
    got: list[tuple[Callback, CallbackContext]] = []

    @app.on()
    def everything(model: Callback, ctx: CallbackContext) -> None:
        got.append((model, ctx))

    server = serve(app)
    req = text(sim, 7)
    httpx.post(req.url(server.url), content=req.body)
    ((model, ctx),) = got
    assert model.kind == "text" and ctx.plaintext == req.plaintext
    assert ctx.client_addr == "127.0.0.1" and ctx.attempt == 1


def test_suite_instruction_callbacks_get_success_at_once(serve: Serve, tmp_path: Path) -> None:
    suite = Simulator(TOKEN, KEY, "wwsuite0123")
    app = WeComApp(TOKEN, KEY, receive_ids=["wwsuite0123", CORP], inbox="memory://")
    gate = threading.Event()
    tickets: list[str] = []

    @app.on("suite_ticket")
    def store(ev: Any) -> str:
        gate.wait(10)  # slow work must not delay the answer
        tickets.append(ev.suite_ticket)
        return "ignored: instruction callbacks take no passive reply"

    server = serve(app)
    req = suite.callback(
        {
            "SuiteId": "wwsuite0123",
            "InfoType": "suite_ticket",
            "TimeStamp": 1700000000,
            "SuiteTicket": "TICKET",
        }
    )
    r = httpx.post(req.url(server.url), content=req.body)
    assert (r.status_code, r.content) == (200, b"success")
    r = httpx.post(req.url(server.url), content=req.body)  # a retry: success again
    assert (r.status_code, r.content) == (200, b"success")
    gate.set()
    wait_for(lambda: tickets == ["TICKET"])


def test_a_handler_returning_a_non_reply_is_a_failure_not_a_hang(
    serve: Serve, sim: Simulator
) -> None:
    app = WeComApp(TOKEN, KEY, CORP, inbox="memory://", max_attempts=1)

    @app.on("text")
    def wrong(msg: TextMessage) -> object:
        return 42  # neither a Reply nor a str

    server = serve(app)
    req = text(sim, 8)
    r = httpx.post(req.url(server.url), content=req.body)
    assert (r.status_code, r.content) == (200, b"")

    def status() -> Any:
        record = server.call(app.inbox.get(f"{CORP}:msg:8"))
        return None if record is None else record.status

    wait_for(lambda: status() == RecordStatus.DEAD)
    record = server.call(app.inbox.get(f"{CORP}:msg:8"))
    assert record is not None
    assert "TypeError: a handler returned int" in (record.last_error or "")
