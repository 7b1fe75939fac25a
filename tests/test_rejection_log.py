"""Rejections are logged up to a burst per window; the rest are counted, then summarised."""

from __future__ import annotations

import logging

import httpx
import pytest

from tests.conftest import CORP, KEY, TOKEN, Serve
from tests.durability.test_runner import text
from wecom_callback import WeComApp
from wecom_callback._receiving.rejections import RejectionLog
from wecom_callback.testing import Simulator


def test_a_burst_then_a_count(caplog: pytest.LogCaptureFixture) -> None:
    limiter = RejectionLog(burst=2, window=3600)
    assert [limiter.allow(403) for _ in range(5)] == [True, True, False, False, False]
    limiter.allow(400)
    limiter._started -= 3600  # private: as if the window had passed
    with caplog.at_level(logging.WARNING, logger="wecom_callback"):
        assert limiter.allow(403)
    assert caplog.messages == [
        "4 more rejections were not logged in the last 3600 s (1 x 400, 3 x 403)"
    ]


def test_a_flood_of_forgeries_logs_a_bounded_number_of_lines(
    serve: Serve, sim: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    server = serve(WeComApp(TOKEN, KEY, CORP, inbox="memory://"))
    req = text(sim, 1)
    forged = {**req.query, "msg_signature": "0" * 40}
    with caplog.at_level(logging.WARNING, logger="wecom_callback"), httpx.Client() as http:
        for _ in range(60):
            assert http.post(server.url, params=forged, content=req.body).status_code == 403
    lines = [m for m in caplog.messages if m.startswith("rejected endpoint=")]
    assert len(lines) == 20


def test_a_foreign_receive_id_is_named_in_the_log(
    serve: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    server = serve(WeComApp(TOKEN, KEY, CORP, inbox="memory://", name="hr"))
    suite = Simulator(TOKEN, KEY, "wwsuite0000000001")  # right key, another receive id
    req = text(suite, 2)
    with caplog.at_level(logging.WARNING, logger="wecom_callback"):
        answer = httpx.post(req.url(server.url), content=req.body)
    assert answer.status_code == 403 and "-40005" in answer.text
    [record] = [r for r in caplog.records if r.getMessage().startswith("rejected endpoint=")]
    assert "the payload names receive id 'wwsuite0000000001'" in record.getMessage()
    assert getattr(record, "receive_id") == "wwsuite0000000001"  # noqa: B009 - the JSON field
    assert "hi" not in record.getMessage() and TOKEN not in record.getMessage()
