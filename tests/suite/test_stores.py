"""Installations and tickets on every shared store backend: memory, SQLite, Redis."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
from pydantic import SecretStr

from tests.suite.conftest import SUITE, redis_isolated
from wecom_callback._stores import Store, open_store
from wecom_callback.suite import (
    Installation,
    InstallationStore,
    InstalledCorps,
    StoreInstallations,
    SuiteTickets,
)


@pytest.fixture(params=["memory", "sqlite", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "memory":
        url = "memory://"
    elif request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'suite.db'}"
    else:
        url = redis_isolated(request.getfixturevalue("redis_url"))
    opened = open_store(url)
    await opened.start()
    yield opened
    await opened.close()


def installation(corp: str, code: str = "pc") -> Installation:
    return Installation(suite_id=SUITE, auth_corp_id=corp, permanent_code=SecretStr(code))


async def test_installations_round_trip(store: Store) -> None:
    installs = StoreInstallations(store, SUITE)
    assert await installs.get("wwA") is None and list(await installs.list()) == []
    # Encrypted corp ids differ by case: two corps, two records.
    await installs.save(installation("wwAbC", "pc-secret-1"))
    await installs.save(installation("wwabc", "pc-secret-2"))
    got = await installs.get("wwAbC")
    assert got is not None and got.permanent_code.get_secret_value() == "pc-secret-1"
    assert "pc-secret-1" not in repr(got)
    assert sorted(i.auth_corp_id for i in await installs.list()) == ["wwAbC", "wwabc"]
    assert await installs.delete("wwAbC") and not await installs.delete("wwAbC")
    assert [i.auth_corp_id for i in await installs.list()] == ["wwabc"]
    other_suite = StoreInstallations(store, "wwOtherSuite")
    assert await other_suite.get("wwabc") is None


async def test_concurrent_saves_lose_no_corp(store: Store) -> None:
    installs = StoreInstallations(store, SUITE)
    await asyncio.gather(*(installs.save(installation(f"wwC{i}")) for i in range(20)))
    assert len(await installs.list()) == 20


async def test_tickets_newest_wins(store: Store) -> None:
    tickets = SuiteTickets(store, SUITE)
    assert await tickets.latest() is None
    assert await tickets.save("t2", 200) and not await tickets.save("t1", 100)
    latest = await tickets.latest()
    assert latest is not None and latest.value == "t2"
    # Tokens live under token:, the ticket apart: deleting tokens leaves it.
    await store.delete(f"token:suite:{SUITE}:x")
    assert await tickets.latest() == latest


class DictInstallations(InstallationStore):
    """What a user keeping installations in their own database writes."""

    def __init__(self) -> None:
        self.rows: dict[str, Installation] = {}

    async def get(self, auth_corp_id: str) -> Installation | None:
        return self.rows.get(auth_corp_id)

    async def list(self) -> Sequence[Installation]:
        return list(self.rows.values())

    async def save(self, installation: Installation) -> None:
        self.rows[installation.auth_corp_id] = installation

    async def delete(self, auth_corp_id: str) -> bool:
        return self.rows.pop(auth_corp_id, None) is not None


async def test_installed_corps_follow_another_process(store: Store) -> None:
    from wecom_callback.suite._installed_corps import bump_version

    own = DictInstallations()
    corps = InstalledCorps(interval=0.05)
    await corps.attach(own, store, SUITE)
    try:
        assert "wwX" not in corps
        await own.save(installation("wwX"))
        await own.save(installation("wwRevoked").replace(revoked=True))
        await bump_version(store, SUITE)  # what another replica's install does
        deadline = time.monotonic() + 10
        while "wwX" not in corps and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        assert corps.ids == frozenset({"wwX"})
    finally:
        await corps.detach()
