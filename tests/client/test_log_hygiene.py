"""No token, ticket or secret in any log record, repr or error text, at DEBUG, anywhere."""

from __future__ import annotations

import logging

import pytest

from tests.client.conftest import MakeClient
from wecom_callback.client import Text
from wecom_callback.errors import WeComAPIError, WeComTransportError
from wecom_callback.testing import FakeWeComAPI


async def test_credentials_never_reach_logs_reprs_or_errors(
    api: FakeWeComAPI, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, every level
    texts: list[str] = []
    async with make_client() as client:
        await client.message.send(Text(content="hi"), touser="zhangsan")
        api.expire_tokens()  # a refresh, logged
        await client.agent.get()
        api.fail_next("getcallbackip", errcode=-1)  # a retry, logged
        await client.get_callback_ip()
        api.fail_next("message/send", status=502)
        with pytest.raises(WeComTransportError) as transport:
            await client.message.send(Text(content="hi"), touser="zhangsan")
        api.fail_next("message/send", errcode=60020, errmsg="not allow to access from your ip")
        with pytest.raises(WeComAPIError) as refused:
            await client.message.send(Text(content="hi"), touser="zhangsan")
        await client.media.upload("file", "报告.pdf", b"%PDF-1.4 hello")
        await client.jsapi.sign("https://example.com/page")
        await client.jsapi.sign_agent_config("https://example.com/page")
        texts += [repr(client), repr(client.kf), str(transport.value), str(refused.value)]
        texts += [repr(client.token_source), repr(client.store)]
    async with make_client(secret="wrong-secret-value") as wrong:
        with pytest.raises(WeComAPIError) as bad_secret:
            await wrong.get_callback_ip()
        texts += [str(bad_secret.value), repr(wrong)]

    records = caplog.records
    texts += [caplog.handler.format(record) for record in records]
    texts += [str(record.args) for record in records]
    credentials = {api.secret, "wrong-secret-value"}
    for call in api.calls:
        if call.access_token:
            credentials.add(call.access_token)
        for key in ("access_token", "ticket"):
            if isinstance(call.answer, dict) and call.answer.get(key):
                credentials.add(call.answer[key])
    assert len(credentials) >= 6  # two secrets, two tokens, two tickets
    joined = "\n".join(texts)
    for credential in credentials:
        assert credential not in joined
    # The capture saw httpx's request lines (the ones that carry the token), masked.
    requests = [r.getMessage() for r in records if r.name == "httpx"]
    assert any("access_token=***" in line for line in requests)
    assert any("corpsecret=***" in line for line in requests)
    assert any(r.name == "wecom_callback.client" for r in records)  # our own lines too
