"""Two endpoints from one TOML settings file, served by ``wecom-callback run --config``.

A real process serves both from the current directory's handler modules; each endpoint
has its own inbox scope in one shared SQLite file and its own client (its own secret
against a real local fake of WeCom's API). Also with ``--workers 2``, metrics summed
over both processes in prometheus-client's multiprocess mode.
"""

from __future__ import annotations

import asyncio
import re
import socket
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import CORP, KEY, TOKEN
from tests.durability.server_process import ServerProcess
from wecom_callback.inbox import open_inbox
from wecom_callback.testing import FakeWeComAPI, Simulator

KEY_KF = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
TOKEN_KF = "kfToken"

HANDLERS = """
import os
from pathlib import Path
from wecom_callback import Router

router = Router()

@router.on("text")
async def noted(msg, client):
    await client.get_api_domain_ip()  # this endpoint's own client and token
    with open(os.environ["JOURNAL"], "a") as f:
        f.write(f"{NAME} {msg.msg_id} {os.getpid()}\\n")
"""


def _write_site(tmp_path: Path, api: FakeWeComAPI, kf_secret: str) -> Path:
    for name in ("hr", "kf"):
        (tmp_path / f"{name}_handlers.py").write_text(f"NAME = {name!r}\n" + HANDLERS)
    settings = tmp_path / "wecom.toml"
    settings.write_text(
        f"""
[defaults]
inbox_url = "sqlite:///{tmp_path}/inbox.db"
api_base_url = "{api.base_url}"
corp_id = "{api.corp_id}"
source_ip_check = "off"

[endpoints.hr]
path = "/wecom/hr"
handlers = "hr_handlers"
receive_ids = ["{CORP}"]
token = "{TOKEN}"

[endpoints.kf]
path = "/wecom/kf/"
handlers = "kf_handlers:router"
receive_ids = "{CORP}"
"""
    )
    return settings


def _env(tmp_path: Path, api: FakeWeComAPI, kf_secret: str) -> dict[str, str]:
    return {
        "JOURNAL": str(tmp_path / "journal.txt"),
        "WECOM_HR_ENCODING_AES_KEY": KEY,
        "WECOM_HR_SECRET": api.secret,
        "WECOM_KF_TOKEN": TOKEN_KF,
        "WECOM_KF_ENCODING_AES_KEY": KEY_KF,
        "WECOM_KF_SECRET": kf_secret,
    }


def _text(i: int) -> dict[str, object]:
    return {
        "ToUserName": CORP,
        "FromUserName": "zhangsan",
        "CreateTime": 1700000000 + i,
        "MsgType": "text",
        "Content": f"hello {i}",
        "MsgId": str(7000 + i),
        "AgentID": 1000002,
    }


def _send_all(base: str, n: int) -> None:
    sims = {
        "/wecom/hr": Simulator(TOKEN, KEY, CORP),
        "/wecom/kf": Simulator(TOKEN_KF, KEY_KF, CORP),
    }
    with httpx.Client(timeout=10) as http:
        for i in range(n):
            for path, sim in sims.items():
                req = sim.callback(_text(i))  # the same MsgId to both: two scopes
                answer = http.post(req.url(base + path), content=req.body)
                assert answer.status_code == 200, answer.text
        # The other endpoint's credentials are refused: each path is its own endpoint.
        wrong = sims["/wecom/kf"].callback(_text(99))
        refused = http.post(wrong.url(base + "/wecom/hr"), content=wrong.body)
        assert refused.status_code == 403, refused.text


def _journal(path: Path, n: int) -> list[str]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        lines = path.read_text().splitlines() if path.exists() else []
        if len(lines) >= 2 * n:
            return lines
        time.sleep(0.05)
    raise AssertionError(f"only {len(lines)} of {2 * n} handled")


def _closed_while_sending_headers(port: int, within: float) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=within) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and never the rest
        try:
            return sock.recv(1024) == b""
        except TimeoutError:
            return False


