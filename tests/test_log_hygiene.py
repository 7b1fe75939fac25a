"""Logs carry reasons, codes and keys; never the token, the key or payloads."""

from __future__ import annotations

import logging

import httpx
import pytest

from tests.conftest import CORP, KEY, TOKEN, Serve
from wecom_callback import WeComApp
from wecom_callback.models import TextMessage
from wecom_callback.testing import Simulator

SECRET_TEXT = "credit card 4111-1111-1111-1111"


def test_no_secrets_or_payloads_in_logs(
    serve: Serve, sim: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="wecom_callback")
    app = WeComApp(TOKEN, KEY, CORP, inbox="memory://", max_attempts=1)

    @app.on("text")
    def fails(msg: TextMessage) -> None:
        raise RuntimeError("handler bug")

    server = serve(app)
    good = sim.callback(
        {"MsgType": "text", "Content": SECRET_TEXT, "MsgId": 1, "FromUserName": "u"}
    )
    with httpx.Client(base_url=server.url) as http:
        assert http.post(good.url("/"), content=good.body).status_code == 200
        bad_sig = {**good.query, "msg_signature": "f" * 40}
        assert http.post("/", params=bad_sig, content=good.body).status_code == 403
        assert http.post(
            good.url("/"), content=b"<xml><Encrypt>zz</Encrypt></xml>"
        ).status_code in (400, 403)
        foreign = Simulator(TOKEN, KEY, "ww-foreign").callback(
            {"MsgType": "text", "Content": SECRET_TEXT, "MsgId": 2}
        )
        assert http.post(foreign.url("/"), content=foreign.body).status_code == 403
    server.stop()
    ours = [r for r in caplog.records if r.name.startswith("wecom_callback")]
    text = "\n".join(caplog.handler.format(r) for r in ours)
    assert "handler bug" in text or "RuntimeError" in text  # the failure is logged
    assert "-40001" in text and "-40005" in text  # with official codes
    for secret in (TOKEN, KEY, SECRET_TEXT, good.body.decode(), good.query["msg_signature"]):
        assert secret not in text
