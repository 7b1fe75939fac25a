"""The topology of examples/docker-compose.yml, with real processes instead of containers.

A real nginx on examples/nginx.conf in front of two ``wecom-callback run`` replicas that
share a real Redis; callbacks go through nginx, one replica is SIGKILLed mid-stream, and
nothing is lost or run again after it completed.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.deploy.test_nginx import free_port, nginx_conf, start_nginx
from tests.durability.server_process import ServerProcess
from tests.durability.test_crash import APP, base_env, check, run_stream
from tests.support.redis_server import redis_server

ROOT = Path(__file__).resolve().parents[2]


def test_nginx_two_replicas_and_redis_lose_nothing(tmp_path: Path) -> None:
    with redis_server() as url:
        env = {**base_env(tmp_path), "WECOM_INBOX_URL": url}
        a = ServerProcess(APP, env, cli=True)
        b = ServerProcess(APP, env, cli=True)
        proxy = None
        try:
            port = free_port()
            example = (ROOT / "examples" / "nginx.conf").read_text()
            upstream = f"server 127.0.0.1:{a.port};\n    server 127.0.0.1:{b.port};"
            example = re.sub(r"server wecom1:8000;\s*server wecom2:8000;", upstream, example)
            example = example.replace("listen 80;", f"listen 127.0.0.1:{port};")
            (tmp_path / "wecom.conf").write_text(example)
            conf = nginx_conf(tmp_path, f"include {tmp_path}/wecom.conf;")
            base = f"http://127.0.0.1:{port}/"
            proxy = start_nginx(tmp_path, conf, base)
            run_stream(lambda: base, lambda: base, a.kill)  # nginx routes past the dead one
            check(tmp_path / "journal.txt", a.proc.pid, lambda: base)
        finally:
            if proxy is not None:
                proxy.terminate()
                proxy.wait(30)
            a.kill()
            b.kill()
