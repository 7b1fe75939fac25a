"""The TOML settings file, prefixed variables and ``.env`` files: values and mistakes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.conftest import CORP, KEY, TOKEN
from wecom_callback import Settings, SettingsFile, build_site
from wecom_callback._settings.settings import UnknownVariableWarning
from wecom_callback.errors import ConfigurationError

KEY2 = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"

TWO = f"""
[defaults]
inbox_url = "memory://"
max_attempts = 3

[endpoints.hr]
path = "/wecom/hr"
handlers = "hr_handlers"
receive_ids = ["{CORP}"]
token = "{TOKEN}"
encoding_aes_key = "{KEY}"

[endpoints.kf]
receive_ids = "{CORP}"
encoding_aes_key = "{KEY2}"
max_attempts = 7
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "wecom.toml"
    path.write_text(text)
    return path


def test_values_come_from_the_file_and_prefixed_variables(tmp_path: Path) -> None:
    env = {"WECOM_KF_TOKEN": "kft", "WECOM_MAX_ATTEMPTS": "4", "WECOM_HR_MAX_ATTEMPTS": "9"}
    loaded = SettingsFile.load(write(tmp_path, TWO), env, env_file=False)
    hr, kf = loaded["hr"], loaded["kf"]
    assert (hr.path, hr.handlers, kf.path, kf.handlers) == ("/wecom/hr", "hr_handlers", "/kf", None)
    assert hr.settings.endpoint == "hr" and kf.settings.endpoint == "kf"
    assert kf.settings.token.get_secret_value() == "kft"
    assert kf.settings.receive_ids == (CORP,)
    # Strongest first: WECOM_HR_*, the endpoint's table, WECOM_*, [defaults].
    assert hr.settings.max_attempts == 9
    assert kf.settings.max_attempts == 7
    assert "kft" not in repr(loaded) and TOKEN not in repr(loaded)


def test_unprefixed_variables_beat_the_defaults_table(tmp_path: Path) -> None:
    env = {"WECOM_KF_TOKEN": "kft", "WECOM_INBOX_URL": "memory://?x=1", "WECOM_NAME": "one"}
    loaded = SettingsFile.load(write(tmp_path, TWO), env, env_file=False)
    assert loaded["hr"].settings.inbox_url == "memory://?x=1"
    assert loaded["hr"].settings.endpoint == "hr", "WECOM_NAME names one app, not every endpoint"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[endpoints.hr\n", "is not valid TOML"),
        ("[endpoint.hr]\n", r"unknown table\(s\) \['endpoint'\]"),
        ("[defaults]\n", "no endpoints"),
        (
            '[endpoints.hr]\nreceive_id = "x"\n',
            "'receive_id' is not a setting; did you mean 'receive_ids'",
        ),
        ("[endpoints.hr]\nmax_atempts = 2\n", "did you mean 'max_attempts'"),
        ('[defaults]\npath = "/x"\n[endpoints.hr]\n', r"\[defaults\]: 'path' is not a setting"),
        ("[endpoints.suite]\n", "makes WECOM_SUITE_SECRET ambiguous"),
        ('[endpoints."a b"]\n', "endpoint 'a b'"),
        (
            f'[endpoints.hr]\ntoken = "t"\nencoding_aes_key = "{KEY}"\nreceive_ids = "{CORP}"\n'
            "reply_budget = 9\n",
            r"endpoint 'hr': reply_budget \(WECOM_HR_REPLY_BUDGET\): Input should be less than 5",
        ),
        ("[endpoints.hr]\n", r"token \(WECOM_HR_TOKEN\): Field required"),
        ("endpoints = 3\n", r"\[endpoints\] must be a table"),
    ],
)
def test_mistakes_are_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        SettingsFile.load(write(tmp_path, text), {}, env_file=False)


