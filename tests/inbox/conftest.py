"""Fixtures: a session-wide real Redis, and each backend opened fresh per test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.support import redis_server
from wecom_callback.inbox import Inbox, open_inbox


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A throwaway ``redis-server`` for the whole session (started, never skipped)."""
    with redis_server() as url:
        yield url


class Backend:
    """One backend under test: its URL, and every inbox opened on it (closed at the end)."""

    def __init__(self, name: str, url: str) -> None:
        self.name = name
        self.url = url
        self.opened: list[Inbox] = []

    async def open(self) -> Inbox:
        """Another started inbox on the same storage (its own connection or thread)."""
        inbox = open_inbox(self.url)
        await inbox.start()
        self.opened.append(inbox)
        return inbox

    async def close(self) -> None:
        for inbox in self.opened:
            await inbox.close()


def backend_url(name: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, isolated store of backend ``name``."""
    if name == "memory":
        return "memory://"
    if name == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'inbox.db'}"
    url: str = request.getfixturevalue("redis_url")
    return f"{url}?prefix=test:{uuid.uuid4().hex}"


async def _backend(name: str, request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    return Backend(name, backend_url(name, request, tmp_path))


@pytest.fixture(params=["memory", "sqlite", "redis"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    """Each backend in turn."""
    store = await _backend(request.param, request, tmp_path)
    yield store
    await store.close()


@pytest.fixture(params=["sqlite", "redis"])
async def shared_backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    """The backends that several processes or replicas share."""
    store = await _backend(request.param, request, tmp_path)
    yield store
    await store.close()


@pytest.fixture
async def inbox(backend: Backend) -> Inbox:
    """A started inbox of each backend in turn."""
    return await backend.open()
