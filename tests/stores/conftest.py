"""Fixtures: a session-wide real Redis, and each store backend opened fresh per test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.support import redis_server
from wecom_callback._stores import Store, open_store


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A throwaway ``redis-server`` for the whole session (started, never skipped)."""
    with redis_server() as url:
        yield url


def store_url(name: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, isolated store URL of backend ``name``."""
    if name == "memory":
        return "memory://"
    if name == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'wecom.db'}"
    url: str = request.getfixturevalue("redis_url")
    return f"{url}?prefix=test:{uuid.uuid4().hex}:"


@pytest.fixture(params=["memory", "sqlite", "redis"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each backend's URL in turn."""
    return store_url(request.param, request, tmp_path)


@pytest.fixture(params=["sqlite", "redis"])
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The backends that several processes share."""
    return store_url(request.param, request, tmp_path)


@pytest.fixture
async def store(url: str) -> AsyncIterator[Store]:
    """A started store of each backend in turn."""
    opened = open_store(url)
    await opened.start()
    yield opened
    await opened.close()
