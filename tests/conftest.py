"""Shared fixtures: a simulator and apps served by a real uvicorn."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from wecom_callback.testing import LiveServer, Simulator

TOKEN = "Tok3nForTests"
KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
CORP = "ww0123456789abcdef"

Serve = Callable[..., LiveServer]


@pytest.fixture
def sim() -> Simulator:
    return Simulator(TOKEN, KEY, CORP, agent_id=1000002)


@pytest.fixture
def serve() -> Iterator[Serve]:
    """``serve(app)`` starts a real uvicorn on 127.0.0.1:0; all are stopped at the end."""
    started: list[LiveServer] = []

    def factory(app: Any, **config: Any) -> LiveServer:
        server = LiveServer(app, **config).start()
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()