def _wait_ready(base: str) -> None:
    # With workers, uvicorn's parent binds the port and each worker listens once started.
    deadline = time.monotonic() + 30
    while True:
        try:
            ready = httpx.get(base + "/readyz", timeout=10)
            if ready.status_code == 200:
                return
        except httpx.ConnectError:
            ready = None
        assert time.monotonic() < deadline, ready.text if ready else "never listened"
        time.sleep(0.1)


async def _done_by_endpoint(path: Path) -> dict[str, int]:
    inbox = open_inbox(f"sqlite:///{path}")
    await inbox.start()
    try:
        return {e: (await inbox.scoped(e).stats())["done"] for e in await inbox.endpoints()}
    finally:
        await inbox.close()


def _check(tmp_path: Path, api: FakeWeComAPI, kf_secret: str, n: int) -> list[str]:
    lines = _journal(tmp_path / "journal.txt", n)
    handled = sorted((name, msg_id) for name, msg_id, _ in (line.split() for line in lines))
    expected = sorted((name, str(7000 + i)) for name in ("hr", "kf") for i in range(n))
    assert handled == expected, "each endpoint handled each callback exactly once"
    # The journal line is written inside the handler, just before its record completes.
    deadline = time.monotonic() + 30
    while (done := asyncio.run(_done_by_endpoint(tmp_path / "inbox.db"))) != {"hr": n, "kf": n}:
        assert time.monotonic() < deadline, done
        time.sleep(0.05)
    secrets = {call.params.get("corpsecret") for call in api.calls_to("gettoken")}
    assert secrets == {api.secret, kf_secret}, "each endpoint's client used its own secret"
    return lines


def test_two_endpoints_from_one_settings_file(tmp_path: Path) -> None:
    with FakeWeComAPI() as api:
        kf_secret = api.add_secret()
        settings = _write_site(tmp_path, api, kf_secret)
        server = ServerProcess(
            f"--config={settings}", _env(tmp_path, api, kf_secret), cli=True, cwd=tmp_path
        )
        try:
            _wait_ready(server.url)
            check = Simulator(TOKEN_KF, KEY_KF, CORP).verify_request()
            echoed = httpx.get(check.url(server.url + "/wecom/kf"), timeout=10)
            assert echoed.content == check.plaintext  # the URL check, without a slash
            _send_all(server.url, 3)
            _check(tmp_path, api, kf_secret, 3)
            metrics = httpx.get(server.url + "/metrics", timeout=10).text
            assert 'wecom_callbacks_total{kind="text",outcome="new"} 6.0' in metrics
        finally:
            server.terminate()


def test_two_workers_share_the_port_and_the_metrics(tmp_path: Path) -> None:
    pytest.importorskip("prometheus_client")
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    with FakeWeComAPI() as api:
        kf_secret = api.add_secret()
        settings = _write_site(tmp_path, api, kf_secret)
        env = _env(tmp_path, api, kf_secret) | {"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
        server = ServerProcess(
            f"--config={settings}",
            env,
            cli=True,
            cwd=tmp_path,
            extra_args=["--workers", "2", "--header-timeout", "0.5"],
        )
        try:
            _wait_ready(server.url)
            for _ in range(4):  # each worker applies the serving limits (default 10 s)
                assert _closed_while_sending_headers(server.port, within=6.0)
            _send_all(server.url, 12)
            lines = _check(tmp_path, api, kf_secret, 12)
            handled_by = {line.split()[2] for line in lines}
            started = set(re.findall(r"Started server process \[(\d+)\]", "".join(server.log)))
            assert len(started) == 2, "two worker processes serve the port"
            assert handled_by <= started
            metrics = ""
            for _ in range(20):  # each scrape is answered by either worker: both must agree
                metrics = httpx.get(server.url + "/metrics", timeout=10).text
                found = re.search(r'callbacks_total\{kind="text",outcome="new"\} (\S+)', metrics)
                assert found and float(found.group(1)) == 24.0, metrics
        finally:
            server.terminate()
