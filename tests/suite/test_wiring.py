"""How suite mode sits in WeComApp: settings, handler order, errors, a custom store."""

from __future__ import annotations

import pytest

from tests.conftest import CORP as SELF_BUILT_CORP
from tests.conftest import KEY, TOKEN
from tests.suite.conftest import CORP, PROVIDER, SUITE, eventually, post, suite_app
from tests.suite.test_stores import DictInstallations
from wecom_callback import Settings, WeComApp
from wecom_callback.errors import ConfigurationError
from wecom_callback.models import CreateAuthEvent
from wecom_callback.testing import FakeWeComAPI, LiveServer, Simulator


def test_suite_settings_from_the_environment() -> None:
    env = {"WECOM_TOKEN": TOKEN, "WECOM_ENCODING_AES_KEY": KEY, "WECOM_SUITE_ID": SUITE}
    env |= {"WECOM_SUITE_SECRET": "s3cret", "WECOM_PROVIDER_CORP_ID": PROVIDER}
    settings = Settings.from_env(env)
    assert settings.receive_ids == (SUITE, PROVIDER) and settings.has_suite
    assert "s3cret" not in repr(settings)
    with pytest.raises(ConfigurationError, match="suite_id and suite_secret"):
        Settings.from_env({k: v for k, v in env.items() if k != "WECOM_SUITE_SECRET"})


def test_the_built_in_handlers_come_first() -> None:
    app = WeComApp(TOKEN, KEY, suite_id=SUITE, suite_secret="s", inbox="memory://")

    @app.on(CreateAuthEvent)
    def mine(ev: CreateAuthEvent) -> None:
        """A user's handler, registered after the app was built."""

    ids = [h.id.rsplit(".", 1)[-1] for h in app.router.handlers]
    assert ids == ["keep_ticket", "install", "reinstall", "refresh", "uninstall", "mine"]


def test_clear_errors_outside_suite_mode() -> None:
    plain = WeComApp(TOKEN, KEY, SELF_BUILT_CORP, inbox="memory://")
    with pytest.raises(ConfigurationError, match="not in suite mode: give it suite_id"):
        plain.suite_client  # noqa: B018 - the property raises
    suite = WeComApp(TOKEN, KEY, suite_id=SUITE, suite_secret="s", inbox="memory://")
    with pytest.raises(ConfigurationError, match="while the app runs"):
        suite.installations  # noqa: B018 - the property raises
    with pytest.raises(ConfigurationError, match="needs suite mode"):
        WeComApp(TOKEN, KEY, SELF_BUILT_CORP, inbox="memory://", installations=DictInstallations())


def test_installations_in_the_users_own_store(
    fake: FakeWeComAPI, suite_secret: str, instruction: Simulator
) -> None:
    rows = DictInstallations()
    app = suite_app(fake, suite_secret, "memory://", installations=rows)
    fake.service.push_ticket(SUITE)
    ticket = fake.service.push_ticket(SUITE)
    with LiveServer(app) as server:
        post(server, instruction.instruction("suite_ticket", {"SuiteTicket": ticket}))
        eventually(lambda: server.call(app.suite_client.tickets.latest()), "the ticket")
        code = fake.service.authorize(SUITE, CORP)
        post(server, instruction.instruction("create_auth", {"AuthCode": code}))
        eventually(lambda: CORP in rows.rows and rows.rows[CORP].complete, "the row")
        assert app.installations is rows
        data = Simulator(TOKEN, KEY, CORP)
        assert post(server, data.callback({"MsgType": "text", "MsgId": 5})).status_code == 200


async def test_from_env_takes_the_users_installation_store(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = {"WECOM_TOKEN": TOKEN, "WECOM_ENCODING_AES_KEY": KEY, "WECOM_SUITE_ID": SUITE}
    env |= {"WECOM_SUITE_SECRET": "s3cret", "WECOM_INBOX_URL": "memory://"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    rows = DictInstallations()
    app = WeComApp.from_env(installations=rows)
    await app.startup()
    try:
        assert app.installations is rows
    finally:
        await app.shutdown()