def test_two_endpoints_on_one_path_or_name_are_refused(tmp_path: Path) -> None:
    body = f'token = "t"\nencoding_aes_key = "{KEY}"\nreceive_ids = "{CORP}"\n'
    same_path = f'[endpoints.a]\npath = "/x"\n{body}[endpoints.b]\npath = "/x/"\n{body}'
    with pytest.raises(ConfigurationError, match="'a' and 'b' are both served at /x"):
        SettingsFile.load(write(tmp_path, same_path), {}, env_file=False)
    same_name = f'[endpoints.a]\nname = "n"\n{body}[endpoints.b]\nname = "n"\n{body}'
    with pytest.raises(ConfigurationError, match="same name 'n'"):
        SettingsFile.load(write(tmp_path, same_name), {}, env_file=False)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        SettingsFile.load(tmp_path / "nope.toml", {})


def test_a_mistyped_prefixed_variable_warns(tmp_path: Path) -> None:
    env = {"WECOM_KF_TOKEN": "kft", "WECOM_KF_TOKN": "x"}
    with pytest.warns(UnknownVariableWarning, match="WECOM_KF_TOKN.*WECOM_KF_TOKEN"):
        SettingsFile.load(write(tmp_path, TWO), env, env_file=False)


def test_an_env_file_is_read_under_the_environment(tmp_path: Path) -> None:
    dotenv = tmp_path / "wecom.env"
    dotenv.write_text(f"WECOM_TOKEN=fromfile\nWECOM_ENCODING_AES_KEY={KEY}\n")
    env = {"WECOM_RECEIVE_ID": CORP, "WECOM_ENV_FILE": str(dotenv)}
    settings = Settings.from_env(env)
    assert settings.token.get_secret_value() == "fromfile"
    assert Settings.from_env({**env, "WECOM_TOKEN": "env"}).token.get_secret_value() == "env"
    assert Settings.from_env(env, env_file=False, token="t", encoding_aes_key=KEY).token
    dotenv.write_text("WECOM_KF_TOKEN=kf\n")
    loaded = SettingsFile.load(write(tmp_path, TWO), {}, env_file=dotenv)
    assert loaded["kf"].settings.token.get_secret_value() == "kf"
    with pytest.raises(ConfigurationError, match=r"env file .* does not exist"):
        Settings.from_env(env, env_file=tmp_path / "missing.env")


def test_a_mistyped_variable_in_an_env_file_warns(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"WECOM_TOKEN=t\nWECOM_ENCODING_AES_KEY={KEY}\nWECOM_RECIEVE_ID={CORP}\n")
    with (
        pytest.warns(UnknownVariableWarning, match="WECOM_RECIEVE_ID.*WECOM_RECEIVE_ID"),
        pytest.raises(ConfigurationError, match="WECOM_RECEIVE_ID"),
    ):
        Settings.from_env({}, env_file=dotenv)


def test_handlers_must_name_a_router(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "not_a_router.py").write_text("router = 42\n")
    monkeypatch.chdir(tmp_path)
    text = TWO.replace('"hr_handlers"', '"not_a_router"')
    loaded = SettingsFile.load(write(tmp_path, text), {"WECOM_KF_TOKEN": "k"}, env_file=False)
    with pytest.raises(
        ConfigurationError, match=r"not_a_router:router is a int, not a wecom_callback\.Router"
    ):
        build_site(loaded)
    missing = TWO.replace('"hr_handlers"', '"no_such_module"')
    loaded = SettingsFile.load(write(tmp_path, missing), {"WECOM_KF_TOKEN": "k"}, env_file=False)
    with pytest.raises(ConfigurationError, match="cannot import 'no_such_module'"):
        build_site(loaded)


def test_a_site_whose_second_endpoint_cannot_start_stops_the_first(tmp_path: Path) -> None:
    body = f'token = "t"\nencoding_aes_key = "{KEY}"\nreceive_ids = "{CORP}"\n'
    text = (
        f'[endpoints.a]\ninbox_url = "memory://"\n{body}'
        f'[endpoints.b]\ninbox_url = "sqlite:///{tmp_path}/not-a-dir/inbox.db"\n{body}'
    )
    (tmp_path / "not-a-dir").write_text("a file where a directory should be")
    site = build_site(SettingsFile.load(write(tmp_path, text), {}, env_file=False))

    async def start() -> None:
        with pytest.raises(Exception, match="not-a-dir"):
            await site.startup()

    asyncio.run(start())
    assert not site.apps["a"].runner.started, "the endpoint already started is stopped again"
    assert "Site(" in repr(site) and "['a', 'b']" in repr(site)
