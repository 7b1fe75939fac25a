"""Suite scenarios log reasons and ids, never tickets, codes, secrets or tokens."""

from __future__ import annotations

import logging

import httpx
import pytest

from tests.conftest import KEY, TOKEN
from tests.suite.conftest import CORP, SUITE, eventually, installed, post, suite_app
from wecom_callback.client import Text
from wecom_callback.testing import FakeWeComAPI, LiveServer, Simulator


def test_suite_logs_keep_credentials_out(
    fake: FakeWeComAPI, suite_secret: str, instruction: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    app = suite_app(fake, suite_secret, "memory://", max_attempts=1)
    ticket = fake.service.push_ticket(SUITE)
    code = fake.service.authorize(SUITE, CORP)
    with LiveServer(app) as server:
        post(server, instruction.instruction("suite_ticket", {"SuiteTicket": ticket}))
        eventually(lambda: server.call(app.suite_client.tickets.latest()), "the ticket")
        post(server, instruction.instruction("create_auth", {"AuthCode": code}))
        inst = eventually(lambda: installed(server, app, CORP), "the installation")
        client = app.suite_client.for_corp(CORP, agent_id=inst.agent_id)
        server.call(client.message.send(Text(content="secret text"), touser="zhangsan"))
        corp_token = server.call(client.access_token())
        suite_token = server.call(app.suite_client.suite_token())
        # Failures log too: a refused refresh, a stranger's data callback.
        fake.service.cancel(SUITE, CORP)
        post(server, instruction.instruction("change_auth", {"AuthCorpId": CORP}))
        stranger = Simulator(TOKEN, KEY, "wwStranger").callback({"MsgType": "text", "MsgId": 1})
        assert httpx.post(stranger.url(server.url), content=stranger.body).status_code == 403
        eventually(lambda: "48004" in caplog.text, "the failure logged")
        post(server, instruction.instruction("cancel_auth", {"AuthCorpId": CORP}))
        eventually(lambda: server.call(app.installations.get(CORP)) is None, "the removal")
    text = caplog.text
    assert "installed in" in text and "removed from" in text  # the story is logged
    permanent = inst.permanent_code.get_secret_value()
    for secret in (ticket, code, suite_secret, permanent, corp_token, suite_token):
        assert secret not in text
