"""Two endpoints sharing one inbox: never each other's dedupe, claims or handlers.

Two self-built apps of one corp (same CorpID, each with its own Token and key) are
mounted in one site and share one SQLite file or one Redis. Every callback is sent,
identical, to both, so both endpoints compute the same dedupe key for it.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.conftest import CORP, KEY, TOKEN
from tests.durability.server_process import ServerProcess
from tests.durability.test_crash import base_env, deliver, read_journal
from tests.support.redis_server import redis_server
from wecom_callback.testing import SimulatedRequest, Simulator

SITE = "tests.durability.two_apps:site"
B_TOKEN = "AnotherTok3n"
B_KEY = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"
N = 20


def env_for(tmp_path: Path, inbox: dict[str, str]) -> dict[str, str]:
    return {**base_env(tmp_path), "B_TOKEN": B_TOKEN, "B_ENCODING_AES_KEY": B_KEY, **inbox}


def fields(i: int) -> dict[str, object]:
    if i % 2:
        return {"ToUserName": CORP, "FromUserName": f"u{i}", "CreateTime": 1700000000 + i,
                "MsgType": "text", "Content": f"m{i}", "MsgId": str(5000 + i)}  # fmt: skip
    return {"ToUserName": CORP, "FromUserName": "sys", "CreateTime": 1700000000 + i,
            "MsgType": "event", "Event": "change_external_contact",
            "ChangeType": "add_external_contact", "UserID": f"u{i}",
            "ExternalUserID": f"wm{i}"}  # fmt: skip


def pairs() -> list[tuple[str, SimulatedRequest]]:
    """Each callback for both endpoints: (mount path, request encrypted for that app)."""
    sim_a, sim_b = Simulator(TOKEN, KEY, CORP), Simulator(B_TOKEN, B_KEY, CORP)
    out = []
    for i in range(N):
        out += [("/a/", sim_a.callback(fields(i))), ("/b/", sim_b.callback(fields(i)))]
    return out


def wait_done(journal: Path, count: int) -> None:
    deadline = time.monotonic() + 60
    while len(read_journal(journal)[1]) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"only {len(read_journal(journal)[1])} of {count} handled")
        threading.Event().wait(0.1)


@pytest.fixture
def processes() -> Iterator[list[ServerProcess]]:
    started: list[ServerProcess] = []
    yield started
    for p in started:
        p.kill()


def test_identical_event_to_both_apps_on_the_default_inbox_runs_both(
    tmp_path: Path, processes: list[ServerProcess]
) -> None:
    env = env_for(tmp_path, {"WECOM_DATA_DIR": str(tmp_path / "data")})
    site = ServerProcess(SITE, env)
    processes.append(site)
    for path, req in pairs()[:2]:  # one hashed event, identical for both apps
        r = httpx.post(req.url(site.url + path), content=req.body, timeout=5)
        assert r.status_code == 200
    journal = tmp_path / "journal.txt"
    wait_done(journal, 2)
    labels = {key.split("/")[0] for key in read_journal(journal)[1]}
    assert labels == {"a", "b"}
    assert (tmp_path / "data" / "inbox.db").exists()


def stream(urls: Callable[[], str], victim: Callable[[], str], kill: Callable[[], None]) -> None:
    """Deliver every pair twice; kill ``victim`` once a third is acknowledged."""
    acked, killed, lock = 0, False, threading.Lock()
    deadline = time.monotonic() + 120

    def send(item: tuple[str, SimulatedRequest]) -> None:
        nonlocal acked, killed
        path, req = item
        target = deliver(req, lambda: urls() + path, deadline)
        with lock:
            acked += 1
            trigger = not killed and acked >= N * 2 // 3 and target.startswith(victim())
            killed = killed or trigger
        if trigger:
            kill()
        deliver(req, lambda: urls() + path, deadline)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(send, pairs()))


def check(journal: Path, killed_pid: int, urls: Callable[[], str]) -> None:
    wait_done(journal, 2 * N)
    begins, dones = read_journal(journal)
    assert len(dones) == 2 * N  # every callback, by each endpoint's own handler
    assert {key.split("/")[0] for key in dones} == {"a", "b"}
    in_flight = {k for k, pids in begins.items() if killed_pid in pids}
    assert {k.split("/")[0] for k in in_flight} == {"a", "b"}, "both had work in flight"
    assert [k for k in in_flight if killed_pid not in dones[k]], "the kill interrupted nothing"
    for key, pids in begins.items():
        survivors = [p for p in pids if p != killed_pid]
        assert len(survivors) <= 1, f"{key} ran {len(survivors)} times after the kill"
        if len(pids) > 1:
            assert key in in_flight, f"{key} ran twice without a crash"
    before = sum(len(p) for p in read_journal(journal)[0].values())
    deadline = time.monotonic() + 60
    for path, req in pairs():
        deliver(req, lambda path=path: urls() + path, deadline)  # type: ignore[misc]
    assert sum(len(p) for p in read_journal(journal)[0].values()) == before


def test_sigkill_with_two_endpoints_on_one_sqlite_file(
    tmp_path: Path, processes: list[ServerProcess]
) -> None:
    env = env_for(tmp_path, {"WECOM_INBOX_URL": f"sqlite:///{tmp_path / 'inbox.db'}"})
    first = ServerProcess(SITE, env)
    processes.append(first)
    current = [first]

    def crash_and_restart() -> None:
        first.kill()
        second = ServerProcess(SITE, env)
        processes.append(second)
        current[0] = second

    stream(lambda: current[0].url, lambda: first.url, crash_and_restart)
    check(tmp_path / "journal.txt", first.proc.pid, lambda: current[0].url)


def test_killed_replica_with_two_endpoints_on_one_redis(
    tmp_path: Path, processes: list[ServerProcess]
) -> None:
    with redis_server() as url:
        env = env_for(tmp_path, {"WECOM_INBOX_URL": url})
        a, b = ServerProcess(SITE, env), ServerProcess(SITE, env)
        processes.extend([a, b])
        live = [a, b]
        chance = random.Random(7)  # both replicas get both endpoints' callbacks

        def pick() -> str:
            return chance.choice(list(live)).url

        def kill_a() -> None:
            a.kill()
            live.remove(a)

        stream(pick, lambda: a.url, kill_a)
        check(tmp_path / "journal.txt", a.proc.pid, pick)
