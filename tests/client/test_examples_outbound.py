"""The outbound examples run: each serves its app, sends itself a callback, uses the client."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from examples import approval_notifier, kf_echo, welcome

ROOT = Path(__file__).resolve().parents[2]


async def test_welcome_greets_the_new_customer() -> None:
    sent = await welcome.demo()
    assert sent == [{"welcome_code": "WELCOME-CODE-1", "text": {"content": "Welcome! 👋"}}]


async def test_kf_echo_answers_each_customer_message_once() -> None:
    sent = await kf_echo.demo()
    assert [body["text"]["content"] for body in sent] == ["you said: hello", "you said: bye"]
    assert all(body["touser"] == "wmcustomer01" for body in sent)
    assert all(body["open_kfid"] == kf_echo.ACCOUNT for body in sent)


async def test_approval_notifier_tells_the_applicant() -> None:
    sent = await approval_notifier.demo()
    assert len(sent) == 1
    assert sent[0]["touser"] == "zhangsan" and sent[0]["msgtype"] == "textcard"
    assert sent[0]["textcard"]["title"] == "Leave was approved"


@pytest.mark.parametrize("name", ["welcome", "kf_echo", "approval_notifier"])
def test_each_example_runs_with_one_command(name: str) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / f"{name}.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "callback answered HTTP 200" in done.stdout
    assert "WeCom received" in done.stdout
