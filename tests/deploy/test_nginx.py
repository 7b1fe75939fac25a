"""Behind a real nginx: callbacks pass through, and the client address is the caller's."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import textwrap
import threading
import time
from pathlib import Path

import httpx

from tests.conftest import CORP, KEY, TOKEN
from tests.durability.server_process import ServerProcess
from wecom_callback.testing import Simulator


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def nginx_conf(tmp_path: Path, http_body: str) -> Path:
    """A main nginx.conf under ``tmp_path`` whose http block holds ``http_body``."""
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        textwrap.dedent(f"""
        worker_processes 1;
        error_log {tmp_path}/error.log;
        pid {tmp_path}/nginx.pid;
        events {{ worker_connections 64; }}
        http {{
            access_log off;
            client_body_temp_path {tmp_path}/body;
            proxy_temp_path {tmp_path}/proxy;
            fastcgi_temp_path {tmp_path}/fastcgi;
            uwsgi_temp_path {tmp_path}/uwsgi;
            scgi_temp_path {tmp_path}/scgi;
        """)
        + http_body
        + "\n}\n"
    )
    return conf


def start_nginx(tmp_path: Path, conf: Path, base: str) -> subprocess.Popen[bytes]:
    """nginx on ``conf``, once it answers at ``base``."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(nginx).exists(), "nginx is missing: run scripts/install"
    proc = subprocess.Popen(
        [nginx, "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(base, timeout=1)
            return proc
        except httpx.TransportError:
            assert proc.poll() is None, (tmp_path / "error.log").read_text()
            assert time.monotonic() < deadline, "nginx did not come up"
            threading.Event().wait(0.02)


def test_behind_nginx_with_proxy_headers(tmp_path: Path) -> None:
    env = {"WECOM_TOKEN": TOKEN, "WECOM_ENCODING_AES_KEY": KEY, "WECOM_RECEIVE_ID": CORP}
    app = ServerProcess(
        "tests.deploy.proxy_app:app",
        env,
        extra_args=["--proxy-headers", "--forwarded-allow-ips", "127.0.0.1"],
    )
    port = free_port()
    conf = nginx_conf(
        tmp_path,
        f"""
        server {{
            listen 127.0.0.1:{port};
            location /wecom/ {{
                proxy_pass http://127.0.0.1:{app.port}/;
                proxy_set_header Host $host;
                proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                proxy_set_header X-Forwarded-Proto $scheme;
            }}
        }}
        """,
    )
    base = f"http://127.0.0.1:{port}/wecom/"
    proc = None
    try:
        proc = start_nginx(tmp_path, conf, base)
        sim = Simulator(TOKEN, KEY, CORP)
        check = sim.verify_request("777")
        assert httpx.get(check.url(base)).text == "777"
        req = sim.callback({"MsgType": "text", "Content": "x", "MsgId": 1, "FromUserName": "u"})
        r = httpx.post(req.url(base), content=req.body, headers={"X-Forwarded-For": "203.0.113.7"})
        assert r.status_code == 200
        assert b"client=203.0.113.7" in sim.decrypt_reply(r.content)
        bad = httpx.post(base, params={**req.query, "msg_signature": "0" * 40}, content=req.body)
        assert bad.status_code == 403 and b"-40001" in bad.content
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(30)
        app.terminate()


def test_the_production_example_config_serves_callbacks(tmp_path: Path) -> None:
    """examples/nginx.conf, with its upstream pointed here, passes callbacks and limits."""
    env = {"WECOM_TOKEN": TOKEN, "WECOM_ENCODING_AES_KEY": KEY, "WECOM_RECEIVE_ID": CORP}
    app = ServerProcess("tests.deploy.proxy_app:app", env, cli=True)
    port = free_port()
    example = (Path(__file__).parents[2] / "examples" / "nginx.conf").read_text()
    example = re.sub(r"server wecom\d:8000;", f"server 127.0.0.1:{app.port};", example)
    example = example.replace("listen 80;", f"listen 127.0.0.1:{port};")
    (tmp_path / "wecom.conf").write_text(example)
    conf = nginx_conf(tmp_path, f"include {tmp_path}/wecom.conf;")
    base = f"http://127.0.0.1:{port}/"
    proc = None
    try:
        proc = start_nginx(tmp_path, conf, base)
        sim = Simulator(TOKEN, KEY, CORP)
        req = sim.callback({"MsgType": "text", "Content": "x", "MsgId": 2, "FromUserName": "u"})
        r = httpx.post(req.url(base), content=req.body, headers={"X-Forwarded-For": "203.0.113.9"})
        assert r.status_code == 200
        assert b"client=203.0.113.9" in sim.decrypt_reply(r.content)
        big = httpx.post(req.url(base), content=b"x" * (2 << 20))
        assert big.status_code == 413  # refused by nginx before the app
        long_header = httpx.get(base, headers={"X-Big": "a" * 20000})
        assert long_header.status_code in (400, 431, 494)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(30)
        app.terminate()
