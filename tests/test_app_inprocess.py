"""The app in-process (Starlette's TestClient): mounting, several apps, settings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from tests.conftest import CORP, KEY, TOKEN
from wecom_callback import Settings, WeComApp
from wecom_callback.errors import ConfigurationError
from wecom_callback.models import TextMessage
from wecom_callback.testing import Simulator


def test_two_apps_mounted_in_one_starlette() -> None:
    hr = WeComApp(TOKEN, KEY, CORP, inbox="memory://")
    sales_key = "Z" * 43
    sales = WeComApp("sales-token", sales_key, "ww-sales", inbox="memory://")

    @hr.on("text")
    def hr_reply(msg: TextMessage) -> str:
        return "hr:" + msg.content

    @sales.on("text")
    def sales_reply(msg: TextMessage) -> str:
        return "sales:" + msg.content

    outer = Starlette(routes=[Mount("/wecom/hr", hr), Mount("/wecom/sales", sales)])
    hr_sim = Simulator(TOKEN, KEY, CORP)
    sales_sim = Simulator("sales-token", sales_key, "ww-sales")
    with TestClient(outer) as client:
        req = hr_sim.callback({"MsgType": "text", "Content": "a", "MsgId": 1, "FromUserName": "u"})
        r = client.post(req.url("/wecom/hr"), content=req.body)
        assert b"<Content><![CDATA[hr:a]]></Content>" in hr_sim.decrypt_reply(r.content)
        req = sales_sim.callback(
            {"MsgType": "text", "Content": "b", "MsgId": 1, "FromUserName": "u"}
        )
        r = client.post(req.url("/wecom/sales"), content=req.body)
        assert b"sales:b" in sales_sim.decrypt_reply(r.content)
        # The HR app refuses the sales app's callbacks.
        r = client.post(req.url("/wecom/hr"), content=req.body)
        assert r.status_code == 403


def test_chunked_body_over_the_cap_is_413() -> None:
    app = WeComApp(TOKEN, KEY, CORP, inbox="memory://", max_body_size=1000)
    sim = Simulator(TOKEN, KEY, CORP)
    req = sim.callback({"MsgType": "text", "Content": "x" * 2000, "MsgId": 1})

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(req.body), 100):
            yield req.body[i : i + 100]

    with TestClient(app) as client:
        r = client.post(req.url("/"), content=chunks())
        assert r.status_code == 413


def test_from_env() -> None:
    env = {
        "WECOM_TOKEN": TOKEN,
        "WECOM_ENCODING_AES_KEY": KEY,
        "WECOM_RECEIVE_ID": f"{CORP}, suite1",
        "WECOM_REPLY_BUDGET": "2",
    }
    settings = Settings.from_env(env)
    assert settings.receive_ids == (CORP, "suite1")
    assert settings.reply_budget == 2.0
    assert TOKEN not in repr(settings) and KEY not in repr(settings)
    with pytest.raises(ConfigurationError, match="WECOM_TOKEN"):
        Settings.from_env({})
    with pytest.raises(ConfigurationError, match="reply_budget"):
        Settings.from_env({**env, "WECOM_REPLY_BUDGET": "9"})


def test_app_repr_hides_secrets() -> None:
    app = WeComApp(TOKEN, KEY, CORP, inbox="memory://")
    assert TOKEN not in repr(app) and KEY not in repr(app)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abc=&%+2B_-.x", max_size=40))
def test_query_fast_path_agrees_with_parse_qsl(text: str) -> None:
    from urllib.parse import parse_qsl

    from wecom_callback._app.http import parse_query as _query

    assert _query(text.encode()) == dict(parse_qsl(text, keep_blank_values=True))
