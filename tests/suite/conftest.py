"""Suite fixtures: a fake WeCom with one suite, suite-mode apps served by real uvicorn."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import KEY, TOKEN
from tests.support import redis_server
from wecom_callback import WeComApp
from wecom_callback.suite import Installation
from wecom_callback.testing import FakeWeComAPI, LiveServer, SimulatedRequest, Simulator

SUITE = "wwSuiteTest000001"
PROVIDER = "wwProviderCorp001"
CORP = "wwAuthCorpA000001"
OTHER_CORP = "wwAuthCorpB000001"


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A throwaway ``redis-server`` for the session (started, never skipped)."""
    with redis_server() as url:
        yield url


@pytest.fixture
def fake() -> Iterator[FakeWeComAPI]:
    """FakeWeComAPI with the suite ``SUITE`` (its secret in ``fake.suite_secret``)."""
    with FakeWeComAPI() as api:
        yield api


@pytest.fixture
def suite_secret(fake: FakeWeComAPI) -> str:
    return fake.service.add_suite(SUITE)


def suite_app(fake: FakeWeComAPI, secret: str, url: str, **options: Any) -> WeComApp:
    """A suite-mode app whose inbox and store are ``url``, calling the fake."""
    options.setdefault("retry_base_delay", 0.05)
    return WeComApp(
        TOKEN,
        KEY,
        suite_id=options.pop("suite_id", SUITE),
        suite_secret=secret,
        provider_corp_id=PROVIDER,
        inbox=url,
        api_base_url=fake.base_url,
        **options,
    )


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'suite.db'}"


def redis_isolated(redis_url: str) -> str:
    """``redis_url`` with a prefix of its own (inbox and store), so tests never meet."""
    return f"{redis_url}?prefix=t{uuid.uuid4().hex[:12]}:"


@pytest.fixture
def instruction() -> Simulator:
    """Signs instruction callbacks as WeCom does: encrypted for the SuiteID."""
    return Simulator(TOKEN, KEY, SUITE)


def post(server: LiveServer | str, req: SimulatedRequest) -> httpx.Response:
    base = server if isinstance(server, str) else server.url
    return httpx.post(req.url(base + "/"), content=req.body, timeout=10)


def eventually(check: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    """Poll ``check`` until it returns something truthy, or fail saying ``what``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        threading.Event().wait(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def installed(server: LiveServer, app: WeComApp, corp: str) -> Installation | None:
    """The app's complete installation in ``corp``, read on the server's loop."""
    found = server.call(app.installations.get(corp))
    return found if found is not None and found.complete else None
