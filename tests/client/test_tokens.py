"""Tokens: one fetch for many callers, one refresh when WeCom says expired, no loops."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.client.conftest import MakeClient
from wecom_callback._stores import open_store
from wecom_callback.client import WeComClient
from wecom_callback.errors import WeComAPIError, WeComConfigError
from wecom_callback.testing import FakeWeComAPI


def store_urls(tmp_path: Path, redis_url: str) -> dict[str, str]:
    return {
        "memory": "memory://",
        "sqlite": f"sqlite:///{tmp_path / 'wecom.db'}",
        "redis": f"{redis_url}?prefix={tmp_path.name}:",
    }


@pytest.mark.parametrize("backend", ["memory", "sqlite", "redis"])
async def test_one_gettoken_serves_1000_concurrent_calls(
    api: FakeWeComAPI, make_client: MakeClient, tmp_path: Path, redis_url: str, backend: str
) -> None:
    api.delay(0.2, path="gettoken")  # a slow fetch: every caller arrives while it runs
    async with make_client(store=store_urls(tmp_path, redis_url)[backend]) as client:
        answers = await asyncio.gather(*(client.call("GET", "getcallbackip") for _ in range(1000)))
    assert all(answer["ip_list"] for answer in answers)
    assert len(api.calls_to("gettoken")) == 1
    tokens = {call.access_token for call in api.calls_to("getcallbackip")}
    assert len(api.calls_to("getcallbackip")) == 1000 and len(tokens) == 1


async def test_a_second_client_on_the_store_reuses_the_token(
    api: FakeWeComAPI, make_client: MakeClient, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'wecom.db'}"
    async with make_client(store=url) as first:
        await first.get_callback_ip()
    async with make_client(store=url) as second:
        await second.get_callback_ip()
    assert len(api.calls_to("gettoken")) == 1
    store = open_store(url)
    try:
        key = f"token:{api.corp_id}:"
        assert api.secret not in key
        raw = [await store.get(k) for k in [first.token_source.cache_key]]
        assert raw[0] is not None and api.secret.encode() not in raw[0]
        assert first.token_source.cache_key.startswith(key)
        assert api.secret not in first.token_source.cache_key
    finally:
        await store.close()


async def test_an_expired_token_is_refreshed_once_and_the_call_succeeds(
    api: FakeWeComAPI, client: WeComClient
) -> None:
    await client.agent.get()
    api.expire_tokens()
    info = await client.agent.get()
    assert info.agentid == api.agent_id
    gets = api.calls_to("agent/get")
    assert [call.errcode for call in gets] == [0, 42001, 0]
    assert gets[1].access_token == gets[0].access_token != gets[2].access_token
    assert len(api.calls_to("gettoken")) == 2


async def test_a_rejected_token_refreshes_once_for_all_concurrent_callers(
    api: FakeWeComAPI, client: WeComClient
) -> None:
    await client.get_callback_ip()
    api.expire_tokens()
    await asyncio.gather(*(client.get_callback_ip() for _ in range(200)))
    assert len(api.calls_to("gettoken")) == 2


async def test_42001_on_a_valid_token_refetches_the_same_token(
    api: FakeWeComAPI, client: WeComClient
) -> None:
    await client.get_callback_ip()
    api.fail_next("agent/get", errcode=42001)
    await client.agent.get()
    assert len(api.calls_to("gettoken")) == 2  # WeCom hands out the same token again
    assert [call.errcode for call in api.calls_to("agent/get")] == [42001, 0]


async def test_a_token_rejected_twice_is_an_error_not_a_loop(
    api: FakeWeComAPI, client: WeComClient
) -> None:
    api.fail_next("agent/get", errcode=40014, times=5)
    with pytest.raises(WeComAPIError) as caught:
        await client.agent.get()
    assert caught.value.errcode == 40014 and caught.value.api == "agent/get"
    assert len(api.calls_to("agent/get")) == 2
    assert len(api.calls_to("gettoken")) == 2


async def test_a_wrong_secret_fails_after_exactly_one_gettoken(
    api: FakeWeComAPI, make_client: MakeClient
) -> None:
    async with make_client(secret="not-the-secret") as client:
        outcomes = await asyncio.gather(
            *(client.get_callback_ip() for _ in range(50)), return_exceptions=True
        )
        with pytest.raises(WeComConfigError):  # a later call is answered from memory
            await client.agent.get()
    assert all(isinstance(o, WeComConfigError) and o.errcode == 40001 for o in outcomes)
    error = outcomes[0]
    assert isinstance(error, WeComConfigError) and "secret" in str(error)
    assert error.api == "gettoken"
    assert len(api.calls_to("gettoken")) == 1
    assert api.calls_to("getcallbackip") == [] and api.calls_to("agent/get") == []


async def test_a_disabled_app_is_a_configuration_error(
    api: FakeWeComAPI, make_client: MakeClient
) -> None:
    api.disable_secret(api.secret)
    with pytest.raises(WeComConfigError, match="40001"):
        await make_client().get_callback_ip()
    assert len(api.calls_to("gettoken")) == 1


async def test_40001_from_a_business_api_refetches_once_then_fails(
    api: FakeWeComAPI, client: WeComClient
) -> None:
    api.fail_next("agent/get", errcode=40001, times=2)
    with pytest.raises(WeComConfigError, match="secret"):
        await client.agent.get()
    assert len(api.calls_to("gettoken")) == 2
    assert len(api.calls_to("agent/get")) == 2


async def test_a_secret_reset_while_running_fails_in_gettoken_once(
    api: FakeWeComAPI, client: WeComClient
) -> None:
    await client.agent.get()
    api.disable_secret(api.secret)
    api.expire_tokens()
    for _ in range(3):
        with pytest.raises(WeComConfigError) as caught:
            await client.agent.get()
        assert caught.value.api == "gettoken"
    assert [call.errcode for call in api.calls_to("gettoken")] == [0, 40001]


async def test_other_secrets_have_their_own_tokens_and_share_the_rest(
    api: FakeWeComAPI, client: WeComClient
) -> None:
    other_secret = api.add_secret(agent_id=1000003)
    other = client.with_secret(other_secret, agent_id=1000003)
    assert other.store is client.store and other.agent_id == 1000003
    first, second = await client.agent.get(), await other.agent.get()
    assert (first.agentid, second.agentid) == (api.agent_id, 1000003)
    tokens = [call.access_token for call in api.calls_to("agent/get")]
    assert tokens[0] != tokens[1]
    assert len(api.calls_to("gettoken")) == 2
    same = client.with_secret(other_secret, agent_id=1000003)
    await same.agent.get()  # shares the sibling's cached token
    assert len(api.calls_to("gettoken")) == 2
