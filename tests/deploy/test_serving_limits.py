"""``wecom-callback run`` on the public internet: slowloris, idle floods, huge headers.

Each test starts the command the README tells users to run, in its own process, with
short limits, attacks it from raw sockets on 127.0.0.1, and meanwhile sends valid
signed callbacks, which must all be answered 200 within WeCom's 5 seconds.
"""

from __future__ import annotations

import contextlib
import resource
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import CORP, KEY, TOKEN
from tests.durability.server_process import ServerProcess
from wecom_callback.testing import Simulator

APP = "tests.durability.crash_app:app"
LIMITS = ["--header-timeout", "1", "--max-waiting", "40", "--max-header-size", "8192"]


def env(tmp_path: Path) -> dict[str, str]:
    return {
        "WECOM_TOKEN": TOKEN,
        "WECOM_ENCODING_AES_KEY": KEY,
        "WECOM_RECEIVE_ID": CORP,
        "WECOM_INBOX_URL": "memory://",
        "WECOM_BODY_TIMEOUT": "1",
        "CRASH_JOURNAL": str(tmp_path / "journal.txt"),
        "CRASH_HANDLER_SECONDS": "0",
    }


def low_fd_limit() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (128, 128))


@pytest.fixture
def server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[ServerProcess]:
    preexec: Callable[[], None] | None = getattr(request, "param", None)
    proc = ServerProcess(APP, env(tmp_path), cli=True, extra_args=LIMITS, preexec_fn=preexec)
    yield proc
    proc.kill()


def valid_callbacks_answered(url: str, count: int, start: int = 0) -> list[int]:
    sim = Simulator(TOKEN, KEY, CORP)
    statuses = []
    for n in range(start, start + count):
        req = sim.callback({"ToUserName": CORP, "FromUserName": "u", "CreateTime": 1,
                            "MsgType": "text", "Content": "hi", "MsgId": str(n)})  # fmt: skip
        # WeCom waits 5 s: an answer later than that is as good as none.
        statuses.append(httpx.post(req.url(url), content=req.body, timeout=4.9).status_code)
    return statuses


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    return sock


def closed_by_server(sock: socket.socket, within: float) -> bool:
    sock.settimeout(within)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False


def test_slowloris_connections_are_closed_and_callbacks_answered(server: ServerProcess) -> None:
    slow = [connect(server.port) for _ in range(30)]
    stop = threading.Event()

    def drip() -> None:
        for sock in slow:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n")
        while not stop.wait(0.2):
            for sock in slow:
                with contextlib.suppress(OSError):
                    sock.sendall(b"X")

    dripper = threading.Thread(target=drip, daemon=True)
    dripper.start()
    try:
        assert valid_callbacks_answered(server.url, 10) == [200] * 10
        assert all(closed_by_server(sock, within=5) for sock in slow)
    finally:
        stop.set()
        dripper.join(5)
        for sock in slow:
            sock.close()


@pytest.mark.parametrize("server", [low_fd_limit], indirect=True)
def test_idle_flood_past_the_fd_limit_does_not_block_callbacks(server: ServerProcess) -> None:
    idle: list[socket.socket] = []
    try:
        for _ in range(300):  # far more than the server's 128 file descriptors
            try:
                idle.append(connect(server.port))
            except OSError:
                break
        assert valid_callbacks_answered(server.url, 10, start=100) == [200] * 10
    finally:
        for sock in idle:
            sock.close()


def test_huge_headers_get_431_and_memory_stays_flat(server: ServerProcess) -> None:
    socks = [connect(server.port) for _ in range(3)]
    answers = []
    for sock in socks:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nX-Big: ")
        try:
            for _ in range(64):  # up to 4 MiB each, unless the server hangs up first
                sock.sendall(b"a" * 65536)
        except OSError:
            pass
        sock.settimeout(5)
        try:
            answers.append(sock.recv(200))
        except OSError:
            answers.append(b"")
        sock.close()
    assert all(a.startswith(b"HTTP/1.1 431") or a == b"" for a in answers)
    assert any(a.startswith(b"HTTP/1.1 431") for a in answers)
    status = Path(f"/proc/{server.proc.pid}/status").read_text()
    rss_kib = int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1])
    assert rss_kib < 150 * 1024  # nothing like the 12 MiB sent was buffered three times over
    assert valid_callbacks_answered(server.url, 5, start=200) == [200] * 5


def test_a_stalled_body_gets_408(server: ServerProcess) -> None:
    sock = connect(server.port)
    sock.sendall(b"POST /?msg_signature=a&timestamp=1&nonce=n HTTP/1.1\r\nHost: x\r\n"
                 b"Content-Length: 1000\r\n\r\n" + b"x" * 10)  # fmt: skip
    sock.settimeout(10)
    answer = sock.recv(200)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 408")
    assert valid_callbacks_answered(server.url, 3, start=300) == [200] * 3


def test_help_names_every_limit() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "wecom_callback._cli", "run", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    for flag in ("--limit-concurrency", "--timeout-keep-alive", "--header-timeout",
                 "--max-header-size", "--max-waiting"):  # fmt: skip
        assert flag in done.stdout
