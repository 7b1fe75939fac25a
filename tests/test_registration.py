"""Mistakes in the user's own code or configuration are reported where they are made."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

import httpx
import pytest

from tests.conftest import CORP, KEY, TOKEN, Serve
from tests.durability.test_runner import text, wait_for
from wecom_callback import Router, Settings, WeComApp
from wecom_callback._routing.vocabulary import RegistrationWarning
from wecom_callback.errors import ConfigurationError, HandlerError
from wecom_callback.models import AddExternalContactEvent, Callback, TextMessage
from wecom_callback.testing import Simulator

OTHER_KEY = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"


def test_unknown_kind_warns_with_the_closest_known_ones() -> None:
    router = Router()
    with pytest.warns(RegistrationWarning, match=r"'txet'.*did you mean 'text'") as caught:

        @router.on("txet")
        def typo(msg: Callback) -> None: ...

    assert caught[0].filename == __file__  # reported at the user's handler
    assert len(router.handlers) == 1  # still registered: WeCom adds kinds


def test_filter_on_no_field_of_the_kind_is_an_error_naming_the_fields() -> None:
    router = Router()
    with pytest.raises(HandlerError, match=r"chnage_type=.*Did you mean change_type.*user_id"):

        @router.on("change_external_contact", chnage_type="add_external_contact")
        def typo(ev: Callback) -> None: ...

    assert router.handlers == []


def test_filter_value_that_is_no_enum_member_warns() -> None:
    router = Router()
    with pytest.warns(RegistrationWarning, match="did you mean 'add_external_contact'"):

        @router.on("change_external_contact", change_type="add_external_contatc")
        def typo(ev: Callback) -> None: ...


def test_correct_registrations_are_silent(recwarn: pytest.WarningsRecorder) -> None:
    router = Router()

    @router.on("change_external_contact", change_type={"add_external_contact", "del_follow_user"})
    def fine(ev: Callback) -> None: ...

    @router.on(AddExternalContactEvent, welcome_code=lambda code: bool(code))
    def by_class(ev: AddExternalContactEvent) -> None: ...

    @router.on("*", agent_id=1000002)
    def anywhere(ev: Callback) -> None: ...

    @router.on("text", content="hi")
    def texts(msg: TextMessage) -> None: ...

    assert not [w for w in recwarn if issubclass(w.category, RegistrationWarning)]
    assert len(router.handlers) == 4


@pytest.mark.parametrize(
    "extra", [{"inbox": "memory://"}, {"token": TOKEN}, {"receive_id": CORP}, {"max_attempts": 2}]
)
def test_settings_with_other_options_is_an_error(extra: dict[str, Any]) -> None:
    settings = Settings(token=TOKEN, encoding_aes_key=KEY, receive_ids=(CORP,))
    with pytest.raises(ConfigurationError, match=f"also given {next(iter(extra))}"):
        WeComApp(settings=settings, **extra)


@pytest.mark.parametrize("value", ["ww1,", "ww1, ,ww2", ",ww1"])
def test_receive_id_list_with_an_empty_item_is_an_error(value: str) -> None:
    env = {"WECOM_TOKEN": TOKEN, "WECOM_ENCODING_AES_KEY": KEY, "WECOM_RECEIVE_ID": value}
    with pytest.raises(ConfigurationError, match=r"receive_ids \(WECOM_RECEIVE_ID\).*empty item"):
        Settings.from_env(env)


def test_the_empty_receive_id_is_accepted_when_listed_explicitly() -> None:
    app = WeComApp(TOKEN, KEY, receive_ids=[""], inbox="memory://")
    assert app.settings.receive_ids == ("",)
    assert app.name.startswith("app-")


def test_endpoint_names_are_stable_distinct_and_reveal_no_secret() -> None:
    one = WeComApp(TOKEN, KEY, CORP, inbox="memory://")
    same = WeComApp(TOKEN, KEY, CORP, inbox="memory://")
    other = WeComApp(TOKEN, OTHER_KEY, CORP, inbox="memory://")
    assert one.name == same.name != other.name
    assert one.name.startswith(CORP + "-")
    assert KEY not in one.name and TOKEN not in one.name and KEY[:8] not in one.name
    named = WeComApp(TOKEN, KEY, CORP, inbox="memory://", name="hr")
    assert named.name == "hr" and named.inbox.endpoint == "hr"
    with pytest.raises(ConfigurationError, match="endpoint name"):
        WeComApp(TOKEN, KEY, CORP, inbox="memory://", name="h r")


def test_unmatched_callback_and_late_reply_are_logged(
    serve: Serve, sim: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    app = WeComApp(TOKEN, KEY, CORP, inbox="memory://", reply_budget=0.2)
    release = threading.Event()

    @app.on("text", content="slow")
    async def slow(msg: TextMessage) -> str:
        await asyncio.get_running_loop().run_in_executor(None, release.wait, 10)
        return "too late"

    server = serve(app)
    with caplog.at_level(logging.INFO, logger="wecom_callback"):
        unmatched = text(sim, 1, "nobody listens")
        assert httpx.post(unmatched.url(server.url), content=unmatched.body).status_code == 200
        late = text(sim, 2, "slow")
        r = httpx.post(late.url(server.url), content=late.body)
        assert (r.status_code, r.content) == (200, b"")
        release.set()
        wait_for(lambda: any("after the answer went out" in m for m in caplog.messages))
    assert any(f"key={CORP}:msg:1 matched no handler" in m for m in caplog.messages)
