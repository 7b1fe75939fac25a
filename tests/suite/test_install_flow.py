"""The install flow through a real uvicorn: start URL, WeCom's install page, redirect back."""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from tests.suite.conftest import CORP, SUITE, suite_app
from wecom_callback import WeComApp
from wecom_callback.testing import FakeWeComAPI, LiveServer


@pytest.fixture
def site(fake: FakeWeComAPI, suite_secret: str) -> Iterator[tuple[LiveServer, WeComApp]]:
    """The provider's site: the suite's callback URL and the install flow, one uvicorn."""
    app = suite_app(fake, suite_secret, "memory://")
    flow = app.suite.install_flow(
        redirect_uri="set below", auth_type=1, install_base_url=fake.base_url
    )
    host = Starlette(routes=[Mount("/install", flow), Mount("/wecom", app)], lifespan=app.lifespan)
    with LiveServer(host) as server:
        flow.redirect_uri = f"{server.url}/install/callback"
        server.call(app.suite_client.save_ticket(fake.service.push_ticket(SUITE), int(time.time())))
        yield server, app


def test_an_install_from_the_providers_site(
    site: tuple[LiveServer, WeComApp], fake: FakeWeComAPI
) -> None:
    server, app = site
    fake.service.installing(CORP, "Corp From Site")
    with httpx.Client(follow_redirects=True, timeout=10) as browser:
        r = browser.get(f"{server.url}/install/start")
        assert r.status_code == 200 and r.text == "installed in Corp From Site"
        hops = [str(h.url) for h in r.history]
        assert hops[1].startswith(f"{fake.base_url}/3rdapp/install?")
        inst = server.call(app.installations.get(CORP))
        assert inst is not None and inst.complete
        [session] = fake.calls_to("service/set_session_info")
        assert session.json["session_info"] == {"auth_type": 1}

        # The same redirect again: the code was used (40078), a clear 400.
        again = browser.get(str(r.url))
        assert again.status_code == 400 and "40078" in again.text
    assert len(fake.calls_to("service/v2/get_permanent_code")) == 2


@pytest.mark.parametrize(
    "change",
    [
        lambda q: {**q, "state": ["0" * 58]},
        lambda q: {**q, "state": [q["state"][0][:-1] + "0"]},
        lambda q: {k: v for k, v in q.items() if k != "state"},
        lambda q: {k: v for k, v in q.items() if k != "auth_code"},
    ],
    ids=["forged", "tampered", "no-state", "no-code"],
)
def test_a_bad_redirect_is_refused(
    site: tuple[LiveServer, WeComApp], fake: FakeWeComAPI, change: object
) -> None:
    server, _ = site
    with httpx.Client(timeout=10) as browser:
        to_wecom = browser.get(f"{server.url}/install/start").headers["location"]
        back = httpx.get(to_wecom, timeout=10).headers["location"]
    parts = urlsplit(back)
    query = change(parse_qs(parts.query))  # type: ignore[operator]  # the parametrized edit
    r = httpx.get(f"{server.url}{parts.path}", params=query, timeout=10)
    assert r.status_code == 400 and r.text
    assert not fake.calls_to("service/v2/get_permanent_code")


def test_no_ticket_yet_is_a_clear_503(fake: FakeWeComAPI, suite_secret: str) -> None:
    app = suite_app(fake, suite_secret, "memory://")
    flow = app.suite.install_flow(redirect_uri="http://127.0.0.1/never")
    with LiveServer(Starlette(routes=[Mount("/install", flow)], lifespan=app.lifespan)) as s:
        r = httpx.get(f"{s.url}/install/start", timeout=10)
    assert r.status_code == 503 and "刷新Ticket" in r.text
