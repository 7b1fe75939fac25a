"""Fixtures: a fake WeCom API over real HTTP, a client pointed at it, a real Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from tests.support import redis_server
from wecom_callback.client import WeComClient
from wecom_callback.testing import FakeWeComAPI

MakeClient = Callable[..., WeComClient]


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A throwaway ``redis-server`` for the whole session (started, never skipped)."""
    with redis_server() as url:
        yield url


@pytest.fixture
def api() -> Iterator[FakeWeComAPI]:
    """A fresh fake WeCom API on 127.0.0.1 (its own port, its own corp)."""
    with FakeWeComAPI() as fake:
        yield fake


@pytest.fixture
async def make_client(api: FakeWeComAPI) -> AsyncIterator[MakeClient]:
    """``make_client(**overrides)``: clients of the fake corp, all closed at the end."""
    made: list[WeComClient] = []

    def factory(**overrides: Any) -> WeComClient:
        options: dict[str, Any] = {
            "secret": api.secret,
            "agent_id": api.agent_id,
            "base_url": api.base_url,
        }
        options.update(overrides)
        made.append(WeComClient(api.corp_id, **options))
        return made[-1]

    yield factory
    for client in made:
        await client.aclose()


@pytest.fixture
async def client(make_client: MakeClient) -> AsyncIterator[WeComClient]:
    """An opened client of the fake corp's app, with a memory store."""
    async with make_client() as opened:
        yield opened
