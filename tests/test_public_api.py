"""The front door: every public name exported, sorted, documented."""

from __future__ import annotations

import importlib
import inspect

import pytest

import wecom_callback

PUBLIC_MODULES = [
    "wecom_callback",
    "wecom_callback.errors",
    "wecom_callback.crypto",
    "wecom_callback.models",
    "wecom_callback.testing",
]


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_all_is_sorted_and_complete(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert exported == sorted(exported)
    for attr in exported:
        assert hasattr(module, attr), attr


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_public_names_have_docstrings(name: str) -> None:
    module = importlib.import_module(name)
    for attr in module.__all__:
        obj = getattr(module, attr)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert obj.__doc__, f"{name}.{attr} has no docstring"


def test_contract_names() -> None:
    for attr in [
        "WeComApp",
        "Router",
        "parse_message",
        "TextReply",
        "ImageReply",
        "VoiceReply",
        "VideoReply",
        "NewsReply",
        "UpdateButtonReply",
        "UpdateTemplateCardReply",
        "CryptoError",
        "WeComAPIError",
    ]:
        assert attr in wecom_callback.__all__
