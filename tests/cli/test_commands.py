"""Every command: help on every option, --version, one-line errors, tracebacks only on --debug."""

from __future__ import annotations

import argparse
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import wecom_callback
from wecom_callback._cli.main import _parser, _parsers, main

ROOT = Path(__file__).resolve().parents[2]


def cli(*argv: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """The real command in a child process (so a traceback would reach its stderr)."""
    return subprocess.run(
        [sys.executable, "-m", "wecom_callback._cli", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
    )


def closed_port() -> int:
    """A port the OS just handed out and that nothing listens on any more."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"wecom-callback {wecom_callback.__version__}"


def test_every_option_of_every_command_has_help() -> None:
    # argparse lists a parser's options only in the private _actions (stable since 2.7).
    parser = _parser()
    commands = list(_parsers(parser))
    assert len(commands) >= 13  # the seven commands and the five inbox actions, at least
    missing = []
    for command in commands:
        for action in command._actions:
            if isinstance(
                action, argparse._HelpAction | argparse._VersionAction | argparse._SubParsersAction
            ):
                continue
            if action.help == argparse.SUPPRESS and action.dest == "debug":
                continue  # the global --debug, also accepted after the command
            if not action.help:
                missing.append(f"{command.prog}: {action.option_strings or action.dest}")
    assert missing == []


@pytest.mark.parametrize(
    "command", ["demo", "simulate", "run", "worker", "decrypt", "keygen", "inbox", "inbox stats"]
)
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*command.split(), "--help"])
    assert exit_info.value.code == 0
    assert "usage: wecom-callback " + command in capsys.readouterr().out


def test_keygen_for_a_named_endpoint(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keygen", "--name", "hr-app"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "WECOM_NAME=hr-app"
    assert re.fullmatch(r"WECOM_TOKEN=[A-Za-z0-9]{32}", lines[1])
    assert re.fullmatch(r"WECOM_ENCODING_AES_KEY=[A-Za-z0-9]{43}", lines[2])
    assert main(["keygen", "--name", "no spaces"]) == 2
    assert capsys.readouterr().err.startswith("error: endpoint name 'no spaces' is not valid")


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def test_a_worker_on_a_module_that_does_not_compile(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("app = (\n")
    line = one_line_error(cli("worker", "broken:app", cwd=tmp_path))
    assert "SyntaxError" in line and "broken.py" in line and "--debug" in line
    debug = cli("--debug", "worker", "broken:app", cwd=tmp_path)
    assert debug.returncode == 1 and "Traceback (most recent call last)" in debug.stderr
    after = cli("worker", "broken:app", "--debug", cwd=tmp_path)  # after the command too
    assert "Traceback (most recent call last)" in after.stderr


def test_a_worker_on_a_module_that_is_missing(tmp_path: Path) -> None:
    line = one_line_error(cli("worker", "no_such_module:app", cwd=tmp_path))
    assert "cannot import 'no_such_module'" in line


def test_a_worker_whose_redis_is_unreachable(tmp_path: Path) -> None:
    (tmp_path / "redis_site.py").write_text(
        "from wecom_callback import WeComApp\n"
        "app = WeComApp('Tok3nForTests', 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',"
        f" 'ww0123456789abcdef', inbox='redis://127.0.0.1:{closed_port()}/0')\n"
    )
    result = cli("worker", "redis_site:app", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("error: redis.ConnectionError")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("redis://127.0.0.1:{port}/0", "error: redis.ConnectionError"),
        ("sqlite:///{tmp}/nowhere/inbox.db", "error: no inbox at"),
        ("bogus://x", "error: unknown inbox URL scheme 'bogus'"),
    ],
)
def test_inbox_errors_are_one_line(tmp_path: Path, url: str, expected: str) -> None:
    url = url.format(port=closed_port(), tmp=tmp_path)
    result = cli("inbox", "--url", url, "stats", cwd=tmp_path)
    # The first line may say which inbox was opened; the error is the one line after it.
    lines = [line for line in result.stderr.splitlines() if not line.startswith("inbox ")]
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert len(lines) == 1 and lines[0].startswith(expected), result.stderr


def test_a_missing_sqlite_file_is_not_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "inbox.db"
    assert main(["inbox", "--url", f"sqlite:///{path}", "stats"]) == 2
    assert capsys.readouterr().err.startswith(f"error: no inbox at {path}")
    assert not path.exists()


def test_keygen_for_a_settings_file_endpoint(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keygen", "--endpoint", "hr"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"WECOM_HR_TOKEN=[A-Za-z0-9]{32}", lines[0])
    assert re.fullmatch(r"WECOM_HR_ENCODING_AES_KEY=[A-Za-z0-9]{43}", lines[1])
    assert main(["keygen", "--endpoint", "a b"]) == 2
    assert "endpoint name 'a b' is not valid" in capsys.readouterr().err


def test_run_and_worker_with_a_settings_file_say_what_is_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "wecom.toml"
    bad.write_text('[endpoints.hr]\nreceive_id = "ww1"\n')
    assert main(["run", "--config", str(bad)]) == 2
    assert "'receive_id' is not a setting; did you mean 'receive_ids'?" in capsys.readouterr().err
    assert main(["worker", "--config", str(tmp_path / "missing.toml")]) == 2
    assert "missing.toml' does not exist" in capsys.readouterr().err
    assert main(["run", "--config", str(bad), "mod:app"]) == 2
    assert "either module:attribute or --config, not both" in capsys.readouterr().err
    assert main(["worker"]) == 2
    assert "module:attribute or --config FILE" in capsys.readouterr().err
    assert main(["run", "--workers", "0", "mod:app"]) == 2
    assert "--workers must be at least 1" in capsys.readouterr().err
