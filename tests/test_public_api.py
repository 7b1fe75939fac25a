"""The front door: every public name exported, sorted, documented."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest

import wecom_callback
from wecom_callback import models

PUBLIC_MODULES = [
    "wecom_callback",
    "wecom_callback.aibot",
    "wecom_callback.asgi",
    "wecom_callback.client",
    "wecom_callback.crypto",
    "wecom_callback.errors",
    "wecom_callback.inbox",
    "wecom_callback.models",
    "wecom_callback.replies",
    "wecom_callback.suite",
    "wecom_callback.testing",
]


def test_every_public_namespace_is_listed() -> None:
    """A folder or module without a leading underscore is public, and tested here."""
    root = Path(wecom_callback.__file__).parent
    found = {"wecom_callback"} | {
        f"wecom_callback.{p.stem}"
        for p in root.iterdir()
        if not p.name.startswith("_") and (p.suffix == ".py" or (p / "__init__.py").exists())
    }
    assert found == set(PUBLIC_MODULES)


def test_every_registered_model_is_exported() -> None:
    exported = set(models.__all__)
    for cls in models.registered().values():
        assert cls.__name__ in exported and getattr(models, cls.__name__) is cls


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
