"""The receive path end to end through a real uvicorn on 127.0.0.1."""

from __future__ import annotations

import httpx
import pytest

from tests import independent
from tests.conftest import CORP, KEY, TOKEN, Serve
from tests.vectors import DOC
from wecom_callback import TextReply, WeComApp
from wecom_callback.models import AddExternalContactEvent, TextMessage
from wecom_callback.testing import Simulator


def make_app() -> tuple[WeComApp, list[object]]:
    app = WeComApp(TOKEN, KEY, CORP, inbox="memory://")
    seen: list[object] = []

    @app.on("text")
    async def echo(msg: TextMessage) -> TextReply:
        seen.append(msg)
        return TextReply(content=f"you said {msg.content}")

    @app.on("change_external_contact", change_type="add_external_contact")
    def welcome(ev: AddExternalContactEvent) -> None:
        seen.append(ev)

    return app, seen


def test_documentation_vectors_through_uvicorn(serve: Serve) -> None:
    # The vectors are from 2014: far outside the replay window, so it is turned off.
    app = WeComApp(
        DOC["token"], DOC["key"], DOC["receive_id"], inbox="memory://", replay_window=False
    )
    got: list[TextMessage] = []

    @app.on("text")
    async def on_text(msg: TextMessage) -> str:
        got.append(msg)
        return "received"

    server = serve(app)
    with httpx.Client(base_url=server.url) as http:
        r = http.get(DOC["get_path"])
        assert r.status_code == 200
        assert r.content == DOC["echo"].encode()
        assert r.headers["content-type"].startswith("text/plain")
        r = http.post(DOC["post_path"], content=DOC["post_body"])
        assert r.status_code == 200
    assert [m.content for m in got] == ["hello"]
    assert got[0].msg_id == 4561255354251345929 and got[0].agent_id == 218
    message, rid = independent.open_reply(DOC["token"], DOC["key"], r.content)
    assert rid == DOC["receive_id"].encode()
    assert b"<Content><![CDATA[received]]></Content>" in message
    assert b"<ToUserName><![CDATA[mycreate]]></ToUserName>" in message


def test_passive_reply_and_event_dispatch(serve: Serve, sim: Simulator) -> None:
    app, seen = make_app()
    server = serve(app)
    text = sim.callback(
        {
            "ToUserName": CORP,
            "FromUserName": "zhangsan",
            "CreateTime": 1700000000,
            "MsgType": "text",
            "Content": "hi ]]> <b>",
            "MsgId": "1",
            "AgentID": 1000002,
        }
    )
    event = sim.callback(
        {
            "ToUserName": CORP,
            "FromUserName": "sys",
            "CreateTime": 1700000001,
            "MsgType": "event",
            "Event": "change_external_contact",
            "ChangeType": "add_external_contact",
            "UserID": "zhangsan",
            "ExternalUserID": "wmXXX",
            "WelcomeCode": "WC",
            "State": "s",
        }
    )
    with httpx.Client(base_url=server.url) as http:
        r = http.post(text.url("/wecom"), content=text.body)
        assert r.status_code == 200
        reply = sim.decrypt_reply(r.content)
        assert b"<Content><![CDATA[you said hi ]]]]><![CDATA[> <b>]]></Content>" in reply
        message, _ = independent.open_reply(TOKEN, KEY, r.content)
        assert message == reply
        r = http.post(event.url("/wecom"), content=event.body)
        assert (r.status_code, r.content) == (200, b"")
    assert isinstance(seen[1], AddExternalContactEvent)
    assert seen[1].welcome_code == "WC"


@pytest.mark.parametrize(
    ("mutate", "status", "needle"),
    [
        (lambda q, b: ({**q, "msg_signature": "0" * 40}, b), 403, b"-40001"),
        (lambda q, b: ({k: v for k, v in q.items() if k != "nonce"}, b), 400, b"nonce"),
        (lambda q, b: (q, b"this is not xml"), 400, b"-40002"),
        (lambda q, b: (q, b"<xml><ToUserName>x</ToUserName></xml>"), 400, b"Encrypt"),
        (
            lambda q, b: (q, b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><xml/>"),
            400,
            b"DTD",
        ),
        (lambda q, b: (q, b"<xml>" + b"x" * (1 << 20) + b"</xml>"), 413, b"cap"),
    ],
    ids=["bad-signature", "missing-nonce", "not-xml", "no-encrypt", "xml-bomb", "oversized"],
)
def test_bad_input_is_a_4xx_with_a_reason(
    serve: Serve, sim: Simulator, mutate: object, status: int, needle: bytes
) -> None:
    app, seen = make_app()
    server = serve(app)
    good = sim.callback({"MsgType": "text", "Content": "x", "MsgId": "9", "FromUserName": "u"})
    query, body = mutate(good.query, good.body)  # type: ignore[operator]
    with httpx.Client(base_url=server.url) as http:
        r = http.post("/", params=query, content=body)
        assert r.status_code == status
        assert needle in r.content
        # The server keeps serving.
        r = http.post(good.url("/"), content=good.body)
        assert r.status_code == 200
    assert len(seen) == 1


def test_wrong_receive_id_is_refused(serve: Serve) -> None:
    app, seen = make_app()
    other = Simulator(TOKEN, KEY, "ww-not-ours")
    req = other.callback({"MsgType": "text", "Content": "x", "MsgId": "1"})
    server = serve(app)
    r = httpx.post(req.url(server.url), content=req.body)
    assert r.status_code == 403
    assert b"-40005" in r.content
    assert r.headers["x-wecom-error-code"] == "-40005"
    assert seen == []


def test_get_with_bad_signature_and_other_methods(serve: Serve, sim: Simulator) -> None:
    app, _ = make_app()
    server = serve(app)
    req = sim.verify_request("12345")
    with httpx.Client(base_url=server.url) as http:
        assert http.get(req.url("/")).content == b"12345"
        bad = {**req.query, "timestamp": "1"}
        assert http.get("/", params=bad).status_code == 403
        assert http.get("/").status_code == 400
        assert http.put("/").status_code == 405
