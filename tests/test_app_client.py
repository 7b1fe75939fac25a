"""Handlers asking for ``client`` get the app's own WeComClient, against FakeWeComAPI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import CORP, KEY, TOKEN, Serve
from tests.durability.test_runner import wait_for
from wecom_callback import Router, Settings, WeComApp
from wecom_callback.client import ClientState, WeComClient
from wecom_callback.errors import ConfigurationError, HandlerError
from wecom_callback.models import AddExternalContactEvent
from wecom_callback.testing import FakeWeComAPI, Simulator


@pytest.fixture
def api() -> Iterator[FakeWeComAPI]:
    with FakeWeComAPI(corp_id=CORP) as fake:
        yield fake


def add_contact(sim: Simulator, code: str) -> Any:
    return sim.callback(
        {
            "ToUserName": CORP,
            "FromUserName": "sys",
            "CreateTime": 1700000000,
            "MsgType": "event",
            "Event": "change_external_contact",
            "ChangeType": "add_external_contact",
            "UserID": "zhangsan",
            "ExternalUserID": "wmABC",
            "WelcomeCode": code,
        }
    )


def test_handler_gets_the_apps_client_and_its_calls_reach_wecom(
    serve: Serve, sim: Simulator, api: FakeWeComAPI, tmp_path: Path
) -> None:
    app = WeComApp(
        TOKEN,
        KEY,
        CORP,
        inbox=f"sqlite:///{tmp_path / 'inbox.db'}",
        corp_id=api.corp_id,
        secret=api.secret,
        agent_id=api.agent_id,
        api_base_url=api.base_url,
    )
    seen: list[WeComClient] = []

    @app.on("change_external_contact", change_type="add_external_contact")
    async def welcome(ev: AddExternalContactEvent, client: WeComClient) -> None:
        seen.append(client)
        await client.external_contact.send_welcome_msg(ev.welcome_code or "", text="Hi!")

    server = serve(app)
    for code in ("W1", "W2"):
        req = add_contact(sim, code)
        assert httpx.post(req.url(server.url), content=req.body).status_code == 200
    wait_for(lambda: len(api.calls_to("externalcontact/send_welcome_msg")) == 2)
    sent = [c.json for c in api.calls_to("externalcontact/send_welcome_msg")]
    assert [s["welcome_code"] for s in sent] == ["W1", "W2"]
    assert sent[0]["text"] == {"content": "Hi!"}
    assert len(api.calls_to("gettoken")) == 1  # one token for both, kept in the store
    states = [seen[0].state]
    server.stop()
    states.append(seen[0].state)  # closed with the app, after its handlers
    assert seen[0] is seen[1]
    assert states == [ClientState.OPENED, ClientState.CLOSED]


def test_client_settings_come_from_the_environment(api: FakeWeComAPI) -> None:
    env = {
        "WECOM_TOKEN": TOKEN,
        "WECOM_ENCODING_AES_KEY": KEY,
        "WECOM_RECEIVE_ID": CORP,
        "WECOM_CORP_ID": api.corp_id,
        "WECOM_SECRET": api.secret,
        "WECOM_AGENT_ID": "1000002",
        "WECOM_API_BASE_URL": api.base_url,
        "WECOM_STORE_URL": "memory://",
    }
    settings = Settings.from_env(env)
    assert settings.has_client and settings.agent_id == 1000002
    assert settings.store_url == "memory://"
    assert api.secret not in repr(settings)
    with pytest.raises(ConfigurationError, match="both corp_id and secret"):
        Settings.from_env({k: v for k, v in env.items() if k != "WECOM_SECRET"})


def test_store_defaults_to_the_inbox_storage(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'inbox.db'}"
    app = WeComApp(TOKEN, KEY, CORP, inbox=url, corp_id=CORP, secret="s3cret")
    assert app.settings.store_url == url


def test_asking_for_client_without_credentials_fails_at_registration() -> None:
    app = WeComApp(TOKEN, KEY, CORP, inbox="memory://")
    with pytest.raises(HandlerError, match="asks for client, but this app has none"):

        @app.on("text")
        async def needs(msg: object, client: WeComClient) -> None: ...

    router = Router()

    @router.on("text")
    async def also(msg: object, client: WeComClient) -> None: ...

    with pytest.raises(HandlerError, match="corp_id= and secret="):
        app.include_router(router)
