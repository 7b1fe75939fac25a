"""The command line: demo, simulate, decrypt, keygen, inbox."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CORP, KEY, TOKEN, Serve
from tests.vectors import DOC
from wecom_callback import WeComApp
from wecom_callback._cli.main import main
from wecom_callback.models import TextMessage

ROOT = Path(__file__).resolve().parents[1]


def simulate(url: str, content: str) -> int:
    """``wecom-callback simulate`` of a text message to ``url``."""
    return main(
        [
            "simulate",
            "--url",
            url + "/",
            "--token",
            TOKEN,
            "--key",
            KEY,
            "--receive-id",
            CORP,
            "text",
            content,
        ]
    )


def test_keygen(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keygen"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^WECOM_TOKEN=[A-Za-z0-9]{32}$", out, re.M)
    assert re.search(r"^WECOM_ENCODING_AES_KEY=[A-Za-z0-9]{43}$", out, re.M)


def decrypt(token: str) -> int:
    """``wecom-callback decrypt`` of the documentation's POST vector with ``token``."""
    return main(
        [
            "decrypt",
            "--token",
            token,
            "--key",
            DOC["key"],
            "--receive-id",
            DOC["receive_id"],
            "--msg-signature",
            DOC["post_signature"],
            "--timestamp",
            DOC["post_timestamp"],
            "--nonce",
            DOC["post_nonce"],
            "--encrypt",
            DOC["encrypt"],
        ]
    )


def test_decrypt_documentation_vector(capsys: pytest.CaptureFixture[str]) -> None:
    assert decrypt(DOC["token"]) == 0
    assert "<Content><![CDATA[hello]]></Content>" in capsys.readouterr().out
    assert decrypt("wrong") == 1  # a failed check; 2 is for usage and configuration
    assert "-40001" in capsys.readouterr().err


def test_simulate_against_a_live_server(serve: Serve, capsys: pytest.CaptureFixture[str]) -> None:
    app = WeComApp(TOKEN, KEY, CORP, inbox="memory://")

    @app.on("text")
    def answer(msg: TextMessage) -> str:
        return "pong:" + msg.content

    server = serve(app)
    assert simulate(server.url, "ping") == 0
    out = capsys.readouterr().out
    assert "HTTP 200" in out and "pong:ping" in out


def test_inbox_commands(tmp_path: Path, serve: Serve, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'inbox.db'}"
    app = WeComApp(TOKEN, KEY, CORP, inbox=url, max_attempts=1)

    @app.on("text")
    def boom(msg: TextMessage) -> None:
        raise RuntimeError("kaput")

    server = serve(app)
    assert simulate(server.url, "x") == 0
    server.stop()
    capsys.readouterr()
    assert main(["inbox", "--url", url, "stats"]) == 0
    assert '"dead": 1' in capsys.readouterr().out
    assert main(["inbox", "--url", url, "list", "--dead"]) == 0
    line = capsys.readouterr().out.strip()
    key = re.search(r'"key": "([^"]+)"', line).group(1)  # type: ignore[union-attr]
    assert "kaput" in line
    assert main(["inbox", "--url", url, "show", key]) == 0
    assert "<Content><![CDATA[x]]></Content>" in capsys.readouterr().out
    assert main(["inbox", "--url", url, "retry", key]) == 0
    capsys.readouterr()
    assert main(["inbox", "--url", url, "stats"]) == 0
    assert '"pending": 1' in capsys.readouterr().out
    assert main(["inbox", "--url", url, "show", "nope"]) == 1
    assert main(["inbox", "--url", url, "purge", "--older-than", "0"]) == 0
    assert "purged 0" in capsys.readouterr().out  # pending records are never purged


def test_demo_runs_and_prints_a_working_command(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wecom_callback._cli",
            "demo",
            "--port",
            "0",
            "--inbox",
            "memory://",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("  .venv/bin/wecom-callback simulate"):
                break
        text = "".join(lines)
        assert "decrypted passive reply" in text
        assert "you said: hello from the demo" in text
        assert "[handler] received TextMessage" in text
        assert "stream frames, each a growing snapshot" in text
        assert "  finish=true  Each refresh is answered from the stored snapshot" in text
        argv = shlex.split(lines[-1])
        result = subprocess.run(
            [sys.executable, "-m", "wecom_callback._cli", *argv[1:]],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
        )
        assert result.returncode == 0, result.stderr
        assert "you said: hi again" in result.stdout
    finally:
        proc.terminate()
        proc.wait(30)
        if proc.stdout is not None:
            proc.stdout.close()
