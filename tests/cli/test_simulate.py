"""``simulate``: realistic callbacks of any kind, InfoTypes, own files, the URL check."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from tests.conftest import CORP, KEY, TOKEN, Serve
from wecom_callback import WeComApp
from wecom_callback._cli.main import main
from wecom_callback._cli.samples import sample_names
from wecom_callback.models import (
    Callback,
    KfMsgOrEvent,
    SuiteTicketEvent,
    SysApprovalChangeEvent,
    TextMessage,
)
from wecom_callback.testing import LiveServer

SUITE = "wwsuite00000000001"


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WECOM_TOKEN", TOKEN)
    monkeypatch.setenv("WECOM_ENCODING_AES_KEY", KEY)
    monkeypatch.setenv("WECOM_RECEIVE_ID", CORP)


class Seen:
    """The callbacks an app's handlers received, and an event set at each."""

    def __init__(self, app: WeComApp) -> None:
        self.models: list[Callback] = []
        self.arrived = threading.Event()

        @app.on("*")
        def record(model: Callback) -> None:
            self.models.append(model)
            self.arrived.set()

    def wait(self) -> Callback:
        assert self.arrived.wait(30), "no callback reached the handler"
        return self.models[-1]


def simulate(server: LiveServer, *argv: str) -> int:
    return main(["simulate", "--url", server.url + "/", *argv])


def test_an_approval_arrives_with_its_approval_info(serve: Serve) -> None:
    app = WeComApp(TOKEN, KEY, CORP, inbox="memory://")
    seen = Seen(app)
    assert simulate(serve(app), "sys_approval_change") == 0
    model = seen.wait()
    assert isinstance(model, SysApprovalChangeEvent)
    assert model.approval_info is not None and model.approval_info.sp_no == "201910220003"
    assert model.to_user_name == CORP


def test_a_kf_event_carries_its_token(serve: Serve) -> None:
    app = WeComApp(TOKEN, KEY, CORP, inbox="memory://")
    seen = Seen(app)
    assert simulate(serve(app), "kf_msg_or_event") == 0
    model = seen.wait()
    assert isinstance(model, KfMsgOrEvent) and model.token and model.open_kf_id == "wkxxxxxxx"


def test_an_info_type_is_acknowledged_with_success(
    serve: Serve, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WECOM_RECEIVE_ID", SUITE)
    app = WeComApp(TOKEN, KEY, SUITE, inbox="memory://")
    seen = Seen(app)
    assert simulate(serve(app), "suite_ticket") == 0
    assert "success" in capsys.readouterr().out
    model = seen.wait()
    assert isinstance(model, SuiteTicketEvent) and model.suite_ticket == "asdfasfdasdfasdf"


def test_both_forms_of_a_dual_kind(serve: Serve, monkeypatch: pytest.MonkeyPatch) -> None:
    app = WeComApp(TOKEN, KEY, CORP, inbox="memory://")
    seen = Seen(app)
    server = serve(app)
    assert simulate(server, "add_external_contact", "from-cli") == 0
    event = seen.wait()
    seen.arrived.clear()
    assert event.raw.get("State") == "from-cli" and "InfoType" not in event.raw
    assert simulate(server, "--info", "add_external_contact") == 0
    assert seen.wait().raw.get("InfoType") == "change_external_contact"


def test_a_text_gets_its_passive_reply(serve: Serve, capsys: pytest.CaptureFixture[str]) -> None:
    app = WeComApp(TOKEN, KEY, CORP, inbox="memory://")

    @app.on("text")
    def answer(msg: TextMessage) -> str:
        return "pong:" + msg.content

    assert simulate(serve(app), "text", "ping") == 0
    out = capsys.readouterr().out
    assert out.startswith("HTTP 200 OK") and "pong:ping" in out


def test_a_refusal_prints_status_reason_and_code(
    serve: Serve, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = serve(WeComApp("AnotherToken", KEY, CORP, inbox="memory://"))
    assert simulate(server, "text") == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err == "HTTP 403 Forbidden, WeCom code -40001: msg_signature does not match the request"
    monkeypatch.setenv("WECOM_RECEIVE_ID", "wwsomeoneelse00001")
    server = serve(WeComApp(TOKEN, KEY, CORP, inbox="memory://"))
    assert simulate(server, "--verify-url") == 1
    assert "WeCom code -40005" in capsys.readouterr().err


def test_the_url_check_and_an_own_file(
    serve: Serve, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = WeComApp(TOKEN, KEY, CORP, inbox="memory://")
    seen = Seen(app)
    server = serve(app)
    assert simulate(server, "--verify-url") == 0
    assert "URL check passed" in capsys.readouterr().out
    own = tmp_path / "mine.xml"
    own.write_text(
        f"<xml><ToUserName>{CORP}</ToUserName><MsgType>event</MsgType>"
        "<Event>my_own_event</Event><CreateTime>1</CreateTime></xml>"
    )
    assert simulate(server, "--file", str(own)) == 0
    assert seen.wait().kind == "my_own_event"


def test_list_names_every_sample(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--list"]) == 0
    listed = capsys.readouterr().out.split()
    assert listed == list(sample_names())
    assert {"text", "sys_approval_change", "suite_ticket.info", "kf_msg_or_event"} <= set(listed)


def test_usage_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "text"]) == 2
    assert capsys.readouterr().err == "error: --url is required: the server's callback URL\n"
    with socket.socket() as sock:  # a port the OS just gave out, closed again: refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert main(["simulate", "--url", f"http://127.0.0.1:{port}/", "text"]) == 1
    assert capsys.readouterr().err.splitlines()[-1].startswith("error: no answer from")
