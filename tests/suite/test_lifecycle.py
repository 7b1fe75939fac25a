"""A suite driven by signed callbacks only: ticket, install, change, cancel, end to end."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.conftest import KEY, TOKEN
from tests.suite.conftest import (
    CORP,
    OTHER_CORP,
    SUITE,
    eventually,
    installed,
    post,
    sqlite_url,
    suite_app,
)
from wecom_callback.client import Text
from wecom_callback.errors import WeComAPIError
from wecom_callback.models import CreateAuthEvent, SuiteTicketEvent, TextMessage
from wecom_callback.suite import InstallationRevokedError, SuiteClient
from wecom_callback.testing import FakeWeComAPI, LiveServer, Simulator


def data_callback(corp: str, msg_id: int) -> Simulator:
    return Simulator(TOKEN, KEY, corp, agent_id=1000010)


def text(corp: str, msg_id: int) -> dict[str, object]:
    return {"ToUserName": corp, "FromUserName": "zhangsan", "MsgType": "text",
            "Content": "hi", "MsgId": msg_id, "AgentID": 1000010}  # fmt: skip


def test_a_suite_from_callbacks_only(
    fake: FakeWeComAPI, suite_secret: str, instruction: Simulator, tmp_path: Path
) -> None:
    app = suite_app(fake, suite_secret, sqlite_url(tmp_path))
    seen: list[list[str]] = []
    texts: list[str] = []

    @app.on(CreateAuthEvent)
    async def after_install(ev: CreateAuthEvent) -> None:
        # The built-in handler ran first: the installation is there already.
        seen.append([i.auth_corp_id for i in await app.installations.list()])

    @app.on(TextMessage)
    async def hello(msg: TextMessage) -> str:
        texts.append(msg.content or "")
        return "hello"

    now = int(time.time())
    new, old = fake.service.push_ticket(SUITE), fake.service.push_ticket(SUITE)
    with LiveServer(app) as server:
        # A newer ticket, then an older one arriving late: the newer stays.
        for ticket, stamp in ((new, now), (old, now - 600)):
            req = instruction.instruction("suite_ticket", {"SuiteTicket": ticket}, timestamp=stamp)
            assert post(server, req).content == b"success"
        eventually(lambda: server.call(app.suite_client.tickets.latest()), "the ticket")
        eventually(lambda: not server.call(app.runner.inbox.stats()).get("pending"), "idle")
        latest = server.call(app.suite_client.tickets.latest())
        assert latest is not None and latest.timestamp == now

        code = fake.service.authorize(SUITE, CORP, corp_name="Corp A", agent_id=1000010)
        r = post(server, instruction.instruction("create_auth", {"AuthCode": code}))
        assert r.status_code == 200 and r.content == b"success"
        inst = eventually(lambda: installed(server, app, CORP), "the installation")
        assert inst.suite_id == SUITE and inst.corp_name == "Corp A"
        assert inst.agent_ids == (1000010,) and not inst.customized
        assert (
            inst.permanent_code.get_secret_value()
            == fake.service.installs[(SUITE, CORP)].permanent_code
        )
        assert inst.auth_info is not None and inst.auth_info["agent"][0]["agentid"] == 1000010
        eventually(lambda: seen, "the user's create_auth handler")
        assert seen == [[CORP]]
        [token_call] = fake.calls_to("service/get_suite_token")
        assert token_call.json["suite_ticket"] == new
        assert len(fake.calls_to("service/v2/get_permanent_code")) == 1

        # The corp's data callbacks are accepted now, and answered; a stranger's are not.
        sim = data_callback(CORP, 1)
        r = post(server, sim.callback(text(CORP, 1)))
        assert r.status_code == 200 and b"hello" in sim.decrypt_reply(r.content)
        stranger = data_callback(OTHER_CORP, 2)
        assert post(server, stranger.callback(text(OTHER_CORP, 2))).status_code == 403

        # The corp's own API, with a token from get_corp_token and the permanent code.
        corp_client = app.suite_client.for_corp(CORP, agent_id=inst.agent_id)
        server.call(corp_client.message.send(Text(content="welcome"), touser="zhangsan"))
        [corp_token] = fake.calls_to("service/get_corp_token")
        assert corp_token.json == {
            "auth_corpid": CORP,
            "permanent_code": inst.permanent_code.get_secret_value(),
        }
        assert fake.calls_to("message/send")[-1].access_token == corp_token.answer["access_token"]

        post(server, instruction.instruction("change_auth", {"AuthCorpId": CORP}))
        eventually(lambda: len(fake.calls_to("service/get_auth_info")) == 2, "the refresh")

        fake.service.cancel(SUITE, CORP)
        post(server, instruction.instruction("cancel_auth", {"AuthCorpId": CORP}))
        eventually(lambda: server.call(app.installations.get(CORP)) is None, "the removal")
        store = app.suite_client.store
        assert server.call(store.get(app.suite_client.corp_token_key(CORP))) is None
        assert post(server, sim.callback(text(CORP, 3))).status_code == 403
        assert server.call(app.suite_client.tickets.latest()) is not None  # kept
    assert texts == ["hi"]


def test_another_suites_callbacks_are_left_to_the_user(
    fake: FakeWeComAPI, suite_secret: str, tmp_path: Path
) -> None:
    app = suite_app(fake, suite_secret, "memory://", receive_ids=[SUITE, "wwOtherSuite"])
    theirs: list[str] = []

    @app.on(SuiteTicketEvent)
    def other(ev: SuiteTicketEvent) -> None:
        theirs.append(ev.suite_id or "")

    sim = Simulator(TOKEN, KEY, "wwOtherSuite")
    with LiveServer(app) as server:
        req = sim.instruction("suite_ticket", {"SuiteTicket": "T-other"})
        assert post(server, req).content == b"success"
        eventually(lambda: theirs, "the user's handler")
        assert server.call(app.suite_client.tickets.latest()) is None
    assert theirs == ["wwOtherSuite"]


async def test_a_reset_code_replaces_the_permanent_code(
    fake: FakeWeComAPI, suite_secret: str
) -> None:
    async with SuiteClient(SUITE, suite_secret, base_url=fake.base_url) as suite:
        await suite.save_ticket(fake.service.push_ticket(SUITE), int(time.time()))
        first = await suite.install(fake.service.authorize(SUITE, CORP))
        client = suite.for_corp(CORP)
        await client.access_token()
        again = await suite.install(fake.service.reset_code(SUITE, CORP), resume=True)
        assert again.permanent_code != first.permanent_code
        assert await suite.store.get(suite.corp_token_key(CORP)) is None  # the old token went
        fresh = suite.for_corp(CORP)
        await fresh.access_token()
        assert fake.calls_to("service/get_corp_token")[-1].json["permanent_code"] == (
            again.permanent_code.get_secret_value()
        )


async def test_a_revoked_code_marks_the_installation(fake: FakeWeComAPI, suite_secret: str) -> None:
    async with SuiteClient(SUITE, suite_secret, base_url=fake.base_url) as suite:
        await suite.save_ticket(fake.service.push_ticket(SUITE), int(time.time()))
        await suite.install(fake.service.authorize(SUITE, CORP))
        assert CORP in suite.corps
        fake.service.cancel(SUITE, CORP)  # no cancel_auth reached us
        with pytest.raises(InstallationRevokedError, match="48004"):
            await suite.for_corp(CORP).access_token()
        inst = await suite.installations.get(CORP)
        assert inst is not None and inst.revoked
        assert CORP not in suite.corps


async def test_a_customised_app_gets_tokens_from_gettoken(fake: FakeWeComAPI) -> None:
    template = "dkTemplate0000001"
    secret = fake.service.add_suite(template)
    async with SuiteClient(template, secret, base_url=fake.base_url) as suite:
        await suite.save_ticket(fake.service.push_ticket(template), int(time.time()))
        code = fake.service.authorize(template, CORP, customized=True)
        inst = await suite.install(code)
        assert inst.customized
        await suite.for_corp(CORP).access_token()
        [call] = fake.calls_to("gettoken")
        assert call.params == {"corpid": CORP, "corpsecret": inst.permanent_code.get_secret_value()}
        assert not fake.calls_to("service/get_corp_token")


async def test_a_code_works_once(fake: FakeWeComAPI, suite_secret: str) -> None:
    async with SuiteClient(SUITE, suite_secret, base_url=fake.base_url) as suite:
        await suite.save_ticket(fake.service.push_ticket(SUITE), int(time.time()))
        code = fake.service.authorize(SUITE, CORP)
        await suite.install(code)
        with pytest.raises(WeComAPIError) as caught:
            await suite.install(code)
        assert caught.value.errcode == 40078
        # Resuming the same code (a retried create_auth) finishes without exchanging again.
        assert (await suite.install(code, resume=True)).auth_corp_id == CORP
        assert len(fake.calls_to("service/v2/get_permanent_code")) == 2
