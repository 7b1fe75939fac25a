"""The worker split: receivers admit and answer, ``wecom-callback worker`` runs everything.

Real processes throughout: uvicorn serving the receiver, worker processes started late,
SIGKILLed mid-stream and restarted. The handler journals ``begin``/``done`` with its pid,
so the test sees which process ran what.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.durability.server_process import ServerProcess, WorkerProcess
from tests.durability.test_crash import base_env, callbacks, read_journal, wait_all_done
from tests.support.redis_server import redis_server
from wecom_callback.testing import SimulatedRequest

APP = "tests.durability.crash_app:app"


@pytest.fixture(params=["sqlite", "redis"])
def inbox_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'inbox.db'}"
    else:
        with redis_server() as url:
            yield url


@pytest.fixture
def processes() -> Iterator[list[ServerProcess | WorkerProcess]]:
    started: list[ServerProcess | WorkerProcess] = []
    yield started
    for p in started:
        p.kill()


def post_until_ok(req: SimulatedRequest, url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        r = httpx.post(req.url(url), content=req.body, timeout=5)
        if r.status_code == 200:
            assert r.content == b""  # a pure receiver never has a passive reply
            return
    raise AssertionError("never acknowledged")


def test_receiver_with_inline_false_runs_nothing_and_workers_lose_nothing(
    tmp_path: Path, inbox_url: str, processes: list[ServerProcess | WorkerProcess]
) -> None:
    env = {**base_env(tmp_path), "WECOM_INBOX_URL": inbox_url, "WECOM_INLINE": "false"}
    receiver = ServerProcess(APP, env)
    processes.append(receiver)
    reqs = callbacks()
    half = len(reqs) // 2
    for req in reqs[:half]:  # admitted before any worker exists
        post_until_ok(req, receiver.url)
    journal = tmp_path / "journal.txt"
    assert not journal.exists(), "the receiver ran handlers"
    first = WorkerProcess(APP, env)
    processes.append(first)
    wait_all_done(journal, 2, time.monotonic() + 30)
    first.kill()  # mid-stream: some of its handlers are in flight
    for req in reqs[half:]:
        post_until_ok(req, receiver.url)
    second = WorkerProcess(APP, env)
    processes.append(second)
    wait_all_done(journal, len(reqs), time.monotonic() + 60)

    begins, dones = read_journal(journal)
    assert receiver.proc.pid not in {pid for pids in begins.values() for pid in pids}
    assert len(dones) == len(reqs)
    for key, pids in begins.items():
        assert len([p for p in pids if p != first.proc.pid]) <= 1, f"{key} ran twice"
    # Redelivering everything runs nothing again.
    runs = sum(len(p) for p in begins.values())
    for req in reqs:
        post_until_ok(req, receiver.url)
    time.sleep(1.5)  # give a wrongly re-admitted callback time to reach the worker
    assert sum(len(p) for p in read_journal(journal)[0].values()) == runs
    assert first.endpoints == second.endpoints != []


def test_default_asgi_app_is_a_pure_receiver_for_workers(
    tmp_path: Path, processes: list[ServerProcess | WorkerProcess]
) -> None:
    env = {**base_env(tmp_path), "WECOM_INBOX_URL": f"sqlite:///{tmp_path / 'inbox.db'}"}
    env.pop("WECOM_APP", None)
    receiver = ServerProcess("wecom_callback.asgi:create_app", env, extra_args=["--factory"])
    processes.append(receiver)
    reqs = callbacks()[:10]
    for req in reqs:
        post_until_ok(req, receiver.url)
    worker = WorkerProcess(APP, env)
    processes.append(worker)
    journal = tmp_path / "journal.txt"
    wait_all_done(journal, len(reqs), time.monotonic() + 60)
    begins, dones = read_journal(journal)
    assert {pid for pids in begins.values() for pid in pids} == {worker.proc.pid}
    assert len(dones) == len(reqs)
