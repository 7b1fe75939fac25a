"""examples/suite.py works as a suite: ticket, install from the site, a data callback."""

from __future__ import annotations

import importlib
import sys

import httpx
import pytest

from tests.conftest import KEY, TOKEN
from tests.suite.conftest import CORP, PROVIDER, SUITE, eventually, post
from wecom_callback.testing import FakeWeComAPI, LiveServer, Simulator


def test_the_suite_example(
    fake: FakeWeComAPI, suite_secret: str, instruction: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {"WECOM_TOKEN": TOKEN, "WECOM_ENCODING_AES_KEY": KEY, "WECOM_SUITE_ID": SUITE}
    env |= {"WECOM_SUITE_SECRET": suite_secret, "WECOM_PROVIDER_CORP_ID": PROVIDER}
    env |= {"WECOM_INBOX_URL": "memory://", "WECOM_API_BASE_URL": fake.base_url}
    env |= {"SUITE_INSTALL_BASE_URL": fake.base_url}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    sys.modules.pop("examples.suite", None)
    module = importlib.import_module("examples.suite")
    fake.service.installing(CORP, "Example Corp", agent_id=1000010)
    with LiveServer(module.site) as server:
        module.flow.redirect_uri = f"{server.url}/install/callback"
        ticket = fake.service.push_ticket(SUITE)
        req = instruction.instruction("suite_ticket", {"SuiteTicket": ticket})
        r = httpx.post(req.url(f"{server.url}/wecom/instruction"), content=req.body)
        assert r.content == b"success"  # no trailing slash: WeCom does not follow redirects
        eventually(lambda: server.call(module.app.suite_client.tickets.latest()), "the ticket")

        r = httpx.get(f"{server.url}/install/start", follow_redirects=True, timeout=10)
        assert r.status_code == 200 and "Example Corp" in r.text

        data = Simulator(TOKEN, KEY, CORP, agent_id=1000010)
        msg = {"ToUserName": CORP, "FromUserName": "zhangsan", "MsgType": "text"}
        r = post(f"{server.url}/wecom/data", data.callback({**msg, "Content": "hi", "MsgId": 7}))
        assert r.status_code == 200 and b"you said hi" in data.decrypt_reply(r.content)
        [sent] = fake.calls_to("message/send")
        assert sent.json["touser"] == "zhangsan" and sent.json["agentid"] == 1000010
