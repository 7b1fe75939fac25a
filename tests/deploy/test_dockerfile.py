"""The Dockerfile, checked without a Docker engine: build the wheel, install it into a
fresh venv the way the image does, and run the image's CMD from that venv."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import httpx

from tests.conftest import CORP, KEY, TOKEN
from wecom_callback.testing import Simulator

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def instruction(name: str, stage: int = -1) -> list[str]:
    stages = re.split(r"^FROM ", DOCKERFILE, flags=re.M)[1:]
    text = stages[stage].replace("\\\n", " ")
    return [line[len(name) + 1 :].strip() for line in text.splitlines() if line.startswith(name)]


def test_image_shape() -> None:
    bases = re.findall(r"^FROM (\S+)", DOCKERFILE, flags=re.M)
    assert bases and all(b.startswith("python:3.11-slim") for b in bases)
    assert instruction("USER") == ["wecom"]
    assert "useradd" in DOCKERFILE and "--uid 10001" in DOCKERFILE
    (health,) = instruction("HEALTHCHECK")
    assert "/healthz" in health
    (cmd,) = instruction("CMD")
    # The command the README tells users to run: it trusts FORWARDED_ALLOW_IPS's proxy
    # headers and applies the serving limits of a public URL.
    assert "wecom-callback run" in cmd
    assert instruction("VOLUME") == ['["/app/data"]']
    assert "FORWARDED_ALLOW_IPS=" in DOCKERFILE


def test_wheel_installs_and_the_cmd_serves(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = dist.glob("wecom_callback-*.whl")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    # The wheel carries the package, its marker of types, and the console script.
    with zipfile.ZipFile(wheel) as archive:
        assert "wecom_callback/py.typed" in archive.namelist()
    assert (env_dir / "bin" / "wecom-callback").exists()

    (cmd,) = instruction("CMD")
    argv = json.loads(cmd)
    assert argv[:2] == ["sh", "-c"]
    shell = (
        argv[2].replace('--port "$PORT"', "--port 0").replace("--host 0.0.0.0", "--host 127.0.0.1")
    )
    env = {
        "PATH": f"{env_dir / 'bin'}:{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
        "WECOM_TOKEN": TOKEN,
        "WECOM_ENCODING_AES_KEY": KEY,
        "WECOM_RECEIVE_ID": CORP,
        "WECOM_DATA_DIR": str(tmp_path / "data"),
    }
    proc = subprocess.Popen(
        ["sh", "-c", shell], env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stderr is not None
        port = None
        for line in proc.stderr:
            found = re.search(r"Uvicorn running on http://127\.0\.0\.1:(\d+)", line)
            if found:
                port = int(found.group(1))
                break
        assert port, "uvicorn did not report its port"
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/healthz").text == "ok"
        sim = Simulator(TOKEN, KEY, CORP)
        check = sim.verify_request("4242")
        assert httpx.get(check.url(base + "/")).text == "4242"
        post = sim.callback({"MsgType": "text", "Content": "x", "MsgId": 5, "FromUserName": "u"})
        assert httpx.post(post.url(base + "/"), content=post.body).status_code == 200
        assert (tmp_path / "data" / "inbox.db").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stderr is not None:
            proc.stderr.close()
    assert shlex.split(shell)[0] == "exec"
