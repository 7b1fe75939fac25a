"""Two OS processes sharing a store, 1,000 concurrent calls each, cold cache: one gettoken."""

from __future__ import annotations

import asyncio
import multiprocessing
import queue
from pathlib import Path
from typing import Any

import pytest

from tests.client._token_worker import make_calls
from wecom_callback.testing import FakeWeComAPI

CALLS = 1000


def _run(options: dict[str, Any], processes: int) -> list[Any]:
    # Not fork: this process has threads (the fake API's server). The fork server pays
    # the package import once.
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["tests.client._token_worker"])
    barrier = ctx.Barrier(processes, timeout=60)
    results = ctx.Queue()
    workers = [
        ctx.Process(target=make_calls, args=(options, CALLS, barrier, results))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    outcomes: list[Any] = []
    try:
        while len(outcomes) < processes:
            try:
                outcomes.append(results.get(timeout=0.5))
            except queue.Empty:
                if all(not w.is_alive() for w in workers) and results.empty():
                    break
    finally:
        for worker in workers:
            worker.join(timeout=120)
        results.close()
        results.join_thread()
    return outcomes


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
async def test_two_processes_share_one_token_fetch(
    api: FakeWeComAPI, tmp_path: Path, redis_url: str, backend: str
) -> None:
    store = (
        f"sqlite:///{tmp_path / 'wecom.db'}"
        if backend == "sqlite"
        else f"{redis_url}?prefix={tmp_path.name}:"
    )
    # A slow fetch: the other process asks for a token while the first one fetches.
    api.delay(0.5, path="gettoken")
    options = {
        "corp_id": api.corp_id,
        "secret": api.secret,
        "base_url": api.base_url,
        "store": store,
    }
    outcomes = await asyncio.to_thread(_run, options, 2)
    assert outcomes == [CALLS, CALLS], outcomes
    assert len(api.calls_to("gettoken")) == 1
    assert len(api.calls_to("getcallbackip")) == 2 * CALLS
    assert len({call.access_token for call in api.calls_to("getcallbackip")}) == 1
