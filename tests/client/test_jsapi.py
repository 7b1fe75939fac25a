"""JS-SDK signatures: the official vector, and tickets fetched once and cached."""

from __future__ import annotations

from wecom_callback.client import WeComClient, jsapi_signature
from wecom_callback.testing import FakeWeComAPI

# D-96909 (JS-SDK使用权限签名算法), OUTBOUND.md 1.5.
TICKET = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
NONCE = "Wm3WZYTPz0wzccnW"
TIMESTAMP = 1414587457


def test_the_official_vector() -> None:
    url = "http://mp.weixin.qq.com?params=value"
    assert jsapi_signature(TICKET, NONCE, TIMESTAMP, url) == (
        "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
    )
    assert jsapi_signature(TICKET, NONCE, str(TIMESTAMP), url + "#section") == (
        "0f9de62fce790f9a083d5c99e95740ceb90c27ed"  # the fragment is not signed
    )


def test_the_official_account_vector_differs() -> None:
    assert jsapi_signature(TICKET, NONCE, TIMESTAMP, "http://mp.weixin.qq.com") == (
        "f4d90daf4b3bca3078ab155816175ba34c443a7b"
    )


async def test_sign_uses_the_corp_ticket_and_caches_it(
    api: FakeWeComAPI, client: WeComClient
) -> None:
    url = "https://example.com/page?x=1"
    first = await client.jsapi.sign(url)
    second = await client.jsapi.sign(url + "#top")
    tickets = api.calls_to("get_jsapi_ticket")
    assert len(tickets) == 1
    ticket = tickets[0].answer["ticket"]
    for config in (first, second):
        assert config.signature == jsapi_signature(ticket, config.nonce_str, config.timestamp, url)
    assert set(first.to_js()) == {"appId", "timestamp", "nonceStr", "signature"}
    assert first.to_js()["appId"] == api.corp_id


async def test_sign_agent_config_uses_the_app_ticket(
    api: FakeWeComAPI, client: WeComClient
) -> None:
    url = "https://example.com/app"
    config = await client.jsapi.sign_agent_config(url)
    await client.jsapi.sign_agent_config(url)
    calls = api.calls_to("ticket/get")
    assert len(calls) == 1 and calls[0].params == {"type": "agent_config"}
    ticket = calls[0].answer["ticket"]
    assert config.signature == jsapi_signature(ticket, config.nonce_str, config.timestamp, url)
    js = config.to_js()
    assert (js["corpid"], js["agentid"]) == (api.corp_id, api.agent_id)
    assert set(js) == {"corpid", "agentid", "timestamp", "nonceStr", "signature"}
    assert api.calls_to("get_jsapi_ticket") == []  # the corp ticket is another one
