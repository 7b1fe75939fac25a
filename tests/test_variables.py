"""Every WECOM_* variable the package reads is known; a mistyped one is a warning."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import wecom_callback
from tests.conftest import CORP, KEY, TOKEN
from wecom_callback import Settings
from wecom_callback._settings.settings import UnknownVariableWarning, known_variables

BASE = {"WECOM_TOKEN": TOKEN, "WECOM_ENCODING_AES_KEY": KEY, "WECOM_RECEIVE_ID": CORP}


def test_every_variable_the_package_names_is_known() -> None:
    root = Path(wecom_callback.__file__).parent
    named = {
        var
        for path in root.rglob("*.py")
        for var in re.findall(r"\bWECOM_[A-Z_]+\b", path.read_text())
        if not var.endswith("_") and not var.startswith("WECOM_HR_")  # the example endpoint
    }
    assert named - known_variables() == set()


def test_a_mistyped_variable_warns_with_the_closest_name() -> None:
    with pytest.warns(UnknownVariableWarning, match="WECOM_MAX_ATTEMPS.*WECOM_MAX_ATTEMPTS"):
        settings = Settings.from_env({**BASE, "WECOM_MAX_ATTEMPS": "9"})
    assert settings.max_attempts == 5  # the typo changed nothing, and was said


def test_invalid_values_say_what_is_wrong() -> None:
    from wecom_callback.errors import ConfigurationError

    with pytest.raises(
        ConfigurationError, match=r"reply_budget \(WECOM_REPLY_BUDGET\): .*less than 5"
    ):
        Settings.from_env({**BASE, "WECOM_REPLY_BUDGET": "9"})
