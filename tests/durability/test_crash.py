"""The crash tests: SIGKILL a real server mid-stream and lose nothing, run nothing twice.

Each callback is delivered twice (as WeCom retries), with failed deliveries retried
until a 200. The handler journals ``begin``/``done`` lines with its pid, fsynced.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.conftest import CORP, KEY, TOKEN
from tests.durability.server_process import ServerProcess
from tests.support.redis_server import redis_server
from wecom_callback.testing import SimulatedRequest, Simulator

N = 40
APP = "tests.durability.crash_app:app"


def callbacks() -> list[SimulatedRequest]:
    sim = Simulator(TOKEN, KEY, CORP)
    out = []
    for i in range(N):
        if i % 2:
            fields = {
                "ToUserName": CORP,
                "FromUserName": f"u{i}",
                "CreateTime": 1700000000 + i,
                "MsgType": "text",
                "Content": f"m{i}",
                "MsgId": str(10_000 + i),
            }
        else:  # no MsgId: the key is a hash of the plaintext
            fields = {
                "ToUserName": CORP,
                "FromUserName": "sys",
                "CreateTime": 1700000000 + i,
                "MsgType": "event",
                "Event": "change_external_contact",
                "ChangeType": "add_external_contact",
                "UserID": f"u{i}",
                "ExternalUserID": f"wm{i}",
            }
        out.append(sim.callback(fields))
    return out


def deliver(req: SimulatedRequest, url: Callable[[], str], deadline: float) -> str:
    """Like WeCom: POST until a 200 arrives; return the URL that answered it."""
    while time.monotonic() < deadline:
        target = url()
        try:
            r = httpx.post(req.url(target), content=req.body, timeout=5)
            if r.status_code == 200:
                return target
        except httpx.TransportError:
            pass
        threading.Event().wait(0.05)  # WeCom's own pacing between retries
    raise AssertionError("delivery never acknowledged")


def read_journal(path: Path) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    begins: dict[str, list[int]] = defaultdict(list)
    dones: dict[str, list[int]] = defaultdict(list)
    if path.exists():
        for line in path.read_text().splitlines():
            what, key, pid = line.split(" ")
            (begins if what == "begin" else dones)[key].append(int(pid))
    return begins, dones


def wait_all_done(path: Path, count: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        _, dones = read_journal(path)
        if len(dones) >= count:
            return
        threading.Event().wait(0.1)
    _, dones = read_journal(path)
    raise AssertionError(f"only {len(dones)} of {count} callbacks were handled")


def run_stream(
    urls: Callable[[], str], victim: Callable[[], str], kill: Callable[[], None]
) -> None:
    """Deliver every callback twice with 4 senders; from the N/3rd first delivery on, the
    next one acknowledged by ``victim()`` triggers ``kill()``: its handler is mid-flight."""
    reqs = callbacks()
    acked = 0
    killed = False
    lock = threading.Lock()
    deadline = time.monotonic() + 120

    def send(req: SimulatedRequest) -> None:
        nonlocal acked, killed
        target = deliver(req, urls, deadline)
        with lock:
            acked += 1
            trigger = not killed and acked >= N // 3 and target == victim()
            killed = killed or trigger
        if trigger:
            kill()
        deliver(req, urls, deadline)  # WeCom's retry

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(send, reqs))


def check(journal: Path, killed_pid: int, urls: Callable[[], str]) -> None:
    wait_all_done(journal, N, time.monotonic() + 60)
    begins, dones = read_journal(journal)
    assert len(dones) == N, "every callback handled at least once"
    in_flight_at_kill = {k for k, pids in begins.items() if killed_pid in pids}
    for key in dones:
        survivors = [p for p in begins[key] if p != killed_pid]
        assert len(survivors) <= 1, f"{key} ran {len(survivors)} times after the kill"
        if len(begins[key]) > 1:
            assert key in in_flight_at_kill, f"{key} ran twice without a crash"
    # Work really was cut short by the kill, and was resumed by a survivor.
    resumed = [k for k in in_flight_at_kill if killed_pid not in dones[k]]
    assert resumed, "the kill interrupted no handler"
    assert all(dones[k] for k in resumed)

    # Retries of completed callbacks are suppressed: deliver everything again.
    before = sum(len(v) for v in read_journal(journal)[0].values())
    deadline = time.monotonic() + 60
    for req in callbacks():
        deliver(req, urls, deadline)
    after = sum(len(v) for v in read_journal(journal)[0].values())
    assert after == before


def base_env(tmp_path: Path) -> dict[str, str]:
    return {
        "WECOM_TOKEN": TOKEN,
        "WECOM_ENCODING_AES_KEY": KEY,
        "WECOM_RECEIVE_ID": CORP,
        "CRASH_JOURNAL": str(tmp_path / "journal.txt"),
        "CRASH_HANDLER_SECONDS": "0.3",
        "WECOM_REPLY_BUDGET": "0.05",
        "WECOM_LEASE_SECONDS": "1",
        "WECOM_RECOVERY_INTERVAL": "0.2",
    }


@pytest.fixture
def processes() -> Iterator[list[ServerProcess]]:
    started: list[ServerProcess] = []
    yield started
    for p in started:
        p.kill()


def test_sigkill_with_sqlite_loses_nothing(tmp_path: Path, processes: list[ServerProcess]) -> None:
    env = {**base_env(tmp_path), "WECOM_INBOX_URL": f"sqlite:///{tmp_path / 'inbox.db'}"}
    first = ServerProcess(APP, env)
    processes.append(first)
    current = [first]

    def crash_and_restart() -> None:
        first.kill()
        second = ServerProcess(APP, env)
        processes.append(second)
        current[0] = second

    run_stream(lambda: current[0].url, lambda: first.url, crash_and_restart)
    check(tmp_path / "journal.txt", first.proc.pid, lambda: current[0].url)


def test_killed_replica_with_redis_loses_nothing(
    tmp_path: Path, processes: list[ServerProcess]
) -> None:
    with redis_server() as url:
        env = {**base_env(tmp_path), "WECOM_INBOX_URL": url}
        a, b = ServerProcess(APP, env), ServerProcess(APP, env)
        processes.extend([a, b])
        live = [a, b]
        turn = iter(range(10**9))

        def pick() -> str:
            replicas = list(live)
            return replicas[next(turn) % len(replicas)].url

        def kill_a() -> None:
            a.kill()
            live.remove(a)  # the load balancer notices

        run_stream(pick, lambda: a.url, kill_a)
        check(tmp_path / "journal.txt", a.proc.pid, pick)
