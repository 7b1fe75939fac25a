"""``wecom-callback aibot connect``: the real command in a child process against FakeAIBotServer."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import KEY, TOKEN
from wecom_callback._cli.main import main
from wecom_callback.testing import FakeAIBotServer

BOT = "aibotCLI"
MODULE = """
from wecom_callback.aibot import AIBotApp, AIBotTextMessage

app = AIBotApp({token!r}, {key!r}, inbox={inbox!r})


@app.on("text")
async def echo(msg: AIBotTextMessage) -> str:
    return "echo " + msg.text.content
"""


@pytest.fixture
async def server() -> AsyncIterator[FakeAIBotServer]:
    async with FakeAIBotServer(bot_id=BOT) as fake:
        yield fake


@pytest.fixture
def bot_dir(tmp_path: Path) -> Path:
    inbox = f"sqlite:///{tmp_path / 'inbox.db'}"
    (tmp_path / "mybot.py").write_text(MODULE.format(token=TOKEN, key=KEY, inbox=inbox))
    return tmp_path


async def start(
    bot_dir: Path, server: FakeAIBotServer, secret: str, *extra: str
) -> asyncio.subprocess.Process:
    env = {**os.environ, "WECOM_AIBOT_SECRET": secret, "WECOM_LOG_FORMAT": "text"}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "wecom_callback._cli", "aibot", "connect", "mybot:app",
        "--bot-id", BOT, "--url", server.url, *extra,
        cwd=bot_dir, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def finish(process: asyncio.subprocess.Process) -> tuple[int, str, str]:
    async with asyncio.timeout(30):
        out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def one_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    return lines[0]


async def test_connects_answers_and_stops_on_sigterm(
    bot_dir: Path, server: FakeAIBotServer
) -> None:
    process = await start(bot_dir, server, server.secret)
    try:
        await server.wait_subscribed(timeout=30)
        req_id = await server.push_message(
            {
                "msgid": "m-1",
                "aibotid": BOT,
                "chattype": "single",
                "from": {"userid": "lisi"},
                "msgtype": "text",
                "text": {"content": "hi"},
            }
        )
        [reply] = await server.wait_for("aibot_respond_msg", req_id=req_id, timeout=30)
    finally:
        process.send_signal(signal.SIGTERM)
    code, out, err = await finish(process)
    assert code == 0, err
    assert reply.body["stream"]["content"] == "echo hi" and reply.errcode == 0
    assert f"bot {BOT} connected to {server.url}" in out
    assert server.secret not in out + err


async def test_a_wrong_secret_is_one_line_and_exit_2(
    bot_dir: Path, server: FakeAIBotServer
) -> None:
    code, out, err = await finish(await start(bot_dir, server, "wrong-secret-value"))
    assert code == 2
    line = one_line(err)
    assert line.startswith(f"error: WeCom refused the long connection of bot {BOT!r}")
    assert "errcode 40001" in line and "wrong-secret-value" not in out + err


async def test_being_kicked_is_one_line_and_exit_1(bot_dir: Path, server: FakeAIBotServer) -> None:
    process = await start(bot_dir, server, server.secret, "--log-format", "json")
    await server.wait_subscribed(timeout=30)
    await server.kick()
    code, _, err = await finish(process)
    assert code == 1
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert errors == [one_line("\n".join(errors))]
    assert "another connection subscribed bot" in errors[0]


def test_the_secret_comes_only_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("WECOM_AIBOT_SECRET", raising=False)
    assert main(["aibot", "connect", "mybot:app", "--bot-id", BOT]) == 2
    assert one_line(capsys.readouterr().err).startswith("error: set WECOM_AIBOT_SECRET")
    with pytest.raises(SystemExit) as info:
        main(["aibot", "connect", "--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    assert "usage: wecom-callback aibot connect" in text and "WECOM_AIBOT_SECRET" in text
    assert "--secret" not in text


def test_the_target_must_be_an_aibotapp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "not_a_bot_cli.py").write_text("app = 42\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WECOM_AIBOT_SECRET", "s3cret")
    assert main(["aibot", "connect", "not_a_bot_cli:app", "--bot-id", BOT]) == 2
    line = one_line(capsys.readouterr().err)
    assert line == "error: not_a_bot_cli:app is not an AIBotApp (int)"
