"""Two replicas sharing Redis: one ticket, one set of installations, both data URLs."""

from __future__ import annotations

from tests.conftest import KEY, TOKEN
from tests.suite.conftest import CORP, SUITE, eventually, installed, post, redis_isolated, suite_app
from wecom_callback.testing import FakeWeComAPI, LiveServer, Simulator


def text(msg_id: int) -> dict[str, object]:
    return {"ToUserName": CORP, "FromUserName": "zhangsan", "MsgType": "text",
            "Content": "hi", "MsgId": msg_id, "AgentID": 1000010}  # fmt: skip


def test_replicas_share_ticket_and_installations(
    fake: FakeWeComAPI, suite_secret: str, instruction: Simulator, redis_url: str
) -> None:
    url = redis_isolated(redis_url)
    one, two = (suite_app(fake, suite_secret, url) for _ in range(2))
    data = Simulator(TOKEN, KEY, CORP, agent_id=1000010)
    with LiveServer(one) as a, LiveServer(two) as b:
        ticket = fake.service.push_ticket(SUITE)
        assert post(a, instruction.instruction("suite_ticket", {"SuiteTicket": ticket})).is_success
        eventually(lambda: a.call(one.suite_client.tickets.latest()), "the ticket in A")
        b.call(two.suite_client.suite_token())  # B uses the ticket A received
        [call] = fake.calls_to("service/get_suite_token")
        assert call.json["suite_ticket"] == ticket

        code = fake.service.authorize(SUITE, CORP)
        assert post(a, instruction.instruction("create_auth", {"AuthCode": code})).is_success
        eventually(lambda: installed(b, two, CORP), "the installation, seen from B")
        # B learns of the corp through the store's version key, without reading per request.
        eventually(lambda: post(b, data.callback(text(1))).status_code == 200, "B accepting")

        fake.service.cancel(SUITE, CORP)
        assert post(b, instruction.instruction("cancel_auth", {"AuthCorpId": CORP})).is_success
        eventually(lambda: post(a, data.callback(text(2))).status_code == 403, "A refusing")
        assert a.call(one.installations.get(CORP)) is None
