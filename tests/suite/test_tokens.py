"""The suite's tokens: from the latest ticket, refreshed on rejection, apart from the ticket."""

from __future__ import annotations

import time

import pytest

from tests.suite.conftest import PROVIDER, SUITE
from wecom_callback.client import ClientEvents
from wecom_callback.suite import ProviderClient, SuiteClient, SuiteTicketError
from wecom_callback.testing import FakeWeComAPI


async def test_no_ticket_yet_says_what_to_do(fake: FakeWeComAPI, suite_secret: str) -> None:
    async with SuiteClient(SUITE, suite_secret, base_url=fake.base_url) as suite:
        with pytest.raises(SuiteTicketError, match="刷新Ticket") as caught:
            await suite.suite_token()
        assert "no suite_ticket received yet" in str(caught.value)
        assert not fake.calls_to("service/get_suite_token")
        # A ticket arriving later works at once: the failure was not remembered.
        await suite.save_ticket(fake.service.push_ticket(SUITE), int(time.time()))
        assert await suite.suite_token()


async def test_a_refused_ticket_is_40085_with_advice(fake: FakeWeComAPI, suite_secret: str) -> None:
    async with SuiteClient(SUITE, suite_secret, base_url=fake.base_url) as suite:
        await suite.save_ticket(fake.service.push_ticket(SUITE), int(time.time()))
        fake.service.expire_tickets(SUITE)
        with pytest.raises(SuiteTicketError, match=r"\(40085\).*next push"):
            await suite.get_pre_auth_code()


async def test_clearing_tokens_keeps_the_ticket(fake: FakeWeComAPI, suite_secret: str) -> None:
    async with SuiteClient(SUITE, suite_secret, base_url=fake.base_url) as suite:
        ticket = fake.service.push_ticket(SUITE)
        await suite.save_ticket(ticket, int(time.time()))
        first = await suite.suite_token()
        fake.service.expire_suite_tokens()  # WeCom ends the token early: 42009 on use
        pre = await suite.get_pre_auth_code()
        assert pre.pre_auth_code and pre.expires_in == 1200
        calls = fake.calls_to("service/get_pre_auth_code")
        assert [c.errcode for c in calls] == [42009, 0]
        assert calls[0].params["suite_access_token"] == first
        assert calls[1].params["suite_access_token"] != first
        fetches = fake.calls_to("service/get_suite_token")
        assert [c.json["suite_ticket"] for c in fetches] == [ticket, ticket]
        latest = await suite.tickets.latest()
        assert latest is not None and latest.value == ticket


async def test_an_older_ticket_never_replaces_a_newer(
    fake: FakeWeComAPI, suite_secret: str
) -> None:
    async with SuiteClient(SUITE, suite_secret, base_url=fake.base_url) as suite:
        assert await suite.save_ticket("new", 2000)
        assert not await suite.save_ticket("old", 1000)
        assert not await suite.save_ticket("same-time", 2000)
        assert await suite.save_ticket("newer", 3000)
        latest = await suite.tickets.latest()
        assert latest is not None and (latest.value, latest.timestamp) == ("newer", 3000)
        assert "newer" not in repr(latest)


async def test_the_provider_client(fake: FakeWeComAPI) -> None:
    secret = fake.service.add_provider(PROVIDER)
    async with ProviderClient(PROVIDER, secret, base_url=fake.base_url) as provider:
        open_id = await provider.corpid_to_opencorpid("wwPlainCorp")
        assert open_id == fake.service.open_corpid("wwPlainCorp")
        login = await provider.get_login_info(fake.service.login_code("wwC1", "lisi"))
        assert login.usertype == 1 and login.user_info["userid"] == "lisi"
        assert login.corp_info == {"corpid": "wwC1"}
        token = await provider.provider_token()
        assert fake.calls_to("service/get_login_info")[0].access_token == token
        assert fake.calls_to("service/corpid_to_opencorpid")[0].params == {
            "provider_access_token": token
        }
        assert len(fake.calls_to("service/get_provider_token")) == 1


class Recorded(ClientEvents):
    """What the suite's client reported."""

    def __init__(self) -> None:
        self.fetches: list[tuple[str, bool]] = []
        self.errors: list[tuple[str, str]] = []

    def token_fetched(self, api: str, ok: bool) -> None:
        self.fetches.append((api, ok))

    def api_error(self, api: str, code: str) -> None:
        self.errors.append((api, code))


async def test_the_suite_reports_its_token_fetches_and_errors(
    fake: FakeWeComAPI, suite_secret: str
) -> None:
    events = Recorded()
    async with SuiteClient(SUITE, suite_secret, base_url=fake.base_url, events=events) as suite:
        await suite.save_ticket(fake.service.push_ticket(SUITE), int(time.time()))
        await suite.get_pre_auth_code()
        fake.service.expire_tickets(SUITE)
        fake.service.expire_suite_tokens()
        with pytest.raises(SuiteTicketError):
            await suite.get_pre_auth_code()
    assert events.fetches == [
        ("service/get_suite_token", True),
        ("service/get_suite_token", False),
    ]
    assert ("service/get_suite_token", "40085") in events.errors
