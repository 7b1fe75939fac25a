"""The README's settings table is the model's: every field, its variable, its meaning."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import CORP, KEY, TOKEN
from wecom_callback import Settings
from wecom_callback._settings.reference import markdown_table
from wecom_callback._settings.settings import _ENV

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_has_a_variable_and_a_meaning() -> None:
    assert set(_ENV) == set(Settings.model_fields), "a field no variable sets, or the reverse"
    assert all(field.description for field in Settings.model_fields.values())


def test_every_variable_is_read() -> None:
    # One odd value per variable: each must reach its field (or fail there, by name).
    base = {"WECOM_TOKEN": TOKEN, "WECOM_ENCODING_AES_KEY": KEY, "WECOM_RECEIVE_ID": CORP}
    env = {**base, "WECOM_SOURCE_IP_CHECK": "enforce", "WECOM_SOURCE_IP_REFRESH": "60"}
    settings = Settings.from_env(env, env_file=False)
    assert (settings.source_ip_check, settings.source_ip_refresh) == ("enforce", 60.0)


def test_the_readme_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text()
    assert markdown_table() in readme
    script = ROOT / "scripts" / "gen_settings_table"
    check = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    for name, var in _ENV.items():
        assert f"| `{name}` | `{var}` |" in readme
