"""The optional source-address check, fed by getcallbackip from FakeWeComAPI."""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import CORP, KEY, TOKEN, Serve
from tests.durability.test_runner import text, wait_for
from wecom_callback import WeComApp
from wecom_callback._app.source_ip import parse_networks
from wecom_callback.testing import FakeWeComAPI, Simulator


@pytest.fixture
def api() -> Iterator[FakeWeComAPI]:
    with FakeWeComAPI(corp_id=CORP) as fake:
        yield fake


def app_for(api: FakeWeComAPI, mode: str) -> WeComApp:
    return WeComApp(
        TOKEN,
        KEY,
        CORP,
        inbox="memory://",
        corp_id=api.corp_id,
        secret=api.secret,
        api_base_url=api.base_url,
        source_ip_check=mode,
    )


def test_entries_in_every_form_wecom_uses() -> None:
    networks = parse_networks(["1.2.3.4", "10.0.0.0/8", "101.226.103.*", "nonsense"])
    assert ipaddress.ip_address("1.2.3.4") in networks[0]
    assert ipaddress.ip_address("10.9.9.9") in networks[1]
    assert ipaddress.ip_address("101.226.103.77") in networks[2]
    assert len(networks) == 3


def test_report_mode_logs_unknown_peers_once_and_refuses_nothing(
    serve: Serve, sim: Simulator, api: FakeWeComAPI, caplog: pytest.LogCaptureFixture
) -> None:
    app = app_for(api, "report")
    server = serve(app)
    wait_for(lambda: app.source_ips.networks is not None)
    with caplog.at_level(logging.WARNING, logger="wecom_callback"):
        for n in (1, 2):
            req = text(sim, n)
            assert httpx.post(req.url(server.url), content=req.body).status_code == 200
    reports = [m for m in caplog.messages if "not among WeCom's callback addresses" in m]
    assert len(reports) == 1 and "127.0.0.1" in reports[0]
    assert len(api.calls_to("getcallbackip")) == 1


def test_enforce_mode_refuses_unknown_peers(
    serve: Serve, sim: Simulator, api: FakeWeComAPI
) -> None:
    app = app_for(api, "enforce")
    server = serve(app)
    wait_for(lambda: app.source_ips.networks is not None)
    req = text(sim, 3)
    r = httpx.post(req.url(server.url), content=req.body)
    assert r.status_code == 403 and b"127.0.0.1 is not among" in r.content


def test_enforce_mode_behind_a_proxy_uses_the_forwarded_address(
    serve: Serve, sim: Simulator, api: FakeWeComAPI
) -> None:
    api.respond("getcallbackip", {"errcode": 0, "errmsg": "ok", "ip_list": ["203.0.113.*"]})
    app = app_for(api, "enforce")
    server = serve(app, proxy_headers=True, forwarded_allow_ips="127.0.0.1")
    wait_for(lambda: app.source_ips.networks is not None)
    req = text(sim, 4)
    ok = httpx.post(req.url(server.url), content=req.body,
                    headers={"X-Forwarded-For": "203.0.113.8"})  # fmt: skip
    assert ok.status_code == 200
    other = text(sim, 5)
    refused = httpx.post(other.url(server.url), content=other.body,
                         headers={"X-Forwarded-For": "198.51.100.1"})  # fmt: skip
    assert refused.status_code == 403


def test_without_a_client_the_check_is_off(serve: Serve, sim: Simulator) -> None:
    app = WeComApp(TOKEN, KEY, CORP, inbox="memory://", source_ip_check="enforce")
    assert app.source_ips.mode == "off"
    server = serve(app)
    req = text(sim, 6)
    assert httpx.post(req.url(server.url), content=req.body).status_code == 200
