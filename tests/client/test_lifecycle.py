"""The client's life: unopened, opened, closed; a clear error after close."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.client.conftest import MakeClient
from wecom_callback._stores import MemoryStore
from wecom_callback.client import ClientState, CorpSecret, WeComClient
from wecom_callback.errors import ClientClosedError
from wecom_callback.testing import FakeWeComAPI


def state(client: WeComClient) -> ClientState:
    """The state now (a function, so the type checker does not narrow a property)."""
    return client.state


async def test_states_and_use_after_close(make_client: MakeClient) -> None:
    client = make_client()
    assert state(client) is ClientState.UNOPENED
    assert await client.get_callback_ip()  # usable without ``async with``, as httpx
    assert state(client) is ClientState.OPENED
    async with client:
        assert state(client) is ClientState.OPENED
    assert state(client) is ClientState.CLOSED
    with pytest.raises(ClientClosedError, match="closed"):
        await client.get_callback_ip()
    with pytest.raises(ClientClosedError):
        await client.call("GET", "getcallbackip")
    with pytest.raises(ClientClosedError, match="reopen"):
        await client.__aenter__()


async def test_cannot_be_opened_twice(make_client: MakeClient) -> None:
    async with make_client() as client:
        with pytest.raises(RuntimeError, match="more than once"):
            await client.__aenter__()


async def test_siblings_share_the_pool_and_close_with_the_root(
    api: FakeWeComAPI, make_client: MakeClient
) -> None:
    root = make_client()
    sibling = root.with_secret(api.add_secret(agent_id=1000003), agent_id=1000003)
    async with root:
        async with sibling:
            await sibling.agent.get()
        assert sibling.state is ClientState.CLOSED
        assert root.state is ClientState.OPENED
        await root.agent.get()  # closing the sibling closed nothing shared
        late = root.with_secret(api.secret)
    with pytest.raises(ClientClosedError):
        await late.get_callback_ip()


async def test_a_store_given_as_an_object_is_left_open(make_client: MakeClient) -> None:
    store = MemoryStore()
    async with make_client(store=store) as client:
        await client.get_callback_ip()
    await store.set("still", b"usable")  # the caller owns it
    assert await store.get("still") == b"usable"


async def test_a_store_given_as_a_url_is_closed_with_the_client(
    make_client: MakeClient, tmp_path: Path
) -> None:
    async with make_client(store=f"sqlite:///{tmp_path / 'wecom.db'}") as client:
        await client.get_callback_ip()
    with pytest.raises(RuntimeError, match="closed"):
        await client.store.get("anything")


def test_exactly_one_of_secret_and_token_source() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        WeComClient("ww1")
    with pytest.raises(ValueError, match="exactly one"):
        WeComClient("ww1", "secret", token_source=CorpSecret("ww1", "secret"))


def test_repr_shows_settings_not_secrets() -> None:
    client = WeComClient("ww1", "my-secret", agent_id=1000002, store="memory://")
    text = repr(client)
    assert "ww1" in text and "1000002" in text and "UNOPENED" in text
    assert "my-secret" not in text


async def test_paths_are_accepted_as_docs_write_them(
    api: FakeWeComAPI, client: WeComClient
) -> None:
    for path in ("getcallbackip", "/cgi-bin/getcallbackip", "cgi-bin/getcallbackip"):
        assert (await client.call("GET", path))["ip_list"]
    assert len(api.calls_to("getcallbackip")) == 3


async def test_a_closed_sibling_does_not_break_the_token_it_shares(
    api: FakeWeComAPI, client: WeComClient
) -> None:
    other = api.add_secret(agent_id=1000003)
    first = client.with_secret(other, agent_id=1000003)  # creates the shared caches
    second = client.with_secret(other, agent_id=1000003)
    await first.get_callback_ip()
    await first.aclose()
    api.expire_tokens()
    # Through the caches the closed sibling created: a token refresh, a ticket fetch.
    await second.jsapi.sign("https://example.com/")
    assert [call.errcode for call in api.calls_to("get_jsapi_ticket")] == [42001, 0]
    assert len(api.calls_to("gettoken")) == 2
